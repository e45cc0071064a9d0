// The main console: top bar, incident queue (left), map (center) with the detail panel and the
// new-incident form over it, unit board (right). Loads reference data and the snapshot, then
// keeps everything current from the live feed.

import { api, can, canEditIncidents, getToken, type Incident, type MapInfo, type Unit, type User } from '../api';
import { h, setChildren, throttle, toast } from '../dom';
import { codeLabel, fmtTime, getLang, onLangChange, refreshLabels, roleLabel, setCodes, setLang, t, type Key } from '../i18n';
import { LiveFeed, type LiveState } from '../live';
import { OpsMap, PRIORITY_COLORS, UNIT_STATUS_COLORS } from '../map';
import { incidents, orgName, orgs, selectedIncident, units } from '../store';
import { AlertCenter } from './alerts';
import { BulletinPage } from './bulletin';
import { AreaEditor } from './areas';
import { setZone, wall } from '../zone';
import { CallStrip } from '../domains/telephony/panel';
import { OpinionPanel } from '../domains/opinion/panel';
import type { Call } from '../domains/telephony/api';
import { DetailPanel } from './detail';
import { EventPanel } from '../domains/major_events/panel';
import type { RouteLine } from './dispatch';
import { InstructionPanel } from './instructions';
import { InterceptPanel } from '../domains/interception/panel';
import { emblem } from './login';
import { NewIncidentForm } from './newIncident';
import { IncidentQueue } from './queue';
import { PlanPanel } from '../domains/response_plans/panel';
import { UnitBoard } from './units';

declare global {
  interface Window {
    __zhihui?: Record<string, unknown>;
  }
}

