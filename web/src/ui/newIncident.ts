// 新建警情: the new-incident form. The location is set by clicking on the map (a marker shows it).
// Enter submits, Esc cancels; server errors show error.message and highlight error.field.

import { api, ApiError, type Duplicate, type Incident, type NewIncident, type PremiseItem, type RoadHit } from '../api';
import { h, setChildren, toast } from '../dom';
import { codeLabel, defaultPriority, entryLabel, fmtTime, getCodes, getLang, onLangChange, subtypeLabel, t, type Key } from '../i18n';
import type { OpsMap } from '../map';
import { PRIORITY_COLORS } from '../map';
import { incidents, orgs, selectedIncident } from '../store';
import { LINE_SOURCE, type Call } from '../domains/telephony/api';

interface Draft {
  source: string;
  name: string;
  phone: string;
  address: string;
  type: string;
  subtype: string;
  priority: number;
  /** Whether the call-taker chose the priority (else it follows the kind's default). */
  priorityChosen: boolean;
  /** Why the call is filed less urgent than its kind's default. */
  priorityReason: string;
  description: string;
  org_id: string;
  location: { lon: number; lat: number } | null;
  /** The call this record comes from (来电建单): its start and its id, and what to show of it. */
  call: Call | null;
  /** Hazards the crews must know of. */
  hazards: string[];
}

const emptyDraft = (): Draft => ({
  source: 'call_110',
  name: '',
  phone: '',
  address: '',
  type: '',
  subtype: '',
  priority: 3,
  priorityChosen: false,
  priorityReason: '',
  description: '',
  org_id: '',
  location: null,
  call: null,
  hazards: [],
});

export class NewIncidentForm {
  readonly el: HTMLElement;
  private draft: Draft = emptyDraft();
  private error: { message: string; field: string | null } | null = null;
  private busy = false;
  private isOpen = false;
  private keyHandler = (e: KeyboardEvent) => {
    if (this.isOpen && e.key === 'Escape') {
      e.preventDefault();
      this.close();
    }
  };

  // Address search (GET /roads/search): suggestions under the address field.
  private suggEl: HTMLElement = h('div.suggest', { 'data-testid': 'address-suggestions', hidden: true, role: 'listbox' });
  private sugg: RoadHit[] = [];
  private suggIdx = -1;
  private suggTimer: number | null = null;
  private suggQuery = '';

  // Possible duplicates (GET /incidents/duplicates) of the call being typed, once type and
  // location are known: the dispatcher may merge the call into one of them instead.
  private dups: Duplicate[] = [];
  private dupsKey = '';
  /** Earlier calls within 50 m of the chosen location (premise history), and where they were asked for. */
  private history: PremiseItem[] = [];
  private historyKey = '';
  private dupsTimer: number | null = null;

  constructor(private map: OpsMap) {
    this.el = h('div.new-incident', { hidden: true });
    onLangChange(() => this.isOpen && this.draw());
  }

  get opened(): boolean {
    return this.isOpen;
  }

  open(): void {
    if (this.isOpen) {
      this.focusFirst();
      return;
    }
    this.isOpen = true;
    this.draft = emptyDraft();
    this.error = null;
    this.dups = [];
    this.dupsKey = '';
    this.el.hidden = false;
    this.map.startPick((p) => {
      this.draft.location = p;
      if (this.error?.field === 'location' || this.error?.field?.startsWith('location.')) this.error = null;
      this.draw();
      this.snapToRoad(p);
    });
    document.addEventListener('keydown', this.keyHandler);
    this.draw();
    this.focusFirst();
  }

  /**
   * Opens the form filled from an answered call: the caller's number, the handset location (with
   * the road there as the address), the line as the source, the ring time as when the call was
   * received, and the call as the record's origin. The call-taker types what was said.
   */
  openFromCall(call: Call): void {
    if (this.isOpen) this.close();
    this.open();
    const d = this.draft;
    d.call = call;
    d.phone = call.caller_number;
    d.source = LINE_SOURCE[call.line] ?? 'call_110';
    if (call.location) {
      const p = { lon: call.location.lon, lat: call.location.lat };
      d.location = p;
      this.map.setPickMarker(p);
      this.map.flyTo(p, 16);
      this.snapToRoad(p);
    }
    this.draw();
    this.focusFirst();
  }

