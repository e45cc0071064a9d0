// 预案库: the emergency plan library and plan activation. Everyone reads the library (by
// scenario, steps, version history); administrators write it (each save is a new version) and
// retire plans. From an incident, the duty leader or a dispatcher picks a plan (those of the
// incident's scenario first), previews what each step would issue and to whom, and activates it;
// the activation then shows each step's instruction as it is signed, fed back, goes overdue and
// closes, live (`record_type: "plan_activation"`), until it is closed with an outcome.

import { ApiError, can, type Incident, type User } from '../../api';
import { h, setChildren, toast } from '../../dom';
import { codeLabel, fmtTime, getCodes, getLang, onLangChange, t, tDyn } from '../../i18n';
import type { LiveFeed } from '../../live';
import { incidents, orgName, orgs, recipientName, selectedIncident } from '../../store';
import './panel.css';
import {
  SCENARIOS,
  TARGET_KINDS,
  rpApi,
  activations,
  type Scenario,
  type StepTarget,
  type TargetKind,
  type PlanStep,
  type ResponsePlan,
  type PlanDraft,
  type StepStatus,
  type ActivationStep,
  type PlanActivation,
  type PlanPreview,
  type TimelineItem,
} from './api';

export function canActivatePlan(user: User): boolean {
  return can(user, 'plan_operations');
}

/**
 * The scenario an incident most likely calls for; plans of other scenarios stay selectable.
 * Suspects of violent crimes and hit-and-runs flee by car; a missing person is searched for like
 * a missing child; wildfires and people trapped are disaster work; a disturbance is crowd control.
 */
export function scenarioFor(inc: Pick<Incident, 'type' | 'subtype'>): Scenario | null {
  const key = `${inc.type}.${inc.subtype ?? ''}`;
  const map: Record<string, Scenario> = {
    'criminal.homicide': 'fleeing_vehicle',
    'criminal.robbery': 'fleeing_vehicle',
    'criminal.kidnapping': 'fleeing_vehicle',
    'criminal.assault': 'fleeing_vehicle',
    'traffic.hit_and_run': 'fleeing_vehicle',
    'help.missing_person': 'missing_child',
    'help.trapped': 'natural_disaster',
    'fire.wildfire': 'natural_disaster',
    'public_order.disturbance': 'major_event',
  };
  return map[key] ?? null;
}

type OpenRequest = { kind: 'activate'; incident: Incident } | { kind: 'activation'; id: number };
const OPEN_EVENT = 'zhihui:plans';

/** Opens plan activation for an incident (from its detail). */
export function openPlanActivation(inc: Incident): void {
  window.dispatchEvent(new CustomEvent<OpenRequest>(OPEN_EVENT, { detail: { kind: 'activate', incident: inc } }));
}

/** Opens one activation (e.g. from the incident's timeline). */
export function openActivation(id: number): void {
  window.dispatchEvent(new CustomEvent<OpenRequest>(OPEN_EVENT, { detail: { kind: 'activation', id } }));
}

// ---- formatting ---------------------------------------------------------------------------------

export function planName(p: { name: string; name_en?: string }): string {
  return getLang() === 'en' && p.name_en ? p.name_en : p.name;
}

function scenarioLabel(s: Scenario): string {
  return tDyn(`rp.scn.${s}`, s);
}

export function targetLabel(tg: StepTarget): string {
  switch (tg.kind) {
    case 'org':
      return orgName(tg.org_id, getLang());
    case 'nearest_units': {
      const kind = codeLabel('unit_kinds', tg.unit_kind);
      return getLang() === 'zh' ? `最近 ${tg.count} 个${kind}` : `${tg.count} nearest ${kind}`;
    }
    default:
      return tDyn(`rp.tgt.${tg.kind}`, tg.kind);
  }
}

/** Where an error points, in words: "第 2 步 · 办理时限" for `steps[1].deadline_min`. */
function fieldLabel(field: string | null): string | null {
  if (!field) return null;
  const m = /^steps\[(\d+)\]\.([a-z_]+)/.exec(field);
  const part = (name: string) => tDyn(`rp.f.${name}`, name);
  if (m) return `${getLang() === 'zh' ? `第 ${Number(m[1]) + 1} 步` : `Step ${Number(m[1]) + 1}`} · ${part(m[2])}`;
  return /^[a-z_]+$/.test(field) ? part(field) : field;
}

function minutes(n: number): string {
  return getLang() === 'zh' ? `${n} 分钟` : `${n} min`;
}

