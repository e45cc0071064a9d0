// 警情队列: the incident queue with status/type/priority filters. Rows are keyed by id and only
// rebuilt when their record version changes.

import type { Incident, IncidentStatus } from '../api';
import { h, setChildren, throttle } from '../dom';
import { codeLabel, entryLabel, fmtElapsed, fmtTime, getCodes, getLang, onLangChange, subtypeLabel, t, type Key } from '../i18n';
import { PRIORITY_COLORS } from '../map';
import { incidents, orgName, selectedIncident } from '../store';

const STATUS_ORDER: Record<IncidentStatus, number> = { new: 0, dispatched: 1, on_scene: 2, closed: 3 };
type StatusFilter = 'open' | IncidentStatus | 'all';
const STATUS_FILTERS: StatusFilter[] = ['open', 'new', 'dispatched', 'on_scene', 'closed', 'all'];
const MAX_ROWS = 400;

/** Columns of the dense (single-line) queue, in order; the dispatcher picks which show. */
type Column = 'id' | 'time' | 'type' | 'address' | 'org' | 'status' | 'age';
const COLUMNS: Column[] = ['id', 'time', 'type', 'address', 'org', 'status', 'age'];
const DEFAULT_COLUMNS: Column[] = ['id', 'type', 'address', 'status', 'age'];
const DENSE_KEY = 'zhihui.queue.dense';
const COLUMNS_KEY = 'zhihui.queue.columns';

export interface QueueOptions {
  canCreate: boolean;
  onNew: () => void;
}

export class IncidentQueue {
  readonly el: HTMLElement;
  private status: StatusFilter = 'open';
  private type = '';
  private prios = new Set<number>([1, 2, 3, 4]);
  private search = '';
  private list: HTMLElement;
  private header: HTMLElement;
  private filters: HTMLElement;
  private rows = new Map<number, { el: HTMLElement; version: number; stamp: string }>();
  private known = new Set<number>();
  private initialLoaded = false;
  private langStamp = 0;
  private render = throttle(() => this.renderList(), 100);
  /** Single-line rows (35+ on a 1080p screen) with the chosen columns. */
  private dense = localStorage.getItem(DENSE_KEY) === '1';
  private columns = new Set<Column>(
    (() => {
      try {
        const c = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as Column[] | null;
        return Array.isArray(c) && c.length > 0 ? c.filter((x) => COLUMNS.includes(x)) : DEFAULT_COLUMNS;
      } catch {
        return DEFAULT_COLUMNS;
      }
    })(),
  );
  private columnsOpen = false;

  constructor(private opts: QueueOptions) {
    this.header = h('div.panel-head');
    this.filters = h('div.queue-filters');
    this.list = h('div.queue-list', { 'data-testid': 'incident-list', tabindex: '0', onKeydown: (e: KeyboardEvent) => this.onKey(e) });
    this.el = h('section.panel.queue', { 'data-testid': 'incident-queue' }, this.header, this.filters, this.list);
    this.drawChrome();
    incidents.subscribe((changed) => {
      if (this.initialLoaded) for (const c of changed) if (!this.known.has(c.id)) this.flashIds.add(c.id);
      for (const c of changed) this.known.add(c.id);
      this.render();
    });
    selectedIncident.subscribe(() => this.markSelected());
    onLangChange(() => {
      this.langStamp++;
      this.drawChrome();
      this.renderList();
    });
    window.setInterval(() => this.tickElapsed(), 1000);
  }

  private flashIds = new Set<number>();

  /** Call after the initial snapshot so that later arrivals are highlighted. */
  markLoaded(): void {
    this.initialLoaded = true;
    for (const i of incidents.byId.keys()) this.known.add(i);
    this.renderList();
  }