  /**
   * A clicked point moves onto the nearest road (within 200 m, as position reports do) and the
   * road's name fills an empty address. Without a road network the click stays as it is.
   */
  private snapToRoad(p: { lon: number; lat: number }): void {
    void api
      .roadSnap(p)
      .then((s) => {
        const d = this.draft;
        if (!this.isOpen || d.location !== p) return;
        if (s.distance_m <= 200) {
          d.location = { lon: s.lon, lat: s.lat };
          this.map.setPickMarker(d.location);
          if (!d.address.trim() && s.name) d.address = s.name;
          this.draw();
        }
      })
      .catch(() => {})
      .finally(() => this.checkDuplicates());
  }

  /** Premise history: what happened at this address before, once a location is chosen. */
  private checkHistory(): void {
    const d = this.draft;
    // Asked again when the type changes too: a call recorded meanwhile at the address shows up.
    const key = d.location ? `${d.type}|${d.location.lon}|${d.location.lat}` : '';
    if (key === this.historyKey) return;
    this.historyKey = key;
    if (!d.location) {
      this.history = [];
      return;
    }
    void api
      .premiseHistory(d.location)
      .then((r) => {
        if (key !== this.historyKey || !this.isOpen) return;
        this.history = r.items;
        this.draw();
      })
      .catch(() => {});
  }

  /** Hazard chips: what the crews must know (a weapon, a dog …), toggled on and off. */
  private hazardField(): HTMLElement | null {
    const list = getCodes()?.hazards ?? [];
    if (list.length === 0) return null;
    const d = this.draft;
    const bad = this.error?.field?.startsWith('hazards') ? 'invalid' : '';
    return h(
      'div.f',
      { class: bad ? 'has-error' : '' },
      h('label', null, t('new.hazards')),
      h(
        'div.hz-pick',
        { 'data-field': 'hazards', class: bad },
        list.map((c) =>
          h(
            'button.hz-chip',
            {
              type: 'button',
              'data-testid': `new-hazard-${c.code}`,
              'aria-pressed': String(d.hazards.includes(c.code)),
              class: d.hazards.includes(c.code) ? 'on' : '',
              onClick: () => {
                d.hazards = d.hazards.includes(c.code) ? d.hazards.filter((x) => x !== c.code) : [...d.hazards, c.code];
                this.draw();
              },
            },
            entryLabel(c),
          ),
        ),
      ),
    );
  }

  private historyBlock(): HTMLElement | null {
    if (this.history.length === 0) return null;
    return h(
      'div.dups.premise',
      { 'data-testid': 'premise-history', role: 'region', 'aria-label': t('new.history') },
      h('div.dups-head', null, h('span.dups-title', null, `${t('new.history')} · ${this.history.length}`)),
      this.history.slice(0, 5).map(({ incident: inc, distance_m }) =>
        h(
          'div.dup',
          { 'data-testid': 'premise-item', 'data-id': String(inc.id) },
          h(
            'div.dup-main',
            null,
            h(
              'div.dup-line',
              null,
              h('span.dup-id.mono', null, `#${inc.id}`),
              h('span.dup-type', null, subtypeLabel(inc.type, inc.subtype) || codeLabel('incident_types', inc.type)),
              h('span.status-badge', { class: `sb-${inc.status}` }, inc.disposition ? codeLabel('dispositions', inc.disposition) : codeLabel('incident_statuses', inc.status)),
            ),
            h('div.dup-meta', null, `${fmtTime(inc.received_at, true)} · ${Math.round(distance_m)} m`),
            (inc.hazards ?? []).length > 0 &&
              h('div.hz-list', { 'data-testid': 'premise-hazards' }, (inc.hazards ?? []).map((z) => h('span.hz-tag', null, `⚠ ${codeLabel('hazards', z)}`))),
          ),
        ),
      ),
    );
  }

