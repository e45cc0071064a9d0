// 安保部署: the major-event board. Every post of the event on the map, coloured by status
// (staffed green, late amber, empty red), counts at the top, a dense list filterable by status,
// and a post's detail — who is assigned, when they are due, one-click 替补 relief. One request
// loads the board (GET /events/{id}/board); the live feed (`record_type: "post"`) keeps it
// current, so 173 posts and 400 units cost no request per post. Statuses are the server's: its
// timers turn a post late or empty within a second and publish the change.

import { ApiError, canEditIncidents, type User } from '../../api';
import { h, setChildren, throttle, toast } from '../../dom';
import { codeLabel, fmtTime, onLangChange, t, tDyn, type Key } from '../../i18n';
import type { LiveFeed } from '../../live';
import type { OpsMap } from '../../map';
import { units } from '../../store';
import { fmtEta } from '../../ui/dispatch';
import './panel.css';
import {
  evApi,
  events,
  posts,
  type MajorEvent,
  type Post,
  type PostStatus,
  type PostUnit,
  type Proposal,
  type TimelineItem,
} from './api';
import { PostLayer, STATUS_COLORS, URGENCY } from './layer';

const FILTERS: (PostStatus | 'all')[] = ['all', 'empty', 'late', 'relieved', 'pending', 'staffed'];

const OPEN_EVENT = 'zhihui:post';

/** Opens the board at a post (from an alert). */
export function openPost(eventId: number, postId: number): void {
  window.dispatchEvent(new CustomEvent(OPEN_EVENT, { detail: { event_id: eventId, post_id: postId } }));
}

type Kid = Parameters<typeof setChildren>[1];

function countsOf(list: Post[]) {
  const c = { posts: list.length, checkpoints: 0, duty_points: 0, places: 0, on_site: 0, assigned: 0, overdue: 0, vacant: 0 } as Record<string, number>;
  for (const s of Object.keys(URGENCY)) c[s] = 0;
  for (const p of list) {
    c[p.kind === 'checkpoint' ? 'checkpoints' : 'duty_points']++;
    c.places += p.staff;
    c.on_site += p.on_site;
    c.assigned += p.assigned;
    c.overdue += p.overdue;
    c.vacant += p.vacant;
    c[p.status]++;
  }
  return c;
}

function left(iso: string, now = Date.now()): number {
  return Math.round((new Date(iso).getTime() - now) / 1000);
}

// ---- the panel ---------------------------------------------------------------------------------

export class EventPanel {
  readonly el: HTMLElement;
  readonly button: HTMLElement;
  private isOpen = false;
  private eventId: number | null = null;
  private filter: PostStatus | 'all' = 'all';
  private kindFilter: 'all' | 'checkpoint' | 'duty_point' = 'all';
  private query = '';
  private selected: number | null = null;
  private busy: string | null = null;
  private error: ApiError | null = null;
  private proposal: Proposal | null = null;
  private timeline: TimelineItem[] = [];
  private timelineFor: number | null = null;
  private layer: PostLayer | null = null;
  private fitted = false;
  private readonly writer: boolean;
  private drawSoon = throttle(() => this.draw(), 250);
  private mapSoon = throttle(() => this.drawMap(), 250);
  /** Number of full list renders (the test checks the throttle keeps it low). */
  renders = 0;