function countdown(deadline: string, now = Date.now()): string {
  const left = Math.round((new Date(deadline).getTime() - now) / 1000);
  const abs = Math.abs(left);
  const s = abs >= 3600 ? `${Math.floor(abs / 3600)}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}` : `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
  return left >= 0 ? `${t('rp.left')} ${s}` : `${t('rp.passed')} ${s}`;
}

/** The status to show: the clock marks a step overdue at its deadline, the server escalates within a second. */
function liveStatus(s: ActivationStep, closed: boolean, now = Date.now()): StepStatus {
  if (closed || s.status === 'fed_back' || s.status === 'closed' || s.status === 'skipped' || !s.deadline) return s.status;
  const done = s.recipients.every((r) => r.status === 'done');
  return !done && new Date(s.deadline).getTime() < now ? 'overdue' : s.status;
}

function statusBadge(s: StepStatus, testid?: string): HTMLElement {
  return h('span.rp-st', { class: `rp-st-${s}`, 'data-testid': testid }, tDyn(`rp.st.${s}`, s));
}

function recipientChips(rs: { target: string; name: string; status?: string }[]): HTMLElement {
  return h(
    'div.rp-rcps',
    null,
    rs.map((r) =>
      h(
        'span.rp-rcp',
        { class: r.status ? `rcp-${r.status}` : '', 'data-testid': 'rp-recipient', 'data-target': r.target, 'data-status': r.status ?? '', title: r.status ? tDyn(`instr.rstatus.${r.status}`, r.status) : r.target },
        h('i'),
        recipientName(r, getLang()),
      ),
    ),
  );
}

/** A plan activation in the incident's timeline: plan name and a link to its live status. */
export function activationTimelineItem(it: { seq: number; at: string; actor: string; kind: string; data: unknown }): HTMLElement {
  const d = (it.data ?? {}) as { record?: PlanActivation };
  const a = (d.record ?? d) as Partial<PlanActivation>;
  return h(
    'li.tl-item.tl-plan',
    { 'data-testid': 'timeline-item', 'data-kind': it.kind, class: it.kind.replace(/\./g, '-') },
    h('div.tl-dot'),
    h(
      'div.tl-main',
      null,
      h(
        'div.tl-head',
        null,
        h('span.tl-time.mono', { title: fmtTime(it.at, true) }, fmtTime(it.at)),
        h('span.tl-kind', null, tDyn(`rp.tl.${it.kind}`, it.kind)),
        h('span.spacer'),
        h('span.tl-actor', null, it.actor),
      ),
      h(
        'ul.tl-changes',
        null,
        h(
          'li',
          null,
          h(
            'a.link',
            { href: '#', 'data-testid': 'timeline-plan-link', onClick: (e: Event) => (e.preventDefault(), typeof a.id === 'number' && openActivation(a.id)) },
            `《${a.plan_name ?? '—'}》 v${a.plan_version ?? '?'} #${a.id ?? '?'}`,
          ),
          it.kind === 'plan_activation.closed' && a.outcome ? h('span.tl-to', null, ` · ${a.outcome}`) : null,
        ),
      ),
    ),
  );
}

// ---- the panel ------------------------------------------------------------------------------------

type View =
  | { kind: 'library' }
  | { kind: 'plan'; id: number; version: number | null }
  | { kind: 'edit'; id: number | null }
  | { kind: 'activate'; incidentId: number }
  | { kind: 'activation'; id: number };

const PLACEHOLDERS = ['incident_id', 'address', 'type', 'priority', 'description', 'received_at', 'activated_at'];

function emptyStep(): PlanStep {
  return { title: '', body: '', target: { kind: 'incident_org' }, deadline_min: 15, feedback_required: true };
}

export class PlanPanel {
  readonly el: HTMLElement;
  readonly button: HTMLElement;
  private isOpen = false;
  private view: View = { kind: 'library' };
  private history: View[] = [];
  private plans: ResponsePlan[] = [];
  private plansLoaded = false;
  private filter: Scenario | 'all' = 'all';
  private plan: ResponsePlan | null = null;
  private versions: ResponsePlan[] = [];
  private draft: PlanDraft | null = null;
  private pick: number | null = null;
  private preview: PlanPreview | null = null;
  private skip = new Set<number>();
  private timeline: TimelineItem[] = [];
  private timelineFor: number | null = null;
  private timelineTimer: number | null = null;
  private outcome = '';
  private summary = '';
  private confirmRetire = false;
  private error: ApiError | null = null;
  private busy = false;
  private readonly admin: boolean;
  private readonly activator: boolean;

  constructor(
    user: User,
    live: LiveFeed,
    private onOpen: () => void,
  ) {
    this.admin = can(user, 'administer');
    this.activator = canActivatePlan(user);
    this.el = h('div.rp-panel', { 'data-testid': 'plans-panel', hidden: true });
    this.button = h('button.icp-btn.rp-btn', { 'data-testid': 'plans-button', title: t('rp.library'), onClick: () => this.toggle() });
    live.subscribe((ev) => {
      if (ev.record_type !== 'plan_activation') return;
      activations.upsert(ev.data as PlanActivation);
      if (this.view.kind === 'activation' && this.view.id === ev.record_id) this.reloadTimelineSoon();
    });
    activations.subscribe((changed) => {
      this.drawButton();
      if (this.isOpen && this.view.kind === 'activation' && changed.some((a) => a.id === (this.view as { id: number }).id)) this.draw();
    });
    window.addEventListener(OPEN_EVENT, (e) => {
      const req = (e as CustomEvent<OpenRequest>).detail;
      if (req.kind === 'activate') this.forIncident(req.incident);
      else this.showActivation(req.id);
    });
    // Countdowns tick in place: redrawing every second would steal the caret from the close form.
    window.setInterval(() => this.tick(), 1000);
    onLangChange(() => {
      this.drawButton();
      if (this.isOpen) this.draw();
    });
    this.drawButton();
  }

  get opened(): boolean {
    return this.isOpen;
  }

  toggle(open = !this.isOpen): void {
    if (open === this.isOpen) {
      if (open) this.draw();
      return;
    }
    this.isOpen = open;
    this.el.hidden = !open;
    if (open) {
      this.onOpen();
      if (!this.plansLoaded) void this.loadPlans();
      this.draw();
    } else {
      setChildren(this.el);
    }
    this.drawButton();
  }

