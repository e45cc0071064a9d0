// 警力看板: units grouped by status with counts. Rows are keyed by id and rebuilt only when a
// displayed field changes (a position update just refreshes the "last fix" age).

import { api, ApiError, can, type TrackFix, type Unit, type UnitStatus, type User } from '../api';
import { h, setChildren, throttle, toast } from '../dom';
import { codeLabel, fmtAgo, fmtTime, getLang, onLangChange, t, type Lang } from '../i18n';
import { UNIT_STATUS_COLORS } from '../map';
import { orgName, units } from '../store';

const STATUSES: UnitStatus[] = ['available', 'dispatched', 'en_route', 'on_scene', 'off_duty'];

export class UnitBoard {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private head: HTMLElement;
  private bar: HTMLElement;
  private groups = new Map<string, { el: HTMLElement; list: HTMLElement; count: HTMLElement; title: HTMLElement }>();
  private rows = new Map<number, { el: HTMLElement; stamp: string; age: HTMLElement }>();
  private collapsed = new Set<string>(['off_duty']);
  private render = throttle(() => this.renderAll(), 250);
  private selected: number | null = null;
  private card: HTMLElement;
  private cardError = '';

  constructor(
    private user: User,
    private onLocate: (u: Unit) => void,
    /** Draw a unit's trail on the map (`null` clears it). */
    private onTrail: (coords: [number, number][] | null) => void = () => {},
  ) {
    this.head = h('div.panel-head');
    this.bar = h('div.unit-bar', { 'aria-hidden': 'true' });
    this.body = h('div.unit-groups', { 'data-testid': 'unit-board-list' });
    this.card = h('div.unit-card', { 'data-testid': 'unit-card', hidden: true });
    this.filters = h('div.unit-filters');
    this.el = h('section.panel.units', { 'data-testid': 'unit-board' }, this.head, this.filters, this.bar, this.body, this.card);
    this.drawHead();
    this.drawFilters();
    this.buildGroups();
    units.subscribe(() => this.render());
    onLangChange(() => {
      this.drawHead();
      this.drawFilters();
      for (const r of this.rows.values()) r.stamp = '';
      this.buildGroups();
      this.renderAll();
    });
    window.setInterval(() => this.tickAges(), 5000);
  }

  private filters: HTMLElement;
  /** Search (call sign or organisation) and filters by station and kind. */
  private query = '';
  private org = '';
  private kind = '';

  private drawFilters(): void {
    const lang = getLang();
    const orgIds = [...new Set([...units.byId.values()].map((u) => u.org_id))].sort((a, b) => orgName(a, lang).localeCompare(orgName(b, lang), 'zh-CN'));
    const kinds = [...new Set([...units.byId.values()].map((u) => u.kind))].sort();
    const search = h('input.input.uf-search', {
      type: 'search',
      'data-testid': 'unit-search',
      placeholder: t('units.search'),
      value: this.query,
      onInput: (e: Event) => {
        this.query = (e.target as HTMLInputElement).value.trim().toLowerCase();
        this.renderAll();
      },
    });
    const sel = (testid: string, all: string, options: [string, string][], value: string, set: (v: string) => void) =>
      h(
        'select.input.uf-sel',
        { 'data-testid': testid, onChange: (e: Event) => (set((e.target as HTMLSelectElement).value), this.renderAll()) },
        h('option', { value: '' }, all),
        options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
      );
    setChildren(
      this.filters,
      search,
      sel('unit-filter-org', t('units.allOrgs'), orgIds.map((o) => [o, orgName(o, lang)]), this.org, (v) => (this.org = v)),
      sel('unit-filter-kind', t('units.allKinds'), kinds.map((k) => [k, codeLabel('unit_kinds', k)]), this.kind, (v) => (this.kind = v)),
    );
    this.filterStamp = this.optionsStamp();
  }

  /** What the filters' options depend on: the stations and kinds of the units, the language. */
  private optionsStamp(): string {
    const orgs = [...new Set([...units.byId.values()].map((u) => u.org_id))].sort();
    const kinds = [...new Set([...units.byId.values()].map((u) => u.kind))].sort();
    return `${orgs.join(',')}|${kinds.join(',')}|${getLang()}`;
  }

  private filterStamp = '';

  private matches(u: Unit, lang: Lang): boolean {
    if (this.org && u.org_id !== this.org) return false;
    if (this.kind && u.kind !== this.kind) return false;
    if (!this.query) return true;
    const q = this.query;
    return u.call_sign.toLowerCase().includes(q) || orgName(u.org_id, lang).toLowerCase().includes(q) || codeLabel('unit_kinds', u.kind).toLowerCase().includes(q);
  }

  private drawHead(): void {
    setChildren(this.head, h('h2', null, t('units.title')), h('span.count', { 'data-testid': 'unit-count' }, String(units.byId.size)));
  }

