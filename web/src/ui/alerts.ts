// 告警: the top-bar alert counter, its drop-down list and toasts for alerts raised by the server's
// timers (unsigned / late_arrival / instruction_overdue). Loaded from GET /api/v1/alerts and kept
// current from `record_type: "alert"` live events.

import { api, type Alert } from '../api';
import { h, setChildren } from '../dom';
import { fmtAgo, fmtTime, onLangChange, t, tDyn } from '../i18n';
import { dayTime, instructionText, registerTexts, str, worded, type Params } from '../texts';
import type { LiveFeed } from '../live';
import { alerts, selectedIncident } from '../store';
import { openPost } from '../domains/major_events/panel';

/** The title of the instruction an alert is about, in the console's language. */
const insTitle = (p: Params) =>
  instructionText({ title: str(p.title), body: '', text: (p.text as { code: string; params: Params } | null) ?? null }).title;

// The wording of the alerts the dispatch timers and the instruction loop raise (`kind` + `data`);
// each domain registers its own (e.g. the major-event posts' lapses).
registerTexts({
  'alert.unsigned': {
    zh: (p) => `${str(p.call_sign)} 派警单 ${str(p.seconds)} 秒未签收`,
    en: (p) => `${str(p.call_sign)} has not signed the dispatch order for ${str(p.seconds)} s`,
  },
  'alert.late_arrival': {
    zh: (p) => `${str(p.call_sign)} 超过预计到达时间 ${Math.round(Number(p.eta_s))} 秒的 1.5 倍仍未到场`,
    en: (p) => `${str(p.call_sign)} is not on scene after 1.5 × the expected ${Math.round(Number(p.eta_s))} s`,
  },
  'alert.instruction_overdue': {
    zh: (p) => `指令《${insTitle(p)}》逾期未完成:${str(p.name)}(截止 ${dayTime(p.deadline, true)})`,
    en: (p) => `Instruction "${insTitle(p)}" overdue: ${str(p.name)} (deadline ${dayTime(p.deadline, false)})`,
  },
});

/** The kinds that pop up as a toast: a crew not answering or not arriving, a post left empty. */
const TOASTED = new Set(['unsigned', 'late_arrival', 'post_empty']);
/** Most alert toasts on screen at once; a newer one pushes the oldest out. */
const MAX_TOASTS = 3;

/** A parameter every alert of a kind carries since its data was complete. */
const NEEDS: Record<string, string> = {
  unsigned: 'call_sign',
  late_arrival: 'call_sign',
  instruction_overdue: 'name',
  post_late: 'event',
  post_empty: 'event',
};

/** An alert's text in the console's language: from its kind and data, else the server's text
 * (an unknown kind, or an alert raised before its data carried every parameter). */
export function alertText(a: Alert): string {
  const need = NEEDS[a.kind];
  return need && need in a.data ? worded(`alert.${a.kind}`, a.data, a.message) : a.message;
}

const SEEN_KEY = 'zhihui.alerts.seen';

export class AlertCenter {
  readonly button: HTMLElement;
  readonly panel: HTMLElement;
  private seen: number;
  private isOpen = false;

