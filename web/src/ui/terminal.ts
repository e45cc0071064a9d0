// 警力终端 (/m): the phone page of a field unit. A `unit` user sees its unit (GET /me → unit_id),
// its status and its open orders (GET /units/{id}/assignments) with the incident (GET /incidents/{id}),
// and moves each order on with large buttons: 签收 → 出发 → 到场 → 处置完毕 (result text).
// Live from the event feed; a slow poll covers events outside the unit's jurisdiction.

import { api, ApiError, getToken, type Assignment, type AssignmentStatus, type Incident, type Unit, type User } from '../api';
import { h, setChildren, toast } from '../dom';
import { codeLabel, fmtTime, getLang, onLangChange, refreshLabels, roleLabel, setCodes, setLang, subtypeLabel, t, type Key } from '../i18n';
import { LiveFeed } from '../live';
import { PRIORITY_COLORS, UNIT_STATUS_COLORS } from '../map';
import { assignments, incidents, units } from '../store';
import { fmtEta, OPEN_ASSIGNMENT, STEPS } from './dispatch';
import { emblem } from './login';
import { UnitInstructions } from './unitInstructions';
import { setZone } from '../zone';

const NEXT: Partial<Record<AssignmentStatus, { to: AssignmentStatus; key: Key }>> = {
  assigned: { to: 'signed', key: 'm.sign' },
  signed: { to: 'en_route', key: 'm.enRoute' },
  en_route: { to: 'on_scene', key: 'm.onScene' },
  on_scene: { to: 'cleared', key: 'm.clear' },
};