  constructor(
    user: User,
    live: LiveFeed,
    mapReady: Promise<OpsMap | null>,
    private onOpen: () => void,
  ) {
    this.writer = canEditIncidents(user);
    this.el = h('div.ev-panel', { 'data-testid': 'event-panel', hidden: true });
    this.button = h('button.ev-btn', { 'data-testid': 'event-button', title: t('ev.buttonTitle'), onClick: () => this.toggle() });
    void mapReady.then((m) => {
      if (!m) return;
      this.layer = new PostLayer(m, (id) => this.select(id, false));
      this.drawMap();
    });
    live.subscribe((ev) => {
      if (ev.record_type === 'post') {
        posts.upsert(ev.data as Post);
        if (this.timelineFor === ev.record_id) this.loadTimelineSoon();
      } else if (ev.record_type === 'major_event') {
        events.upsert(ev.data as MajorEvent);
        if (this.eventId === null && (ev.data as MajorEvent).status === 'active') void this.openEvent(ev.record_id);
      }
    });
    posts.subscribe(() => {
      this.drawButton();
      if (this.isOpen) {
        this.drawSoon();
        this.mapSoon();
      }
    });
    events.subscribe(() => {
      this.drawButton();
      if (this.isOpen) this.drawSoon();
    });
    window.addEventListener(OPEN_EVENT, (e) => {
      const d = (e as CustomEvent<{ event_id: number; post_id: number }>).detail;
      void this.openEvent(d.event_id).then(() => {
        this.toggle(true);
        this.select(d.post_id, true);
      });
    });
    window.setInterval(() => this.tick(), 1000);
    // The live feed carries every change; a periodic read is only a safety net after a long
    // disconnection.
    window.setInterval(() => this.isOpen && this.eventId !== null && void this.reload(), 60_000);
    onLangChange(() => {
      this.drawButton();
      if (this.isOpen) this.draw();
    });
    this.drawButton();
  }

  /** The newest active event of the jurisdiction (after the snapshot). */
  load(): void {
    void evApi
      .list()
      .then((r) => {
        events.upsertMany(r.items ?? []);
        const first = (r.items ?? []).sort((a, b) => b.id - a.id)[0];
        return first && this.eventId === null ? this.openEvent(first.id) : undefined;
      })
      .catch(() => {});
  }

  get opened(): boolean {
    return this.isOpen;
  }

  /** What the map shows (tests). */
  get drawn(): PostLayer['drawn'] | null {
    return this.layer?.drawn ?? null;
  }

  /** Closes this panel whenever another panel on the map's left side is shown. */
  closeWhenShown(container: HTMLElement, selectors: string): void {
    new MutationObserver(() => {
      if (!this.isOpen) return;
      for (const el of container.querySelectorAll<HTMLElement>(selectors)) {
        if (el !== this.el && !el.hidden) {
          this.toggle(false);
          return;
        }
      }
    }).observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden'] });
  }

  private async openEvent(id: number): Promise<void> {
    if (this.eventId !== id) {
      this.eventId = id;
      this.fitted = false;
      this.selected = null;
      this.proposal = null;
    }
    await this.reload();
  }