  /** From the incident detail: choose a plan for the incident. */
  forIncident(inc: Incident): void {
    if (!this.activator) return;
    this.pick = null;
    this.preview = null;
    this.skip.clear();
    this.history = [];
    this.go({ kind: 'activate', incidentId: inc.id });
    this.toggle(true);
    void this.loadPlans().then(() => {
      const want = scenarioFor(inc);
      const first = this.plans.find((p) => !p.retired && p.scenario === want);
      if (first && this.view.kind === 'activate' && this.pick === null) void this.choose(first.id);
    });
  }

  showActivation(id: number): void {
    this.history = [];
    this.go({ kind: 'activation', id });
    this.toggle(true);
  }

  private go(v: View, remember = false): void {
    if (remember) this.history.push(this.view);
    this.view = v;
    this.error = null;
    this.confirmRetire = false;
    if (v.kind === 'plan') void this.loadPlan(v.id, v.version);
    if (v.kind === 'activation') {
      this.outcome = '';
      this.summary = '';
      void rpApi
        .activation(v.id)
        .then((a) => activations.upsert(a))
        .catch((e) => ((this.error = e as ApiError), this.draw()));
      void this.loadTimeline(v.id);
    }
    this.draw();
  }

  private back(): void {
    const prev = this.history.pop();
    this.go(prev ?? { kind: 'library' });
  }

  private async loadPlans(): Promise<void> {
    try {
      this.plans = (await rpApi.list()).items;
      this.plansLoaded = true;
    } catch (e) {
      this.error = e as ApiError;
    }
    this.draw();
  }

  private async loadPlan(id: number, version: number | null): Promise<void> {
    try {
      const [p, vs] = await Promise.all([rpApi.get(id, version ?? undefined), rpApi.versions(id)]);
      if (this.view.kind !== 'plan' || this.view.id !== id) return;
      this.plan = p;
      this.versions = vs.items;
    } catch (e) {
      this.error = e as ApiError;
    }
    this.draw();
  }

  private async loadTimeline(id: number): Promise<void> {
    try {
      const r = await rpApi.timeline(id);
      this.timeline = r.items;
      this.timelineFor = id;
      this.draw();
    } catch {
      // The record still shows; the timeline follows with the next event.
    }
  }

  private reloadTimelineSoon(): void {
    if (this.timelineTimer !== null) return;
    this.timelineTimer = window.setTimeout(() => {
      this.timelineTimer = null;
      if (this.view.kind === 'activation') void this.loadTimeline(this.view.id);
    }, 250);
  }

  private drawButton(): void {
    const active = activations.all().filter((a) => a.status === 'active');
    const late = active.some((a) => a.steps.some((s) => liveStatus(s, false) === 'overdue'));
    this.button.classList.toggle('on', this.isOpen);
    this.button.classList.toggle('hot', active.length > 0);
    this.button.classList.toggle('late', late);
    setChildren(
      this.button,
      h('i.rp-ico'),
      h('span.tb-label', null, t('rp.library')),
      active.length > 0 && h('b', { 'data-testid': 'plans-active-count' }, String(active.length)),
    );
  }

