// 详情: the incident detail panel — fields, status actions (派警/到场/结案) and the 时间轴 timeline.

import { api, ApiError, can, canEditIncidents, type Assignment, type Duplicate, type Incident, type IncidentStatus, type Org, type TimelineItem, type User } from '../api';
import { h, setChildren, toast } from '../dom';
import { codeLabel, entryLabel, fmtTime, getCodes, getLang, onLangChange, subtypeLabel, t, tDyn, type Key } from '../i18n';
import type { LiveFeed } from '../live';
import { PRIORITY_COLORS } from '../map';
import { incidents, orgName, orgs, selectedIncident } from '../store';
import { DispatchBlock, type RouteLine } from './dispatch';
import { canPlanIntercept, openIntercept } from '../domains/interception/panel';
import { activationTimelineItem, canActivatePlan, openPlanActivation } from '../domains/response_plans/panel';

const FLOW: IncidentStatus[] = ['new', 'dispatched', 'on_scene', 'closed'];
const ACTIONS: { to: IncidentStatus; key: Key }[] = [
  { to: 'dispatched', key: 'detail.dispatch' },
  { to: 'on_scene', key: 'detail.onScene' },
  { to: 'closed', key: 'detail.close.case' },
];
const DIFF_FIELDS = ['status', 'priority', 'type', 'subtype', 'address', 'location', 'description', 'disposition', 'summary', 'org_id'];

export class DetailPanel {
  readonly el: HTMLElement;
  private id: number | null = null;
  private full: Incident | null = null; // unmasked caller (GET /incidents/{id}, audited)
  private timeline: TimelineItem[] = [];
  private tlError = '';
  private closing = false;
  /** The hand-over form (移交): open, the chosen organisation, the reason, every organisation. */
  private handing = false;
  private handTo = '';
  private handReason = '';
  private allOrgs: Org[] = [];
  private closeDisposition = '';
  private closeSummary = '';
  private actionError: ApiError | null = null;
  private busy = false;
  private loadToken = 0;
  private dispatch: DispatchBlock;
  /** Open incidents this one may repeat (GET /incidents/{id}/duplicates), for merging. */
  private dups: Duplicate[] = [];
  private mergeError: ApiError | null = null;

  constructor(
    private user: User,
    live: LiveFeed,
    private onLocate: (i: Incident) => void,
    onRoutes: (r: RouteLine[]) => void = () => {},
  ) {
    this.el = h('aside.detail', { 'data-testid': 'incident-detail', hidden: true });
    this.dispatch = new DispatchBlock(canEditIncidents(user), onRoutes, (p) => {
      const inc = this.id !== null ? incidents.get(this.id) : undefined;
      if (inc) this.onLocate({ ...inc, location: p });
    });
    // Keys 1–5 dispatch the n-th recommendation while the detail is open.
    document.addEventListener('keydown', (e) => {
      if (this.id === null || this.el.hidden) return;
      const tgt = e.target as HTMLElement;
      const typing = tgt && (tgt.tagName === 'INPUT' || tgt.tagName === 'TEXTAREA' || tgt.tagName === 'SELECT' || tgt.isContentEditable);
      if (typing || e.ctrlKey || e.metaKey || e.altKey || !/^[1-5]$/.test(e.key)) return;
      if (document.querySelector('.new-incident:not([hidden])')) return;
      if (this.dispatch.key(Number(e.key))) e.preventDefault();
    });
    selectedIncident.subscribe((id) => this.open(id));
    incidents.subscribe((changed) => {
      if (this.id !== null && changed.some((c) => c.id === this.id)) this.draw();
    });
    live.subscribe((ev) => {
      if (this.id === null) return;
      const isAsg = ev.record_type === 'assignment' && (ev.data as { incident_id?: number } | null)?.incident_id === this.id;
      // The incident's own timeline carries a plan's activation and closing, not its steps.
      const isPlan =
        ev.record_type === 'plan_activation' &&
        (ev.kind === 'plan_activation.activated' || ev.kind === 'plan_activation.closed') &&
        (ev.data as { incident_id?: number } | null)?.incident_id === this.id;
      if (!isAsg && !isPlan && (ev.record_type !== 'incident' || ev.record_id !== this.id)) return;
      if (this.timeline.some((x) => x.seq === ev.seq)) return;
      const data = ev.changes ? { record: ev.data, changes: ev.changes } : ev.data;
      this.timeline.push({ seq: ev.seq, at: ev.at, actor: ev.actor, kind: ev.kind, data });
      this.timeline.sort((a, b) => a.seq - b.seq);
      this.draw();
      // The feed carries no caller data nor notes (they may name people); the added call's
      // details and a note's text come with the (audited) timeline.
      if (ev.kind === 'incident.call_added' || ev.kind === 'incident.noted') void this.reloadTimeline();
    });
    onLangChange(() => this.draw());
  }

