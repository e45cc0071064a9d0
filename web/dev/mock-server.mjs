// Throwaway in-memory mock of the Zhihui API v1 (docs/api-v1.md) for console development.
// Not the product: the Rust server is. Usage: node dev/mock-server.mjs [--port 8080] [--no-sim]
// Prints "zhihui listening on http://127.0.0.1:PORT" like the real binary and serves ../dist.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
const sim = !args.includes('--no-sim');
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

const C = [112.24, 30.33]; // Jingzhou
const now = () => new Date().toISOString();
const rnd = (a, b) => a + Math.random() * (b - a);
const pick = (a) => a[Math.floor(Math.random() * a.length)];

const orgs = [
  { id: 'jz', parent_id: null, name: '荆州市公安局', name_en: 'Jingzhou PSB', kind: 'city' },
  { id: 'jz.ss', parent_id: 'jz', name: '沙市分局', name_en: 'Shashi District', kind: 'district' },
  { id: 'jz.jz', parent_id: 'jz', name: '荆州分局', name_en: 'Jingzhou District', kind: 'district' },
  { id: 'jz.ss.zs', parent_id: 'jz.ss', name: '中山派出所', name_en: 'Zhongshan Station', kind: 'station' },
  { id: 'jz.ss.sj', parent_id: 'jz.ss', name: '胜利派出所', name_en: 'Shengli Station', kind: 'station' },
  { id: 'jz.jz.dn', parent_id: 'jz.jz', name: '东门派出所', name_en: 'Dongmen Station', kind: 'station' },
];
const users = {
  admin: ['系统管理员', 'admin', 'jz'], leader: ['王局', 'leader', 'jz'], dispatcher: ['李指挥', 'dispatcher', 'jz'],
  analyst: ['赵研判', 'analyst', 'jz'], supervisor: ['钱督察', 'supervisor', 'jz'], station1: ['中山所值班', 'dispatcher', 'jz.ss.zs'],
  unit1: ['沙市巡01', 'unit', 'jz.ss.zs'], grid1: ['网格员孙', 'grid', 'jz.ss.zs'],
};
const E = (code, zh, en, subtypes) => (subtypes ? { code, zh, en, subtypes } : { code, zh, en });
const codes = {
  incident_types: [
    E('criminal', '刑事', 'Criminal', [E('theft', '盗窃', 'Theft'), E('robbery', '抢劫', 'Robbery'), E('fraud', '诈骗', 'Fraud'), E('assault', '伤害', 'Assault'), E('homicide', '命案', 'Homicide')]),
    E('public_order', '治安', 'Public order', [E('fight', '打架斗殴', 'Fight'), E('disturbance', '扰乱秩序', 'Disturbance'), E('gambling', '赌博', 'Gambling')]),
    E('traffic', '交通', 'Traffic', [E('accident', '交通事故', 'Accident'), E('congestion', '交通堵塞', 'Congestion'), E('drunk_driving', '酒驾', 'Drunk driving')]),
    E('fire', '火灾', 'Fire', [E('building', '建筑火灾', 'Building'), E('vehicle', '车辆火灾', 'Vehicle')]),
    E('rescue', '求助', 'Assistance', [E('missing_person', '人员走失', 'Missing person'), E('self_harm', '自伤自杀', 'Self-harm'), E('medical', '急病', 'Medical')]),
    E('dispute', '纠纷', 'Dispute', [E('neighbor', '邻里纠纷', 'Neighbours'), E('family', '家庭纠纷', 'Family'), E('labor', '劳资纠纷', 'Labour')]),
    E('other', '其他', 'Other', []),
  ],
  dispositions: [E('resolved', '已处置', 'Resolved'), E('arrested', '抓获嫌疑人', 'Suspect arrested'), E('mediated', '调解成功', 'Mediated'), E('transferred', '移交相关部门', 'Transferred'), E('false_alarm', '虚假警情', 'False alarm'), E('no_police_matter', '非警务求助', 'Not a police matter')],
  unit_kinds: [E('patrol_car', '巡逻车', 'Patrol car'), E('foot_patrol', '步巡', 'Foot patrol'), E('traffic', '交警', 'Traffic'), E('swat', '特警', 'SWAT'), E('community', '社区民警', 'Community')],
  unit_statuses: [E('available', '可用', 'Available'), E('dispatched', '已派出', 'Dispatched'), E('en_route', '途中', 'En route'), E('on_scene', '现场处置', 'On scene'), E('off_duty', '离岗', 'Off duty')],
  incident_statuses: [E('new', '待派警', 'New'), E('dispatched', '已派警', 'Dispatched'), E('on_scene', '已到场', 'On scene'), E('closed', '已结案', 'Closed')],
};