  private checkDuplicates(): void {
    const d = this.draft;
    this.checkHistory();
    const key = d.location && d.type ? `${d.type}|${d.location.lon}|${d.location.lat}` : '';
    if (key === this.dupsKey) return;
    this.dupsKey = key;
    if (this.dupsTimer !== null) window.clearTimeout(this.dupsTimer);
    if (!key || !d.location) {
      if (this.dups.length > 0) {
        this.dups = [];
        this.draw();
      }
      return;
    }
    const q = { type: d.type, lon: d.location.lon, lat: d.location.lat };
    this.dupsTimer = window.setTimeout(() => {
      this.dupsTimer = null;
      void api
        .duplicates(q)
        .then((r) => {
          if (key !== this.dupsKey || !this.isOpen) return;
          this.dups = r.items.slice(0, 5);
          this.draw();
        })
        .catch(() => {});
    }, 150);
  }

  private searchAddress(q: string): void {
    if (this.suggTimer !== null) window.clearTimeout(this.suggTimer);
    q = q.trim();
    if (q.length < 2) {
      this.showSuggestions([], '');
      return;
    }
    this.suggTimer = window.setTimeout(() => {
      this.suggTimer = null;
      this.suggQuery = q;
      void api
        .roadSearch(q)
        .then((hits) => {
          if (q !== this.suggQuery || !this.isOpen) return;
          this.showSuggestions(Array.isArray(hits) ? hits.slice(0, 8) : [], q);
        })
        .catch(() => this.showSuggestions([], ''));
    }, 200);
  }

  private showSuggestions(hits: RoadHit[], q: string): void {
    this.sugg = hits;
    this.suggIdx = -1;
    this.suggEl.hidden = hits.length === 0;
    setChildren(
      this.suggEl,
      hits.map((hit, i) =>
        h(
          'div.sg-item',
          {
            'data-testid': 'address-suggestion',
            role: 'option',
            'data-index': String(i),
            // mousedown: choose before the input loses focus
            onMousedown: (e: Event) => {
              e.preventDefault();
              this.chooseSuggestion(i);
            },
          },
          h('span.sg-kind', { class: `k-${hit.kind ?? 'road'}` }, t(`new.hit.${hit.kind ?? 'road'}` as Key)),
          h('span.sg-name', null, highlight(hit.name, q)),
          h('span.sg-coord.mono', null, `${hit.lon.toFixed(4)}, ${hit.lat.toFixed(4)}`),
        ),
      ),
    );
  }

  private moveSuggestion(delta: number): void {
    if (this.sugg.length === 0) return;
    this.suggIdx = (this.suggIdx + delta + this.sugg.length) % this.sugg.length;
    this.suggEl.querySelectorAll('.sg-item').forEach((el, i) => el.classList.toggle('on', i === this.suggIdx));
  }

  private chooseSuggestion(i: number): void {
    const hit = this.sugg[i];
    if (!hit) return;
    const p = { lon: Math.round(hit.lon * 1e6) / 1e6, lat: Math.round(hit.lat * 1e6) / 1e6 };
    this.draft.address = hit.name;
    this.draft.location = p;
    if (this.error?.field === 'location' || this.error?.field === 'address') this.error = null;
    this.showSuggestions([], '');
    this.map.setPickMarker(p);
    this.map.flyTo(p, 15);
    this.draw();
    this.checkDuplicates();
  }

  close(): void {
    if (!this.isOpen) return;
    this.showSuggestions([], '');
    this.isOpen = false;
    if (this.dupsTimer !== null) window.clearTimeout(this.dupsTimer);
    this.dupsTimer = null;
    this.el.hidden = true;
    this.map.stopPick();
    document.removeEventListener('keydown', this.keyHandler);
    setChildren(this.el);
  }

  private focusFirst(): void {
    (this.el.querySelector('[data-testid=new-caller-name]') as HTMLInputElement | null)?.focus();
  }