  private async open(id: number | null): Promise<void> {
    this.id = id;
    this.full = null;
    this.timeline = [];
    this.tlError = '';
    this.closing = false;
    this.actionError = null;
    this.closeDisposition = '';
    this.closeSummary = '';
    this.dups = [];
    this.mergeError = null;
    this.el.hidden = id === null;
    void this.dispatch.setIncident(id);
    if (id === null) return;
    const inc = incidents.get(id);
    if (inc) this.onLocate(inc);
    this.draw();
    const token = ++this.loadToken;
    if (canEditIncidents(this.user) && inc?.status !== 'closed') {
      void api
        .incidentDuplicates(id)
        .then((r) => {
          if (token !== this.loadToken) return;
          this.dups = r.items.slice(0, 5);
          this.draw();
        })
        .catch(() => {});
    }
    const [full, tl] = await Promise.allSettled([api.incident(id), api.timeline(id)]);
    if (token !== this.loadToken) return;
    if (full.status === 'fulfilled') {
      this.full = full.value;
      incidents.upsert({ ...full.value, caller: incidents.get(id)?.caller ?? full.value.caller });
      if (!inc) this.onLocate(full.value);
    }
    if (tl.status === 'fulfilled') {
      const seen = new Set(tl.value.items.map((x) => x.seq));
      // Keep live events that arrived while loading.
      this.timeline = [...tl.value.items, ...this.timeline.filter((x) => !seen.has(x.seq))].sort((a, b) => a.seq - b.seq);
    } else {
      this.tlError = (tl.reason as ApiError)?.message ?? t('err.generic');
    }
    this.draw();
  }

  private async reloadTimeline(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    try {
      const tl = await api.timeline(id);
      if (id !== this.id) return;
      const seen = new Set(tl.items.map((x) => x.seq));
      this.timeline = [...tl.items, ...this.timeline.filter((x) => !seen.has(x.seq))].sort((a, b) => a.seq - b.seq);
      this.draw();
    } catch {
      // The live item stays; the call's details show on the next open.
    }
  }

  /** Merges the open incident (a duplicate call) into `into` and moves on to that one. */
  private async mergeInto(into: number): Promise<void> {
    if (this.id === null || this.busy) return;
    this.busy = true;
    this.mergeError = null;
    this.draw();
    try {
      const r = await api.mergeIncident(this.id, into);
      for (const rec of [r.merged, r.into]) {
        const keepCaller = incidents.get(rec.id)?.caller;
        incidents.upsert(keepCaller ? { ...rec, caller: keepCaller } : rec);
      }
      toast(`#${r.merged.id} ${t('detail.merged')} #${into}`, 'ok');
      this.busy = false;
      selectedIncident.set(into);
    } catch (e) {
      this.mergeError = e as ApiError;
      this.busy = false;
      this.draw();
    }
  }

