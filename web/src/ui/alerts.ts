// 告警中心: the top-bar alert counter and the alert centre (a drop-down over the map) for the
// alerts the server's timers raise. Each alert has a severity, a state (new → acknowledged →
// resolved, with who and when) and a count of its repeats; a dispatcher takes (认领) and ends
// (办结) it here. Only critical and major alerts pop up as toasts, at most three at once; a
// critical one also sounds (mutable, remembered per browser). Loaded from GET /api/v1/alerts and
// kept current from the live `alert.*` events.

import { api, can, type Alert, type Severity, type User } from '../api';
import { h, setChildren, toast as notice } from '../dom';
import { fmtAgo, fmtTime, onLangChange, t, tDyn } from '../i18n';
import { dayTime, instructionText, registerTexts, str, worded, type Params } from '../texts';
import type { LiveFeed } from '../live';
import { alerts, recipientName, selectedIncident } from '../store';
import { openPost } from '../domains/major_events/panel';

/** The title of the instruction an alert is about, in the console's language. */
const insTitle = (p: Params) =>
  instructionText({ title: str(p.title), body: '', text: (p.text as { code: string; params: Params } | null) ?? null }).title;

/** The late recipient of an overdue instruction, named in `lang` when this console knows it. */
const lateName = (p: Params, lang: 'zh' | 'en') => recipientName({ target: str(p.target), name: str(p.name) }, lang);

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
    zh: (p) => `指令《${insTitle(p)}》逾期未完成:${lateName(p, 'zh')}(截止 ${dayTime(p.deadline, true)})`,
    en: (p) => `Instruction "${insTitle(p)}" overdue: ${lateName(p, 'en')} (deadline ${dayTime(p.deadline, false)})`,
  },
});

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

/** Severities that pop up as a toast. */
const TOASTED: ReadonlySet<Severity> = new Set<Severity>(['critical', 'major']);
/** Most alert toasts on screen at once; a newer one pushes the oldest out. */
const MAX_TOASTS = 3;
const MUTE_KEY = 'zhihui.alerts.muted';
const RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2 };

type Tab = 'new' | 'acknowledged' | 'resolved' | 'all';
const TABS: Tab[] = ['new', 'acknowledged', 'resolved', 'all'];

/** A short two-tone beep through Web Audio (no sound file to ship); silent where audio is blocked. */
function beep(): void {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    [880, 660, 880].forEach((f, i) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start(ctx.currentTime + i * 0.18);
      o.stop(ctx.currentTime + i * 0.18 + 0.14);
    });
    window.setTimeout(() => void ctx.close(), 1000);
  } catch {
    /* no audio here */
  }
}

export class AlertCenter {
  readonly button: HTMLElement;
  readonly panel: HTMLElement;
  private isOpen = false;
  private tab: Tab = 'new';
  private muted: boolean;
  /** How many times a critical alert sounded (tests read it; the sound itself cannot be heard). */
  sounded = 0;
  private readonly mayWork: boolean;