  /** Creates the incident, or with `mergeInto` records the call merged into that incident. */
  /** Filing a call less urgent than its kind's default needs a reason (the server refuses it
   * otherwise); the field shows only then. */
  private reasonField(): HTMLElement | null {
    const d = this.draft;
    const def = d.type ? defaultPriority(d.type, d.subtype) : 0;
    if (!d.type || d.priority <= def) return null;
    const bad = this.error?.field === 'priority_reason';
    const input = h('input.input', {
      'data-testid': 'new-priority-reason',
      'data-field': 'priority_reason',
      class: bad ? 'invalid' : '',
      maxlength: '200',
      placeholder: t('new.priorityReasonHint').replace('{p}', String(def)),
      onInput: (e: Event) => (d.priorityReason = (e.target as HTMLInputElement).value),
    }) as HTMLInputElement;
    input.value = d.priorityReason;
    return h('div.f', { class: bad ? 'has-error' : '' }, h('label', null, t('new.priorityReason')), input);
  }

  private async submit(mergeInto?: number): Promise<void> {
    if (this.busy) return;
    const d = this.draft;
    if (!d.location) {
      this.error = { message: t('new.needLocation'), field: 'location' };
      this.draw();
      return;
    }
    const body: NewIncident = {
      location: d.location,
      address: d.address.trim(),
      type: d.type,
      priority: d.priority,
      description: d.description.trim(),
    };
    if (d.type && d.priority > defaultPriority(d.type, d.subtype) && d.priorityReason.trim()) body.priority_reason = d.priorityReason.trim();
    // Both empty: an anonymous call (or a source without a caller) records no caller at all.
    if (d.name.trim() || d.phone.trim()) body.caller = { name: d.name.trim(), phone: d.phone.trim() };
    if (d.source && d.source !== 'call_110') body.source = d.source;
    if (d.subtype) body.subtype = d.subtype;
    if (d.org_id) body.org_id = d.org_id;
    if (mergeInto !== undefined) body.merge_into = mergeInto;
    if (d.hazards.length) body.hazards = d.hazards;
    if (d.call) {
      body.received_at = d.call.rang_at;
      body.source_ref = `call:${d.call.id}`;
    }
    this.busy = true;
    this.error = null;
    this.draw();
    let rec: Incident;
    try {
      rec = await api.createIncident(body);
    } catch (e) {
      const ae = e as ApiError;
      this.busy = false;
      this.error = { message: ae.status === 0 ? t('err.network') : ae.message || t('err.generic'), field: ae.field ?? null };
      if (ae.field === 'merge_into') {
        // The candidate moved on (closed, merged elsewhere): offer what is open now.
        this.dupsKey = '';
        this.checkDuplicates();
      }
      this.draw();
      const bad = this.el.querySelector('.invalid') as HTMLElement | null;
      bad?.focus();
      return;
    }
    this.busy = false;
    incidents.upsert(rec);
    (window as unknown as { __zhihui?: { lastCreated?: unknown } }).__zhihui!.lastCreated = { id: rec.id, at: performance.now() };
    if (mergeInto !== undefined) {
      toast(`${t('new.merged')} #${mergeInto}`, 'ok');
      this.close();
      selectedIncident.set(mergeInto);
      return;
    }
    toast(`${t('new.created')} #${rec.id}`, 'ok');
    this.close();
    selectedIncident.set(rec.id);
  }