  private duplicatesBlock(inc: Incident): HTMLElement | null {
    if (inc.status === 'closed' || this.dups.length === 0 || !canEditIncidents(this.user)) return null;
    return h(
      'div.dups',
      { 'data-testid': 'detail-duplicates' },
      h('div.dups-head', null, h('span.dups-title', null, `⚠ ${t('detail.dups')}`), h('span.spacer'), h('span.dups-key', null, t('detail.dupsNote'))),
      this.dups.map((x) =>
        h(
          'div.dup',
          { 'data-testid': 'detail-duplicate', 'data-id': String(x.incident.id) },
          h(
            'div.dup-main',
            null,
            h(
              'div.dup-line',
              null,
              h('a.link.dup-id.mono', { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(x.incident.id)) }, `#${x.incident.id}`),
              h('span.prio-tag.solid', { style: { '--c': PRIORITY_COLORS[x.incident.priority] } }, t(`prio.${x.incident.priority}` as Key)),
              h('span.dup-type', null, codeLabel('incident_types', x.incident.type)),
              h('span.status-badge', { class: `sb-${x.incident.status}` }, codeLabel('incident_statuses', x.incident.status)),
            ),
            h('div.dup-meta', null, `${x.incident.address || '—'} · ${Math.round(x.distance_m)} m`),
          ),
          h(
            'button.btn.btn-sm.btn-merge',
            { type: 'button', 'data-testid': 'detail-merge', disabled: this.busy, onClick: () => void this.mergeInto(x.incident.id) },
            `${t('detail.mergeThis')} #${x.incident.id}`,
          ),
        ),
      ),
      this.mergeError && h('div.form-error', { role: 'alert', 'data-testid': 'merge-error' }, this.mergeError.message),
    );
  }

  private async setStatus(to: IncidentStatus): Promise<void> {
    if (this.id === null || this.busy) return;
    if (to === 'closed' && !this.closing) {
      this.closing = true;
      this.actionError = null;
      this.draw();
      (this.el.querySelector('[data-testid=close-disposition]') as HTMLElement | null)?.focus();
      return;
    }
    const body: Partial<Incident> = { status: to };
    if (to === 'closed') {
      body.disposition = this.closeDisposition || null;
      body.summary = this.closeSummary;
    }
    this.busy = true;
    this.actionError = null;
    this.draw();
    try {
      const rec = await api.patchIncident(this.id, body);
      const keepCaller = incidents.get(rec.id)?.caller;
      incidents.upsert(keepCaller ? { ...rec, caller: keepCaller } : rec);
      this.closing = false;
      toast(`#${rec.id} ${codeLabel('incident_statuses', rec.status)}`, 'ok', 2000);
    } catch (e) {
      this.actionError = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private draw(): void {
    if (this.id === null) return;
    const inc = incidents.get(this.id) ?? this.full;
    const lang = getLang();
    if (!inc) {
      setChildren(this.el, this.headBar(null), h('div.detail-body', null, h('div.muted.pad', null, t('detail.loading'))));
      return;
    }
    const caller = this.full?.caller ?? inc.caller;
    const sub = subtypeLabel(inc.type, inc.subtype);
    const field = (k: Key, v: Node | string, cls = '') => h('div.kv', { class: cls }, h('dt', null, t(k)), h('dd', null, v));
    const fields = h(
      'dl.kv-grid',
      null,
      field('detail.status', h('span.status-badge', { class: `sb-${inc.status}`, 'data-testid': 'detail-status' }, codeLabel('incident_statuses', inc.status))),
      field('detail.priority', h('span.prio-tag.solid', { style: { '--c': PRIORITY_COLORS[inc.priority] } }, t(`prio.${inc.priority}.long` as Key))),
      field('detail.type', `${codeLabel('incident_types', inc.type)}${sub ? ` · ${sub}` : ''}`),
      field('detail.received', h('span.mono', { title: fmtTime(inc.received_at, true) }, fmtTime(inc.received_at, true).slice(5))),
      field('detail.source', h('span', { 'data-testid': 'detail-source' }, codeLabel('incident_sources', inc.source ?? 'call_110'), inc.source_ref ? h('span.mono.muted', null, ` ${inc.source_ref}`) : null)),
      field('detail.caller', h('span', null, caller ? caller.name || '—' : t('detail.anonymous'), this.full && caller ? h('span.audit-tag', { title: t('detail.audited') }, '⚑') : null)),
      (inc.hazards ?? []).length > 0
        ? field('detail.hazards', h('span.hz-list', { 'data-testid': 'detail-hazards' }, (inc.hazards ?? []).map((z) => h('span.hz-tag', null, `⚠ ${codeLabel('hazards', z)}`))), 'wide')
        : null,
      field('detail.phone', h('span.mono', null, caller?.phone || '—')),
      field('detail.address', inc.address || '—', 'wide'),
      field(
        'detail.location',
        h(
          'a.link.mono',
          { href: '#', onClick: (e: Event) => (e.preventDefault(), this.onLocate(inc)) },
          `${inc.location.lon.toFixed(5)}, ${inc.location.lat.toFixed(5)}`,
        ),
      ),
      field('detail.org', orgName(inc.org_id, lang)),
      field('detail.createdBy', inc.created_by || '—'),
      field('detail.updated', h('span.mono', { title: fmtTime(inc.updated_at, true) }, fmtTime(inc.updated_at, true).slice(5))),
      field('detail.description', h('div.desc', null, inc.description || '—'), 'wide'),
      inc.disposition ? field('detail.disposition', codeLabel('dispositions', inc.disposition), 'wide') : null,
      inc.summary ? field('detail.summary', h('div.desc', null, inc.summary), 'wide') : null,
      inc.merged_into ? field('detail.mergedInto', incidentLink(inc.merged_into, 'detail-merged-into'), 'wide') : null,
      inc.merged_from?.length
        ? field('detail.mergedFrom', h('span.links', { 'data-testid': 'detail-merged-from' }, inc.merged_from.map((m) => incidentLink(m))), 'wide')
        : null,
    );
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && this.el.contains(active) ? active.dataset.testid : undefined;
    const oldBody = this.el.querySelector('.detail-body');
    const scroll = oldBody ? oldBody.scrollTop : 0;
    const canDispatch = canEditIncidents(this.user);
    setChildren(
      this.el,
      this.headBar(inc),
      h(
        'div.detail-body',
        null,
        fields,
        this.duplicatesBlock(inc),
        this.actionsBlock(inc),
        inc.status !== 'closed' &&
          h('h3.sec', null, t('rec.title'), h('span.sec-note', null, canDispatch ? t('rec.note') : t('rec.noteRo'))),
        inc.status !== 'closed' && this.dispatch.recEl,
        h('h3.sec', null, t('asg.title')),
        this.dispatch.ordersEl,
        h('h3.sec', null, t('detail.timeline'), h('span.count', null, String(this.timeline.length))),
        this.noteBlock(inc),
        this.timelineBlock(),
      ),
    );
    const body = this.el.querySelector('.detail-body');
    if (body) body.scrollTop = scroll;
    if (focusId) (this.el.querySelector(`[data-testid="${focusId}"]`) as HTMLElement | null)?.focus();
  }

  private headBar(inc: Incident | null): HTMLElement {
    return h(
      'div.panel-head.detail-head',
      { style: inc ? { '--c': PRIORITY_COLORS[inc.priority] } : undefined },
      h('h2', null, t('detail.title')),
      inc && h('span.detail-id', { 'data-testid': 'detail-id' }, `#${inc.id}`),
      h('div.spacer'),
      h('button.btn.btn-ghost.btn-sm.icon', { 'data-testid': 'detail-close', title: t('detail.close'), onClick: () => selectedIncident.set(null) }, '✕'),
    );
  }

  private actionsBlock(inc: Incident): HTMLElement {
    if (!canEditIncidents(this.user)) return h('div.actions-note', null, t('detail.readOnly'));
    if (inc.status === 'closed') return h('div.actions-note.closed', null, t('detail.closed'));
    const cur = FLOW.indexOf(inc.status);
    const errField = this.actionError?.field ?? '';
    const buttons = h(
      'div.actions',
      null,
      ACTIONS.map((a) =>
        h(
          'button.btn.btn-action',
          {
            class: `to-${a.to}${this.closing && a.to === 'closed' ? ' active' : ''}`,
            'data-testid': `status-btn-${a.to}`,
            disabled: this.busy || FLOW.indexOf(a.to) <= cur,
            onClick: () => void this.setStatus(a.to),
          },
          t(a.key),
        ),
      ),
      canPlanIntercept(this.user) &&
        h(
          'button.btn.btn-action.to-intercept',
          { 'data-testid': 'intercept-open', title: t('icp.title'), disabled: this.busy, onClick: () => openIntercept(inc) },
          t('icp.open'),
        ),
      canActivatePlan(this.user) &&
        h(
          'button.btn.btn-action.to-plan',
          { 'data-testid': 'plan-activate-open', title: t('rp.activate'), disabled: this.busy, onClick: () => openPlanActivation(inc) },
          t('rp.activateBtn'),
        ),
      h(
        'button.btn.btn-action.to-handover',
        { 'data-testid': 'handover-open', title: t('detail.handoverTitle'), disabled: this.busy, onClick: () => void this.openHandover() },
        t('detail.handover'),
      ),
    );
    let closeForm: HTMLElement | null = null;
    if (this.closing) {
      const dispSel = h(
        'select.input',
        {
          'data-testid': 'close-disposition',
          class: errField === 'disposition' ? 'invalid' : '',
          onChange: (e: Event) => (this.closeDisposition = (e.target as HTMLSelectElement).value),
        },
        h('option', { value: '' }, t('detail.chooseDisposition')),
        (getCodes()?.dispositions ?? []).map((d) => h('option', { value: d.code, selected: d.code === this.closeDisposition }, entryLabel(d))),
      );
      const summary = h('textarea.input', {
        'data-testid': 'close-summary',
        rows: '3',
        class: errField === 'summary' ? 'invalid' : '',
        placeholder: t('detail.summaryPh'),
        onInput: (e: Event) => (this.closeSummary = (e.target as HTMLTextAreaElement).value),
      });
      summary.value = this.closeSummary;
      closeForm = h(
        'form.close-form',
        {
          'data-testid': 'close-form',
          onSubmit: (e: Event) => (e.preventDefault(), void this.setStatus('closed')),
          onKeydown: (e: KeyboardEvent) => {
            if (e.key === 'Escape') {
              this.closing = false;
              this.actionError = null;
              this.draw();
            } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void this.setStatus('closed');
            }
          },
        },
        h('label', null, t('detail.disposition')),
        dispSel,
        h('label', null, t('detail.summary')),
        summary,
        h(
          'div.row-end',
          null,
          h(
            'button.btn.btn-ghost.btn-sm',
            { type: 'button', onClick: () => ((this.closing = false), (this.actionError = null), this.draw()) },
            t('detail.cancel'),
          ),
          h('button.btn.btn-danger.btn-sm', { type: 'submit', 'data-testid': 'close-confirm', disabled: this.busy }, t('detail.confirmClose')),
        ),
      );
    }
    return h(
      'div.actions-block',
      null,
      buttons,
      this.actionError && h('div.form-error', { role: 'alert', 'data-testid': 'detail-error' }, this.actionError.message),
      closeForm,
      this.handing && this.handoverForm(inc),
    );
  }

  private async openHandover(): Promise<void> {
    this.handing = !this.handing;
    this.actionError = null;
    if (this.handing && this.allOrgs.length === 0) {
      try {
        this.allOrgs = (await api.allOrgs()).items;
      } catch (e) {
        this.actionError = e instanceof ApiError ? e : new ApiError(0, 'error', String((e as Error).message ?? e));
      }
    }
    this.draw();
  }

  /** 移交: to a station or district other than the incident's own, with a reason. */
  private handoverForm(inc: Incident): HTMLElement {
    const errField = this.actionError?.field ?? '';
    const lang = getLang();
    const choices = this.allOrgs
      .filter((o) => o.id !== inc.org_id && (o.kind === 'station' || o.kind === 'district'))
      .sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === 'station' ? -1 : 1));
    const sel = h(
      'select.input',
      { 'data-testid': 'handover-org', class: errField === 'org_id' ? 'invalid' : '', onChange: (e: Event) => (this.handTo = (e.target as HTMLSelectElement).value) },
      h('option', { value: '' }, t('detail.handoverChoose')),
      choices.map((o) => h('option', { value: o.id, selected: o.id === this.handTo }, lang === 'zh' ? o.name : o.name_en)),
    );
    const reason = h('input.input', {
      'data-testid': 'handover-reason',
      maxlength: '200',
      class: errField === 'reason' ? 'invalid' : '',
      placeholder: t('detail.handoverReason'),
      onInput: (e: Event) => (this.handReason = (e.target as HTMLInputElement).value),
    }) as HTMLInputElement;
    reason.value = this.handReason;
    return h(
      'form.close-form',
      { 'data-testid': 'handover-form', onSubmit: (e: Event) => (e.preventDefault(), void this.handOver(inc)) },
      h('label', null, t('detail.handoverTo')),
      sel,
      reason,
      h(
        'div.row-end',
        null,
        h('button.btn.btn-ghost.btn-sm', { type: 'button', onClick: () => ((this.handing = false), (this.actionError = null), this.draw()) }, t('detail.cancel')),
        h('button.btn.btn-sm', { type: 'submit', 'data-testid': 'handover-confirm', disabled: this.busy }, t('detail.handover')),
      ),
    );
  }

  private async handOver(inc: Incident): Promise<void> {
    this.busy = true;
    this.draw();
    try {
      const rec = await api.handOver(inc.id, this.handTo, this.handReason);
      this.handing = false;
      this.handReason = '';
      this.actionError = null;
      toast(`${t('detail.handedOver')} ${orgName(rec.org_id, getLang()) || this.allOrgs.find((o) => o.id === rec.org_id)?.name || rec.org_id}`);
      if (orgs.has(rec.org_id)) {
        incidents.upsert(rec);
      } else {
        // Out of this desk's jurisdiction now: it leaves the queue.
        incidents.remove(inc.id);
        selectedIncident.set(null);
      }
    } catch (e) {
      this.actionError = e instanceof ApiError ? e : new ApiError(0, 'error', String(e));
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private noteText = '';
  private noteError: string | null = null;

  /** 补充警情: a narrative note added to the incident's timeline at any time (Ctrl+Enter adds). */
  private noteBlock(inc: Incident): HTMLElement | null {
    if (!(canEditIncidents(this.user) || can(this.user, 'oversee'))) return null;
    const area = h('textarea.input.note-text', {
      'data-testid': 'note-text',
      rows: '2',
      maxlength: '2000',
      placeholder: t('note.placeholder'),
      class: this.noteError ? 'invalid' : '',
      onInput: (e: Event) => (this.noteText = (e.target as HTMLTextAreaElement).value),
      onKeydown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void this.addNote(inc.id);
        }
      },
    }) as HTMLTextAreaElement;
    area.value = this.noteText;
    return h(
      'div.note-form',
      null,
      area,
      h(
        'div.note-row',
        null,
        this.noteError ? h('span.form-error', { 'data-testid': 'note-error' }, this.noteError) : h('span.muted', null, t('note.hint')),
        h('span.spacer'),
        h('button.btn.btn-sm', { 'data-testid': 'note-add', disabled: this.busy, onClick: () => void this.addNote(inc.id) }, t('note.add')),
      ),
    );
  }

  private async addNote(id: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await api.addNote(id, this.noteText);
      this.noteText = '';
      this.noteError = null;
    } catch (e) {
      this.noteError = (e as ApiError).message || t('err.generic');
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private timelineBlock(): HTMLElement {
    if (this.tlError) return h('div.form-error', null, this.tlError);
    if (this.timeline.length === 0) return h('div.muted.pad', null, t('detail.noTimeline'));
    let prev: Record<string, unknown> | null = null;
    const items: HTMLElement[] = [];
    for (const it of this.timeline) {
      if (it.kind.startsWith('assignment.')) {
        items.push(assignmentItem(it));
        continue;
      }
      if (it.kind.startsWith('plan_activation.')) {
        items.push(activationTimelineItem(it));
        continue;
      }
      const { record, changes: given } = normalize(it.data);
      const data = record ?? {};
      let changes: [string, unknown, unknown][] = [];
      if (it.kind.endsWith('.created')) {
        if (record) changes.push(['priority', undefined, record.priority], ['type', undefined, record.type], ['status', undefined, record.status]);
        else if (given) changes = given;
      } else if (given) {
        changes = given.filter(([f]) => f !== 'version' && f !== 'updated_at');
      } else if (record && prev) {
        for (const f of DIFF_FIELDS) if (JSON.stringify(prev[f]) !== JSON.stringify(record[f])) changes.push([f, prev[f], record[f]]);
      }
      if (record) prev = record;
      const call = it.kind === 'incident.call_added' ? callOf(it.data) : null;
      const note = it.kind === 'incident.noted' ? (it.data as { detail?: { text?: string } } | null)?.detail?.text : null;
      items.push(
        h(
          'li.tl-item',
          { 'data-testid': 'timeline-item', 'data-kind': it.kind, class: it.kind.replace(/\./g, '-') },
          h('div.tl-dot'),
          h(
            'div.tl-main',
            null,
            h(
              'div.tl-head',
              null,
              h('span.tl-time.mono', { title: fmtTime(it.at, true) }, fmtTime(it.at)),
              h('span.tl-kind', null, tDyn(`tl.${it.kind}`, it.kind)),
              h('span.spacer'),
              h('span.tl-actor', null, it.actor),
            ),
            changes.length > 0 &&
              h(
                'ul.tl-changes',
                null,
                changes.map(([f, a, b]) =>
                  h(
                    'li',
                    null,
                    h('span.tl-field', null, tDyn(`field.${f}`, f)),
                    a !== undefined && h('span.tl-from', null, fmtValue(f, a, data)),
                    a !== undefined && h('span.tl-arrow', null, '→'),
                    h('span.tl-to', null, fmtValue(f, b, data)),
                  ),
                ),
              ),
            note && h('div.tl-note', { 'data-testid': 'timeline-note' }, note),
            call &&
              h(
                'div.tl-call',
                { 'data-testid': 'timeline-call' },
                h('span.tl-call-who', null, `#${call.incident_id} · ${fmtTime(call.received_at)} · ${call.caller?.name || '—'} ${call.caller?.phone ?? ''}`),
                call.description && h('span.tl-call-what', null, call.description),
              ),
          ),
        ),
      );
    }
    return h('ol.timeline', { 'data-testid': 'timeline' }, items.reverse());
  }
}