  private buildGroups(): void {
    this.groups.clear();
    const els: HTMLElement[] = [];
    for (const s of [...STATUSES, 'other']) {
      const count = h('span.grp-count', null, '0');
      const list = h('div.grp-list');
      const title = h(
        'button.grp-head',
        {
          style: { '--c': UNIT_STATUS_COLORS[s] ?? '#5d6878' },
          'data-testid': `unit-group-${s}`,
          onClick: () => {
            if (this.collapsed.has(s)) this.collapsed.delete(s);
            else this.collapsed.add(s);
            g.classList.toggle('collapsed', this.collapsed.has(s));
          },
        },
        h('i.dot'),
        h('span', null, s === 'other' ? '—' : codeLabel('unit_statuses', s)),
        h('span.spacer'),
        count,
        h('span.chev', null, '▾'),
      );
      const g = h('div.grp', { class: this.collapsed.has(s) ? 'collapsed' : '', 'data-status': s }, title, list);
      this.groups.set(s, { el: g, list, count, title });
      els.push(g);
    }
    setChildren(this.body, els);
    this.rows.clear();
  }

  private renderAll(): void {
    const lang = getLang();
    const byStatus = new Map<string, Unit[]>();
    const all = new Map<string, number>();
    let shown = 0;
    for (const u of units.byId.values()) {
      const s = STATUSES.includes(u.status) ? u.status : 'other';
      all.set(s, (all.get(s) ?? 0) + 1);
      if (!this.matches(u, lang)) continue;
      shown++;
      let arr = byStatus.get(s);
      if (!arr) byStatus.set(s, (arr = []));
      arr.push(u);
    }
    const keep = new Set<number>();
    const now = Date.now();
    for (const [s, g] of this.groups) {
      const arr = (byStatus.get(s) ?? []).sort((a, b) => a.call_sign.localeCompare(b.call_sign, 'zh-CN') || a.id - b.id);
      g.count.textContent = String(arr.length);
      g.el.hidden = s === 'other' && arr.length === 0;
      g.el.classList.toggle('empty', arr.length === 0);
      let prev: Element | null = null;
      for (const u of arr) {
        keep.add(u.id);
        const stamp = `${u.status}|${u.call_sign}|${u.kind}|${u.org_id}|${lang}|${u.position ? 1 : 0}`;
        let row = this.rows.get(u.id);
        if (!row || row.stamp !== stamp) {
          const age = h('span.u-age', null, '');
          const el = h(
            'div.unit-row',
            {
              'data-testid': 'unit-row',
              'data-id': String(u.id),
              'data-status': u.status,
              style: { '--c': UNIT_STATUS_COLORS[u.status] ?? '#5d6878' },
              title: orgName(u.org_id, lang),
              onClick: () => {
                const cur = units.get(u.id);
                this.select(u.id);
                if (cur?.position) this.onLocate(cur);
              },
            },
            h('i.dot'),
            h('span.u-call', null, u.call_sign),
            h('span.u-kind', null, codeLabel('unit_kinds', u.kind)),
            h('span.u-org', null, orgName(u.org_id, lang)),
            age,
          );
          if (row) row.el.remove();
          row = { el, stamp, age };
          this.rows.set(u.id, row);
        }
        row.age.textContent = u.position ? fmtAgo(u.position_at, now) : t('units.noPos');
        const want: Element | null = prev ? prev.nextElementSibling : g.list.firstElementChild;
        if (want !== row.el) g.list.insertBefore(row.el, want);
        prev = row.el;
      }
    }
    for (const [id, r] of this.rows) {
      if (!keep.has(id)) {
        r.el.remove();
        this.rows.delete(id);
      }
    }
    for (const [id, r] of this.rows) r.el.classList.toggle('selected', id === this.selected);
    this.drawCard();
    const total = units.byId.size;
    const cnt = this.head.querySelector('.count');
    if (cnt) cnt.textContent = shown === total ? String(total) : `${shown}/${total}`;
    // New stations or kinds (units created meanwhile) join the filters' options.
    if (this.optionsStamp() !== this.filterStamp) this.drawFilters();
    setChildren(
      this.bar,
      STATUSES.map((s) => {
        const n = all.get(s) ?? 0;
        return n > 0 ? h('div', { style: { flexGrow: String(n), background: UNIT_STATUS_COLORS[s] }, title: `${codeLabel('unit_statuses', s)} ${n}` }) : null;
      }),
    );
  }

  private select(id: number | null): void {
    this.selected = this.selected === id ? null : id;
    this.cardError = '';
    if (this.trailFor !== null && this.trailFor !== this.selected) this.hideTrail();
    for (const [rid, r] of this.rows) r.el.classList.toggle('selected', rid === this.selected);
    this.drawCard();
  }

  /** May this user change the unit's status? Any unit with `manage_unit`; a unit terminal its own. */
  private canUpdate(u: Unit): boolean {
    return can(this.user, 'manage_unit') || (can(this.user, 'update_own_unit') && this.user.unit_id === u.id);
  }

  private cardStamp = '';