  private duplicatesBlock(): HTMLElement | null {
    if (this.dups.length === 0) return null;
    const minutes = (s: number) => {
      if (Math.abs(s) < 60) return t('new.justNow');
      const m = Math.round(Math.abs(s) / 60);
      return `${m} ${s <= 0 ? t('new.minutesAgo') : t('new.minutesLater')}`;
    };
    return h(
      'div.dups',
      { 'data-testid': 'duplicates', role: 'region', 'aria-label': t('new.dups'), 'aria-live': 'polite' },
      h('div.dups-head', null, h('span.dups-title', null, `⚠ ${t('new.dups')}`), h('span.spacer'), h('span.dups-key', null, t('new.mergeKey'))),
      h('div.dups-note', null, t('new.dupsNote')),
      this.dups.map((x) => {
        const inc = x.incident;
        return h(
          'div.dup',
          { 'data-testid': 'duplicate', 'data-id': String(inc.id) },
          h(
            'div.dup-main',
            null,
            h(
              'div.dup-line',
              null,
              h('span.dup-id.mono', null, `#${inc.id}`),
              h('span.prio-tag.solid', { style: { '--c': PRIORITY_COLORS[inc.priority] } }, t(`prio.${inc.priority}` as Key)),
              h('span.dup-type', null, codeLabel('incident_types', inc.type)),
              h('span.status-badge', { class: `sb-${inc.status}` }, codeLabel('incident_statuses', inc.status)),
            ),
            h('div.dup-meta', null, `${inc.address || '—'} · ${Math.round(x.distance_m)} m · ${minutes(x.seconds_apart)}`),
            inc.description && h('div.dup-desc', null, inc.description),
          ),
          h(
            'button.btn.btn-sm.btn-merge',
            {
              type: 'button',
              id: `ni-merge-${inc.id}`,
              'data-testid': 'merge-into',
              disabled: this.busy,
              onClick: () => void this.submit(inc.id),
            },
            `${t('new.mergeInto')} #${inc.id}`,
          ),
        );
      }),
    );
  }