/**
 * Timeline/event payloads come as `{"record": {…}, "changes": {field: [old, new]}}` (the server's
 * event payload), as a bare record, or as some other object; reduce them to a record (if any)
 * and a list of changes (if given).
 */
/** A link that opens incident `id` in the detail panel. */
function incidentLink(id: number, testid?: string): HTMLElement {
  return h('a.link.mono', { href: '#', 'data-testid': testid, 'data-id': String(id), onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(id)) }, `#${id} `);
}

interface AddedCall {
  incident_id: number;
  received_at: string;
  caller?: { name: string; phone: string };
  description?: string;
}

/** The call an `incident.call_added` item carries (only in the timeline read, not on the feed). */
function callOf(raw: unknown): AddedCall | null {
  const c = (raw as { call?: AddedCall } | null)?.call;
  return c && typeof c.incident_id === 'number' ? c : null;
}

/** A dispatch-order step in the timeline: "派警 中山巡01 (reason)" etc. */
function assignmentItem(it: TimelineItem): HTMLElement {
  const { record } = normalize(it.data);
  const a = (record ?? {}) as Partial<Assignment>;
  const note = it.kind === 'assignment.created' ? a.override_reason : it.kind === 'assignment.cleared' || it.kind === 'assignment.cancelled' ? a.result : null;
  return h(
    'li.tl-item.tl-assignment',
    { 'data-testid': 'timeline-item', 'data-kind': it.kind, class: it.kind.replace(/\./g, '-') },
    h('div.tl-dot'),
    h(
      'div.tl-main',
      null,
      h(
        'div.tl-head',
        null,
        h('span.tl-time.mono', { title: fmtTime(it.at, true) }, fmtTime(it.at)),
        h('span.tl-kind', null, tDyn(`tl.${it.kind}`, it.kind)),
        h('span.tl-unit', null, a.call_sign ?? ''),
        h('span.spacer'),
        h('span.tl-actor', null, it.actor),
      ),
      note && h('ul.tl-changes', null, h('li', null, h('span.tl-to', null, note))),
    ),
  );
}