  private async reload(): Promise<void> {
    const id = this.eventId;
    if (id === null) return;
    try {
      const b = await evApi.board(id);
      events.upsert(b.event);
      posts.upsertMany(b.posts);
      if (this.isOpen) {
        this.draw();
        this.drawMap();
      }
    } catch (e) {
      this.error = e as ApiError;
      if (this.isOpen) this.draw();
    }
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
      this.draw();
      this.drawMap();
      if (this.eventId === null) this.load();
    } else {
      setChildren(this.el);
      void this.layer?.show(null, null);
    }
    this.drawButton();
  }

  private current(): Post[] {
    const id = this.eventId;
    return id === null ? [] : posts.all().filter((p) => p.event_id === id);
  }

  select(id: number | null, fly: boolean): void {
    this.selected = this.selected === id && !fly ? null : id;
    this.error = null;
    const p = this.selected !== null ? posts.get(this.selected) : undefined;
    if (p) {
      if (fly) this.layer?.flyTo(p);
      void this.loadTimeline(p);
    } else {
      this.timelineFor = null;
    }
    this.draw();
    this.drawMap();
  }

  private async loadTimeline(p: Post): Promise<void> {
    this.timelineFor = p.id;
    try {
      const r = await evApi.timeline(p.event_id, p.id);
      if (this.timelineFor !== p.id) return;
      this.timeline = r.items;
      this.drawSoon();
    } catch {
      /* the detail shows without it */
    }
  }

  private tlTimer: number | null = null;
  private loadTimelineSoon(): void {
    if (this.tlTimer !== null) return;
    this.tlTimer = window.setTimeout(() => {
      this.tlTimer = null;
      const p = this.timelineFor !== null ? posts.get(this.timelineFor) : undefined;
      if (p) void this.loadTimeline(p);
    }, 400);
  }

  // ---- actions ----

  private async relief(p: Post): Promise<void> {
    if (this.busy) return;
    this.busy = `relief:${p.id}`;
    this.error = null;
    this.draw();
    try {
      const r = await evApi.relief(p.event_id, p.id);
      posts.upsert(r.post);
      toast(`${t('ev.reliefSent')} · ${p.label} ← ${r.call_sign}${r.travel_s !== null ? ` · ${fmtEta(r.travel_s)}` : ''}`, 'ok');
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = null;
      this.draw();
    }
  }

  private async arrived(p: Post, unitId: number): Promise<void> {
    if (this.busy) return;
    this.busy = `arrived:${unitId}`;
    this.error = null;
    this.draw();
    try {
      posts.upsert(await evApi.arrived(p.event_id, p.id, unitId));
      toast(t('ev.arrivedOk'), 'ok', 2000);
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = null;
      this.draw();
    }
  }

  private async deploy(): Promise<void> {
    if (this.busy || this.eventId === null) return;
    this.busy = 'deploy';
    this.error = null;
    this.draw();
    try {
      this.proposal = await evApi.deploy(this.eventId);
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = null;
      this.draw();
    }
  }

  private async accept(): Promise<void> {
    const p = this.proposal;
    if (!p || this.busy || this.eventId === null) return;
    this.busy = 'accept';
    this.error = null;
    this.draw();
    try {
      const r = await evApi.assign(
        this.eventId,
        p.postings.map((x) => ({ post_id: x.post_id, unit_id: x.unit_id })),
      );
      posts.upsertMany(r.posts);
      this.proposal = null;
      toast(`${t('ev.accepted')} · ${r.assigned}`, 'ok');
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = null;
      this.draw();
    }
  }

  // ---- drawing ----

  private tick(): void {
    if (!this.isOpen) return;
    const now = Date.now();
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-until]')) {
      const s = left(el.dataset.until!, now);
      el.textContent = s >= 0 ? `${t('ev.in')} ${fmtEta(s)}` : `${t('ev.overdueBy')} ${fmtEta(-s)}`;
      el.classList.toggle('over', s < 0);
    }
    const shift = this.el.querySelector<HTMLElement>('[data-shift]');
    if (shift) shift.textContent = this.shiftText();
  }

  private shiftText(): string {
    const ev = this.eventId !== null ? events.get(this.eventId) : undefined;
    const first = this.current()[0];
    if (!ev || !first) return '';
    if (ev.status === 'closed') return t('ev.closed');
    const s = left(first.shift_start);
    if (s > 0) return `${t('ev.toShift')} ${fmtEta(s)}`;
    return left(first.shift_end) > 0 ? t('ev.onShift') : t('ev.shiftOver');
  }

  private drawButton(): void {
    const list = this.current();
    const c = countsOf(list);
    const lapses = c.late + c.empty;
    this.button.classList.toggle('on', this.isOpen);
    this.button.classList.toggle('hot', list.length > 0);
    this.button.classList.toggle('bad', lapses > 0);
    setChildren(
      this.button,
      h('span', null, t('ev.short')),
      list.length > 0 && h('b', { 'data-testid': 'event-lapses', title: `${t('ev.status.late')} + ${t('ev.status.empty')}` }, String(lapses)),
    );
  }

  /** The parts of the panel that stay in place while live updates arrive several times a second,
   * so that the row or button under the dispatcher's pointer is never swapped for a new one. */
  private dom: { eventId: number; name: HTMLElement; sub: HTMLElement; tiles: HTMLElement; main: HTMLElement; err: HTMLElement } | null = null;
  private sigs = new Map<string, string>();
  private rows = new Map<number, { el: HTMLElement; sig: string }>();
  private listEl: HTMLElement | null = null;
  private readonly search = h('input.input.ev-search', {
    type: 'search',
    placeholder: t('ev.search'),
    'data-testid': 'ev-search',
    onInput: (e: Event) => {
      this.query = (e.target as HTMLInputElement).value;
      this.drawSoon();
    },
  });

  /** Rebuilds `el` from `build` only when `sig` changed since the last time. */
  private section(key: string, sig: string, el: HTMLElement, build: () => Kid[]): boolean {
    if (this.sigs.get(key) === sig) return false;
    this.sigs.set(key, sig);
    setChildren(el, ...build());
    return true;
  }

  private draw(): void {
    if (!this.isOpen) return;
    this.renders++;
    const ev = this.eventId !== null ? events.get(this.eventId) : undefined;
    const lang = t('ev.title');
    if (!ev) {
      this.dom = null;
      this.sigs.clear();
      setChildren(this.el, h('div.ev-frame', null, this.head(null), h('div.muted.pad', { 'data-testid': 'event-none' }, t('ev.none'))));
      return;
    }
    if (!this.dom || this.dom.eventId !== ev.id || this.sigs.get('lang') !== lang) {
      const name = h('span.ev-name');
      const d = { eventId: ev.id, name, sub: h('div.ev-sub'), tiles: h('div.ev-tiles'), main: h('div.ev-main'), err: h('div.ev-err') };
      this.dom = d;
      this.sigs.clear();
      this.sigs.set('lang', lang);
      this.search.placeholder = t('ev.search');
      setChildren(
        this.el,
        h('div.ev-frame', null, this.head(name), h('div.ev-body', { 'data-testid': 'event-board', 'data-event': String(ev.id) }, d.sub, d.tiles, d.main, d.err)),
      );
    }
    const d = this.dom;
    d.name.textContent = ev.name;
    d.name.title = ev.venue;
    const list = this.current();
    const c = countsOf(list);
    const first = list[0];
    this.section('sub', `${ev.version}|${first?.shift_start}`, d.sub, () => [
      h('span.muted', { title: ev.venue }, ev.venue),
      h('span.spacer'),
      first && h('span.mono.muted', { title: t('ev.shift') }, `${fmtTime(first.shift_start)}–${fmtTime(first.shift_end)}`),
      h('span.ev-shift', { 'data-shift': '1' }, this.shiftText()),
    ]);
    const tiles: [Key, string, string, string, PostStatus | undefined][] = [
      ['ev.checkpoints', String(c.checkpoints), '', 'ev-count-checkpoints', undefined],
      ['ev.dutyPoints', String(c.duty_points), '', 'ev-count-duty', undefined],
      ['ev.onSite', `${c.on_site}/${c.places}`, 'ok', 'ev-count-onsite', 'staffed'],
      ['ev.status.late', String(c.late), c.late > 0 ? 'late' : '', 'ev-count-late', 'late'],
      ['ev.status.empty', String(c.empty), c.empty > 0 ? 'empty' : '', 'ev-count-empty', 'empty'],
      ['ev.gaps', String(c.vacant), c.vacant > 0 ? 'gap' : '', 'ev-count-gaps', undefined],
    ];
    this.section('tiles', this.filter, d.tiles, () =>
      tiles.map(([label, , , testid, filter]) =>
        h(
          'button.ev-tile',
          {
            class: filter && this.filter === filter ? 'on' : '',
            'data-testid': testid,
            disabled: !filter,
            onClick: () => filter && ((this.filter = this.filter === filter ? 'all' : filter), this.draw()),
          },
          h('b'),
          h('span', null, t(label)),
        ),
      ),
    );
    // Values change with every arrival: written in place, the tiles stay under the pointer.
    for (const [, value, cls, testid] of tiles) {
      const el = d.tiles.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
      if (!el) continue;
      el.querySelector('b')!.textContent = value;
      for (const k of ['ok', 'late', 'empty', 'gap']) el.classList.toggle(k, k === cls);
    }
    const sel = this.selected !== null ? posts.get(this.selected) : undefined;
    if (sel) {
      this.listEl = null;
      const tl = this.timelineFor === sel.id ? this.timeline.length : -1;
      this.section('main', `detail|${sel.id}|${sel.version}|${this.busy}|${tl}`, d.main, () => [this.detail(sel)]);
    } else {
      const scroll = this.listEl?.scrollTop ?? 0;
      const rebuilt = this.section('main', `list|${this.filter}|${this.kindFilter}|${this.proposal?.event_id ?? ''}|${this.busy}|${c.vacant > 0}`, d.main, () => [
        this.listView(c),
      ]);
      if (rebuilt && this.listEl) this.listEl.scrollTop = scroll;
      // Counts change with every arrival: written in place, the buttons stay.
      for (const f of FILTERS) {
        const el = d.main.querySelector<HTMLElement>(`[data-count="${f}"]`);
        if (el) el.textContent = String(f === 'all' ? c.posts : c[f]);
      }
      this.fillRows(list);
    }
    this.section('err', `${this.error?.message ?? ''}|${this.error?.field ?? ''}`, d.err, () => [
      this.error && h('div.form-error', { role: 'alert', 'data-testid': 'event-error', 'data-field': this.error.field ?? '' }, this.error.message),
    ]);
  }

  private head(name: HTMLElement | null): HTMLElement {
    return h(
      'div.panel-head',
      null,
      h('h2', null, t('ev.title')),
      name,
      h('div.spacer'),
      h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), 'data-testid': 'event-close-panel', onClick: () => this.toggle(false) }, '✕'),
    );
  }

  /** The list's rows, reused by post and version and moved only when the order changes. */
  private fillRows(list: Post[]): void {
    const el = this.listEl;
    if (!el) return;
    const q = this.query.trim().toLowerCase();
    const shown = list
      .filter((p) => this.filter === 'all' || p.status === this.filter)
      .filter((p) => this.kindFilter === 'all' || p.kind === this.kindFilter)
      .filter(
        (p) =>
          !q ||
          p.label.toLowerCase().includes(q) ||
          String(p.index) === q ||
          p.units.some((a) => a.status !== 'replaced' && a.call_sign.toLowerCase().includes(q)),
      )
      .sort((a, b) => URGENCY[a.status] - URGENCY[b.status] || a.index - b.index);
    if (shown.length === 0) {
      setChildren(el, h('div.muted.pad', null, t('ev.noMatch')));
      return;
    }
    const want: HTMLElement[] = shown.map((p) => {
      const sig = `${p.version}|${p.status}|${p.on_site}`;
      const hit = this.rows.get(p.id);
      if (hit && hit.sig === sig) return hit.el;
      const row = this.row(p);
      this.rows.set(p.id, { el: row, sig });
      return row;
    });
    const now = Array.from(el.children);
    if (now.length !== want.length || now.some((n, i) => n !== want[i])) setChildren(el, want);
  }

  private row(p: Post): HTMLElement {
    return h(
      'div.ev-row',
      {
        'data-testid': 'ev-post',
        'data-id': String(p.id),
        'data-status': p.status,
        class: `st-${p.status}`,
        tabindex: '0',
        onClick: () => this.select(p.id, true),
        onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && this.select(p.id, true),
      },
      h('i.ev-dot', { style: { background: STATUS_COLORS[p.status] } }),
      h('span.mono.ev-idx', null, String(p.index)),
      h('span.ev-k', { class: p.kind }, t(`ev.kindShort.${p.kind}` as Key)),
      h('span.ev-label', { title: p.label }, p.label),
      h('span.mono.ev-staff', { class: p.on_site >= p.staff ? 'full' : '' }, `${p.on_site}/${p.staff}`),
      h('span.ev-badge', { class: `st-${p.status}` }, t(`ev.status.${p.status}` as Key)),
    );
  }

  private listView(c: Record<string, number>): HTMLElement {
    const seg = (f: PostStatus | 'all') =>
      h(
        'button.seg-btn',
        { class: this.filter === f ? 'on' : '', 'data-testid': `ev-filter-${f}`, onClick: () => ((this.filter = f), this.draw()) },
        f === 'all' ? t('ev.all') : t(`ev.status.${f}` as Key),
        h('span.seg-count', { 'data-count': f }, String(f === 'all' ? c.posts : c[f])),
      );
    const kseg = (k: 'all' | 'checkpoint' | 'duty_point') =>
      h(
        'button.seg-btn',
        { class: this.kindFilter === k ? 'on' : '', 'data-testid': `ev-kind-${k}`, onClick: () => ((this.kindFilter = k), this.draw()) },
        k === 'all' ? t('ev.all') : t(`ev.kind.${k}` as Key),
      );
    this.listEl = h('div.ev-list', { 'data-testid': 'ev-posts' });
    return h(
      'div.ev-listwrap',
      null,
      h('div.seg.ev-seg', null, FILTERS.map(seg)),
      h('div.ev-tools', null, h('div.seg.ev-kseg', null, kseg('all'), kseg('checkpoint'), kseg('duty_point')), this.search),
      this.writer && c.vacant > 0 && this.deployBlock(),
      this.listEl,
      h(
        'div.ev-legend',
        null,
        (['staffed', 'pending', 'relieved', 'late', 'empty'] as PostStatus[]).map((s) =>
          h('span', null, h('i', { style: { borderColor: STATUS_COLORS[s] } }), t(`ev.status.${s}` as Key)),
        ),
        h('span', null, h('i.cp'), t('ev.kind.checkpoint')),
      ),
    );
  }

  private deployBlock(): HTMLElement {
    const p = this.proposal;
    if (!p) {
      return h(
        'div.ev-deploy',
        null,
        h('span.sec-note', null, t('ev.deployNote')),
        h(
          'button.btn.btn-primary.btn-sm',
          { 'data-testid': 'ev-deploy', disabled: this.busy !== null, onClick: () => void this.deploy() },
          this.busy === 'deploy' ? t('ev.deploying') : t('ev.deploy'),
        ),
      );
    }
    return h(
      'div.ev-deploy.ev-proposal',
      { 'data-testid': 'ev-proposal' },
      h(
        'div.ev-prop-stats',
        null,
        h('span', null, `${t('ev.filled')} `, h('b.mono', null, `${p.filled}/${p.places}`)),
        h('span', null, `${t('ev.makespan')} `, h('b.mono', null, fmtEta(p.makespan_s))),
        p.short.length > 0 && h('span.bad', null, `${t('ev.stillShort')} `, h('b.mono', null, String(p.short.reduce((n, s) => n + s.places, 0)))),
        h('span.muted', null, `${t('ev.elapsed')} ${Math.round(p.elapsed_ms)} ms`),
      ),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-ghost.btn-sm', { onClick: () => ((this.proposal = null), this.draw()) }, t('ev.cancel')),
        h(
          'button.btn.btn-danger.btn-sm',
          { 'data-testid': 'ev-accept', disabled: this.busy !== null || p.filled === 0, onClick: () => void this.accept() },
          `${t('ev.accept')} (${p.filled})`,
        ),
      ),
    );
  }

  private detail(p: Post): HTMLElement {
    const active = p.units.filter((a) => a.status === 'assigned' || a.status === 'on_site' || a.status === 'left');
    const past = p.units.filter((a) => a.status === 'replaced' || a.status === 'released');
    const canRelief = this.writer && p.active && (p.status === 'late' || p.status === 'empty' || (p.vacant > 0 && left(p.shift_start) <= 0));
    const unitRow = (a: PostUnit) => {
      const st = a.status === 'left' ? 'left' : a.late && a.status === 'assigned' ? 'late' : a.status;
      const u = units.get(a.unit_id);
      return h(
        'div.ev-unit',
        { 'data-testid': 'ev-unit', 'data-unit': String(a.unit_id), 'data-status': st, class: `us-${st}` },
        h('span.ev-cs', null, h('b', null, a.call_sign), a.relief && h('small.ev-tag', null, t('ev.reliefs')), h('small', null, codeLabel('unit_kinds', a.kind))),
        h('span.ev-ubadge', { class: `us-${st}` }, t(`ev.unit.${st}` as Key)),
        h(
          'span.ev-when',
          null,
          a.status === 'on_site' && a.arrived_at && h('small.mono', null, `${t('ev.arrivedAt')} ${fmtTime(a.arrived_at)}`),
          a.status === 'left' && a.left_at && h('small.mono.bad', null, `${t('ev.leftAt')} ${fmtTime(a.left_at)}`),
          a.status === 'assigned' && [
            h('small.mono', null, `${t('ev.eta')} ${fmtTime(a.expected_at)}`),
            h('small.mono.ev-cd', { 'data-until': a.due_at }, ''),
          ],
          (a.status === 'replaced' || a.status === 'released') && a.closed_at && h('small.mono.muted', null, fmtTime(a.closed_at)),
        ),
        this.writer &&
          a.status !== 'on_site' &&
          (a.status === 'assigned' || a.status === 'left') &&
          h(
            'button.btn.btn-ghost.btn-xs',
            { 'data-testid': 'ev-mark-arrived', disabled: this.busy !== null, title: u?.position ? `${u.position.lon.toFixed(5)}, ${u.position.lat.toFixed(5)}` : '', onClick: () => void this.arrived(p, a.unit_id) },
            t('ev.markArrived'),
          ),
      );
    };
    const vacant = Array.from({ length: p.vacant }, (_, i) =>
      h('div.ev-unit.us-vacant', { 'data-testid': 'ev-vacant', 'data-n': String(i) }, h('span.ev-cs', null, h('b', null, '—')), h('span.ev-ubadge.us-vacant', null, t('ev.vacant'))),
    );
    return h(
      'div.ev-detail',
      { 'data-testid': 'ev-detail', 'data-id': String(p.id), 'data-status': p.status },
      h(
        'div.ev-dhead',
        null,
        h('button.btn.btn-ghost.btn-sm.icon', { 'data-testid': 'ev-back', title: t('ev.back'), onClick: () => this.select(null, false) }, '‹'),
        h('span.mono.ev-idx', null, String(p.index)),
        h('b.ev-dlabel', null, p.label),
        h('span.spacer'),
        h('span.ev-badge.big', { class: `st-${p.status}`, 'data-testid': 'ev-detail-status' }, t(`ev.status.${p.status}` as Key)),
      ),
      h(
        'dl.ev-kv',
        null,
        h('dt', null, t(`ev.kind.${p.kind}` as Key)),
        h('dd', null, `${t('ev.staff')} ${p.staff} · ${t('ev.accepts')} ${p.kinds.length ? p.kinds.map((k) => codeLabel('unit_kinds', k)).join('、') : t('ev.anyKind')}`),
        h('dt', null, t('ev.shift')),
        h('dd.mono', null, `${fmtTime(p.shift_start)}–${fmtTime(p.shift_end)}`),
        h('dt', null, t('ev.lapses')),
        h('dd', null, `${p.lapses}${p.reliefs ? ` · ${t('ev.reliefs')} ${p.reliefs}` : ''}${p.lapse_since ? ` · ${fmtTime(p.lapse_since)}` : ''}`),
      ),
      h('h3.sec', null, t('ev.units'), h('span.count', null, `${p.on_site}/${p.staff}`)),
      h('div.ev-units', null, active.length + p.vacant === 0 ? h('div.muted', null, t('ev.noUnits')) : [active.map(unitRow), vacant], past.map(unitRow)),
      canRelief &&
        h(
          'div.ev-relief',
          null,
          h(
            'button.btn.btn-danger.ev-relief-btn',
            { 'data-testid': 'ev-relief', disabled: this.busy !== null, onClick: () => void this.relief(p) },
            this.busy === `relief:${p.id}` ? t('ev.reliefBusy') : `⇄ ${t('ev.relief')}`,
          ),
          h('div.sec-note', null, t('ev.reliefNote')),
        ),
      h('h3.sec', null, t('ev.timeline'), h('span.count', null, String(this.timelineFor === p.id ? this.timeline.length : 0))),
      h(
        'ol.timeline.ev-tl',
        { 'data-testid': 'ev-timeline' },
        (this.timelineFor === p.id ? this.timeline : [])
          .slice()
          .reverse()
          .slice(0, 30)
          .map((it) => {
            const d = it.data?.detail ?? {};
            const unit = typeof d.unit_id === 'number' ? p.units.find((a) => a.unit_id === d.unit_id)?.call_sign : undefined;
            return h(
              'li.tl-item',
              null,
              h('span.tl-time.mono', null, fmtTime(it.at)),
              h(
                'span',
                null,
                h('b', null, tDyn(`ev.tl.${it.kind}`, it.kind)),
                unit && ` · ${unit}`,
                d.to && ` · ${tDyn(`ev.status.${d.to}`, d.to)}`,
                d.by === 'position' && h('small.muted', null, ` (${t('ev.byPosition')})`),
                h('small.muted', null, ` · ${it.actor}`),
              ),
            );
          }),
      ),
    );
  }

  private drawMap(): void {
    if (!this.layer) return;
    if (!this.isOpen || this.eventId === null) {
      void this.layer.show(null, null);
      return;
    }
    const list = this.current();
    void this.layer.show(list, this.selected);
    if (!this.fitted && list.length > 0) {
      this.fitted = true;
      this.layer.fit(list);
    }
  }
}