  private drawChrome(): void {
    setChildren(
      this.header,
      h('h2', null, t('queue.title')),
      h('span.count', { 'data-testid': 'queue-count' }, ''),
      h('div.spacer'),
      h(
        'button.btn.btn-ghost.btn-sm',
        {
          'data-testid': 'queue-dense',
          'aria-pressed': String(this.dense),
          title: t('queue.denseTitle'),
          onClick: () => {
            this.dense = !this.dense;
            localStorage.setItem(DENSE_KEY, this.dense ? '1' : '0');
            this.relayout();
          },
        },
        this.dense ? t('queue.cards') : t('queue.dense'),
      ),
      this.dense &&
        h(
          'button.btn.btn-ghost.btn-sm',
          { 'data-testid': 'queue-columns', 'aria-expanded': String(this.columnsOpen), onClick: () => ((this.columnsOpen = !this.columnsOpen), this.drawChrome()) },
          t('queue.columns'),
        ),
      this.opts.canCreate &&
        h(
          'button.btn.btn-primary.btn-sm',
          { 'data-testid': 'new-incident-button', onClick: () => this.opts.onNew(), title: 'N' },
          h('span.plus', null, '+'),
          t('queue.new'),
        ),
    );
    const codes = getCodes();
    const typeSel = h(
      'select.input.input-sm',
      {
        'data-testid': 'filter-type',
        'aria-label': t('queue.type'),
        onChange: (e: Event) => {
          this.type = (e.target as HTMLSelectElement).value;
          this.renderList();
        },
      },
      h('option', { value: '' }, t('queue.allTypes')),
      (codes?.incident_types ?? []).map((c) => h('option', { value: c.code, selected: c.code === this.type }, entryLabel(c))),
    );
    const statusChips = h(
      'div.seg',
      { role: 'group', 'aria-label': t('queue.status') },
      STATUS_FILTERS.map((s) =>
        h(
          'button.seg-btn',
          {
            class: s === this.status ? 'on' : '',
            'data-testid': `filter-status-${s}`,
            onClick: () => {
              this.status = s;
              this.drawChrome();
              this.renderList();
            },
          },
          s === 'open' ? t('queue.open') : s === 'all' ? t('queue.all') : codeLabel('incident_statuses', s),
        ),
      ),
    );
    const prioChips = h(
      'div.prio-chips',
      { role: 'group', 'aria-label': t('queue.priority') },
      [1, 2, 3, 4].map((p) =>
        h(
          'button.prio-chip',
          {
            class: this.prios.has(p) ? 'on' : '',
            style: { '--c': PRIORITY_COLORS[p] },
            'data-testid': `filter-priority-${p}`,
            'aria-pressed': String(this.prios.has(p)),
            onClick: () => {
              if (this.prios.has(p)) this.prios.delete(p);
              else this.prios.add(p);
              if (this.prios.size === 0) this.prios = new Set([1, 2, 3, 4]);
              this.drawChrome();
              this.renderList();
            },
          },
          h('i'),
          t(`prio.${p}` as Key),
        ),
      ),
    );
    const search = h('input.input.input-sm.search', {
      'data-testid': 'filter-search',
      placeholder: t('queue.search'),
      value: this.search,
      onInput: (e: Event) => {
        this.search = (e.target as HTMLInputElement).value.trim();
        this.render();
      },
    });
    const columnPick =
      this.dense && this.columnsOpen
        ? h(
            'div.col-pick',
            { 'data-testid': 'queue-column-pick' },
            COLUMNS.map((c) =>
              h(
                'label.col-opt',
                null,
                h('input', {
                  type: 'checkbox',
                  'data-testid': `queue-col-${c}`,
                  checked: this.columns.has(c),
                  onChange: (e: Event) => {
                    if ((e.target as HTMLInputElement).checked) this.columns.add(c);
                    else if (this.columns.size > 1) this.columns.delete(c);
                    localStorage.setItem(COLUMNS_KEY, JSON.stringify(COLUMNS.filter((x) => this.columns.has(x))));
                    this.relayout();
                  },
                }),
                t(`queue.col.${c}` as Key),
              ),
            ),
          )
        : null;
    setChildren(this.filters, statusChips, h('div.filter-row', null, typeSel, search), prioChips, columnPick);
    this.el.classList.toggle('dense', this.dense);
  }

  /** Rebuilds every row (the layout or the columns changed). */
  private relayout(): void {
    this.langStamp++;
    this.drawChrome();
    this.renderList();
  }

  private matches(i: Incident): boolean {
    if (this.status === 'open' ? i.status === 'closed' : this.status !== 'all' && i.status !== this.status) return false;
    if (this.type && i.type !== this.type) return false;
    if (!this.prios.has(i.priority)) return false;
    if (this.search) {
      const q = this.search.toLowerCase();
      if (!(String(i.id) === q || i.address?.toLowerCase().includes(q) || i.description?.toLowerCase().includes(q))) return false;
    }
    return true;
  }

