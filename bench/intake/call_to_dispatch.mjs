// Benchmark (issue 6): from answering a telephony call to a dispatched unit, through the keyboard
// alone, in the real console (headless Chromium) against the real binary (`demo --no-sim`).
// Baseline, in the same run: the same steps through the HTTP API alone (ring, answer, read the
// call, record the incident, ask for recommendations, send the first), so the ratio says what the
// console adds on this machine. Goal: under 20 s of machine time plus typing.
//
//   node bench/intake/call_to_dispatch.mjs [rounds]      (after `./dev test` or a debug build)
// Environment as the browser tests (ZHIHUI_BIN, ZHIHUI_SHARED_DATA, CHROMIUM).

import { DemoServer, PASSWORD } from '../../web/tests/demo-server.mjs';

const rounds = Number(process.argv[2] ?? 5);
const demo = new DemoServer();
await demo.start('bench-intake');
const { base, browser } = demo;

async function call(tok, method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${p} → ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const tok = (await call(null, 'POST', '/api/v1/session', { username: 'dispatcher', password: PASSWORD })).token;
const units = (await call(tok, 'GET', '/api/v1/units?status=available&limit=50')).items.filter((u) => u.position);
const place = (i) => ({ lon: units[i % units.length].position.lon + 0.002, lat: units[i % units.length].position.lat + 0.001 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Baseline: the API alone.
const api = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const c = await call(tok, 'POST', '/api/v1/telephony/calls', { call_id: `api-${i}`, event: 'ring', caller_number: '13700000000', location: place(i) });
  await call(tok, 'POST', `/api/v1/telephony/calls/${c.id}/answer`, {});
  const full = await call(tok, 'GET', `/api/v1/telephony/calls/${c.id}`);
  const inc = await call(tok, 'POST', '/api/v1/incidents', {
    caller: { name: '基准', phone: full.caller_number }, location: full.location, address: '基准路', type: 'criminal', subtype: 'homicide',
    description: '基准', received_at: full.rang_at, source_ref: `call:${c.id}`,
  });
  const recs = await call(tok, 'GET', `/api/v1/incidents/${inc.id}/recommendations`);
  await call(tok, 'POST', `/api/v1/incidents/${inc.id}/assignments`, { unit_id: recs[0].unit_id });
  api.push(performance.now() - t0);
}

// The console, keyboard only.
const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
const d = await ctx.newPage();
await d.goto(base + '/');
await d.fill('[data-testid=login-username]', 'dispatcher');
await d.fill('[data-testid=login-password]', PASSWORD);
await d.click('[data-testid=login-submit]');
await d.waitForFunction(() => window.__zhihui?.snapshotLoaded === true, null, { timeout: 15_000 });
const ui = [];
const parts = { form: [], record: [], dispatch: [] };
for (let i = 0; i < rounds; i++) {
  const c = await call(tok, 'POST', '/api/v1/telephony/calls', { call_id: `ui-${i}`, event: 'ring', caller_number: '13800000000', location: place(i + rounds), accuracy_m: 30 });
  await d.waitForSelector(`[data-testid=call-row][data-id="${c.id}"]`);
  const t0 = performance.now();
  await d.keyboard.press('F2');
  await d.waitForSelector(`[data-testid=new-from-call][data-call="${c.id}"]`);
  await d.waitForSelector('[data-testid=new-location].set');
  const t1 = performance.now();
  await d.keyboard.type('周九');
  for (let k = 0; k < 3; k++) await d.keyboard.press('Tab');
  await d.keyboard.press('ArrowDown');
  await d.waitForFunction(() => document.activeElement?.dataset.testid === 'new-subtype');
  await d.keyboard.press('ArrowDown');
  const posted = d.waitForResponse((r) => r.url().endsWith('/api/v1/incidents') && r.request().method() === 'POST');
  await d.keyboard.press('Enter');
  const inc = await (await posted).json();
  await d.waitForSelector(`[data-testid=detail-id]:has-text("#${inc.id}")`);
  await d.waitForSelector('[data-testid=recommendation]');
  const t2 = performance.now();
  const sent = d.waitForResponse((r) => /\/api\/v1\/incidents\/\d+\/assignments$/.test(r.url()) && r.request().method() === 'POST');
  await d.keyboard.press('1');
  if ((await sent).status() !== 201) throw new Error('dispatch refused');
  const t3 = performance.now();
  ui.push(t3 - t0);
  parts.form.push(t1 - t0);
  parts.record.push(t2 - t1);
  parts.dispatch.push(t3 - t2);
  await d.keyboard.press('Escape');
}
await ctx.close();
await demo.stop();

const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`rounds: ${rounds}`);
console.log(`API alone (baseline):     median ${f(median(api))}`);
console.log(`console, keyboard only:   median ${f(median(ui))} (answer → form filled ${f(median(parts.form))}, typing → incident open with recommendations ${f(median(parts.record))}, key 1 → order ${f(median(parts.dispatch))})`);
console.log(`ratio console / API: ${(median(ui) / median(api)).toFixed(1)}x; goal < 20 s: ${median(ui) < 20_000 ? 'met' : 'NOT met'}`);