  constructor(
    live: LiveFeed,
    private user: User,
    private onInstruction: (id: number) => void,
  ) {
    this.muted = localStorage.getItem(MUTE_KEY) === '1';
    this.mayWork = can(user, 'write_incident') || can(user, 'oversee');
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
      if (ev.record_type !== 'alert') return;
      const a = ev.data as Alert;
      if (!a || typeof a.id !== 'number') return;
      // A new alert pops up; so does one escalated to this user's duty leader desk.
      if (ev.kind === 'alert.raised') this.pop(a);
      else if (ev.kind === 'alert.escalated' && can(this.user, 'oversee') && a.escalated?.to_org_id === this.user.org_id) this.pop(a, true);
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

  /** Open alerts first by severity, then newest first. */
  private list(): Alert[] {
    const shown = alerts.all().filter((a) => this.tab === 'all' || (a.state ?? 'new') === this.tab);
    return shown.sort(
      (a, b) =>
        Number(a.state === 'resolved') - Number(b.state === 'resolved') ||
        RANK[a.severity ?? 'major'] - RANK[b.severity ?? 'major'] ||
        (b.last_raised_at ?? b.raised_at).localeCompare(a.last_raised_at ?? a.raised_at) ||
        b.id - a.id,
    );
  }

  private counts(): Record<Tab, number> & { critical: number } {
    const c = { new: 0, acknowledged: 0, resolved: 0, all: 0, critical: 0 };
    for (const a of alerts.byId.values()) {
      const st = a.state ?? 'new';
      c[st]++;
      c.all++;
      if (st === 'new' && a.severity === 'critical') c.critical++;
    }
    return c;
  }

  private toggle(open = !this.isOpen): void {
    this.isOpen = open;
    this.panel.hidden = !open;
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

  private async act(a: Alert, what: 'acknowledge' | 'resolve', note?: string): Promise<void> {
    try {
      const r = what === 'acknowledge' ? await api.acknowledgeAlert(a.id, note) : await api.resolveAlert(a.id, note);
      alerts.upsert(r);
    } catch (e) {
      notice(`${t('err.generic')}: ${(e as Error).message}`, 'err');
    }
  }

  /** The state line: who took or ended it and when, and an escalation. */
  private stateLine(a: Alert): HTMLElement | null {
    const bits: (HTMLElement | string)[] = [];
    if (a.escalated) bits.push(h('span.al-esc', { 'data-testid': 'alert-escalated' }, `${t('alert.escalated')} ${fmtTime(a.escalated.at)}`));
    if (a.resolved) bits.push(`${t('alert.resolvedBy')} ${a.resolved.by} · ${fmtTime(a.resolved.at)}${a.resolved.note ? ` · ${a.resolved.note}` : ''}`);
    else if (a.acknowledged) bits.push(`${t('alert.ackBy')} ${a.acknowledged.by} · ${fmtTime(a.acknowledged.at)}${a.acknowledged.note ? ` · ${a.acknowledged.note}` : ''}`);
    return bits.length ? h('div.al-state', { 'data-testid': 'alert-state' }, bits) : null;
  }

  private actions(a: Alert): HTMLElement | null {
    if (!this.mayWork || a.state === 'resolved') return null;
    const mine = a.acknowledged?.by === this.user.username;
    return h(
      'div.al-actions',
      null,
      mine
        ? null
        : h('button.btn.btn-sm', { 'data-testid': 'alert-ack', onClick: () => void this.act(a, 'acknowledge') }, t('alert.ack')),
      h('button.btn.btn-sm', {
        'data-testid': 'alert-resolve',
        onClick: () => {
          const note = window.prompt(t('alert.resolveNote')) ?? undefined;
          void this.act(a, 'resolve', note || undefined);
        },
      }, t('alert.resolve')),
    );
  }

  private row(a: Alert): HTMLElement {
    const sev = a.severity ?? 'major';
    const st = a.state ?? 'new';
    return h(
      'div.al-row',
      { 'data-testid': 'alert-row', 'data-kind': a.kind, 'data-id': String(a.id), 'data-severity': sev, 'data-state': st, class: `al-${a.kind} sev-${sev} st-${st}` },
      h(
        'div.al-top',
        null,
        h('span.al-sev', { class: `sev-${sev}` }, t(`alert.sev.${sev}` as 'alert.sev.major')),
        h('span.al-kind', null, tDyn(`alert.kind.${a.kind}`, a.kind)),
        (a.count ?? 1) > 1 ? h('span.al-times', { 'data-testid': 'alert-times', title: t('alert.repeats') }, `×${a.count}`) : null,
        h('span.al-time.mono', { title: fmtTime(a.raised_at, true) }, `${fmtTime(a.last_raised_at ?? a.raised_at)} · ${fmtAgo(a.last_raised_at ?? a.raised_at)}`),
        h('span.spacer'),
        this.link(a),
      ),
      h('div.al-msg', null, alertText(a)),
      this.stateLine(a),
      this.actions(a),
    );
  }

  private draw(): void {
    const c = this.counts();
    this.button.classList.toggle('hot', c.critical > 0);
    this.button.classList.toggle('warm', c.new > 0 && c.critical === 0);
    this.button.title = t('alert.title');
    setChildren(
      this.button,
      h('span.al-icon', { 'aria-hidden': 'true' }, '⚠'),
      h('span.al-label.tb-label', null, t('alert.title')),
      h('b.al-count', { 'data-testid': 'alert-count', 'data-unread': String(c.new), 'data-critical': String(c.critical) }, String(c.new)),
    );
    if (!this.isOpen) return;
    const list = this.list();
    setChildren(
      this.panel,
      h(
        'div.panel-head',
        null,
        h('h2', null, t('alert.title')),
        h('div.spacer'),
        h(
          'button.btn.btn-sm.al-mute',
          {
            'data-testid': 'alert-mute',
            'aria-pressed': String(this.muted),
            title: t('alert.muteHint'),
            onClick: () => {
              this.muted = !this.muted;
              localStorage.setItem(MUTE_KEY, this.muted ? '1' : '0');
              this.draw();
            },
          },
          this.muted ? t('alert.soundOff') : t('alert.soundOn'),
        ),
      ),
      h(
        'div.al-tabs',
        { role: 'tablist' },
        TABS.map((tab) =>
          h(
            'button.al-tab',
            {
              role: 'tab',
              'data-testid': `alert-tab-${tab}`,
              'aria-selected': String(this.tab === tab),
              class: this.tab === tab ? 'on' : '',
              onClick: () => {
                this.tab = tab;
                this.draw();
              },
            },
            t(`alert.tab.${tab}` as 'alert.tab.new'),
            h('b', null, String(c[tab])),
          ),
        ),
      ),
      list.length === 0 ? h('div.muted.pad', null, t('alert.none')) : h('div.al-list', null, list.slice(0, 300).map((a) => this.row(a))),
    );
  }

  /** A toast for a critical or major alert (at most three on screen) and, for a critical one, a sound. */
  private pop(a: Alert, escalated = false): void {
    const sev = a.severity ?? 'major';
    if (!TOASTED.has(sev) && !escalated) return;
    if (sev === 'critical' && !this.muted) {
      this.sounded++;
      beep();
    }
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
        'data-severity': sev,
        class: `al-${a.kind} sev-${sev}`,
        onClick: () => {
          this.follow(a);
          el.remove();
        },
      },
      h(
        'div.al-top',
        null,
        h('span.al-sev', { class: `sev-${sev}` }, escalated ? t('alert.escalated') : t(`alert.sev.${sev}` as 'alert.sev.major')),
        h('span.al-kind', null, tDyn(`alert.kind.${a.kind}`, a.kind)),
        h('span.al-time.mono', null, fmtTime(a.raised_at)),
      ),
      h('div.al-msg', null, alertText(a)),
    );
    host.appendChild(el);
    window.setTimeout(() => el.classList.add('out'), 8000);
    window.setTimeout(() => el.remove(), 8400);
  }
}