// Road network: a distorted grid with arterials.
const roads = { type: 'FeatureCollection', features: [] };
for (let i = -12; i <= 12; i++) {
  const cls = i % 6 === 0 ? 'trunk' : i % 3 === 0 ? 'primary' : i % 2 === 0 ? 'secondary' : 'residential';
  const a = [], b = [];
  for (let j = -12; j <= 12; j++) {
    a.push([C[0] + i * 0.006 + Math.sin(j / 3) * 0.0015, C[1] + j * 0.005]);
    b.push([C[0] + j * 0.006, C[1] + i * 0.005 + Math.cos(j / 4) * 0.001]);
  }
  roads.features.push({ type: 'Feature', properties: { highway: cls, name: `路${i}` }, geometry: { type: 'LineString', coordinates: a } });
  roads.features.push({ type: 'Feature', properties: { highway: i % 4 === 0 ? 'primary' : 'tertiary', name: `街${i}` }, geometry: { type: 'LineString', coordinates: b } });
  for (let k = 0; k < 6; k++) {
    const x = C[0] + rnd(-0.07, 0.07), y = C[1] + rnd(-0.06, 0.06);
    roads.features.push({ type: 'Feature', properties: { highway: 'service', name: '' }, geometry: { type: 'LineString', coordinates: [[x, y], [x + rnd(-0.004, 0.004), y + rnd(-0.004, 0.004)]] } });
  }
}
roads.features.push({ type: 'Feature', properties: { highway: 'motorway', name: '沪渝高速' }, geometry: { type: 'LineString', coordinates: [[C[0] - 0.09, C[1] - 0.07], [C[0] - 0.02, C[1] - 0.066], [C[0] + 0.05, C[1] - 0.05], [C[0] + 0.09, C[1] - 0.02]] } });

const log = []; // events
const incidents = new Map();
const units = new Map();
const sockets = new Set();
function emit(kind, rec, actor, changes = null) {
  const ev = { type: 'event', seq: log.length + 1, at: now(), kind, record_type: kind.split('.')[0], record_id: rec.id, org_id: rec.org_id, actor, data: structuredClone(rec), changes };
  log.push(ev);
  for (const s of sockets) if (s.readyState === 1) s.send(JSON.stringify(ev));
}
const streets = ['北京路', '荆州中路', '江津路', '红门路', '塔桥路', '航空路', '豉湖路', '沙市大道', '园林路', '屈原路'];
const mask = (c) => ({ name: c.name ? c.name[0] + '*'.repeat(Math.max(1, c.name.length - 1)) : '', phone: c.phone.length > 7 ? c.phone.slice(0, 3) + '****' + c.phone.slice(-4) : c.phone });
function mkIncident(b, actor) {
  const id = incidents.size + 1, t = now();
  const rec = { id, received_at: t, caller: b.caller, location: b.location, address: b.address, type: b.type, subtype: b.subtype ?? null, priority: b.priority, description: b.description, org_id: b.org_id ?? pick(orgs.slice(3)).id, status: 'new', disposition: null, summary: null, created_by: actor, updated_at: t, version: 1 };
  incidents.set(id, rec);
  emit('incident.created', rec, actor);
  return rec;
}
for (let i = 0; i < 26; i++) {
  const ty = pick(codes.incident_types);
  const r = mkIncident({ caller: { name: pick(['张伟', '王芳', '李娜', '刘强', '陈静']), phone: `13${Math.floor(rnd(100000000, 999999999))}` }, location: { lon: C[0] + rnd(-0.06, 0.06), lat: C[1] + rnd(-0.05, 0.05) }, address: `${pick(streets)}${Math.floor(rnd(1, 300))}号`, type: ty.code, subtype: ty.subtypes.length ? pick(ty.subtypes).code : null, priority: pick([1, 2, 2, 3, 3, 3, 4]), description: '报警人称现场有情况，请求民警到场处置。' }, 'dispatcher');
  r.received_at = new Date(Date.now() - rnd(60, 7200) * 1000).toISOString();
  const st = pick(['new', 'new', 'dispatched', 'on_scene', 'closed']);
  if (st !== 'new') Object.assign(r, { status: st, version: 2, ...(st === 'closed' ? { disposition: 'resolved', summary: '已处置完毕' } : {}) }), emit('incident.updated', r, 'dispatcher');
}
const kinds = ['patrol_car', 'patrol_car', 'foot_patrol', 'traffic', 'swat', 'community'];
for (let i = 1; i <= 42; i++) {
  const kind = pick(kinds), org = pick(orgs.slice(3));
  const prefix = { patrol_car: '巡', foot_patrol: '步', traffic: '交', swat: '特', community: '社' }[kind];
  const rec = { id: i, call_sign: `${org.name.slice(0, 2)}${prefix}${String(i).padStart(2, '0')}`, kind, org_id: org.id, status: pick(['available', 'available', 'available', 'dispatched', 'en_route', 'on_scene', 'off_duty']), position: { lon: C[0] + rnd(-0.06, 0.06), lat: C[1] + rnd(-0.05, 0.05) }, position_at: now(), updated_at: now(), version: 1 };
  units.set(i, rec);
  emit('unit.created', rec, 'admin');
}
if (sim) setInterval(() => {
  for (let k = 0; k < 3; k++) {
    const u = pick([...units.values()]);
    if (!u.position || u.status === 'off_duty') continue;
    u.position = { lon: u.position.lon + rnd(-0.0008, 0.0008), lat: u.position.lat + rnd(-0.0008, 0.0008) };
    u.position_at = u.updated_at = now();
    u.version++;
    emit('unit.moved', u, u.call_sign);
  }
}, 150);