  private draw(): void {
    const d = this.draft;
    const codes = getCodes();
    const errField = this.error?.field ?? '';
    const bad = (f: string) => (errField === f || errField.startsWith(`${f}.`) ? 'invalid' : '');
    const types = codes?.incident_types ?? [];
    const subtypes = types.find((x) => x.code === d.type)?.subtypes ?? [];

    const input = (testid: string, field: string, label: Key, value: string, set: (v: string) => void, attrs: Record<string, unknown> = {}) =>
      h(
        'div.f',
        { class: bad(field) ? 'has-error' : '' },
        h('label', { for: `ni-${testid}` }, t(label)),
        h('input.input', {
          id: `ni-${testid}`,
          'data-testid': testid,
          'data-field': field,
          class: bad(field),
          value,
          onInput: (e: Event) => set((e.target as HTMLInputElement).value),
          ...attrs,
        }),
      );

    const typeSel = h(
      'select.input',
      {
        id: 'ni-type',
        'data-testid': 'new-type',
        'data-field': 'type',
        class: bad('type'),
        required: true,
        onChange: (e: Event) => {
          d.type = (e.target as HTMLSelectElement).value;
          d.subtype = '';
          if (!d.priorityChosen && d.type) d.priority = defaultPriority(d.type, '');
          this.draw();
          (this.el.querySelector('[data-testid=new-subtype]') as HTMLElement | null)?.focus();
          this.checkDuplicates();
        },
      },
      h('option', { value: '', selected: !d.type }, t('new.chooseType')),
      types.map((c) => h('option', { value: c.code, selected: c.code === d.type }, entryLabel(c))),
    );
    const sources = codes?.incident_sources ?? [];
    const sourceSel = h(
      'div.f',
      { class: bad('source') ? 'has-error' : '' },
      h('label', { for: 'ni-source' }, t('new.source')),
      h(
        'select.input',
        {
          id: 'ni-source',
          'data-testid': 'new-source',
          'data-field': 'source',
          class: bad('source'),
          onChange: (e: Event) => (d.source = (e.target as HTMLSelectElement).value),
        },
        (sources.length ? sources : [{ code: 'call_110', zh: '110报警', en: '110 call' }]).map((c) => h('option', { value: c.code, selected: c.code === d.source }, entryLabel(c))),
      ),
    );
    const subSel = h(
      'select.input',
      {
        id: 'ni-subtype',
        'data-testid': 'new-subtype',
        'data-field': 'subtype',
        class: bad('subtype'),
        disabled: subtypes.length === 0,
        onChange: (e: Event) => {
          d.subtype = (e.target as HTMLSelectElement).value;
          // A homicide is 一级 unless the call-taker says otherwise.
          if (!d.priorityChosen && d.type) {
            d.priority = defaultPriority(d.type, d.subtype);
            this.draw();
            (this.el.querySelector('[data-testid=new-subtype]') as HTMLElement | null)?.focus();
          }
        },
      },
      h('option', { value: '' }, t('new.noSubtype')),
      subtypes.map((c) => h('option', { value: c.code, selected: c.code === d.subtype }, entryLabel(c))),
    );
    const prio = h(
      'div.prio-seg',
      { role: 'radiogroup', 'data-field': 'priority', class: bad('priority'), 'data-testid': 'new-priority' },
      [1, 2, 3, 4].map((p) =>
        h(
          'label.prio-opt',
          { style: { '--c': PRIORITY_COLORS[p] }, class: d.priority === p ? 'on' : '' },
          h('input', {
            type: 'radio',
            name: 'ni-priority',
            value: String(p),
            'data-testid': `new-priority-${p}`,
            checked: d.priority === p,
            onChange: () => {
              d.priority = p;
              d.priorityChosen = true;
              this.draw();
            },
          }),
          t(`prio.${p}.long` as Key),
        ),
      ),
    );
    const desc = h('textarea.input', {
      id: 'ni-description',
      'data-testid': 'new-description',
      'data-field': 'description',
      class: bad('description'),
      rows: '3',
      onInput: (e: Event) => (d.description = (e.target as HTMLTextAreaElement).value),
    });
    desc.value = d.description;
    const lang = getLang();
    const orgSel =
      orgs.size > 1
        ? h(
            'div.f',
            { class: bad('org_id') ? 'has-error' : '' },
            h('label', { for: 'ni-org' }, t('new.org')),
            h(
              'select.input',
              {
                id: 'ni-org',
                'data-testid': 'new-org',
                'data-field': 'org_id',
                class: bad('org_id'),
                onChange: (e: Event) => (d.org_id = (e.target as HTMLSelectElement).value),
              },
              h('option', { value: '' }, t('new.orgAuto')),
              [...orgs.values()].map((o) =>
                h('option', { value: o.id, selected: o.id === d.org_id }, (lang === 'en' ? o.name_en : o.name) || o.name),
              ),
            ),
          )
        : null;

    const form = h(
      'form.ni-form',
      {
        'data-testid': 'new-incident-form',
        novalidate: true,
        onSubmit: (e: Event) => {
          e.preventDefault();
          void this.submit();
        },
        onKeydown: (e: KeyboardEvent) => {
          if (e.altKey && e.code === 'KeyM' && this.dups.length > 0) {
            e.preventDefault();
            void this.submit(this.dups[0].incident.id);
            return;
          }
          if (e.key !== 'Enter' || e.isComposing) return;
          const tgt = e.target as HTMLElement;
          if (tgt.tagName === 'TEXTAREA' && !(e.ctrlKey || e.metaKey)) return;
          if (tgt.tagName === 'BUTTON') return;
          e.preventDefault();
          void this.submit();
        },
      },
      h(
        'div.panel-head',
        null,
        h('h2', null, t('new.title')),
        h('div.spacer'),
        h('button.btn.btn-ghost.btn-sm.icon', { type: 'button', title: t('new.cancel'), onClick: () => this.close() }, '✕'),
      ),
      h(
        'div.ni-body',
        null,
        this.error && h('div.form-error', { role: 'alert', 'data-testid': 'new-error', 'data-field': this.error.field ?? '' }, this.error.message),
        d.call &&
          h(
            'div.ni-call',
            { 'data-testid': 'new-from-call', 'data-call': String(d.call.id) },
            h('span.cs-line', { class: `line-${d.call.line}` }, d.call.line),
            h('span', null, `${t('call.fromCall')} · ${fmtTime(d.call.rang_at)}`),
            h(
              'span.muted',
              null,
              d.call.location
                ? `${t('call.accuracy')} ${d.call.accuracy_m != null ? `${Math.round(d.call.accuracy_m)} m` : '—'}`
                : t('call.noLocation'),
            ),
          ),
        h(
          'div.f.loc',
          { class: bad('location') ? 'has-error' : '' },
          h('label', null, t('new.location')),
          h(
            'div.loc-value',
            { 'data-testid': 'new-location', 'data-field': 'location', class: `${bad('location')} ${d.location ? 'set' : ''}`, tabindex: '-1' },
            d.location ? `${d.location.lon.toFixed(5)}, ${d.location.lat.toFixed(5)}` : h('span.hint', null, t('new.locationHint')),
          ),
        ),
        h(
          'div.f-row',
          null,
          sourceSel,
          input('new-caller-name', 'caller.name', 'new.callerName', d.name, (v) => (d.name = v), { autocomplete: 'off', placeholder: t('detail.anonymous') }),
          input('new-caller-phone', 'caller.phone', 'new.callerPhone', d.phone, (v) => (d.phone = v), { inputmode: 'tel', autocomplete: 'off', title: t('new.anonymousHint') }),
        ),
        h(
          'div.f-suggest',
          null,
          input(
            'new-address',
            'address',
            'new.address',
            d.address,
            (v) => {
              d.address = v;
              this.searchAddress(v);
            },
            {
              autocomplete: 'off',
              placeholder: t('new.addressPh'),
              onKeydown: (e: KeyboardEvent) => {
                if (this.sugg.length === 0 || this.suggEl.hidden) return;
                if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                  e.preventDefault();
                  this.moveSuggestion(e.key === 'ArrowDown' ? 1 : -1);
                } else if (e.key === 'Enter' && this.suggIdx >= 0 && !e.isComposing) {
                  e.preventDefault();
                  e.stopPropagation();
                  this.chooseSuggestion(this.suggIdx);
                } else if (e.key === 'Escape') {
                  e.stopPropagation();
                  e.preventDefault();
                  this.showSuggestions([], '');
                }
              },
              onBlur: () => window.setTimeout(() => this.showSuggestions([], ''), 150),
            },
          ),
          this.suggEl,
        ),
        h(
          'div.f-row',
          null,
          h('div.f', { class: bad('type') ? 'has-error' : '' }, h('label', { for: 'ni-type' }, t('new.type')), typeSel),
          h('div.f', { class: bad('subtype') ? 'has-error' : '' }, h('label', { for: 'ni-subtype' }, t('new.subtype')), subSel),
        ),
        h('div.f', { class: bad('priority') ? 'has-error' : '' }, h('label', null, t('new.priority')), prio),
        this.hazardField(),
        this.reasonField(),
        h('div.f', { class: bad('description') ? 'has-error' : '' }, h('label', { for: 'ni-description' }, t('new.description')), desc),
        orgSel,
        this.duplicatesBlock(),
        this.historyBlock(),
        h('div.ni-keys', null, t('new.keys')),
      ),
      h(
        'div.ni-foot',
        null,
        h('button.btn.btn-ghost', { type: 'button', 'data-testid': 'new-cancel', onClick: () => this.close() }, t('new.cancel')),
        h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'new-submit', disabled: this.busy }, this.busy ? t('new.busy') : t('new.submit')),
      ),
    );
    // Keep focus on the same field across redraws.
    const active = document.activeElement as HTMLElement | null;
    const activeId = active && this.el.contains(active) ? active.id : '';
    setChildren(this.el, form);
    if (activeId) (this.el.querySelector(`#${activeId}`) as HTMLElement | null)?.focus();
  }
}

/** The name with the query's first occurrence in bold. */
function highlight(name: string, q: string): (HTMLElement | string)[] {
  const i = q ? name.toLowerCase().indexOf(q.toLowerCase()) : -1;
  if (i < 0) return [name];
  return [name.slice(0, i), h('b', null, name.slice(i, i + q.length)), name.slice(i + q.length)];
}