  private tick(): void {
    if (!this.isOpen) return;
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-deadline]')) el.textContent = countdown(el.dataset.deadline!);
    if (this.view.kind === 'activation') {
      const a = activations.get(this.view.id);
      if (!a) return;
      for (const el of this.el.querySelectorAll<HTMLElement>('[data-testid=rp-step]')) {
        const s = a.steps[Number(el.dataset.index)];
        const shown = s ? liveStatus(s, a.status === 'closed') : null;
        if (shown && el.dataset.status !== shown) this.draw();
      }
    }
  }

  // ---- drawing ----

  private draw(): void {
    if (!this.isOpen) return;
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && this.el.contains(active) ? active.dataset.testid : undefined;
    const oldBody = this.el.querySelector('.rp-body');
    const scroll = oldBody ? oldBody.scrollTop : 0;
    let title = t('rp.library');
    let body: HTMLElement;
    let foot: HTMLElement | null = null;
    switch (this.view.kind) {
      case 'plan':
        body = this.planView();
        foot = this.planFoot();
        break;
      case 'edit':
        title = this.view.id === null ? t('rp.newPlan') : t('rp.editPlan');
        body = this.editView();
        foot = this.editFoot();
        break;
      case 'activate':
        title = `${t('rp.activate')} · #${this.view.incidentId}`;
        body = this.activateView(this.view.incidentId);
        foot = this.activateFoot(this.view.incidentId);
        break;
      case 'activation': {
        title = `${t('rp.activation')} #${this.view.id}`;
        const a = activations.get(this.view.id);
        body = a ? this.activationView(a) : h('div.rp-body', null, this.errorBox() ?? h('div.muted.pad', null, t('detail.loading')));
        foot = a ? this.activationFoot(a) : null;
        break;
      }
      default:
        body = this.libraryView();
    }
    setChildren(
      this.el,
      h(
        'div.rp-frame',
        null,
        h(
          'div.panel-head',
          null,
          this.view.kind !== 'library' &&
            h('button.btn.btn-ghost.btn-sm.icon', { 'data-testid': 'rp-back', title: t('icp.back'), onClick: () => this.back() }, '‹'),
          h('h2', null, title),
          h('div.spacer'),
          this.view.kind === 'library' &&
            this.admin &&
            h('button.btn.btn-primary.btn-sm', { 'data-testid': 'rp-new', onClick: () => this.startEdit(null) }, h('span.plus', null, '+'), t('rp.newPlan')),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), 'data-testid': 'rp-close-panel', onClick: () => this.toggle(false) }, '✕'),
        ),
        body,
        foot,
      ),
    );
    const nb = this.el.querySelector('.rp-body');
    if (nb) nb.scrollTop = scroll;
    if (focusId) (this.el.querySelector(`[data-testid="${focusId}"]`) as HTMLElement | null)?.focus();
  }

  private errorBox(): HTMLElement | null {
    if (!this.error) return null;
    const where = fieldLabel(this.error.field);
    return h(
      'div.form-error',
      { role: 'alert', 'data-testid': 'rp-error', 'data-field': this.error.field ?? '' },
      where && h('b', null, `${where}: `),
      this.error.message,
    );
  }

  private libraryView(): HTMLElement {
    const counts = new Map<string, number>();
    for (const p of this.plans) if (!p.retired) counts.set(p.scenario, (counts.get(p.scenario) ?? 0) + 1);
    const shown = this.plans.filter((p) => this.filter === 'all' || p.scenario === this.filter);
    return h(
      'div.rp-body',
      null,
      h(
        'div.rp-tabs',
        { role: 'tablist' },
        (['all', ...SCENARIOS] as (Scenario | 'all')[]).map((s) =>
          h(
            'button.rp-tab',
            { class: this.filter === s ? 'on' : '', 'data-testid': `rp-filter-${s}`, onClick: () => ((this.filter = s), this.draw()) },
            s === 'all' ? t('rp.all') : scenarioLabel(s),
            s !== 'all' && counts.get(s) ? h('b', null, String(counts.get(s))) : null,
          ),
        ),
      ),
      this.errorBox(),
      !this.plansLoaded && !this.error && h('div.muted.pad', null, t('detail.loading')),
      this.plansLoaded && shown.length === 0 && h('div.muted.pad', { 'data-testid': 'rp-none' }, this.admin ? t('rp.noneAdmin') : t('rp.none')),
      h(
        'ul.rp-list',
        { 'data-testid': 'rp-list' },
        shown.map((p) =>
          h(
            'li.rp-item',
            { class: p.retired ? 'retired' : '', 'data-testid': 'rp-plan', 'data-id': String(p.id), onClick: () => this.go({ kind: 'plan', id: p.id, version: null }, true) },
            h('div.rp-item-line', null, h('span.rp-scn', { class: `scn-${p.scenario}` }, scenarioLabel(p.scenario)), h('span.rp-name', null, planName(p)), h('span.spacer'), h('span.rp-ver.mono', null, `v${p.version}`)),
            h(
              'div.rp-item-meta',
              null,
              `${p.steps.length} ${t('rp.stepsN')} · ${p.steps.map((s) => s.title).join(' / ')}`,
              p.retired && h('span.rp-retired', null, t('rp.retired')),
            ),
          ),
        ),
      ),
    );
  }

  private stepsList(steps: PlanStep[]): HTMLElement {
    return h(
      'ol.rp-steps',
      { 'data-testid': 'rp-steps' },
      steps.map((s, i) =>
        h(
          'li.rp-step',
          { 'data-testid': 'rp-plan-step' },
          h('div.rp-step-head', null, h('span.rp-n', null, String(i + 1)), h('b', null, s.title), h('span.spacer'), h('span.rp-dl.mono', null, minutes(s.deadline_min))),
          h(
            'div.rp-step-meta',
            null,
            h('span.rp-tgt', null, '→ ', targetLabel(s.target)),
            h('span.rp-fb', { class: s.feedback_required ? 'on' : '' }, s.feedback_required ? t('rp.feedbackReq') : t('rp.signOnly')),
          ),
          h('div.rp-text', null, s.body),
        ),
      ),
    );
  }

  private planView(): HTMLElement {
    const p = this.plan;
    const v = this.view as { id: number; version: number | null };
    if (!p || p.id !== v.id) return h('div.rp-body', null, this.errorBox() ?? h('div.muted.pad', null, t('detail.loading')));
    const latest = this.versions[0]?.version ?? p.version;
    return h(
      'div.rp-body',
      { 'data-testid': 'rp-plan-view', 'data-id': String(p.id), 'data-version': String(p.version) },
      h(
        'div.rp-plan-title',
        null,
        h('span.rp-scn', { class: `scn-${p.scenario}` }, scenarioLabel(p.scenario)),
        h('b', { 'data-testid': 'rp-plan-name' }, planName(p)),
        h('span.rp-ver.mono', null, `v${p.version}`),
        p.version !== latest && h('span.rp-old', null, t('rp.oldVersion')),
        p.retired && h('span.rp-retired', null, t('rp.retired')),
      ),
      h('div.rp-item-meta', null, `${t('rp.by')} ${p.updated_by} · ${fmtTime(p.updated_at, true)}`),
      this.errorBox(),
      h('h3.sec', null, t('rp.steps'), h('span.count', null, String(p.steps.length))),
      this.stepsList(p.steps),
      h('h3.sec', null, t('rp.versions'), h('span.count', null, String(this.versions.length))),
      h(
        'ul.rp-versions',
        { 'data-testid': 'rp-versions' },
        this.versions.map((x) =>
          h(
            'li',
            {
              class: x.version === p.version ? 'on' : '',
              'data-testid': 'rp-version',
              'data-version': String(x.version),
              onClick: () => this.go({ kind: 'plan', id: p.id, version: x.version === latest ? null : x.version }),
            },
            h('span.mono', null, `v${x.version}`),
            h('span', null, planName(x)),
            h('span.spacer'),
            h('span.muted', null, `${x.updated_by} · ${fmtTime(x.updated_at, true).slice(5, 16)}`),
            x.version === latest && h('span.rp-cur', null, t('rp.current')),
          ),
        ),
      ),
    );
  }

  private planFoot(): HTMLElement | null {
    const p = this.plan;
    if (!p || !this.admin || p.retired) return null;
    return h(
      'div.rp-foot',
      null,
      this.confirmRetire && h('div.rp-warn', null, t('rp.retireNote')),
      h(
        'div.row-end',
        null,
        this.confirmRetire
          ? [
              h('button.btn.btn-ghost.btn-sm', { onClick: () => ((this.confirmRetire = false), this.draw()) }, t('detail.cancel')),
              h('button.btn.btn-danger.btn-sm', { 'data-testid': 'rp-retire-confirm', disabled: this.busy, onClick: () => void this.retire(p.id) }, t('rp.retireConfirm')),
            ]
          : [
              h('button.btn.btn-sm', { 'data-testid': 'rp-retire', onClick: () => ((this.confirmRetire = true), this.draw()) }, t('rp.retire')),
              h('button.btn.btn-primary.btn-sm', { 'data-testid': 'rp-edit', onClick: () => this.startEdit(p) }, t('rp.edit')),
            ],
      ),
    );
  }

  private async retire(id: number): Promise<void> {
    this.busy = true;
    try {
      const p = await rpApi.retire(id);
      toast(`${planName(p)} ${t('rp.retiredOk')}`, 'ok');
      this.busy = false;
      await this.loadPlans();
      this.go({ kind: 'plan', id, version: null });
    } catch (e) {
      this.error = e as ApiError;
      this.busy = false;
      this.draw();
    }
  }

  // ---- editing (administrators) ----

  private startEdit(p: ResponsePlan | null): void {
    // Work on a copy: a cancelled edit leaves the shown version as it was.
    this.draft = p
      ? { name: p.name, name_en: p.name_en, scenario: p.scenario, steps: p.steps.map((s) => ({ ...s, target: { ...s.target } })) }
      : { name: '', name_en: '', scenario: 'other', steps: [emptyStep()] };
    this.go({ kind: 'edit', id: p?.id ?? null }, true);
  }

  private bad(field: string): string {
    const f = this.error?.field;
    return f && (f === field || f.startsWith(`${field}.`)) ? 'invalid' : '';
  }

  private editView(): HTMLElement {
    const d = this.draft!;
    const input = (testid: string, field: string, value: string, set: (v: string) => void, attrs: Record<string, unknown> = {}) =>
      h('input.input', { 'data-testid': testid, 'data-field': field, class: this.bad(field), value, onInput: (e: Event) => set((e.target as HTMLInputElement).value), ...attrs });
    const orgOptions = [...orgs.values()].sort((a, b) => a.id.localeCompare(b.id));
    const kinds = getCodes()?.unit_kinds?.map((k) => k.code) ?? ['patrol_car', 'foot_patrol', 'traffic', 'swat', 'community'];
    const steps = d.steps.map((s, i) => {
      const f = (n: string) => `steps[${i}].${n}`;
      const setKind = (k: TargetKind) => {
        s.target =
          k === 'org'
            ? { kind: 'org', org_id: orgOptions[0]?.id ?? '' }
            : k === 'nearest_units'
              ? { kind: 'nearest_units', unit_kind: 'patrol_car', count: 2 }
              : ({ kind: k } as StepTarget);
        this.draw();
      };
      const move = (to: number) => {
        const [x] = d.steps.splice(i, 1);
        d.steps.splice(to, 0, x);
        this.draw();
      };
      const tg = s.target;
      const body = h('textarea.input', {
        rows: '3',
        'data-testid': `rp-step-body-${i}`,
        'data-field': f('body'),
        class: this.bad(f('body')),
        onInput: (e: Event) => (s.body = (e.target as HTMLTextAreaElement).value),
      });
      body.value = s.body;
      return h(
        'div.rp-estep',
        { 'data-testid': 'rp-edit-step' },
        h(
          'div.rp-estep-head',
          null,
          h('span.rp-n', null, String(i + 1)),
          input(`rp-step-title-${i}`, f('title'), s.title, (v) => (s.title = v), { placeholder: t('rp.stepTitle') }),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('rp.up'), disabled: i === 0, onClick: () => move(i - 1) }, '↑'),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('rp.down'), disabled: i === d.steps.length - 1, onClick: () => move(i + 1) }, '↓'),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('rp.removeStep'), 'data-testid': `rp-step-remove-${i}`, disabled: d.steps.length === 1, onClick: () => (d.steps.splice(i, 1), this.draw()) }, '✕'),
        ),
        h(
          'div.rp-estep-row',
          null,
          h(
            'select.input',
            { 'data-testid': `rp-step-target-${i}`, 'data-field': f('target.kind'), class: this.bad(f('target')), onChange: (e: Event) => setKind((e.target as HTMLSelectElement).value as TargetKind) },
            TARGET_KINDS.map((k) => h('option', { value: k, selected: tg.kind === k }, tDyn(`rp.tgt.${k}`, k))),
          ),
          tg.kind === 'org' &&
            h(
              'select.input',
              { 'data-testid': `rp-step-org-${i}`, 'data-field': f('target.org_id'), class: this.bad(f('target.org_id')), onChange: (e: Event) => (tg.org_id = (e.target as HTMLSelectElement).value) },
              orgOptions.map((o) => h('option', { value: o.id, selected: o.id === tg.org_id }, orgName(o.id, getLang()))),
            ),
          tg.kind === 'nearest_units' && [
            h(
              'select.input',
              { 'data-testid': `rp-step-kind-${i}`, 'data-field': f('target.unit_kind'), class: this.bad(f('target.unit_kind')), onChange: (e: Event) => (tg.unit_kind = (e.target as HTMLSelectElement).value) },
              kinds.map((k) => h('option', { value: k, selected: k === tg.unit_kind }, codeLabel('unit_kinds', k))),
            ),
            input(`rp-step-count-${i}`, f('target.count'), String(tg.count), (v) => (tg.count = Number(v)), { type: 'number', min: '1', max: '50', class: `rp-num ${this.bad(f('target.count'))}`, title: t('rp.count') }),
          ],
        ),
        h(
          'div.rp-estep-row',
          null,
          h('label.rp-lbl', null, t('rp.deadline')),
          input(`rp-step-deadline-${i}`, f('deadline_min'), String(s.deadline_min), (v) => (s.deadline_min = Number(v)), { type: 'number', min: '1', max: '1440', class: `rp-num ${this.bad(f('deadline_min'))}` }),
          h('span.muted', null, t('rp.min')),
          h('span.spacer'),
          h(
            'label.check',
            null,
            h('input', { type: 'checkbox', 'data-testid': `rp-step-fb-${i}`, checked: s.feedback_required, onChange: (e: Event) => (s.feedback_required = (e.target as HTMLInputElement).checked) }),
            t('rp.feedbackReq'),
          ),
        ),
        body,
      );
    });
    return h(
      'div.rp-body',
      { 'data-testid': 'rp-edit-form' },
      this.errorBox(),
      h(
        'div.rp-grid',
        null,
        h('div.f', null, h('label', null, t('rp.name')), input('rp-name', 'name', d.name, (v) => (d.name = v))),
        h('div.f', null, h('label', null, t('rp.nameEn')), input('rp-name-en', 'name_en', d.name_en, (v) => (d.name_en = v))),
      ),
      h(
        'div.f',
        null,
        h('label', null, t('rp.scenario')),
        h(
          'select.input',
          { 'data-testid': 'rp-scenario', 'data-field': 'scenario', class: this.bad('scenario'), onChange: (e: Event) => (d.scenario = (e.target as HTMLSelectElement).value as Scenario) },
          SCENARIOS.map((s) => h('option', { value: s, selected: d.scenario === s }, scenarioLabel(s))),
        ),
      ),
      h('h3.sec', { class: this.bad('steps') }, t('rp.steps'), h('span.count', null, String(d.steps.length))),
      h('div.sec-note.rp-ph', null, `${t('rp.placeholders')}: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`),
      steps,
      d.steps.length < 30 && h('button.btn.btn-ghost.btn-sm.rp-add', { 'data-testid': 'rp-add-step', onClick: () => (d.steps.push(emptyStep()), this.draw()) }, t('rp.addStep')),
    );
  }

  private editFoot(): HTMLElement {
    const v = this.view as { id: number | null };
    return h(
      'div.rp-foot',
      null,
      v.id !== null && h('div.sec-note', null, t('rp.saveNote')),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-ghost.btn-sm', { onClick: () => this.back() }, t('detail.cancel')),
        h('button.btn.btn-primary.btn-sm', { 'data-testid': 'rp-save', disabled: this.busy, onClick: () => void this.save(v.id) }, v.id === null ? t('rp.create') : t('rp.saveVersion')),
      ),
    );
  }

  private async save(id: number | null): Promise<void> {
    const d = this.draft;
    if (!d || this.busy) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const p = id === null ? await rpApi.create(d) : await rpApi.update(id, d);
      toast(`${planName(p)} v${p.version} ${t('rp.saved')}`, 'ok');
      this.busy = false;
      this.history = [{ kind: 'library' }];
      this.go({ kind: 'plan', id: p.id, version: null });
      this.draft = null;
      void this.loadPlans();
    } catch (e) {
      this.error = e as ApiError;
      this.busy = false;
      this.draw();
      (this.el.querySelector(`[data-field="${this.error.field ?? ''}"]`) as HTMLElement | null)?.focus();
    }
  }

  // ---- activation ----

  private async choose(planId: number): Promise<void> {
    if (this.view.kind !== 'activate') return;
    const incidentId = this.view.incidentId;
    if (this.pick !== planId) this.skip.clear();
    this.pick = planId;
    this.preview = null;
    this.error = null;
    this.draw();
    try {
      const pv = await rpApi.preview(incidentId, { plan_id: planId, skip_steps: [...this.skip] });
      if (this.view.kind !== 'activate' || this.pick !== planId) return;
      this.preview = pv;
    } catch (e) {
      this.error = e as ApiError;
    }
    this.draw();
  }

  private activateView(incidentId: number): HTMLElement {
    const inc = incidents.get(incidentId);
    const want = inc ? scenarioFor(inc) : null;
    const usable = this.plans.filter((p) => !p.retired);
    const ordered = [...usable.filter((p) => p.scenario === want), ...usable.filter((p) => p.scenario !== want)];
    const pv = this.preview;
    return h(
      'div.rp-body',
      { 'data-testid': 'rp-activate' },
      inc &&
        h(
          'div.rp-inc',
          null,
          h('span.mono', null, `#${inc.id}`),
          h('span', null, codeLabel('incident_types', inc.type)),
          h('span.rp-inc-addr', null, inc.address || '—'),
          h('a.link', { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(inc.id)) }, t('rp.toIncident')),
        ),
      h('h3.sec', null, t('rp.choose'), h('span.sec-note', null, want ? `${t('rp.suggested')}: ${scenarioLabel(want)}` : t('rp.chooseNote'))),
      this.plansLoaded && ordered.length === 0 && h('div.muted.pad', null, t('rp.none')),
      h(
        'ul.rp-list.rp-pick',
        { 'data-testid': 'rp-pick-list' },
        ordered.map((p) =>
          h(
            'li.rp-item',
            { class: this.pick === p.id ? 'on' : '', 'data-testid': 'rp-pick', 'data-id': String(p.id), 'data-scenario': p.scenario, onClick: () => void this.choose(p.id) },
            h(
              'div.rp-item-line',
              null,
              h('span.rp-scn', { class: `scn-${p.scenario}` }, scenarioLabel(p.scenario)),
              h('span.rp-name', null, planName(p)),
              p.scenario === want && h('span.rp-sugg', { 'data-testid': 'rp-suggested' }, t('rp.suggestedTag')),
              h('span.spacer'),
              h('span.rp-ver.mono', null, `v${p.version} · ${p.steps.length}${t('rp.stepsShort')}`),
            ),
          ),
        ),
      ),
      this.errorBox(),
      this.pick !== null && !pv && !this.error && h('div.muted.pad', null, t('rp.previewing')),
      pv &&
        pv.plan.id === this.pick && [
          h('h3.sec', null, t('rp.preview'), h('span.count', null, String(pv.steps.filter((s) => !s.skipped).length)), h('span.sec-note', null, t('rp.previewNote'))),
          h(
            'ol.rp-steps.rp-preview',
            { 'data-testid': 'rp-preview' },
            pv.steps.map((s) =>
              h(
                'li.rp-step',
                { class: `${s.skipped ? 'skipped' : ''}${s.problem ? ' problem' : ''}`, 'data-testid': 'rp-preview-step', 'data-index': String(s.index), 'data-ok': String(!s.problem) },
                h(
                  'div.rp-step-head',
                  null,
                  h('input', {
                    type: 'checkbox',
                    'data-testid': 'rp-preview-include',
                    title: t('rp.include'),
                    checked: !s.skipped,
                    onChange: (e: Event) => {
                      if ((e.target as HTMLInputElement).checked) this.skip.delete(s.index);
                      else this.skip.add(s.index);
                      void this.choose(pv.plan.id);
                    },
                  }),
                  h('span.rp-n', null, String(s.index + 1)),
                  h('b', null, s.title),
                  h('span.spacer'),
                  h('span.rp-dl.mono', { title: fmtTime(s.deadline, true) }, `${minutes(s.deadline_min)} · ${fmtTime(s.deadline).slice(0, 5)}`),
                ),
                !s.skipped && [
                  h('div.rp-step-meta', null, h('span.rp-tgt', null, '→ ', targetLabel(s.target)), s.short > 0 && h('span.rp-short', null, `${t('rp.short')} ${s.short}`), h('span.rp-fb', { class: s.feedback_required ? 'on' : '' }, s.feedback_required ? t('rp.feedbackReq') : t('rp.signOnly'))),
                  s.recipients.length > 0 && recipientChips(s.recipients),
                  s.problem && h('div.rp-problem', { 'data-testid': 'rp-problem' }, s.problem.message),
                  h('div.rp-text', null, s.body),
                ],
              ),
            ),
          ),
        ],
    );
  }

  private activateFoot(incidentId: number): HTMLElement {
    const pv = this.preview;
    const ok = !!pv && pv.plan.id === this.pick && pv.ready && pv.steps.some((s) => !s.skipped);
    return h(
      'div.rp-foot',
      null,
      pv && !pv.ready && h('div.rp-warn', { 'data-testid': 'rp-not-ready' }, t('rp.notReady')),
      h(
        'div.row-end',
        null,
        h(
          'button.btn.btn-danger.rp-go',
          { 'data-testid': 'rp-confirm', disabled: !ok || this.busy, onClick: () => void this.activate(incidentId) },
          this.busy ? t('rp.activating') : t('rp.confirm'),
        ),
      ),
    );
  }

  private async activate(incidentId: number): Promise<void> {
    const pv = this.preview;
    if (!pv || this.busy) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const a = await rpApi.activate(incidentId, { plan_id: pv.plan.id, version: pv.plan.version, skip_steps: [...this.skip] });
      activations.upsert(a);
      toast(`${t('rp.activated')}: ${a.plan_name}`, 'ok');
      this.busy = false;
      this.history = [];
      this.go({ kind: 'activation', id: a.id });
    } catch (e) {
      this.error = e as ApiError;
      this.busy = false;
      this.draw();
    }
  }

  private activationView(a: PlanActivation): HTMLElement {
    const closed = a.status === 'closed';
    const issued = a.steps.filter((s) => s.status !== 'skipped');
    const done = issued.filter((s) => s.status === 'fed_back' || (s.status === 'closed' && s.recipients.every((r) => r.status === 'done'))).length;
    const tl = this.timelineFor === a.id ? this.timeline : [];
    return h(
      'div.rp-body',
      { 'data-testid': 'rp-activation', 'data-id': String(a.id), 'data-status': a.status },
      h(
        'div.rp-plan-title',
        null,
        h('span.rp-scn', { class: `scn-${a.scenario}` }, scenarioLabel(a.scenario)),
        h('b', null, a.plan_name),
        h('span.rp-ver.mono', null, `v${a.plan_version}`),
        h('span.spacer'),
        h('span.status-badge', { class: closed ? 'sb-closed' : 'sb-dispatched', 'data-testid': 'rp-activation-status' }, t(closed ? 'rp.state.closed' : 'rp.state.active')),
      ),
      h(
        'div.rp-item-meta',
        null,
        h('a.link.mono', { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(a.incident_id)) }, `${t('rp.incident')} #${a.incident_id}`),
        ` · ${a.activated_by} · ${fmtTime(a.activated_at, true)}`,
      ),
      h('div.rp-progress', null, h('div.rp-bar', null, h('i', { style: { width: `${issued.length ? (100 * done) / issued.length : 0}%` } })), h('span.mono', null, `${done}/${issued.length} ${t('rp.done')}`)),
      closed && h('div.rp-outcome', { 'data-testid': 'rp-outcome-text' }, h('b', null, `${t('rp.outcome')}: `, a.outcome ?? '—'), a.summary && h('div', null, a.summary)),
      this.errorBox(),
      h('h3.sec', null, t('rp.steps'), h('span.count', null, String(issued.length))),
      h(
        'ol.rp-steps.rp-live',
        { 'data-testid': 'rp-live-steps' },
        a.steps.map((s) => {
          const st = liveStatus(s, closed);
          return h(
            'li.rp-step',
            { class: `st-${st}`, 'data-testid': 'rp-step', 'data-index': String(s.index), 'data-status': st, 'data-instruction': String(s.instruction_id ?? '') },
            h(
              'div.rp-step-head',
              null,
              h('span.rp-n', null, String(s.index + 1)),
              h('b', null, s.title),
              statusBadge(st, 'rp-step-status'),
              h('span.spacer'),
              s.deadline && !closed && s.status !== 'fed_back' && s.status !== 'closed' ? h('span.rp-dl.mono', { 'data-deadline': s.deadline, title: fmtTime(s.deadline, true) }, countdown(s.deadline)) : s.deadline && h('span.rp-dl.mono.muted', null, fmtTime(s.deadline).slice(0, 5)),
            ),
            s.status !== 'skipped' &&
              h('div.rp-step-meta', null, h('span.rp-tgt', null, '→ ', targetLabel(s.target)), s.short > 0 && h('span.rp-short', null, `${t('rp.short')} ${s.short}`), s.instruction_id !== null && h('span.mono.muted', null, `${t('rp.instruction')} #${s.instruction_id}`)),
            s.recipients.length > 0 && recipientChips(s.recipients),
            s.recipients.filter((r) => r.feedback).map((r) => h('div.rp-fbtext', null, h('b', null, `${recipientName(r, getLang())}: `), r.feedback)),
          );
        }),
      ),
      h('h3.sec', null, t('rp.timeline'), h('span.count', null, String(tl.length))),
      h(
        'ol.rp-tl',
        { 'data-testid': 'rp-timeline' },
        [...tl].reverse().map((it) => {
          const d = it.data.detail ?? {};
          const step = typeof d.step === 'number' ? a.steps[d.step] : null;
          return h(
            'li',
            { 'data-kind': it.kind },
            h('span.mono.muted', null, fmtTime(it.at)),
            h('b', null, tDyn(`rp.tl.${it.kind}`, it.kind)),
            step && h('span', null, `${step.index + 1}. ${step.title}`),
            d.name && h('span.muted', null, d.name),
            it.kind === 'plan_activation.closed' && d.outcome && h('span', null, d.outcome),
            h('span.spacer'),
            h('span.muted', null, it.actor),
          );
        }),
      ),
    );
  }

  private activationFoot(a: PlanActivation): HTMLElement | null {
    if (a.status === 'closed' || !this.activator) return null;
    const outcome = h('input.input', {
      'data-testid': 'rp-outcome',
      'data-field': 'outcome',
      class: this.bad('outcome'),
      placeholder: t('rp.outcomePh'),
      value: this.outcome,
      onInput: (e: Event) => (this.outcome = (e.target as HTMLInputElement).value),
    });
    const summary = h('input.input', {
      'data-testid': 'rp-summary',
      placeholder: t('rp.summaryPh'),
      value: this.summary,
      onInput: (e: Event) => (this.summary = (e.target as HTMLInputElement).value),
    });
    return h(
      'div.rp-foot',
      null,
      h('div.rp-close-row', null, outcome, summary),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-danger.btn-sm', { 'data-testid': 'rp-close', disabled: this.busy, onClick: () => void this.close(a.id) }, t('rp.close')),
      ),
    );
  }

  private async close(id: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const a = await rpApi.close(id, this.outcome, this.summary);
      activations.upsert(a);
      toast(t('rp.closedOk'), 'ok');
      void this.loadTimeline(id);
    } catch (e) {
      this.error = e as ApiError;
    }
    this.busy = false;
    this.draw();
  }
}