export function renderTerminal(root: HTMLElement, stored: User, onLogout: () => void): void {
  setZone(stored.time_zone);
  const live = new LiveFeed(getToken);
  const debug: Record<string, unknown> = { live, assignments, units, incidents };
  (window as unknown as { __zhihui: unknown }).__zhihui = debug;
  let me: User = stored;
  let unitId: number | null = null;
  let meLoaded = false;
  let meError = '';
  const incErrors = new Map<number, string>();
  const results = new Map<number, string>();
  let resultOpen: number | null = null;
  let busy: number | null = null;
  const errors = new Map<number, string>();
  let posBusy = false;
  let loadedOnce = false;

  const head = h('header.m-top');
  const body = h('main.m-body', { 'data-testid': 'terminal' });
  setChildren(root, h('div.m-app', null, head, body));
  const unitInstr = new UnitInstructions(() => unitId, live, () => drawSoon());

  const drawHead = () => {
    const u = unitId !== null ? units.get(unitId) : undefined;
    setChildren(
      head,
      emblem(26),
      h('div.m-brand', null, h('div.m-name', null, t('m.title')), h('div.m-user', null, `${me.display_name || me.username} · ${roleLabel(me.role)}`)),
      h('div.spacer'),
      u && h('i.m-live', { 'data-state': live.state.value, title: t(live.state.value === 'open' ? 'live.open' : 'live.retry') }),
      h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'lang-switch', onClick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') }, t('top.lang')),
      h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'logout', onClick: () => onLogout() }, t('top.logout')),
    );
  };

  const mine = (): Assignment[] =>
    assignments
      .all()
      .filter((a) => a.unit_id === unitId && OPEN_ASSIGNMENT.has(a.status))
      .sort((a, b) => b.id - a.id);

  const loadIncident = (id: number) => {
    if (incidents.get(id) || incErrors.has(id)) return;
    incErrors.set(id, '');
    void api
      .incident(id)
      .then((r) => {
        incErrors.delete(id);
        incidents.upsert(r);
      })
      .catch((e: ApiError) => {
        incErrors.set(id, e.status === 403 ? t('m.noIncidentAccess') : e.message);
        draw();
      });
  };

  const refresh = async () => {
    if (unitId === null) return;
    try {
      const [u, list] = await Promise.all([api.unit(unitId), api.unitAssignments(unitId)]);
      units.upsert(u);
      // Orders that left the open list (cleared/cancelled elsewhere) are refreshed through the list.
      const open = new Set(list.items.map((a) => a.id));
      for (const a of assignments.all()) if (a.unit_id === unitId && OPEN_ASSIGNMENT.has(a.status) && !open.has(a.id)) assignments.byId.delete(a.id);
      assignments.upsertMany(list.items);
      loadedOnce = true;
      debug.loaded = true;
      for (const a of list.items) loadIncident(a.incident_id);
      void unitInstr.load();
    } catch (e) {
      meError = (e as ApiError).message;
    }
    draw();
  };

  const step = async (a: Assignment, to: AssignmentStatus) => {
    if (busy !== null) return;
    let result: string | undefined;
    if (to === 'cleared') {
      if (resultOpen !== a.id) {
        resultOpen = a.id;
        draw();
        (body.querySelector('[data-testid=m-result]') as HTMLElement | null)?.focus();
        return;
      }
      result = (results.get(a.id) ?? '').trim();
    }
    busy = a.id;
    errors.delete(a.id);
    draw();
    try {
      const r = await api.assignmentStatus(a.id, to, result);
      assignments.upsert(r);
      if (to === 'cleared') {
        resultOpen = null;
        results.delete(a.id);
      }
      toast(`${a.call_sign} · ${t(`asg.status.${r.status}` as Key)}`, 'ok', 2000);
      navigator.vibrate?.(40);
    } catch (e) {
      errors.set(a.id, (e as ApiError).message);
    } finally {
      busy = null;
      draw();
      void refreshUnitSoon();
    }
  };

  const refreshUnitSoon = async () => {
    if (unitId === null) return;
    try {
      units.upsert(await api.unit(unitId));
    } catch {
      /* the live feed catches up */
    }
  };

  const reportPosition = () => {
    if (unitId === null || posBusy) return;
    if (!('geolocation' in navigator)) {
      toast(t('m.noGeo'), 'err');
      return;
    }
    posBusy = true;
    draw();
    navigator.geolocation.getCurrentPosition(
      async (p) => {
        try {
          const u = await api.patchUnit(unitId!, { position: { lon: p.coords.longitude, lat: p.coords.latitude } });
          units.upsert(u);
          toast(t('m.posOk'), 'ok', 2000);
        } catch (e) {
          toast((e as ApiError).message, 'err');
        } finally {
          posBusy = false;
          draw();
        }
      },
      (err) => {
        posBusy = false;
        toast(`${t('m.noGeo')}: ${err.message}`, 'err');
        draw();
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 10000 },
    );
  };

  const orderCard = (a: Assignment): HTMLElement => {
    const inc: Incident | undefined = incidents.get(a.incident_id);
    const next = NEXT[a.status];
    const err = errors.get(a.id);
    const incErr = incErrors.get(a.incident_id);
    const prio = inc?.priority ?? 3;
    return h(
      'section.m-order',
      { 'data-testid': 'm-order', 'data-id': String(a.id), 'data-status': a.status, style: { '--c': PRIORITY_COLORS[prio] } },
      h(
        'div.mo-head',
        null,
        h('span.mo-id.mono', null, `#${a.incident_id}`),
        inc && h('span.prio-tag.solid', { style: { '--c': PRIORITY_COLORS[inc.priority] } }, t(`prio.${inc.priority}` as Key)),
        h('span.mo-type', null, inc ? `${codeLabel('incident_types', inc.type)}${inc.subtype ? ` · ${subtypeLabel(inc.type, inc.subtype)}` : ''}` : t('m.incident')),
        h('span.spacer'),
        h('span.mo-status', { 'data-testid': 'm-order-status' }, t(`asg.status.${a.status}` as Key)),
      ),
      inc
        ? h(
            'div.mo-info',
            null,
            h('div.mo-addr', { 'data-testid': 'm-address' }, inc.address || '—'),
            h('div.mo-desc', null, inc.description || '—'),
          )
        : h('div.mo-info', null, h('div.muted', null, incErr || t('detail.loading'))),
      h(
        'div.mo-meta.mono',
        null,
        h('span', null, `${t('asg.step.assigned')} ${fmtTime(a.assigned_at)}`),
        a.eta_s != null && h('span', null, `ETA ${fmtEta(a.eta_s)}`),
        h('span', null, a.assigned_by),
      ),
      h(
        'div.mo-steps',
        null,
        STEPS.slice(0, 4).map((s) => h('div.mo-step', { class: a[s.at] ? 'done' : '' }, h('i'), h('span', null, t(s.key)))),
      ),
      resultOpen === a.id &&
        h(
          'div.mo-result',
          null,
          h('label', null, t('m.result')),
          (() => {
            const ta = h('textarea.input', {
              rows: '3',
              'data-testid': 'm-result',
              placeholder: t('m.resultPh'),
              onInput: (e: Event) => results.set(a.id, (e.target as HTMLTextAreaElement).value),
            });
            ta.value = results.get(a.id) ?? '';
            return ta;
          })(),
        ),
      err && h('div.form-error', { role: 'alert', 'data-testid': 'm-error' }, err),
      next &&
        h(
          'div.mo-actions',
          null,
          resultOpen === a.id && h('button.btn.m-btn.m-btn-ghost', { onClick: () => ((resultOpen = null), draw()) }, t('detail.cancel')),
          h(
            'button.btn.m-btn',
            {
              class: `m-to-${next.to}`,
              'data-testid': `m-step-${next.to}`,
              disabled: busy !== null,
              onClick: () => void step(a, next.to),
            },
            resultOpen === a.id ? t('m.clearConfirm') : t(next.key),
          ),
        ),
      // Steps may be skipped: report arrival directly from signed/assigned.
      (a.status === 'assigned' || a.status === 'signed') &&
        h('button.btn.btn-ghost.m-skip', { 'data-testid': 'm-step-on_scene-direct', disabled: busy !== null, onClick: () => void step(a, 'on_scene') }, t('m.onSceneDirect')),
    );
  };

  const draw = () => {
    drawHead();
    if (!meLoaded) {
      setChildren(body, h('div.m-msg', null, t('detail.loading')));
      return;
    }
    if (me.role !== 'unit' || unitId === null) {
      setChildren(
        body,
        h(
          'div.m-msg',
          { 'data-testid': 'm-not-unit' },
          h('p', null, meError || t('m.notUnit')),
          h('a.btn.btn-primary.m-btn', { href: '/', 'data-testid': 'm-console-link' }, t('m.toConsole')),
        ),
      );
      return;
    }
    const u: Unit | undefined = units.get(unitId);
    const list = mine();
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && body.contains(active) ? active.dataset.testid : undefined;
    setChildren(
      body,
      h(
        'section.m-unit',
        { 'data-testid': 'm-unit', style: { '--c': UNIT_STATUS_COLORS[u?.status ?? ''] ?? '#5d6878' } },
        h(
          'div.mu-row',
          null,
          h('div.mu-call', { 'data-testid': 'm-callsign' }, u?.call_sign ?? `#${unitId}`),
          h('span.mu-status', { 'data-testid': 'm-unit-status', 'data-status': u?.status ?? '' }, u ? codeLabel('unit_statuses', u.status) : '—'),
        ),
        h(
          'div.mu-info',
          null,
          u && h('span', null, codeLabel('unit_kinds', u.kind)),
          u?.position && h('span.mono', null, `${u.position.lon.toFixed(4)}, ${u.position.lat.toFixed(4)}`),
        ),
        h(
          'button.btn.btn-ghost.m-pos',
          { 'data-testid': 'm-report-position', disabled: posBusy, onClick: reportPosition },
          posBusy ? t('m.posBusy') : t('m.reportPos'),
        ),
      ),
      h('h3.m-sec', null, t('m.orders'), h('span.count', { 'data-testid': 'm-order-count' }, String(list.length))),
      list.length === 0 ? h('div.m-empty', { 'data-testid': 'm-no-orders' }, loadedOnce ? t('m.noOrders') : t('detail.loading')) : list.map(orderCard),
      unitInstr.render(),
    );
    if (focusId) (body.querySelector(`[data-testid="${focusId}"]`) as HTMLElement | null)?.focus();
  };

  // ---- wiring ----
  let drawQueued = false;
  const drawSoon = () => {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      draw();
    });
  };
  assignments.subscribe(drawSoon);
  units.subscribe((changed) => {
    if (unitId !== null && changed.some((u) => u.id === unitId)) drawSoon();
  });
  incidents.subscribe(drawSoon);
  onLangChange(draw);
  live.state.subscribe(drawHead);
  live.subscribe((ev) => {
    if (unitId === null) return;
    // A status change of our unit usually means a new or changed order: re-read the orders.
    if (ev.record_type === 'unit' && ev.record_id === unitId && ev.kind !== 'unit.moved') void refresh();
    if (ev.record_type === 'assignment') {
      const a = ev.data as Assignment;
      if (a?.unit_id === unitId) loadIncident(a.incident_id);
    }
  });
  live.onTrouble = () => void api.me().catch(() => {});
  window.setInterval(() => void refresh(), 10000);
  window.addEventListener('beforeunload', () => live.stop());

  draw();
  void api
    .me()
    .then((u) => {
      me = u;
      unitId = typeof u.unit_id === 'number' ? u.unit_id : null;
      meLoaded = true;
      debug.unitId = unitId;
      draw();
      if (me.role === 'unit' && unitId !== null) {
        live.start(() => void refresh());
        window.setTimeout(() => !loadedOnce && void refresh(), 2500);
        void api
          .codes()
          .then((c) => {
            setCodes(c);
            refreshLabels();
          })
          .catch(() => {});
      }
    })
    .catch((e: ApiError) => {
      meLoaded = true;
      meError = e.message;
      draw();
    });
}