  private drawCard(): void {
    const u = this.selected !== null ? units.get(this.selected) : undefined;
    this.card.hidden = !u;
    if (!u) {
      this.cardStamp = '';
      return;
    }
    const lang = getLang();
    const pos = this.card.querySelector('.uc-pos');
    const age = this.card.querySelector('.uc-age');
    const stamp = `${u.id}|${u.status}|${u.call_sign}|${u.kind}|${lang}|${this.cardError}|${this.trailFor}|${this.trailInfo}`;
    if (stamp === this.cardStamp && pos && age) {
      // Only the position moved: update text in place (no rebuild under the pointer).
      pos.textContent = u.position ? `${u.position.lon.toFixed(4)}, ${u.position.lat.toFixed(4)}` : t('units.noPos');
      age.textContent = u.position ? fmtAgo(u.position_at) : '';
      return;
    }
    this.cardStamp = stamp;
    const editable = this.canUpdate(u);
    setChildren(
      this.card,
      h(
        'div.uc-head',
        { style: { '--c': UNIT_STATUS_COLORS[u.status] ?? '#5d6878' } },
        h('i.dot'),
        h('b', null, u.call_sign),
        h('span.muted', null, codeLabel('unit_kinds', u.kind)),
        h('span.spacer'),
        h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), onClick: () => this.select(null) }, '✕'),
      ),
      h(
        'div.uc-info',
        null,
        h('span', null, orgName(u.org_id, lang)),
        h('span.mono.uc-pos', null, u.position ? `${u.position.lon.toFixed(4)}, ${u.position.lat.toFixed(4)}` : t('units.noPos')),
        h('span.mono.uc-age', { title: fmtTime(u.position_at, true) }, u.position ? fmtAgo(u.position_at) : ''),
      ),
      h(
        'div.uc-status',
        { role: 'group' },
        STATUSES.map((s) =>
          h(
            'button.uc-btn',
            {
              class: s === u.status ? 'on' : '',
              style: { '--c': UNIT_STATUS_COLORS[s] },
              'data-testid': `unit-status-${s}`,
              disabled: !editable || s === u.status,
              onClick: () => void this.setStatus(u.id, s),
            },
            codeLabel('unit_statuses', s),
          ),
        ),
      ),
      h(
        'div.uc-trail',
        null,
        h(
          'button.btn.btn-ghost.btn-sm',
          { 'data-testid': 'unit-trail', onClick: () => void this.toggleTrail(u.id) },
          this.trailFor === u.id ? t('units.trailHide') : t('units.trail'),
        ),
        this.trailFor === u.id && h('span.muted', { 'data-testid': 'unit-trail-info' }, this.trailInfo),
      ),
      this.cardError && h('div.form-error', { role: 'alert' }, this.cardError),
    );
  }

  private trailFor: number | null = null;
  private trailInfo = '';

  private hideTrail(): void {
    this.trailFor = null;
    this.trailInfo = '';
    this.onTrail(null);
  }

  /** Show or hide the selected unit's last hour of fixes (GET /units/{id}/track). */
  private async toggleTrail(id: number): Promise<void> {
    if (this.trailFor === id) {
      this.hideTrail();
      this.drawCard();
      return;
    }
    try {
      // The last hour, paged on from the last fix while the server says more follow (a busy
      // unit reporting every second has 3,600 fixes an hour; three pages hold 30,000).
      const to = new Date().toISOString();
      let from = new Date(Date.now() - 3600_000).toISOString();
      const fixes: TrackFix[] = [];
      for (let page = 0; page < 3; page++) {
        const tr = await api.track(id, { from, to, limit: 10_000 });
        fixes.push(...tr.fixes);
        const last = tr.fixes[tr.fixes.length - 1];
        if (!tr.more || !last) break;
        from = new Date(Date.parse(last.at) + 1).toISOString();
      }
      this.trailFor = id;
      let top = 0;
      for (const f of fixes) top = Math.max(top, f.speed_mps ?? 0);
      this.trailInfo = fixes.length
        ? t('units.trailInfo').replace('{n}', String(fixes.length)).replace('{v}', (top * 3.6).toFixed(0))
        : t('units.trailEmpty');
      this.cardError = '';
      this.onTrail(fixes.map((f) => [f.lon, f.lat]));
    } catch (e) {
      this.cardError = (e as ApiError).message;
    }
    this.drawCard();
  }

  private async setStatus(id: number, status: UnitStatus): Promise<void> {
    try {
      const u = await api.patchUnit(id, { status });
      units.upsert(u);
      this.cardError = '';
      toast(`${u.call_sign}: ${codeLabel('unit_statuses', u.status)}`, 'ok', 2000);
    } catch (e) {
      this.cardError = (e as ApiError).message;
    }
    this.drawCard();
  }

  private tickAges(): void {
    const now = Date.now();
    for (const [id, r] of this.rows) {
      const u = units.get(id);
      if (u?.position) r.age.textContent = fmtAgo(u.position_at, now);
    }
  }
}
