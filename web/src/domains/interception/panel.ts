// 设卡布控: interception planning and its closed loop in the console. From an incident (origin = its
// location) or from the top bar (origin = a map click): head start and suspect speed → the plan
// (POST /plans/intercept) on the map — numbered checkpoints, each unit's route, open ways out in
// red, the suspect's reach growing with time — and as a list by urgency; 一键下发 activates it
// (POST /interceptions: one instruction per checkpoint); afterwards each checkpoint's state
// (issued / signed / on site / late) follows the live feed (`record_type: "interception"`).

import { api, ApiError, can, type Incident, type LonLat, type User } from '../../api';
import { h, setChildren, toast } from '../../dom';
import { worded } from '../../texts';
import './dictionary';
import { fmtTime, getLang, onLangChange, t, tDyn, type Key } from '../../i18n';
import type { LiveFeed } from '../../live';
import type { OpsMap } from '../../map';
import { orgName, selectedIncident, units } from '../../store';
import { fmtEta } from '../../ui/dispatch';
import './panel.css';
import {
  icpApi,
  interceptions,
  type InterceptPlan,
  type Interception,
  type InterceptionPoint,
  type PlanNote,
  type PointStatus,
  type TimelineItem,
} from './api';
import { CordonLayer, type MapView } from './layer';

/** Planning is for duty leaders and dispatchers (the server says who: `plan_operations`). */
export function canPlanIntercept(user: User): boolean {
  return can(user, 'plan_operations');
}

const OPEN_EVENT = 'zhihui:intercept';

/** Opens the interception panel for an incident (its location becomes the origin). */
export function openIntercept(inc: Incident): void {
  window.dispatchEvent(new CustomEvent<Incident>(OPEN_EVENT, { detail: inc }));
}

// ---- formatting ----------------------------------------------------------------------------------

const tPlus = (s: number) => `T+${fmtEta(s)}`;

function fmtMargin(s: number): string {
  return `${s < 0 ? '−' : '+'}${fmtEta(Math.abs(s))}`;
}

/** Tight margins are where a cordon fails first: under a minute is critical, under three close. */
function marginClass(s: number): 'tight' | 'close' | 'ok' {
  return s < 60 ? 'tight' : s < 180 ? 'close' : 'ok';
}

const MARGIN_COLORS = { tight: '#ff5a3c', close: '#f4c542', ok: '#22c7e0' };
const STATUS_COLORS: Record<PointStatus, string> = { issued: '#3d8bff', signed: '#22c7e0', on_site: '#2fd47a', late: '#ff3b3b' };

/** The status to show: the server marks lateness within a second; the clock shows it at once. */
function liveStatus(p: InterceptionPoint, closed: boolean, now = Date.now()): PointStatus {
  if (p.status === 'on_site' || closed) return p.status;
  return new Date(p.deadline).getTime() < now ? 'late' : p.status;
}

function pointName(n: number, label: string | null): string {
  const num = getLang() === 'zh' ? `${n}${t('icp.pointN')}` : `#${n}`;
  return label ? `${num} · ${label}` : num;
}

function countdown(deadline: string, now = Date.now()): string {
  const left = Math.round((new Date(deadline).getTime() - now) / 1000);
  return left >= 0 ? `${t('icp.left')} ${fmtEta(left)}` : `${t('icp.passed')} ${fmtEta(-left)}`;
}

/** A planner remark in the console's language (the codes' wording is in ./dictionary.ts). */
function noteText(n: PlanNote): string {
  return worded(`icp.note.${n.code}`, n, n.code);
}

// ---- the panel -------------------------------------------------------------------------------------

type View = { kind: 'list' } | { kind: 'setup' } | { kind: 'plan' } | { kind: 'live'; id: number };

interface Setup {
  origin: LonLat | null;
  incidentId: number | null;
  headMin: string;
  speedMode: 'car' | 'fixed';
  kmh: string;
}


export class InterceptPanel {
  readonly el: HTMLElement;
  readonly button: HTMLElement;
  private isOpen = false;
  private view: View = { kind: 'list' };
  private listFilter: 'active' | 'closed' = 'active';
  private setup: Setup = { origin: null, incidentId: null, headMin: '3', speedMode: 'car', kmh: '80' };
  private plan: InterceptPlan | null = null;
  /** The plan each interception of this session was activated from (routes, reach). */
  private planOf = new Map<number, InterceptPlan>();
  /** Unit routes fetched for interceptions activated elsewhere, by `${id}:${index}`. */
  private routeCache = new Map<string, [number, number][]>();
  private level = 0;
  private playTimer: number | null = null;
  private error: ApiError | null = null;
  private busy = false;
  private selected: number | null = null;
  private timeline: TimelineItem[] = [];
  private timelineFor: number | null = null;
  private timelineTimer: number | null = null;
  private outcome: 'caught' | 'lost' | 'stood_down' = 'caught';
  private summary = '';
  private ops: OpsMap | null = null;
  private layer: CordonLayer | null = null;
  private picking = false;
  private readonly planner: boolean;