function normalize(raw: unknown): { record: Record<string, unknown> | null; changes: [string, unknown, unknown][] | null } {
  const data = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const isRecord = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'number';
  let record: Record<string, unknown> | null = null;
  let changesRaw: unknown = null;
  if (isRecord(data.record)) {
    record = data.record;
    changesRaw = data.changes ?? null;
  } else if (isRecord(data) && 'version' in data) {
    record = data;
  } else {
    changesRaw = data.changes && typeof data.changes === 'object' ? data.changes : data;
  }
  if (!changesRaw || typeof changesRaw !== 'object') return { record, changes: null };
  const changes: [string, unknown, unknown][] = [];
  for (const [k, v] of Object.entries(changesRaw as Record<string, unknown>)) {
    if (Array.isArray(v) && v.length === 2) changes.push([k, v[0], v[1]]);
    else if (v && typeof v === 'object' && 'from' in v && 'to' in v) changes.push([k, (v as { from: unknown }).from, (v as { to: unknown }).to]);
    else changes.push([k, undefined, v]);
  }
  return { record, changes };
}

function fmtValue(field: string, v: unknown, rec: Record<string, unknown>): string {
  if (v === null || v === undefined || v === '') return '—';
  switch (field) {
    case 'hazards':
      return Array.isArray(v) && v.length ? v.map((z) => codeLabel('hazards', String(z))).join('、') : '—';
    case 'status':
      return codeLabel('incident_statuses', String(v));
    case 'priority':
      return tDyn(`prio.${v}`, String(v));
    case 'type':
      return codeLabel('incident_types', String(v));
    case 'subtype':
      return subtypeLabel(String(rec.type ?? ''), String(v));
    case 'disposition':
      return codeLabel('dispositions', String(v));
    case 'org_id':
      return orgName(String(v), getLang());
    case 'merged_into':
      return `#${v}`;
    case 'merged_from':
      return Array.isArray(v) ? v.map((x) => `#${x}`).join(' ') || '—' : String(v);
    case 'location': {
      const l = v as { lon?: number; lat?: number };
      return typeof l.lon === 'number' && typeof l.lat === 'number' ? `${l.lon.toFixed(5)}, ${l.lat.toFixed(5)}` : JSON.stringify(v);
    }
    default: {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return s.length > 80 ? `${s.slice(0, 80)}…` : s;
    }
  }
}
