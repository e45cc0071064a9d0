// Browser test of 安保部署 (the major-event board) against the real server binary on a street grid
// the test writes itself (so it always runs), with the test clock: a dispatcher opens the board,
// sees every post coloured by status (one staffed, the others pending), the clock passes a unit's
// due time and the post turns late on the map and in the list while its alert pops up live, and
// one click sends relief. Environment: ZHIHUI_BIN (default ../target/debug/zhihui), CHROMIUM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DemoServer, cmd } from './demo-server.mjs';

const PASSWORD = 'event-test-password';

const demo = new DemoServer();
let dataDir = null;
let base = '';
let browser = null;
let skipReason = '';

/** A 7×7 grid of streets 0.005° apart (480 m × 555 m) at 36 km/h. */
function gridRoads() {
  const features = [];
  const line = (coords, name) => ({ type: 'Feature', properties: { speed_kmh: 36, name }, geometry: { type: 'LineString', coordinates: coords } });
  for (let i = 0; i < 7; i++) {
    features.push(line([...Array(7).keys()].map((j) => [112.2 + 0.005 * i, 30.3 + 0.005 * j]), `纵${i}路`));
    features.push(line([...Array(7).keys()].map((j) => [112.2 + 0.005 * j, 30.3 + 0.005 * i]), `横${i}街`));
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}
const at = (i, j) => ({ lon: 112.2 + 0.005 * i, lat: 30.3 + 0.005 * j });

function zhihui(args, input) {
  execFileSync(cmd, [...args, '--data-dir', dataDir], { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function call(tok, method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, text };
}

async function login(username) {
  const r = await call(null, 'POST', '/api/v1/session', { username, password: PASSWORD });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no event API';
    return;
  }
  await demo.start('event', {
    setup: (dir) => {
      dataDir = dir;
      fs.writeFileSync(path.join(dir, 'grid.geojson'), gridRoads());
      zhihui(['org', 'add', 'jz', '--name', '荆州市公安局', '--kind', 'city']);
      zhihui(['org', 'add', 'jz-s1', '--name', '中山派出所', '--kind', 'station', '--parent', 'jz']);
      zhihui(['user', 'add', 'root', '--role', 'admin', '--org', 'jz'], `${PASSWORD}\n`);
      zhihui(['user', 'add', 'disp', '--role', 'dispatcher', '--org', 'jz'], `${PASSWORD}\n`);
    },
    args: (dir) => ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0', '--roads', path.join(dir, 'grid.geojson'), '--test-clock'],
  });
  ({ base, browser } = demo);
});

after(async () => {
  await demo.stop();
});

test('the board colours every post by status and a post going late raises its alert live; relief in one click', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const disp = await login('disp');
  const root = await login('root');
  const units = [];
  for (const [cs, kind, p] of [
    ['巡A', 'patrol_car', at(0, 3)],
    ['巡B', 'patrol_car', at(6, 3)],
    ['巡C', 'patrol_car', at(3, 0)],
    ['备巡', 'patrol_car', at(3, 5)],
  ]) {
    const r = await call(disp, 'POST', '/api/v1/units', { call_sign: cs, kind, org_id: 'jz-s1', position: p });
    assert.equal(r.status, 201, r.text);
    units.push(r.json);
  }
  const now = new Date((await call(root, 'POST', '/api/v1/test/clock', { advance_s: 0 })).json.now);
  const iso = (s) => new Date(now.getTime() + s * 1000).toISOString();
  const post = (kind, label, p) => ({ kind, label, lon: p.lon, lat: p.lat, kinds: ['patrol_car'], staff: 1 });
  const created = await call(disp, 'POST', '/api/v1/events', {
    name: '浏览器测试安保',
    venue: '体育中心',
    starts_at: iso(900),
    ends_at: iso(8100),
    posts: [post('duty_point', '西岗', at(2, 3)), post('duty_point', '东岗', at(4, 3)), post('checkpoint', '南卡', at(3, 2))],
  });
  assert.equal(created.status, 201, created.text);
  const ev = created.json.event;
  const [west, east, south] = created.json.posts.map((p) => p.id);
  // 巡A, 巡B and 巡C each take the post nearest to them; 备巡 stays free for relief.
  const items = [
    { post_id: west, unit_id: units[0].id },
    { post_id: east, unit_id: units[1].id },
    { post_id: south, unit_id: units[2].id },
  ];
  const acc = await call(disp, 'POST', `/api/v1/events/${ev.id}/assignments`, { items });
  assert.equal(acc.status, 201, acc.text);
  // 巡A is at 西岗 at once (a position report within 150 m).
  assert.equal((await call(disp, 'POST', `/api/v1/units/${units[0].id}/positions`, at(2, 3))).status, 200);

  const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(base + '/');
    await page.fill('[data-testid=login-username]', 'disp');
    await page.fill('[data-testid=login-password]', PASSWORD);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 15_000 });
    await page.waitForFunction(() => window.__zhihui?.snapshotLoaded === true, null, { timeout: 15_000 });

    await page.click('[data-testid=event-button]');
    await page.waitForSelector('[data-testid=event-panel]:not([hidden]) [data-testid=ev-post]');
    assert.equal(await page.locator('[data-testid=ev-post]').count(), 3);
    assert.equal((await page.textContent('[data-testid=ev-count-checkpoints] b')).trim(), '1');
    assert.equal((await page.textContent('[data-testid=ev-count-duty] b')).trim(), '2');
    assert.equal((await page.textContent('[data-testid=ev-count-onsite] b')).trim(), '1/3');
    const status = (id) => page.getAttribute(`[data-testid=ev-post][data-id="${id}"]`, 'data-status');
    assert.equal(await status(west), 'staffed');
    assert.equal(await status(east), 'pending');
    // The map: one feature per post, coloured by its status.
    await page.waitForFunction(() => window.__zhihui.event.drawn?.posts === 3, null, { timeout: 10_000 });
    let drawn = await page.evaluate(() => window.__zhihui.event.drawn);
    assert.deepEqual(drawn.byStatus, { staffed: 1, pending: 2 });
    assert.equal(drawn.colors[west], '#2fd47a', 'staffed is green');
    assert.equal(drawn.colors[east], '#7d92b8', 'pending is steel');
    // Close in, each post is named on the map (in the bundled font, offline).
    await page.evaluate((p) => window.__zhihui.map.jumpTo({ center: [p.lon, p.lat], zoom: 15.5 }), at(3, 3));
    await page.waitForFunction(
      () => window.__zhihui.map.queryRenderedFeatures({ layers: ['ev-posts-label'] }).some((f) => f.properties.label === '东岗'),
      null,
      { timeout: 5000 },
    );

    // Past 巡B's due time (travel + grace, well before the shift): 东岗 turns late, live.
    const board = (await call(disp, 'GET', `/api/v1/events/${ev.id}/board`)).json;
    const due = Math.max(...board.posts.filter((p) => p.id !== west).map((p) => new Date(p.units[0].due_at).getTime()));
    const nowS = new Date((await call(root, 'POST', '/api/v1/test/clock', { advance_s: 0 })).json.now).getTime();
    const moved = await call(root, 'POST', '/api/v1/test/clock', { advance_s: (due - nowS) / 1000 + 5 });
    assert.equal(moved.status, 200, moved.text);
    assert.ok(moved.json.alerts_raised >= 2, moved.text);
    await page.waitForSelector(`[data-testid=ev-post][data-id="${east}"][data-status=late]`, { timeout: 5000 });
    // A late post is counted and listed at once; it does not pop up (only an empty post, an
    // unsigned order or a late crew does), so that a burst of lapses cannot bury the screen.
    await page.waitForFunction(() => /[1-9]/.test(document.querySelector('[data-testid=alert-count]')?.textContent ?? ''), null, { timeout: 5000 });
    assert.equal(await page.locator('[data-testid=alert-toast].al-post_late').count(), 0);
    await page.click('[data-testid=alert-button]');
    const row = page.locator('[data-testid=alert-row][data-kind=post_late]').first();
    await row.waitFor({ timeout: 5000 });
    assert.match(await row.textContent(), /岗位迟到/);
    assert.equal(await row.getAttribute('data-severity'), 'minor');
    // The dispatcher takes it: it leaves 待认领 and shows under 处理中 with who took it.
    const alertId = await row.getAttribute('data-id');
    await row.locator('[data-testid=alert-ack]').click();
    await page.waitForSelector(`[data-testid=alert-row][data-id="${alertId}"]`, { state: 'detached', timeout: 5000 });
    await page.click('[data-testid=alert-tab-acknowledged]');
    const taken = page.locator(`[data-testid=alert-row][data-id="${alertId}"]`);
    await taken.waitFor({ timeout: 5000 });
    assert.equal(await taken.getAttribute('data-state'), 'acknowledged');
    assert.match(await taken.locator('[data-testid=alert-state]').textContent(), /认领人 disp/);
    const stored = await call(disp, 'GET', '/api/v1/alerts?state=open');
    assert.equal(stored.json.items.find((a) => String(a.id) === alertId).acknowledged.by, 'disp');
    await page.click('[data-testid=alert-tab-new]');
    await page.keyboard.press('Escape');
    // One clock step made both pending posts late: wait for the map to show both (the events of
    // one commit reach the console in one flush and are drawn together, but the test waits for
    // the state it asserts rather than for the first sign of it).
    await page.waitForFunction(() => window.__zhihui.event.drawn?.byStatus?.late === 2, null, { timeout: 5000 });
    drawn = await page.evaluate(() => window.__zhihui.event.drawn);
    assert.deepEqual(drawn.byStatus, { staffed: 1, late: 2 });
    assert.equal(drawn.colors[east], '#f5a623', 'late is amber');
    await page.waitForFunction(() => document.querySelector('[data-testid=ev-count-late] b')?.textContent?.trim() === '2', null, { timeout: 5000 });
    // Late posts lead the list.
    const order = await page.$$eval('[data-testid=ev-post]', (els) => els.map((e) => e.dataset.status));
    assert.deepEqual(order, ['late', 'late', 'staffed']);
    // Filter: only the late ones.
    await page.click('[data-testid=ev-filter-late]');
    assert.equal(await page.locator('[data-testid=ev-post]').count(), 2);
    await page.click('[data-testid=ev-filter-all]');

    // Click 东岗 → who is assigned, overdue; 一键替补 sends the free car.
    await page.click(`[data-testid=ev-post][data-id="${east}"]`);
    await page.waitForSelector(`[data-testid=ev-detail][data-id="${east}"]`);
    const unitRow = page.locator(`[data-testid=ev-unit][data-unit="${units[1].id}"]`);
    assert.equal(await unitRow.getAttribute('data-status'), 'late');
    const relief = page.waitForResponse((r) => r.url().endsWith(`/posts/${east}/relief`));
    await page.click('[data-testid=ev-relief]');
    const rr = await relief;
    assert.equal(rr.status(), 200);
    const body = await rr.json();
    assert.equal(body.unit_id, units[3].id, 'the free car');
    await page.waitForSelector(`[data-testid=ev-detail][data-id="${east}"][data-status=relieved]`, { timeout: 5000 });
    await page.waitForSelector(`[data-testid=ev-unit][data-unit="${units[3].id}"]`);
    t.diagnostic(`board renders: ${await page.evaluate(() => window.__zhihui.event.renders)}`);
  } finally {
    await ctx.close();
  }
});
