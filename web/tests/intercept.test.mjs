// Browser test of 设卡布控 (interception) against the real server binary (`demo --no-sim` on the
// shared Liechtenstein extract): a dispatcher plans around an incident, sees the checkpoints on the
// map and in the list, activates them, and the first checkpoint's unit finds its instruction on
// /m, signs and reports on site while the console follows live. Same environment variables as
// console.test.mjs: ZHIHUI_BIN, ZHIHUI_SHARED_DATA, CHROMIUM. Without the shared extract it runs on the demo's generated city.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DemoServer, PASSWORD, cmd } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';
let browser = null;
let dataDir = null;
const call = (...a) => demo.call(...a);
const login = (...a) => demo.login(...a);

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no planning API';
    return;
  }
  await demo.start('intercept');
  ({ browser, dataDir } = demo);
});

after(async () => {
  await demo.stop();
});

test('a dispatcher plans an interception for an incident, activates it, and the unit gets it on /m', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctxD = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  const ctxU = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  try {
    const d = await login(ctxD, 'dispatcher');
    const tok = await d.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const info = (await call(tok, 'GET', '/api/v1/map')).json;
    const [lon, lat] = info.center;
    const created = await call(tok, 'POST', '/api/v1/incidents', {
      caller: { name: '孙七', phone: '13500000000' },
      location: { lon, lat },
      address: '布控测试路3号',
      type: 'criminal',
      subtype: null,
      priority: 1,
      description: '浏览器测试：持刀伤人后驾车逃离',
    });
    assert.equal(created.status, 201, created.text);
    const inc = created.json;

    // From the incident detail: origin = the incident, head start 3 min, road speeds.
    await d.click(`[data-testid=incident-row][data-id="${inc.id}"]`);
    await d.click('[data-testid=intercept-open]');
    await d.waitForSelector('[data-testid=intercept-panel]:not([hidden])');
    assert.equal((await d.textContent('[data-testid=icp-origin-value]')).trim(), `${lon.toFixed(5)}, ${lat.toFixed(5)}`);
    await d.fill('[data-testid=icp-head]', '3');
    const planResp = d.waitForResponse((r) => r.url().endsWith('/api/v1/plans/intercept'));
    await d.click('[data-testid=icp-compute]');
    const resp = await planResp;
    assert.equal(resp.status(), 200);
    const plan = await resp.json();
    assert.equal(plan.incident_id, inc.id);
    assert.equal(plan.head_start_s, 180);
    assert.ok(plan.cordon.length >= 1, JSON.stringify(plan.notes));

    // The list (most urgent first) and one numbered marker per checkpoint on the map.
    await d.waitForSelector('[data-testid=icp-point]');
    const rows = await d.$$eval('[data-testid=icp-point]', (els) => els.map((e) => Number(e.dataset.key)));
    assert.deepEqual(rows, plan.cordon.map((c) => c.unit_id));
    await d.waitForFunction((n) => document.querySelectorAll('.maplibregl-marker[data-testid=icp-marker]').length === n, plan.cordon.length, { timeout: 5000 });
    await d.waitForSelector('[data-testid=icp-origin]');
    await d.waitForSelector(plan.complete ? '[data-testid=icp-complete]' : '[data-testid=icp-incomplete]');
    const drawn = await d.evaluate(() => window.__zhihui.intercept.drawn);
    assert.equal(drawn.markers, plan.cordon.length);
    assert.equal(drawn.routes, plan.cordon.filter((c) => c.route.length >= 2).length, "each unit's route");
    assert.equal(drawn.open, plan.open_routes.length, 'open routes in a colour of their own');
    assert.ok(drawn.reach >= 1, "the suspect's reach");
    // The reach is drawn on the roads: every segment the suspect can be on by the slider's time.
    const at = plan.reach[plan.reach.length - 1].seconds;
    assert.ok(drawn.reachRoads > 0, 'reached roads drawn');
    assert.equal(drawn.reachRoads, plan.reach_roads.filter((r) => r[4] <= at).length);
    // The planner's remarks read in Chinese (the engine writes them in English).
    const notes = await d.textContent('.icp-notes');
    assert.match(notes, /迭代 \d+ 轮/);
    assert.doesNotMatch(notes, /round\(s\)|from the nearest road/);
    if (plan.notes.some((n) => n.code === 'origin_off_road')) assert.match(notes, /起点距最近可通行道路 \d+ 米/);
    assert.ok(plan.notes.every((n) => typeof n.code === 'string'), 'every planner note is a code');
    t.diagnostic(`plan: ${plan.cordon.length} checkpoints, complete=${plan.complete}, drawn ${JSON.stringify(drawn)}, ${Math.round(plan.elapsed_ms)} ms`);

    // Meanwhile another dispatcher sends the first checkpoint's unit elsewhere: 一键下发 is
    // refused naming that unit, and one click plans again without it.
    const taken = plan.cordon[0];
    const other = await call(tok, 'POST', '/api/v1/incidents', {
      caller: { name: '周一', phone: '13900000001' }, location: { lon: lon + 0.01, lat: lat + 0.01 }, address: '别处', type: 'traffic', subtype: 'collision', description: '抢走一辆车',
    });
    assert.equal(other.status, 201, other.text);
    assert.equal((await call(tok, 'POST', `/api/v1/incidents/${other.json.id}/assignments`, { unit_id: taken.unit_id, reason: '测试占用' })).status, 201);
    const refused = d.waitForResponse((r) => r.url().endsWith('/api/v1/interceptions') && r.request().method() === 'POST');
    await d.click('[data-testid=icp-activate]');
    assert.equal((await refused).status(), 409);
    await d.waitForSelector('[data-testid=icp-replan-now]');
    assert.match(await d.textContent('[data-testid=icp-error]'), new RegExp(`${taken.call_sign} 已被占用`));
    const again = d.waitForResponse((r) => r.url().endsWith('/api/v1/plans/intercept'));
    await d.click('[data-testid=icp-replan-now]');
    const replanned = await (await again).json();
    assert.ok(!replanned.cordon.some((c) => c.unit_id === taken.unit_id), 'the taken unit is left out');
    plan.cordon = replanned.cordon;
    await d.waitForFunction((n) => window.__zhihui.intercept.drawn.markers === n, plan.cordon.length, { timeout: 5000 });

    // 一键下发: one instruction per checkpoint; the board shows each as issued.
    const actResp = d.waitForResponse((r) => r.url().endsWith('/api/v1/interceptions') && r.request().method() === 'POST');
    await d.click('[data-testid=icp-activate]');
    const act = await actResp;
    assert.equal(act.status(), 201);
    const rec = await act.json();
    assert.equal(rec.points.length, plan.cordon.length);
    await d.waitForSelector('[data-testid=icp-live][data-status=active]');
    // After 下发 the suspect's reach stays on the map, grown to now.
    await d.waitForFunction(() => window.__zhihui.intercept.drawn.reach >= 1 && window.__zhihui.intercept.drawn.reachRoads > 0, null, { timeout: 5000 });
    assert.equal(await d.locator('[data-testid=icp-live-point]').count(), plan.cordon.length);
    assert.ok((await d.$$eval('[data-testid=icp-live-point]', (els) => els.map((e) => e.dataset.status))).every((s) => s === 'issued'));

    // A terminal account for the first checkpoint's unit.
    const first = rec.points[0];
    const unit = (await call(tok, 'GET', `/api/v1/units/${first.unit_id}`)).json;
    assert.equal(unit.status, 'dispatched');
    execFileSync(cmd, ['user', 'add', 'icpunit', '--role', 'unit', '--org', unit.org_id, '--unit-id', String(first.unit_id), '--data-dir', dataDir], {
      input: `${PASSWORD}\n`,
    });
    const m = await login(ctxU, 'icpunit', '/m');
    const card = m.locator(`[data-testid=m-instruction][data-id="${first.instruction_id}"]`);
    await card.waitFor({ timeout: 15_000 });
    assert.match(await card.locator('[data-testid=mi-title]').textContent(), /^设卡拦截/);

    // The order is a code with parameters: the Chinese console words it exactly as the server's
    // own text, the English one in English (the street name stays as it is).
    const stored = (await call(tok, 'GET', `/api/v1/instructions/${first.instruction_id}`)).json;
    assert.equal(stored.text.code, 'interception.checkpoint');
    assert.equal(await card.locator('.mo-desc').textContent(), stored.body);
    assert.equal(await card.locator('[data-testid=mi-title]').textContent(), stored.title);
    await m.click('[data-testid=lang-switch]');
    await m.waitForFunction((id) => document.querySelector(`[data-testid=m-instruction][data-id="${id}"] [data-testid=mi-title]`)?.textContent?.startsWith('Intercept · '), first.instruction_id);
    const en = await card.locator('.mo-desc').textContent();
    assert.match(en, /^Go now to .* Be|Beijing time/);
    assert.doesNotMatch(en, /请立即前往|北京时间|设卡布控/);
    await m.click('[data-testid=lang-switch]');

    // Signing and reporting on site on /m show on the dispatcher's board live.
    const row = d.locator(`[data-testid=icp-live-point][data-key="${first.unit_id}"]`);
    await card.locator('[data-testid=mi-sign]').click();
    await d.waitForSelector(`[data-testid=icp-live-point][data-key="${first.unit_id}"][data-status=signed]`, { timeout: 3000 });
    await card.locator('[data-testid=mi-arrived]').click();
    await d.waitForSelector(`[data-testid=icp-live-point][data-key="${first.unit_id}"][data-status=on_site]`, { timeout: 3000 });
    assert.equal(await row.getAttribute('data-status'), 'on_site');
    await d.waitForSelector('[data-testid=icp-timeline] li:has-text("到位")', { timeout: 3000 });

    // Ending it closes the instruction: it leaves the unit's terminal.
    await d.click('[data-testid=icp-outcome-stood_down]');
    await d.fill('[data-testid=icp-summary]', '浏览器测试结束');
    await d.click('[data-testid=icp-close]');
    await d.waitForSelector('[data-testid=icp-live][data-status=closed]', { timeout: 3000 });
    await card.waitFor({ state: 'detached', timeout: 5000 });
  } finally {
    await ctxD.close();
    await ctxU.close();
  }
});