  constructor(
    private user: User,
    live: LiveFeed,
    mapReady: Promise<OpsMap | null>,
    private onOpen: () => void,
  ) {
    this.planner = canPlanIntercept(user);
    this.el = h('div.icp-panel', { 'data-testid': 'intercept-panel', hidden: true });
    this.button = h('button.icp-btn', { 'data-testid': 'intercept-button', title: t('icp.activeCount'), onClick: () => this.toggle() });
    void mapReady.then((m) => {
      if (!m) return;
      this.ops = m;
      this.layer = new CordonLayer(m, (key) => this.select(key));
      this.drawMap();
    });
    live.subscribe((ev) => {
      if (ev.record_type !== 'interception') return;
      interceptions.upsert(ev.data as Interception);
      if (this.view.kind === 'live' && this.view.id === ev.record_id) this.reloadTimelineSoon();
    });
    interceptions.subscribe(() => {
      this.drawButton();
      if (this.isOpen && (this.view.kind === 'list' || this.view.kind === 'live')) {
        this.draw();
        this.drawMap();
      }
    });
    window.addEventListener(OPEN_EVENT, (e) => this.forIncident((e as CustomEvent<Incident>).detail));
    window.setInterval(() => this.tick(), 1000);
    onLangChange(() => {
      this.drawButton();
      if (this.isOpen) {
        this.draw();
        this.drawMap();
      }
    });
    this.drawButton();
  }

  /** Active interceptions of the jurisdiction (after the snapshot). */
  load(): void {
    void icpApi
      .list('active')
      .then((r) => interceptions.upsertMany(r.items ?? []))
      .catch(() => {});
  }

  get opened(): boolean {
    return this.isOpen;
  }