export function renderConsole(root: HTMLElement, user: User, onLogout: () => void): void {
  setZone(user.time_zone);
  const live = new LiveFeed(getToken);
  const debug: Record<string, unknown> = { live, incidents, units, user };
  window.__zhihui = debug;

  // ---- layout ----
  const mapEl = h('div.map', { 'data-testid': 'map' });
  const mapMsg = h('div.map-msg', null, t('map.loading'));
  const legend = h('div.legend', { 'data-testid': 'map-legend' });
  const mapWrap = h('div.map-wrap', null, mapEl, mapMsg, legend);
  const topbar = h('header.topbar', { 'data-testid': 'topbar' });
  const left = h('div.col-left');
  const right = h('div.col-right');
  const center = h('div.col-center', null, mapWrap);
  setChildren(root, h('div.app', null, topbar, h('main.grid', null, left, center, right)));
  const topWrap = topbar; // the alert drop-down hangs under the top bar

  // ---- map (created once /map answers; roads follow) ----
  let ops: OpsMap | null = null;
  const mapReady = api
    .mapInfo()
    .catch(() => null)
    .then((info: MapInfo | null) => {
      try {
        ops = new OpsMap(mapEl, info);
      } catch (e) {
        mapMsg.textContent = `${t('map.noWebgl')} (${String((e as Error).message ?? e)})`;
        return null;
      }
      debug.map = ops.map;
      debug.ops = ops;
      debug.mapInfo = info;
      void api
        .roads()
        .then(async (fc) => {
          await ops!.setRoads(fc);
          debug.roadsLoaded = fc.features.length;
          mapMsg.hidden = true;
        })
        .catch((e) => {
          mapMsg.textContent = `${t('map.roads')}: ${(e as Error).message}`;
        });
      // The areas (辖区) of the organisations the user sees; none is fine (no areas drawn yet).
      void api
        .orgAreas()
        .then((fc) => ops!.whenLoaded().then(() => ops!.setAreas(fc)))
        .catch(() => {});
      return ops;
    });

  // ---- components ----
  const locate = (p: { lon: number; lat: number } | null) => {
    if (p && ops) ops.flyTo(p);
  };
  const form: { open: () => void; fromCall: (c: Call) => void } = { open: () => {}, fromCall: () => {} };
  const queue = new IncidentQueue({ canCreate: canEditIncidents(user), onNew: () => form.open() });
  const callStrip = new CallStrip(live, user, (c) => form.fromCall(c));
  debug.calls = callStrip;
  left.appendChild(callStrip.el);
  left.appendChild(queue.el);
  const board = new UnitBoard(
    user,
    (u: Unit) => locate(u.position),
    (coords) => ops?.setTrail(coords),
  );
  right.appendChild(board.el);
  let routes: RouteLine[] = [];
  const detail = new DetailPanel(
    user,
    live,
    (i: Incident) => locate(i.location),
    (r) => {
      routes = r;
      ops?.setRoutes(r);
    },
  );
  mapWrap.appendChild(detail.el);
  const formClose = { close: () => {} };
  const instr = new InstructionPanel(user, () => (formClose.close(), icp.toggle(false), plans.toggle(false), opinion.toggle(false)));
  mapWrap.appendChild(instr.el);
  debug.instructions = instr;
  // 设卡布控 shares the left side of the map with the instructions and the new-incident form.
  const icp = new InterceptPanel(user, live, mapReady, () => (instr.toggle(false), formClose.close(), plans.toggle(false), opinion.toggle(false)));
  mapWrap.appendChild(icp.el);
  debug.intercept = icp;
  // 预案库 too: one panel at a time on the left of the map.
  const plans = new PlanPanel(user, live, () => (instr.toggle(false), icp.toggle(false), formClose.close(), opinion.toggle(false)));
  mapWrap.appendChild(plans.el);
  debug.plans = plans;
  // 舆情预警: public-opinion alerts, on the left of the map like the others.
  const opinion = new OpinionPanel(user, live, mapReady, () => (instr.toggle(false), icp.toggle(false), plans.toggle(false), formClose.close()));
  mapWrap.appendChild(opinion.el);
  debug.opinion = opinion;
  // 安保部署: the event board, also on the left of the map; it gives way to any other panel.
  const evp = new EventPanel(user, live, mapReady, () => (instr.toggle(false), icp.toggle(false), plans.toggle(false), formClose.close(), opinion.toggle(false)));
  mapWrap.appendChild(evp.el);
  evp.closeWhenShown(mapWrap, '.instr-panel, .icp-panel, .rp-panel, .op-panel, .new-incident');
  debug.event = evp;
  const alertCenter = new AlertCenter(live, user, (id) => instr.show(id));
  debug.alerts = alertCenter;
  const bulletin = new BulletinPage(user);
  // Administrators draw their organisations' areas on the map (辖区).
  const areaSlot = h('span.area-slot');
  if (can(user, 'administer')) {
    void mapReady.then((m) => {
      if (!m) return;
      const editor = new AreaEditor(m, (fc) => m.setAreas(fc));
      debug.areas = editor;
      areaSlot.appendChild(editor.button);
      mapWrap.appendChild(editor.el);
    });
  }
  void mapReady.then((m) => {
    if (!m) return;
    void m.whenLoaded().then(() => m.setRoutes(routes));
    const nif = new NewIncidentForm(m);
    mapWrap.appendChild(nif.el);
    form.open = () => {
      instr.toggle(false);
      icp.toggle(false);
      plans.toggle(false);
      opinion.toggle(false);
      nif.open();
    };
    form.fromCall = (c) => {
      instr.toggle(false);
      icp.toggle(false);
      plans.toggle(false);
      opinion.toggle(false);
      nif.openFromCall(c);
    };
    formClose.close = () => nif.close();
    debug.newIncident = nif;
  });

  // ---- top bar ----
  const clock = h('div.clock', { 'data-testid': 'clock' });
  const liveEl = h('div.live', { 'data-testid': 'live-indicator', 'data-state': 'closed', role: 'status' });
  const stats = h('div.stats');
  const drawLive = (s: LiveState = live.state.value) => {
    liveEl.dataset.state = s;
    const key: Key = s === 'open' ? 'live.open' : s === 'connecting' ? 'live.connecting' : s === 'retry' ? 'live.retry' : 'live.closed';
    setChildren(liveEl, h('i.live-dot'), h('span', null, t(key)));
    liveEl.title = `${t('live.seq')}: ${live.lastSeq ?? '—'}`;
  };
  const drawClock = () => {
    const now = new Date();
    const wd = t('clock.weekdays').split(',')[wall(now.getTime()).getUTCDay()];
    setChildren(
      clock,
      h('span.clock-time', null, fmtTime(now.toISOString())),
      h('span.clock-date', null, `${fmtTime(now.toISOString(), true).slice(0, 10)} ${wd}`),
    );
  };
  const drawStats = () => {
    let open = 0;
    let waiting = 0;
    let p1 = 0;
    for (const i of incidents.byId.values()) {
      if (i.status === 'closed') continue;
      open++;
      if (i.status === 'new') waiting++;
      if (i.priority === 1) p1++;
    }
    let avail = 0;
    for (const u of units.byId.values()) if (u.status === 'available') avail++;
    const tile = (k: Key, v: string | number, cls = '', testid = '') =>
      h('div.stat', { class: cls, title: t(k), 'data-testid': testid || undefined }, h('b', null, String(v)), h('span', null, t(k)));
    setChildren(
      stats,
      tile('stat.open', open, '', 'stat-open'),
      tile('stat.new', waiting, waiting > 0 ? 'warn' : ''),
      tile('stat.p1', p1, p1 > 0 ? 'crit' : ''),
      tile('stat.unitsAvail', `${avail}/${units.byId.size}`, 'ok'),
    );
  };
  const drawTop = () => {
    setChildren(
      topbar,
      h(
        'div.brand',
        null,
        emblem(30),
        h('div', null, h('div.brand-name', null, t('app.name')), h('div.brand-sub', null, t('app.subtitle'))),
      ),
      stats,
      h('div.spacer'),
      bulletin.button,
      areaSlot,
      (can(user, 'analyse') || can(user, 'write_incident')) && opinion.button,
      plans.button,
      evp.button,
      icp.button,
      instr.button,
      alertCenter.button,
      clock,
      liveEl,
      h(
        'div.user',
        { 'data-testid': 'current-user', title: user.username },
        h('span.user-name', null, user.display_name || user.username),
        h('span.user-role', null, roleLabel(user.role)),
        h('span.user-org', null, orgName(user.org_id, getLang())),
      ),
      h(
        'button.btn.btn-ghost.btn-sm',
        { 'data-testid': 'lang-switch', title: t('top.langTitle'), onClick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') },
        t('top.lang'),
      ),
      h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'logout', onClick: () => onLogout() }, t('top.logout')),
    );
    drawLive();
    drawClock();
    drawStats();
  };
  const drawLegend = () => {
    setChildren(
      legend,
      h('div.lg-title', null, t('map.legend.incidents')),
      [1, 2, 3, 4].map((p) => h('div.lg-item', null, h('i', { style: { background: PRIORITY_COLORS[p] } }), t(`prio.${p}` as Key))),
      h('div.lg-title', null, t('map.legend.units')),
      Object.entries(UNIT_STATUS_COLORS).map(([s, c]) =>
        h('div.lg-item', null, h('i.sq', { style: { background: c } }), codeLabel('unit_statuses', s)),
      ),
    );
  };
  drawTop();
  drawLegend();
  topWrap.parentElement!.appendChild(alertCenter.panel);
  topWrap.parentElement!.appendChild(bulletin.el);
  window.setInterval(drawClock, 1000);
  live.state.subscribe((s) => drawLive(s));
  const statsLater = throttle(drawStats, 500);
  incidents.subscribe(statsLater);
  units.subscribe(statsLater);
  onLangChange(() => {
    drawTop();
    drawLegend();
    if (!mapMsg.hidden) mapMsg.textContent = t('map.loading');
  });

  // ---- reference data ----
  void api
    .codes()
    .then((c) => {
      setCodes(c);
      refreshLabels(); // redraw everything that shows code labels
    })
    .catch(() => toast(`/codes: ${t('err.generic')}`, 'err'));
  void api
    .orgs()
    .then((r) => {
      orgs.clear();
      for (const o of r.items) orgs.set(o.id, o);
      drawTop();
    })
    .catch(() => {});

  // ---- snapshot + live ----
  let snapshotStarted = false;
  const loadSnapshot = async () => {
    if (snapshotStarted) return;
    snapshotStarted = true;
    try {
      const [open, recent, us] = await Promise.all([
        pageAll((limit, offset) => api.incidents({ status: 'new,dispatched,on_scene', limit, offset }), 2000),
        api.incidents({ limit: 200 }).then((r) => r.items),
        pageAll((limit, offset) => api.units({ limit, offset }), 5000),
      ]);
      incidents.upsertMany(open);
      incidents.upsertMany(recent);
      units.upsertMany(us);
      debug.snapshotLoaded = true;
      alertCenter.load();
      callStrip.load();
      instr.load();
      icp.load();
      evp.load();
      if (can(user, 'analyse') || can(user, 'write_incident')) opinion.load();
    } catch (e) {
      toast(`${t('err.generic')}: ${(e as Error).message}`, 'err');
    }
    queue.markLoaded();
  };
  // A socket that keeps failing may mean an expired session: /me answers 401 then (→ login page).
  live.onTrouble = () => void api.me().catch(() => {});
  live.start(() => void loadSnapshot());
  // If the live feed cannot connect, still show the snapshot.
  window.setTimeout(() => void loadSnapshot(), 2500);

  // Keyboard: N opens the new-incident form; Esc closes the detail panel.
  document.addEventListener('keydown', (e) => {
    const tgt = e.target as HTMLElement;
    const typing = tgt && (tgt.tagName === 'INPUT' || tgt.tagName === 'TEXTAREA' || tgt.tagName === 'SELECT' || tgt.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.key === 'n' || e.key === 'N') && canEditIncidents(user)) {
      e.preventDefault();
      form.open();
    } else if (e.key === 'Escape' && selectedIncident.value !== null && !document.querySelector('.new-incident:not([hidden])')) {
      selectedIncident.set(null);
    }
  });

  // Verify the stored token (a 401 sends us back to the login page).
  void api.me().catch(() => {});
  window.addEventListener('beforeunload', () => live.stop());
  debug.teardown = () => live.stop();
}

async function pageAll<T>(fetchPage: (limit: number, offset: number) => Promise<{ items: T[]; total: number }>, max: number): Promise<T[]> {
  const out: T[] = [];
  const limit = 200;
  for (let offset = 0; offset < max; offset += limit) {
    const r = await fetchPage(limit, offset);
    out.push(...r.items);
    if (r.items.length === 0 || out.length >= r.total || r.items.length < limit) break;
  }
  return out;
}