const sessions = new Map();
const err = (res, status, code, message, field = null) => json(res, status, { error: { code, message, field } });
function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
const FLOW = ['new', 'dispatched', 'on_scene', 'closed'];

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/')) return serveStatic(p, res);
  let body = null;
  if (req.method === 'POST' || req.method === 'PATCH') {
    let raw = '';
    for await (const c of req) raw += c;
    try { body = JSON.parse(raw || 'null'); } catch { return err(res, 400, 'bad_json', 'invalid JSON'); }
  }
  if (p === '/api/v1/session' && req.method === 'POST') {
    const u = users[body?.username];
    if (!u || body.password !== 'zhihui-demo') return err(res, 401, 'bad_credentials', '用户名或密码错误');
    const token = Math.random().toString(36).slice(2) + Date.now().toString(36);
    const user = { username: body.username, display_name: u[0], role: u[1], org_id: u[2] };
    sessions.set(token, user);
    return json(res, 200, { token, expires_at: new Date(Date.now() + 8 * 3600e3).toISOString(), user });
  }
  const user = sessions.get((req.headers.authorization || '').replace(/^Bearer /, ''));
  if (!user) return err(res, 401, 'unauthorized', 'login required');
  const canEdit = ['admin', 'leader', 'dispatcher'].includes(user.role);
  let m;
  if (p === '/api/v1/session' && req.method === 'DELETE') { sessions.delete(req.headers.authorization.slice(7)); res.writeHead(204); return res.end(); }
  if (p === '/api/v1/me') return json(res, 200, user);
  // The mock's live-feed ticket is the session token itself (the real server issues one-time tickets).
  if (p === '/api/v1/live/ticket' && req.method === 'POST') return json(res, 201, { ticket: req.headers.authorization.slice(7), expires_at: new Date(Date.now() + 30000).toISOString() });
  if (p === '/api/v1/orgs') return json(res, 200, { items: orgs.filter((o) => o.id.startsWith(user.org_id)) });
  if (p === '/api/v1/codes') return json(res, 200, codes);
  if (p === '/api/v1/map') return json(res, 200, { bbox: [C[0] - 0.09, C[1] - 0.07, C[0] + 0.09, C[1] + 0.065], center: C, source: 'mock', generated: true, attribution: '© OpenStreetMap contributors' });
  if (p === '/api/v1/map/roads.geojson') return json(res, 200, roads);
  if (p === '/api/v1/incidents' && req.method === 'GET') {
    const st = url.searchParams.get('status')?.split(','), ty = url.searchParams.get('type');
    const limit = Number(url.searchParams.get('limit') || 50), offset = Number(url.searchParams.get('offset') || 0);
    const all = [...incidents.values()].filter((i) => i.org_id.startsWith(user.org_id) && (!st || st.includes(i.status)) && (!ty || i.type === ty)).reverse();
    return json(res, 200, { items: all.slice(offset, offset + limit).map((i) => ({ ...i, caller: mask(i.caller) })), total: all.length });
  }
  if (p === '/api/v1/incidents' && req.method === 'POST') {
    if (!canEdit) return err(res, 403, 'forbidden', 'role may not create incidents');
    if (!body?.caller?.phone || !/^[0-9+\-]{3,20}$/.test(body.caller.phone)) return err(res, 422, 'invalid', '电话号码格式不正确', 'caller.phone');
    if (!codes.incident_types.some((t) => t.code === body.type)) return err(res, 422, 'invalid', '警情类别无效', 'type');
    if (!(body.priority >= 1 && body.priority <= 4)) return err(res, 422, 'invalid', 'priority 1..4', 'priority');
    if (!body.location) return err(res, 400, 'invalid', 'location required', 'location');
    if (!body.address) return err(res, 422, 'invalid', '地址不能为空', 'address');
    return json(res, 201, mkIncident(body, user.username));
  }
  if ((m = /^\/api\/v1\/incidents\/(\d+)(\/timeline)?$/.exec(p))) {
    const rec = incidents.get(Number(m[1]));
    if (!rec) return err(res, 404, 'not_found', 'no such incident');
    if (m[2]) return json(res, 200, { items: log.filter((e) => e.record_type === 'incident' && e.record_id === rec.id).map(({ seq, at, actor, kind, data, changes }) => ({ seq, at, actor, kind, data: { record: data, changes } })) });
    if (req.method === 'GET') return json(res, 200, rec);
    if (req.method === 'PATCH') {
      if (!canEdit) return err(res, 403, 'forbidden', 'role may not update incidents');
      if (body.status && FLOW.indexOf(body.status) <= FLOW.indexOf(rec.status)) return err(res, 409, 'state', `状态不能从 ${rec.status} 变为 ${body.status}`, 'status');
      if (body.status === 'closed' && !body.disposition) return err(res, 422, 'invalid', '结案须选择处置结果', 'disposition');
      const changes = Object.fromEntries(Object.keys(body).filter((k) => JSON.stringify(rec[k]) !== JSON.stringify(body[k])).map((k) => [k, [rec[k], body[k]]]));
      Object.assign(rec, body, { updated_at: now(), version: rec.version + 1 });
      emit('incident.updated', rec, user.username, changes);
      return json(res, 200, rec);
    }
  }
  if (p === '/api/v1/units' && req.method === 'GET') {
    const limit = Number(url.searchParams.get('limit') || 50), offset = Number(url.searchParams.get('offset') || 0);
    const all = [...units.values()].filter((u) => u.org_id.startsWith(user.org_id));
    return json(res, 200, { items: all.slice(offset, offset + limit), total: all.length });
  }
  if ((m = /^\/api\/v1\/units\/(\d+)$/.exec(p))) {
    const u = units.get(Number(m[1]));
    if (!u) return err(res, 404, 'not_found', 'no such unit');
    if (req.method === 'GET') return json(res, 200, u);
    Object.assign(u, body, { updated_at: now(), version: u.version + 1 });
    emit('unit.updated', u, user.username);
    return json(res, 200, u);
  }
  return err(res, 404, 'not_found', 'no route');
});

function serveStatic(p, res) {
  let f = path.join(dist, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
  if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) f = path.join(dist, 'index.html');
  if (!fs.existsSync(f)) { res.writeHead(404); return res.end('run npm run build first'); }
  const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }[path.extname(f)] || 'application/octet-stream';
  res.writeHead(200, { 'content-type': type });
  fs.createReadStream(f).pipe(res);
}

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const user = sessions.get(url.searchParams.get('ticket'));
  if (url.pathname !== '/api/v1/live' || !user) { socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n'); return socket.destroy(); }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) : log.length;
    ws.send(JSON.stringify({ type: 'hello', head: log.length }));
    for (const e of log.slice(since)) ws.send(JSON.stringify(e));
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`zhihui listening on http://127.0.0.1:${server.address().port}`);
  console.log('demo accounts: admin leader dispatcher analyst supervisor station1 unit1 grid1 / zhihui-demo');
});
