// Dev tool: screenshots of dispatch (recommendations, orders, route), alerts, instructions and the
// unit terminal /m into $SHOT_DIR (default /tmp). Usage: node dev/screenshot-dispatch.mjs http://127.0.0.1:8080
import { chromium } from 'playwright-core';
const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = process.env.SHOT_DIR ?? '/tmp';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
const log = (p, name) => {
  p.on('console', (m) => m.type() === 'error' && console.log(`[${name}] console error:`, m.text()));
  p.on('pageerror', (e) => console.log(`[${name}] page error:`, e.message));
};
async function login(ctx, user, path = '/') {
  const p = await ctx.newPage();
  log(p, user);
  await p.goto(base + path);
  await p.fill('[data-testid=login-username]', user);
  await p.fill('[data-testid=login-password]', 'zhihui-demo');
  await p.click('[data-testid=login-submit]');
  return p;
}
const api = async (token, method, path, body) => {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};
const ctxA = await browser.newContext({ viewport: { width: 1600, height: 900 } });
const a = await login(ctxA, 'dispatcher');
await a.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 20000 });
const token = await a.evaluate(() => sessionStorage.getItem('zhihui.token'));
const u1 = (await api(token, 'GET', '/api/v1/units/1')).json;
const pos = u1.position;
const inc = (await api(token, 'POST', '/api/v1/incidents', { caller: { name: '张三', phone: '13800000000' }, location: { lon: pos.lon + 0.004, lat: pos.lat + 0.002 }, address: '截图测试路8号', type: 'criminal', priority: 2, description: '有人报警称商店被盗，嫌疑人已逃离', org_id: 'jz-shashi-zhongshan' })).json;
await a.evaluate((id) => window.__zhihui.incidents.get(id) || true, inc.id);
await a.waitForSelector(`[data-testid=incident-row][data-id="${inc.id}"]`);
await a.click(`[data-testid=incident-row][data-id="${inc.id}"]`);
await a.waitForSelector('[data-testid=recommendation]', { timeout: 10000 });
await a.waitForTimeout(800);
await a.screenshot({ path: `${out}/zh-detail-recs.png` });
// second recommendation → reason prompt
await a.keyboard.press('2');
await a.waitForSelector('[data-testid=reason-input]');
await a.keyboard.press('Enter');
await a.waitForSelector('[data-testid=reason-error]');
await a.screenshot({ path: `${out}/zh-detail-reason.png` });
await a.keyboard.press('Escape');
// dispatch unit 1 explicitly
const recs = (await api(token, 'GET', `/api/v1/incidents/${inc.id}/recommendations?k=5`)).json;
const idx = recs.findIndex((r) => r.unit_id === 1);
console.log('unit1 index', idx, recs.map((r) => r.call_sign).join(','));
if (idx === 0) await a.keyboard.press('1');
else {
  await a.keyboard.press(String(idx + 1));
  await a.fill('[data-testid=reason-input]', '中山巡01 熟悉辖区');
  await a.keyboard.press('Enter');
}
await a.waitForSelector('[data-testid=assignment]');
await a.waitForTimeout(1500);
await a.screenshot({ path: `${out}/zh-detail-assigned.png` });
// unit terminal
const ctxM = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
const pm0 = await ctxM.newPage();
await pm0.goto(base + '/m');
await pm0.waitForSelector('[data-testid=login-username]');
await pm0.screenshot({ path: `${out}/zh-m-login.png` });
await pm0.close();
const m = await login(ctxM, 'unit1', '/m');
await m.waitForSelector('[data-testid=m-order]', { timeout: 10000 });
await m.waitForTimeout(600);
await m.screenshot({ path: `${out}/zh-m-order.png` });
await m.click('[data-testid=m-step-signed]');
await m.waitForSelector('[data-testid=m-order][data-status=signed]');
await m.click('[data-testid=m-step-en_route]');
await m.waitForSelector('[data-testid=m-order][data-status=en_route]');
await m.click('[data-testid=m-step-on_scene]');
await m.waitForSelector('[data-testid=m-order][data-status=on_scene]');
await m.click('[data-testid=m-step-cleared]');
await m.waitForSelector('[data-testid=m-result]');
await m.screenshot({ path: `${out}/zh-m-result.png` });
await a.waitForTimeout(800);
await a.screenshot({ path: `${out}/zh-detail-onscene.png` });
// alerts panel
await a.click('[data-testid=alert-button]');
await a.waitForTimeout(400);
await a.screenshot({ path: `${out}/zh-alerts.png` });
await a.keyboard.press('Escape');
// instructions
await a.click('[data-testid=instructions-button]');
await a.waitForTimeout(600);
if (await a.locator('[data-testid=instr-new]').count()) {
  await a.click('[data-testid=instr-new]');
  await a.fill('[data-testid=instr-title]', '加强夜间巡逻');
  await a.fill('[data-testid=instr-body]', '请中山派出所加强辖区夜间巡逻，重点关注商铺，22:00 前反馈部署情况。');
  await a.selectOption('[data-testid=instr-target-select]', 'org:jz-shashi-zhongshan');
  await a.selectOption('[data-testid=instr-target-select]', 'unit:1');
  await a.screenshot({ path: `${out}/zh-instr-form.png` });
  await a.click('[data-testid=instr-submit]');
  await a.waitForTimeout(800);
  await a.screenshot({ path: `${out}/zh-instr-detail.png` });
}
const ctxS = await browser.newContext({ viewport: { width: 1600, height: 900 } });
const s = await login(ctxS, 'station1');
await s.waitForFunction(() => window.__zhihui?.snapshotLoaded === true, null, { timeout: 20000 });
await s.click('[data-testid=instructions-button]');
await s.waitForTimeout(800);
await s.screenshot({ path: `${out}/zh-instr-station.png` });
const ctxP = await browser.newContext({ viewport: { width: 390, height: 844 } });
const pd = await login(ctxP, 'dispatcher', '/m');
await pd.waitForSelector('[data-testid=m-not-unit]');
await pd.screenshot({ path: `${out}/zh-m-notunit.png` });
await browser.close();
console.log('saved to', out);