  /** What the map shows (tests). */
  get drawn(): CordonLayer['drawn'] | null {
    return this.layer?.drawn ?? null;
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
      if (this.view.kind === 'setup') this.startPick();
      this.draw();
      this.drawMap();
    } else {
      this.stopPlay();
      this.stopPick();
      setChildren(this.el);
      void this.layer?.show(null);
    }
    this.drawButton();
  }

  /** From the incident detail: plan around the incident's location. */
  forIncident(inc: Incident): void {
    if (!this.planner) return;
    const mins = Math.round((Date.now() - new Date(inc.received_at).getTime()) / 60000);
    this.setup = { ...this.setup, origin: { ...inc.location }, incidentId: inc.id, headMin: String(Math.min(120, Math.max(1, mins))) };
    this.go({ kind: 'setup' });
    this.toggle(true);
    // The cordon spreads around the incident: the map needs the room the detail panel takes
    // (the panel links back to the incident).
    selectedIncident.set(null);
    this.ops?.flyTo(inc.location, 13);
  }

  /** Show one interception (e.g. from a link). */
  show(id: number): void {
    this.go({ kind: 'live', id });
    this.toggle(true);
    if (!interceptions.get(id)) void icpApi.get(id).then((r) => interceptions.upsert(r)).catch(() => {});
  }

  private go(v: View): void {
    this.view = v;
    this.error = null;
    this.selected = null;
    this.stopPlay();
    if (v.kind === 'setup' && this.isOpen) this.startPick();
    if (v.kind !== 'setup') this.stopPick();
    if (v.kind === 'live') void this.loadTimeline(v.id);
    if (this.isOpen) {
      this.draw();
      this.drawMap();
    }
  }

  private startPick(): void {
    if (!this.ops || this.picking) return;
    this.picking = true;
    this.ops.startPick((p) => {
      this.setup.origin = p;
      this.error = null;
      this.draw();
    });
    if (this.setup.origin) this.ops.setPickMarker(this.setup.origin);
  }

  private stopPick(): void {
    if (!this.picking) return;
    this.picking = false;
    this.ops?.stopPick();
  }

  private stopPlay(): void {
    if (this.playTimer !== null) window.clearInterval(this.playTimer);
    this.playTimer = null;
  }

  private select(key: number): void {
    this.selected = this.selected === key ? null : key;
    this.draw();
    this.drawMap();
    const row = this.el.querySelector(`[data-key="${key}"]`) as HTMLElement | null;
    row?.scrollIntoView({ block: 'nearest' });
  }

  // ---- actions ----

  private async compute(): Promise<void> {
    if (this.busy) return;
    const s = this.setup;
    if (!s.origin) {
      this.error = new ApiError(422, 'invalid', t('icp.needOrigin'), 'origin');
      this.draw();
      return;
    }
    const body: Record<string, unknown> = { origin: s.origin, head_start_s: Math.round(Number(s.headMin) * 60) };
    if (s.headMin.trim() === '' || !Number.isFinite(Number(s.headMin))) body.head_start_s = s.headMin;
    if (s.speedMode === 'fixed') body.suspect_speed_kmh = Number(s.kmh);
    if (s.incidentId !== null) body.incident_id = s.incidentId;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      this.plan = await icpApi.plan(body);
      this.level = Math.max(0, this.plan.reach.length - 1);
      this.go({ kind: 'plan' });
      if (this.plan.cordon.length > 0) this.layer?.fit(this.plan.origin, this.plan.cordon);
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private async activate(): Promise<void> {
    const p = this.plan;
    if (!p || this.busy || p.cordon.length === 0) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const rec = await icpApi.activate({
        incident_id: p.incident_id,
        origin: p.origin,
        head_start_s: p.head_start_s,
        crime_at: p.crime_at,
        points: p.cordon.map((c, i) => ({
          unit_id: c.unit_id,
          lon: c.lon,
          lat: c.lat,
          deadline_s: c.suspect_earliest_s,
          label: c.label ?? `${i + 1}${getLang() === 'zh' ? t('icp.pointN') : ''}`,
        })),
      });
      this.planOf.set(rec.id, p);
      interceptions.upsert(rec);
      toast(`${t('icp.activated')} · #${rec.id} · ${rec.points.length} ${t('icp.points')}`, 'ok');
      this.go({ kind: 'live', id: rec.id });
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private async closeIt(rec: Interception): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      interceptions.upsert(await icpApi.close(rec.id, this.outcome, this.summary.trim()));
      this.summary = '';
      toast(`${t('icp.closedOk')} · #${rec.id}`, 'ok');
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private async loadTimeline(id: number): Promise<void> {
    if (this.timelineFor !== id) this.timeline = [];
    this.timelineFor = id;
    try {
      const [tl, rec] = await Promise.all([icpApi.timeline(id), icpApi.get(id)]);
      if (this.timelineFor !== id) return;
      this.timeline = tl.items;
      interceptions.upsert(rec);
      this.draw();
      this.drawMap();
    } catch (e) {
      if (this.timelineFor === id) this.error = e as ApiError;
      this.draw();
    }
  }

  private reloadTimelineSoon(): void {
    if (this.timelineTimer !== null) return;
    this.timelineTimer = window.setTimeout(() => {
      this.timelineTimer = null;
      if (this.view.kind === 'live') void this.loadTimeline(this.view.id);
    }, 300);
  }

  /** The reach of a planned interception at the time since the crime (none once closed). */
  private liveReach(plan: InterceptPlan | undefined, closed: boolean): Pick<MapView, 'reach'> & Partial<Pick<MapView, 'reachRoads' | 'reachAt'>> {
    if (!plan || closed || plan.reach.length === 0) return { reach: [] };
    const crime = plan.crime_at ? new Date(plan.crime_at).getTime() : NaN;
    const since = Number.isFinite(crime) ? (Date.now() - crime) / 1000 : plan.reach[plan.reach.length - 1].seconds;
    const shown = plan.reach.filter((r, i) => i === 0 || r.seconds <= since);
    return {
      reach: shown.map((r, i) => ({ polygon: r.polygon, current: i === shown.length - 1 })),
      reachRoads: plan.reach_roads,
      reachAt: Math.max(since, shown[shown.length - 1].seconds),
    };
  }

  /** Routes of an interception's units to their checkpoints: from its plan, else by road now. */
  private routesOf(rec: Interception): Map<number, [number, number][]> {
    const out = new Map<number, [number, number][]>();
    const plan = this.planOf.get(rec.id);
    for (const p of rec.points) {
      const fromPlan = plan?.cordon.find((c) => c.unit_id === p.unit_id)?.route;
      const cached = this.routeCache.get(`${rec.id}:${p.index}`);
      if (fromPlan) out.set(p.index, fromPlan);
      else if (cached) out.set(p.index, cached);
      else if (rec.status === 'active' && p.status !== 'on_site') {
        const u = units.get(p.unit_id);
        if (!u?.position) continue;
        this.routeCache.set(`${rec.id}:${p.index}`, []);
        void api
          .route(u.position, { lon: p.lon, lat: p.lat })
          .then((r) => {
            this.routeCache.set(`${rec.id}:${p.index}`, r.geometry);
            this.drawMap();
          })
          .catch(() => {});
      }
    }
    return out;
  }

  private tick(): void {
    if (!this.isOpen || this.view.kind !== 'live') return;
    const rec = interceptions.get(this.view.id);
    if (!rec) return;
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-deadline]')) {
      el.textContent = countdown(el.dataset.deadline!);
    }
    // A checkpoint turning late by the clock changes its colour on the map and in the list.
    const lateNow = rec.points.filter((p) => liveStatus(p, rec.status === 'closed') === 'late').length;
    const shown = this.el.querySelectorAll('[data-status=late]').length;
    if (lateNow !== shown) {
      this.draw();
      this.drawMap();
    }
  }

  // ---- drawing ----

  private drawButton(): void {
    const active = interceptions.all().filter((i) => i.status === 'active');
    const late = active.some((i) => i.points.some((p) => liveStatus(p, false) === 'late'));
    this.button.classList.toggle('on', this.isOpen);
    this.button.classList.toggle('hot', active.length > 0);
    this.button.classList.toggle('late', late);
    setChildren(
      this.button,
      h('i.icp-ico'),
      h('span.tb-label', null, t('icp.title')),
      h('b', { 'data-testid': 'intercept-count' }, String(active.length)),
    );
  }

  private draw(): void {
    if (!this.isOpen) return;
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && this.el.contains(active) ? active.dataset.testid : undefined;
    const oldBody = this.el.querySelector('.icp-body');
    const scroll = oldBody ? oldBody.scrollTop : 0;
    let body: HTMLElement;
    let footer: HTMLElement | null = null;
    let title = t('icp.title');
    switch (this.view.kind) {
      case 'setup':
        body = this.setupView();
        footer = this.setupFooter();
        break;
      case 'plan':
        body = this.planView();
        footer = this.planFooter();
        break;
      case 'live': {
        const rec = interceptions.get(this.view.id);
        title = `${t('icp.title')} #${this.view.id}`;
        body = rec ? this.liveView(rec) : h('div.muted.pad', null, t('detail.loading'));
        break;
      }
      default:
        body = this.listView();
    }
    setChildren(
      this.el,
      h(
        'div.icp-frame',
        null,
        h(
          'div.panel-head',
          null,
          this.view.kind !== 'list' &&
            h('button.btn.btn-ghost.btn-sm.icon', { 'data-testid': 'icp-back', title: t('icp.back'), onClick: () => this.back() }, '‹'),
          h('h2', null, title),
          h('div.spacer'),
          this.view.kind === 'list' &&
            this.planner &&
            h('button.btn.btn-primary.btn-sm', { 'data-testid': 'icp-new', onClick: () => this.newPlan() }, h('span.plus', null, '+'), t('icp.new')),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), 'data-testid': 'icp-close-panel', onClick: () => this.toggle(false) }, '✕'),
        ),
        body,
        footer,
      ),
    );
    const nb = this.el.querySelector('.icp-body');
    if (nb) nb.scrollTop = scroll;
    if (focusId) (this.el.querySelector(`[data-testid="${focusId}"]`) as HTMLElement | null)?.focus();
  }

  private back(): void {
    if (this.view.kind === 'plan') this.go({ kind: 'setup' });
    else this.go({ kind: 'list' });
  }

  private newPlan(): void {
    this.setup = { ...this.setup, origin: null, incidentId: null, headMin: '3' };
    this.plan = null;
    this.go({ kind: 'setup' });
  }

  private errorBlock(): HTMLElement | null {
    if (!this.error) return null;
    // 下发 refused because a unit was taken meanwhile (dispatched, put on another post): name the
    // unit in the console's language and offer the re-plan in one click (the planner then leaves
    // the taken unit out).
    const m = /^points\[(\d+)\]\.unit_id$/.exec(this.error.field ?? '');
    const taken = this.error.status === 409 && m && this.plan ? this.plan.cordon[Number(m[1])] : undefined;
    if (taken) {
      return h(
        'div.form-error.icp-conflict',
        { role: 'alert', 'data-testid': 'icp-error', 'data-field': this.error.field ?? '' },
        h('div', null, t('icp.taken').replace('{unit}', taken.call_sign)),
        h(
          'button.btn.btn-sm.btn-primary',
          { 'data-testid': 'icp-replan-now', disabled: this.busy, onClick: () => void this.compute() },
          t('icp.replanNow'),
        ),
      );
    }
    return h('div.form-error', { role: 'alert', 'data-testid': 'icp-error', 'data-field': this.error.field ?? '' }, this.error.message);
  }

  /**
   * The stations that 下发 would leave with no free unit: those whose every available unit is in
   * the cordon (a cordon is no reason to leave a station's ground uncovered unnoticed).
   */
  private uncovered(): string[] {
    const p = this.plan;
    if (!p) return [];
    const used = new Set(p.cordon.map((c) => c.unit_id));
    const orgsUsed = new Set(p.cordon.map((c) => units.get(c.unit_id)?.org_id).filter((o): o is string => !!o));
    const out: string[] = [];
    for (const org of orgsUsed) {
      const freeLeft = units.all().filter((u) => u.org_id === org && u.status === 'available' && !used.has(u.id)).length;
      if (freeLeft === 0) out.push(org);
    }
    return out;
  }

  private listView(): HTMLElement {
    const all = interceptions
      .all()
      .filter((i) => i.status === this.listFilter)
      .sort((a, b) => b.id - a.id);
    const seg = (f: 'active' | 'closed', k: Key) =>
      h('button.seg-btn', { class: this.listFilter === f ? 'on' : '', onClick: () => ((this.listFilter = f), f === 'closed' && this.loadClosed(), this.draw()) }, t(k));
    return h(
      'div.icp-body',
      null,
      h('div.seg', null, seg('active', 'icp.list'), seg('closed', 'icp.listClosed')),
      all.length === 0
        ? h('div.muted.pad', { 'data-testid': 'icp-none' }, t('icp.none'))
        : all.map((i) => {
            const on = i.points.filter((p) => p.status === 'on_site').length;
            const late = i.points.filter((p) => liveStatus(p, i.status === 'closed') === 'late').length;
            return h(
              'div.icp-row',
              { 'data-testid': 'icp-row', tabindex: '0', onClick: () => this.go({ kind: 'live', id: i.id }), onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && this.go({ kind: 'live', id: i.id }) },
              h('span.mono.icp-rid', null, `#${i.id}`),
              i.incident_id !== null && h('span.muted', null, `${t('icp.incident')} #${i.incident_id}`),
              h('span.spacer'),
              h('span.icp-prog', null, `${t('icp.progress')} ${on}/${i.points.length}`),
              late > 0 && h('span.icp-badge.st-late', null, `${t('icp.status.late')} ${late}`),
              i.outcome && h('span.icp-badge', null, t(`icp.outcome.${i.outcome}` as Key)),
            );
          }),
    );
  }

  private loadClosed(): void {
    void icpApi
      .list('closed')
      .then((r) => interceptions.upsertMany(r.items ?? []))
      .catch(() => {});
  }

  private setupView(): HTMLElement {
    const s = this.setup;
    const err = this.error?.field ?? '';
    const bad = (f: string) => (err === f || err.startsWith(`${f}.`) ? 'invalid' : '');
    const avail = units.all().filter((u) => u.status === 'available' && u.position && u.kind !== 'foot_patrol').length;
    const head = h('input.input.icp-num', {
      type: 'number',
      min: '0',
      max: '1440',
      step: '0.5',
      'data-testid': 'icp-head',
      class: bad('head_start_s'),
      value: s.headMin,
      onInput: (e: Event) => (s.headMin = (e.target as HTMLInputElement).value),
      onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && void this.compute(),
    });
    const kmh = h('input.input.icp-num', {
      type: 'number',
      min: '1',
      max: '400',
      'data-testid': 'icp-kmh',
      class: bad('suspect_speed_kmh'),
      value: s.kmh,
      disabled: s.speedMode !== 'fixed',
      onInput: (e: Event) => (s.kmh = (e.target as HTMLInputElement).value),
      onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && void this.compute(),
    });
    const mode = (m: 'car' | 'fixed', k: Key) =>
      h('button.seg-btn', { class: s.speedMode === m ? 'on' : '', 'data-testid': `icp-speed-${m}`, onClick: () => ((s.speedMode = m), this.draw()) }, t(k));
    return h(
      'div.icp-body',
      null,
      h(
        'div.icp-field',
        { class: bad('origin') },
        h('label', null, t('icp.origin'), h('span.sec-note', null, ` · ${t('icp.pickHint')}`)),
        s.origin
          ? h('div.icp-origin-val.mono', { 'data-testid': 'icp-origin-value' }, `${s.origin.lon.toFixed(5)}, ${s.origin.lat.toFixed(5)}`)
          : h('div.icp-origin-val.empty', { 'data-testid': 'icp-origin-value' }, t('icp.needOrigin')),
        s.incidentId !== null &&
          h(
            'a.link',
            { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(s.incidentId)) },
            `${t('icp.incident')} #${s.incidentId}`,
          ),
      ),
      h(
        'div.icp-grid',
        null,
        h('div.icp-field', null, h('label', null, t('icp.headStart')), h('div.icp-inline', null, head, h('span.muted', null, t('icp.minutes'))), h('div.sec-note', null, t('icp.headNote'))),
        h(
          'div.icp-field',
          null,
          h('label', null, t('icp.speed')),
          h('div.seg', null, mode('car', 'icp.speedCar'), mode('fixed', 'icp.speedFixed')),
          h('div.icp-inline', null, kmh, h('span.muted', null, 'km/h')),
        ),
      ),
      h('div.icp-field', null, h('label', null, t('icp.units')), h('div.muted', null, `${t('icp.unitsAll')} · ${avail}`)),
      this.errorBlock(),
    );
  }

  private setupFooter(): HTMLElement {
    return h(
      'div.icp-foot',
      null,
      h(
        'button.btn.btn-primary.icp-go',
        { 'data-testid': 'icp-compute', disabled: this.busy, onClick: () => void this.compute() },
        this.busy ? t('icp.computing') : t('icp.compute'),
      ),
    );
  }

  private planView(): HTMLElement {
    const p = this.plan!;
    const level = p.reach[this.level];
    const at = level?.seconds ?? p.closing_s;
    const held = p.cordon.filter((c) => c.unit_arrival_s <= at + 1e-6).length;
    const slider = h('input.icp-slider', {
      type: 'range',
      min: '0',
      max: String(Math.max(0, p.reach.length - 1)),
      step: '1',
      value: String(this.level),
      'data-testid': 'icp-slider',
      disabled: p.reach.length < 2,
      onInput: (e: Event) => {
        this.stopPlay();
        this.level = Number((e.target as HTMLInputElement).value);
        this.draw();
        this.drawMap();
      },
    });
    const play = h(
      'button.btn.btn-ghost.btn-sm',
      {
        'data-testid': 'icp-play',
        disabled: p.reach.length < 2,
        onClick: () => {
          if (this.playTimer !== null) {
            this.stopPlay();
            this.draw();
            return;
          }
          this.level = 0;
          this.playTimer = window.setInterval(() => {
            if (this.level >= p.reach.length - 1) {
              this.stopPlay();
            } else this.level++;
            this.draw();
            this.drawMap();
          }, 900);
          this.draw();
          this.drawMap();
        },
      },
      this.playTimer !== null ? t('icp.pause') : `▶ ${t('icp.play')}`,
    );
    const stat = (k: Key, v: string, testid?: string) => h('div.icp-stat', { 'data-testid': testid }, h('b', null, v), h('span', null, t(k)));
    return h(
      'div.icp-body',
      null,
      p.complete
        ? h('div.icp-banner.ok', { 'data-testid': 'icp-complete' }, t('icp.complete'))
        : h(
            'div.icp-banner.bad',
            { 'data-testid': 'icp-incomplete', role: 'alert' },
            h('b', null, t('icp.incomplete')),
            ` · ${p.open_routes.length} ${t('icp.incompleteNote')}`,
          ),
      h(
        'div.icp-stats',
        null,
        stat('icp.points', String(p.cordon.length), 'icp-count'),
        stat('icp.closing', tPlus(p.closing_s)),
        stat('icp.considered', `${new Set(p.cordon.map((c) => c.unit_id)).size}/${p.units_considered}`),
        stat('icp.enclosed', String(p.enclosed_nodes)),
      ),
      h(
        'div.icp-reach',
        null,
        h('div.icp-reach-head', null, h('span', null, t('icp.reach')), h('b.mono', { 'data-testid': 'icp-time' }, tPlus(at)), h('span.muted', null, `${t('icp.held')} ${held}/${p.cordon.length}`), h('span.spacer'), play),
        slider,
      ),
      h('h3.sec', null, t('icp.points'), h('span.count', null, String(p.cordon.length)), h('span.sec-note', null, `${t('icp.margin')} ↑`)),
      h(
        'div.icp-table',
        { 'data-testid': 'icp-points' },
        h('div.icp-tr.icp-th', null, h('span', null, '#'), h('span', null, t('rec.unit')), h('span', null, t('icp.eta')), h('span', null, t('icp.suspect')), h('span', null, t('icp.margin'))),
        p.cordon.map((c, i) => {
          const mc = marginClass(c.margin_s);
          return h(
            'div.icp-tr',
            {
              'data-testid': 'icp-point',
              'data-key': String(c.unit_id),
              class: `${this.selected === c.unit_id ? 'sel' : ''} ${c.unit_arrival_s <= at + 1e-6 ? 'held' : ''}`,
              onClick: () => this.select(c.unit_id),
            },
            h('span.icp-n', { class: `m-${mc}` }, String(i + 1)),
            h('span.icp-who', null, h('b', null, c.call_sign), h('small', null, c.label ?? '—')),
            h('span.mono', null, tPlus(c.unit_arrival_s)),
            h('span.mono', null, tPlus(c.suspect_earliest_s)),
            h('span.mono.icp-margin', { class: `m-${mc}` }, fmtMargin(c.margin_s)),
          );
        }),
      ),
      p.open_routes.length > 0 &&
        h(
          'div.icp-open',
          { 'data-testid': 'icp-open-routes' },
          h('h3.sec', null, t('icp.openRoutes'), h('span.count.bad', null, String(p.open_routes.length))),
          p.open_routes.slice(0, 8).map((o, i) => h('div.icp-open-row', null, h('i'), `${i + 1}. ${t('icp.openRoute')} ${tPlus(o.suspect_earliest_s)}`)),
        ),
      p.notes.length > 0 &&
        h('details.icp-notes', null, h('summary', null, `${t('icp.notes')} · ${t('icp.elapsed')} ${Math.round(p.elapsed_ms)} ms`), p.notes.map((n) => h('div', null, noteText(n)))),
      this.errorBlock(),
    );
  }

  private planFooter(): HTMLElement {
    const p = this.plan!;
    const bare = this.uncovered();
    return h(
      'div.icp-foot',
      null,
      bare.length > 0 &&
        h(
          'div.icp-warn',
          { 'data-testid': 'icp-coverage-warning', role: 'status' },
          `⚠ ${t('icp.noneLeft').replace('{orgs}', bare.map((o) => orgName(o, getLang())).join('、'))}`,
        ),
      h('div.sec-note', null, t('icp.activateNote')),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-ghost', { 'data-testid': 'icp-replan', disabled: this.busy, onClick: () => this.go({ kind: 'setup' }) }, t('icp.replan')),
        h(
          'button.btn.btn-danger.icp-go',
          { 'data-testid': 'icp-activate', disabled: this.busy || p.cordon.length === 0, onClick: () => void this.activate() },
          this.busy ? t('icp.activating') : `${t('icp.activate')} (${p.cordon.length})`,
        ),
      ),
    );
  }

  private liveView(rec: Interception): HTMLElement {
    const closed = rec.status === 'closed';
    const pts = [...rec.points].sort((a, b) => a.deadline.localeCompare(b.deadline) || a.index - b.index);
    const count = (s: PointStatus) => rec.points.filter((p) => liveStatus(p, closed) === s).length;
    const mayClose =
      !closed && can(this.user, 'write_incident') && (rec.created_by === this.user.username || can(this.user, 'oversee'));
    const outcomeBtn = (o: 'caught' | 'lost' | 'stood_down') =>
      h('button.seg-btn', { class: this.outcome === o ? 'on' : '', 'data-testid': `icp-outcome-${o}`, onClick: () => ((this.outcome = o), this.draw()) }, t(`icp.outcome.${o}` as Key));
    const summary = h('textarea.input', {
      rows: '2',
      'data-testid': 'icp-summary',
      placeholder: t('icp.summaryPh'),
      onInput: (e: Event) => (this.summary = (e.target as HTMLTextAreaElement).value),
    });
    summary.value = this.summary;
    return h(
      'div.icp-body',
      { 'data-testid': 'icp-live', 'data-status': rec.status },
      h(
        'div.icp-livehead',
        null,
        h('span.icp-badge', { class: closed ? 'st-closed' : 'st-active', 'data-testid': 'icp-state' }, t(closed ? 'icp.state.closed' : 'icp.state.active')),
        rec.outcome && h('span.icp-badge', { 'data-testid': 'icp-outcome' }, t(`icp.outcome.${rec.outcome}` as Key)),
        rec.incident_id !== null &&
          h('a.link', { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(rec.incident_id)) }, `${t('icp.incident')} #${rec.incident_id}`),
        h('span.spacer'),
        h('span.muted.mono', null, `${t('icp.crimeAt')} ${fmtTime(rec.crime_at)}`),
      ),
      h(
        'div.icp-stats',
        null,
        h('div.icp-stat', { 'data-testid': 'icp-onsite' }, h('b', null, `${count('on_site')}/${rec.points.length}`), h('span', null, t('icp.status.on_site'))),
        h('div.icp-stat', null, h('b', null, String(count('signed'))), h('span', null, t('icp.status.signed'))),
        h('div.icp-stat', null, h('b', null, String(count('issued'))), h('span', null, t('icp.status.issued'))),
        h('div.icp-stat', { class: count('late') > 0 ? 'bad' : '' }, h('b', null, String(count('late'))), h('span', null, t('icp.status.late'))),
      ),
      h(
        'div.icp-table',
        { 'data-testid': 'icp-live-points' },
        pts.map((p) => {
          const st = liveStatus(p, closed);
          return h(
            'div.icp-tr.icp-lr',
            { 'data-testid': 'icp-live-point', 'data-status': st, 'data-key': String(p.unit_id), class: this.selected === p.unit_id ? 'sel' : '', onClick: () => this.select(p.unit_id) },
            h('span.icp-n', { class: `st-${st}` }, String(p.index + 1)),
            h('span.icp-who', null, h('b', null, p.call_sign), h('small', null, p.label ?? '—')),
            h('span.icp-badge', { class: `st-${st}`, 'data-testid': 'icp-point-status' }, t(`icp.status.${st}` as Key)),
            h(
              'span.icp-due',
              null,
              h('span.mono', null, `${t('icp.deadline')} ${fmtTime(p.deadline)}`),
              !closed && st !== 'on_site' && h('small.mono', { 'data-deadline': p.deadline }, countdown(p.deadline)),
              p.arrived_at && h('small.mono', null, `${t('icp.status.on_site')} ${fmtTime(p.arrived_at)}`),
            ),
            p.feedback && h('div.icp-fb', null, `“${p.feedback}”`),
          );
        }),
      ),
      h('h3.sec', null, t('icp.timeline'), h('span.count', null, String(this.timeline.length))),
      h(
        'ol.timeline.icp-tl',
        { 'data-testid': 'icp-timeline' },
        this.timeline.map((it) => {
          const d = it.data?.detail;
          const pt = d?.point !== undefined ? rec.points[d.point] : undefined;
          return h(
            'li.tl-item',
            null,
            h('span.tl-time.mono', null, fmtTime(it.at)),
            h(
              'span',
              null,
              h('b', null, tDyn(`icp.tl.${it.kind}`, it.kind)),
              pt && ` · ${pointName(pt.index + 1, null)} ${pt.call_sign}`,
              d?.by === 'position' && h('small.muted', null, ` (${t('icp.byPosition')})`),
              d?.outcome && ` · ${tDyn(`icp.outcome.${d.outcome}`, d.outcome)}`,
              h('small.muted', null, ` · ${it.actor}`),
            ),
          );
        }),
      ),
      rec.summary && h('div.icp-fb', null, rec.summary),
      mayClose &&
        h(
          'div.icp-closeform',
          null,
          h('label', null, t('icp.outcome')),
          h('div.seg', null, outcomeBtn('caught'), outcomeBtn('lost'), outcomeBtn('stood_down')),
          summary,
          h('div.row-end', null, h('button.btn.btn-danger.btn-sm', { 'data-testid': 'icp-close', disabled: this.busy, onClick: () => void this.closeIt(rec) }, t('icp.close'))),
        ),
      this.errorBlock(),
    );
  }

  /** Puts the current view on the map (nothing while the panel is closed). */
  private drawMap(): void {
    if (!this.layer) return;
    if (!this.isOpen) {
      void this.layer.show(null);
      return;
    }
    if (this.view.kind === 'plan' && this.plan) {
      const p = this.plan;
      const at = p.reach[this.level]?.seconds ?? p.closing_s;
      void this.layer.show({
        origin: p.origin,
        points: p.cordon.map((c, i) => ({
          n: i + 1,
          lon: c.lon,
          lat: c.lat,
          key: c.unit_id,
          cls: `m-${marginClass(c.margin_s)}${c.unit_arrival_s <= at + 1e-6 ? ' held' : ''}${this.selected === c.unit_id ? ' sel' : ''}`,
          title: `${pointName(i + 1, c.label)} · ${c.call_sign} · ${t('icp.margin')} ${fmtMargin(c.margin_s)}`,
        })),
        routes: p.cordon.map((c) => ({ coords: c.route, color: MARGIN_COLORS[marginClass(c.margin_s)], sel: this.selected === c.unit_id })),
        open: p.open_routes.map((o) => o.path),
        reach: p.reach.map((r, i) => ({ polygon: r.polygon, current: i === this.level })),
        reachRoads: p.reach_roads,
        reachAt: at,
      });
      return;
    }
    if (this.view.kind === 'live') {
      const rec = interceptions.get(this.view.id);
      if (!rec) return;
      const closed = rec.status === 'closed';
      const routes = this.routesOf(rec);
      const plan = this.planOf.get(rec.id);
      void this.layer.show({
        origin: rec.origin,
        points: rec.points.map((p) => {
          const st = liveStatus(p, closed);
          return {
            n: p.index + 1,
            lon: p.lon,
            lat: p.lat,
            key: p.unit_id,
            cls: `st-${st}${st === 'on_site' ? ' held' : ''}${this.selected === p.unit_id ? ' sel' : ''}`,
            title: `${pointName(p.index + 1, p.label)} · ${p.call_sign} · ${t(`icp.status.${st}` as Key)}`,
          };
        }),
        routes: closed
          ? []
          : rec.points
              .filter((p) => p.status !== 'on_site')
              .map((p) => ({ coords: routes.get(p.index) ?? [], color: STATUS_COLORS[liveStatus(p, closed)], sel: this.selected === p.unit_id })),
        open: closed || !plan ? [] : plan.open_routes.map((o) => o.path),
        // The suspect's reach stays after 下发 in the console that planned it, grown to now.
        ...this.liveReach(plan, closed),
      });
      return;
    }
    if (this.view.kind === 'setup' || this.view.kind === 'list') void this.layer.show(null);
  }
}