  private renderList(): void {
    const items = incidents
      .all()
      .filter((i) => this.matches(i))
      .sort(
        (a, b) =>
          STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
          a.priority - b.priority ||
          (a.received_at < b.received_at ? 1 : a.received_at > b.received_at ? -1 : b.id - a.id),
      );
    const total = items.length;
    const shown = items.slice(0, MAX_ROWS);
    const count = this.header.querySelector('.count');
    if (count) count.textContent = String(total);

    const keep = new Set<number>();
    let prev: Element | null = null;
    for (const i of shown) {
      keep.add(i.id);
      const stamp = `${i.version}|${this.langStamp}`;
      let row = this.rows.get(i.id);
      if (!row || row.stamp !== stamp) {
        const el = this.buildRow(i);
        if (row) row.el.replaceWith(el);
        row = { el, version: i.version, stamp };
        this.rows.set(i.id, row);
      }
      if (this.flashIds.delete(i.id)) {
        row.el.classList.remove('flash');
        void row.el.offsetWidth;
        row.el.classList.add('flash');
      }
      const want: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.el) this.list.insertBefore(row.el, want);
      prev = row.el;
    }
    for (const [id, r] of this.rows) {
      if (!keep.has(id)) {
        r.el.remove();
        this.rows.delete(id);
      }
    }
    let empty = this.list.querySelector('.empty');
    if (total === 0 && !empty) this.list.appendChild(h('div.empty', null, t('queue.empty')));
    else if (total > 0 && empty) empty.remove();
    empty = this.list.querySelector('.empty');
    if (empty) empty.textContent = t('queue.empty');
    this.markSelected();
  }

  /** A single-line row with the chosen columns. */
  private denseRow(i: Incident): HTMLElement {
    const sub = subtypeLabel(i.type, i.subtype);
    const cell: Record<Column, () => HTMLElement> = {
      id: () => h('span.dc.dc-id.mono', null, `#${i.id}`),
      time: () => h('span.dc.dc-time.mono', { title: fmtTime(i.received_at, true) }, fmtTime(i.received_at).slice(0, 5)),
      type: () => h('span.dc.dc-type', { title: sub || '' }, sub || codeLabel('incident_types', i.type)),
      address: () => h('span.dc.dc-addr', { title: i.address }, i.address || '—'),
      org: () => h('span.dc.dc-org', null, orgName(i.org_id, getLang())),
      status: () => h('span.dc.dc-status.status-badge', { class: `sb-${i.status}` }, codeLabel('incident_statuses', i.status)),
      age: () => h('span.dc.dc-age.inc-age.mono', { 'data-received': i.received_at, hidden: i.status === 'closed' }, fmtElapsed(i.received_at)),
    };
    return h(
      'div.inc-row.inc-dense',
      {
        'data-testid': 'incident-row',
        'data-id': String(i.id),
        'data-status': i.status,
        'data-priority': String(i.priority),
        class: `st-${i.status}`,
        style: { '--c': PRIORITY_COLORS[i.priority] ?? '#8a96a8' },
        title: `${codeLabel('incident_types', i.type)}${sub ? ` · ${sub}` : ''} · ${i.address}`,
        onClick: () => selectedIncident.set(i.id),
      },
      h('span.dc.dc-prio', null, String(i.priority)),
      COLUMNS.filter((c) => this.columns.has(c)).map((c) => cell[c]()),
    );
  }

  private buildRow(i: Incident): HTMLElement {
    if (this.dense) return this.denseRow(i);
    const sub = subtypeLabel(i.type, i.subtype);
    return h(
      'div.inc-row',
      {
        'data-testid': 'incident-row',
        'data-id': String(i.id),
        'data-status': i.status,
        'data-priority': String(i.priority),
        class: `st-${i.status}`,
        style: { '--c': PRIORITY_COLORS[i.priority] ?? '#8a96a8' },
        onClick: () => selectedIncident.set(i.id),
      },
      h(
        'div.inc-line1',
        null,
        h('span.prio-tag', null, t(`prio.${i.priority}` as Key)),
        h('span.inc-type', null, codeLabel('incident_types', i.type), sub && h('span.inc-sub', null, ` · ${sub}`)),
        h('span.spacer'),
        h('span.status-badge', { class: `sb-${i.status}` }, codeLabel('incident_statuses', i.status)),
      ),
      h('div.inc-addr', { title: i.address }, i.address || '—'),
      h(
        'div.inc-line3',
        null,
        h('span.inc-id', null, `#${i.id}`),
        h('span.inc-time', { title: fmtTime(i.received_at, true) }, fmtTime(i.received_at)),
        h('span.spacer'),
        h('span.inc-age', { 'data-received': i.received_at, hidden: i.status === 'closed' }, fmtElapsed(i.received_at)),
      ),
    );
  }

  private tickElapsed(): void {
    const now = Date.now();
    for (const el of this.list.querySelectorAll<HTMLElement>('.inc-age:not([hidden])')) {
      const r = el.dataset.received;
      if (r) el.textContent = fmtElapsed(r, now);
    }
  }

  private markSelected(): void {
    const sel = selectedIncident.value;
    for (const [id, r] of this.rows) r.el.classList.toggle('selected', id === sel);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const rows = [...this.list.querySelectorAll<HTMLElement>('.inc-row')];
    if (rows.length === 0) return;
    const idx = rows.findIndex((r) => r.classList.contains('selected'));
    const next = e.key === 'ArrowDown' ? Math.min(rows.length - 1, idx + 1) : Math.max(0, idx - 1);
    const id = Number(rows[next].dataset.id);
    selectedIncident.set(id);
    rows[next].scrollIntoView({ block: 'nearest' });
  }
}