  constructor(
    live: LiveFeed,
    private onInstruction: (id: number) => void,
  ) {
    this.seen = Number(sessionStorage.getItem(SEEN_KEY) ?? '0') || 0;
    this.button = h('button.alert-btn', {
      'data-testid': 'alert-button',
      onClick: (e: Event) => {
        e.stopPropagation();
        this.toggle();
      },
    });
    this.panel = h('div.alert-panel', { 'data-testid': 'alert-panel', hidden: true, onClick: (e: Event) => e.stopPropagation() });
    document.addEventListener('click', () => this.isOpen && this.toggle(false));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen) this.toggle(false);
    });
    alerts.subscribe(() => this.draw());
    live.subscribe((ev) => {
      if (ev.record_type === 'alert' || ev.kind.startsWith('alert.')) {
        const a = ev.data as Alert;
        if (a && typeof a.id === 'number') this.toast(a);
      }
    });
    onLangChange(() => this.draw());
    window.setInterval(() => this.isOpen && this.draw(), 10000);
    this.draw();
  }

  load(): void {
    void api
      .alerts()
      .then((r) => alerts.upsertMany(r.items ?? []))
      .catch(() => {});
  }

  private list(): Alert[] {
    return alerts.all().sort((a, b) => b.raised_at.localeCompare(a.raised_at) || b.id - a.id);
  }

  private unread(): number {
    let n = 0;
    for (const a of alerts.byId.values()) if (a.id > this.seen) n++;
    return n;
  }

  private toggle(open = !this.isOpen): void {
    this.isOpen = open;
    this.panel.hidden = !open;
    if (open) {
      // Opening the list marks everything as read.
      for (const a of alerts.byId.values()) this.seen = Math.max(this.seen, a.id);
      sessionStorage.setItem(SEEN_KEY, String(this.seen));
    }
    this.draw();
  }

  private follow(a: Alert): void {
    const d = a.data ?? {};
    if (typeof d.incident_id === 'number') selectedIncident.set(d.incident_id);
    else if (typeof d.post_id === 'number' && typeof d.event_id === 'number') openPost(d.event_id, d.post_id);
    else if (typeof d.instruction_id === 'number') this.onInstruction(d.instruction_id);
    else if (a.subject?.startsWith('instruction:')) this.onInstruction(Number(a.subject.split(':')[1]));
  }

  private link(a: Alert): HTMLElement | null {
    const d = a.data ?? {};
    const go = (label: string) =>
      h(
        'a.link.al-link',
        {
          href: '#',
          'data-testid': 'alert-link',
          onClick: (e: Event) => {
            e.preventDefault();
            this.follow(a);
            this.toggle(false);
          },
        },
        label,
      );
    if (typeof d.incident_id === 'number') return go(`${t('alert.incident')} #${d.incident_id}`);
    if (typeof d.instruction_id === 'number') return go(`${t('alert.instruction')} #${d.instruction_id}`);
    if (typeof d.post_id === 'number') return go(`${t('alert.post')} ${String(d.post_index ?? d.post_id)}`);
    return null;
  }

  private draw(): void {
    const unread = this.unread();
    const total = alerts.byId.size;
    this.button.classList.toggle('hot', unread > 0);
    this.button.title = t('alert.title');
    setChildren(
      this.button,
      h('span.al-icon', { 'aria-hidden': 'true' }, '⚠'),
      h('span.al-label', null, t('alert.title')),
      h('b.al-count', { 'data-testid': 'alert-count', 'data-unread': String(unread) }, String(unread > 0 ? unread : total)),
    );
    if (!this.isOpen) return;
    const list = this.list();
    setChildren(
      this.panel,
      h('div.panel-head', null, h('h2', null, t('alert.title')), h('span.count', null, String(total)), h('div.spacer')),
      list.length === 0
        ? h('div.muted.pad', null, t('alert.none'))
        : h(
            'div.al-list',
            null,
            list.slice(0, 200).map((a) =>
              h(
                'div.al-row',
                { 'data-testid': 'alert-row', 'data-kind': a.kind, class: `al-${a.kind}` },
                h(
                  'div.al-top',
                  null,
                  h('span.al-kind', null, tDyn(`alert.kind.${a.kind}`, a.kind)),
                  h('span.al-time.mono', { title: fmtTime(a.raised_at, true) }, `${fmtTime(a.raised_at)} · ${fmtAgo(a.raised_at)}`),
                  h('span.spacer'),
                  this.link(a),
                ),
                h('div.al-msg', null, alertText(a)),
              ),
            ),
          ),
    );
  }

  private toast(a: Alert): void {
    // Only what needs a dispatcher now pops up, and never more than a few at once: a burst of
    // alerts must not bury the unit board and the clock. Everything stays in the panel.
    if (!TOASTED.has(a.kind)) return;
    let host = document.getElementById('toasts');
    if (!host) {
      host = h('div#toasts');
      document.body.appendChild(host);
    }
    const shown = host.querySelectorAll('.toast-alert');
    for (let i = 0; i <= shown.length - MAX_TOASTS; i++) shown[i].remove();
    const el = h(
      'div.toast.toast-alert',
      {
        role: 'alert',
        'data-testid': 'alert-toast',
        class: `al-${a.kind}`,
        onClick: () => {
          this.follow(a);
          el.remove();
        },
      },
      h('div.al-top', null, h('span.al-kind', null, tDyn(`alert.kind.${a.kind}`, a.kind)), h('span.al-time.mono', null, fmtTime(a.raised_at))),
      h('div.al-msg', null, alertText(a)),
    );
    host.appendChild(el);
    window.setTimeout(() => el.classList.add('out'), 8000);
    window.setTimeout(() => el.remove(), 8400);
  }
}
