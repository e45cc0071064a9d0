// Dev tool: screenshots of 设卡布控 — the plan on the map with the checkpoint list, the reach slider
// at its first step, the live board after 一键下发, and the instruction on a unit's /m — into
// $SHOT_DIR (default /tmp). Needs a `demo --no-sim --roads …` server whose data directory is
// $DATA_DIR (to add a unit account for the first checkpoint's unit; skipped without it).
// Usage: DATA_DIR=/tmp/demo node dev/screenshot-intercept.mjs http://127.0.0.1:8080   (SHOT_LANG=en for English)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = process.env.SHOT_DIR ?? '/tmp';
const lang = process.env.SHOT_LANG === 'en' ? 'en' : 'zh';
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', process.env.ZHIHUI_BIN ?? '../target/debug/zhihui');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const log = (p, name) => {
  p.on('console', (m) => m.type() === 'error' && console.log(`[${name}] console error:`, m.text()));
  p.on('pageerror', (e) => console.log(`[${name}] page error:`, e.message));
};
async function login(ctx, user, where = '/') {
  const p = await ctx.newPage();
  log(p, user);
  await p.addInitScript((l) => localStorage.setItem('zhihui.lang', l), lang);
  await p.goto(base + where);
  await p.fill('[data-testid=login-username]', user);
  await p.fill('[data-testid=login-password]', 'zhihui-demo');
  await p.click('[data-testid=login-submit]');
  return p;
}
const api = async (token, method, p, body) => {
  const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};

const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
const d = await login(ctx, 'dispatcher');
await d.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 30000 });
const token = await d.evaluate(() => sessionStorage.getItem('zhihui.token'));
const info = (await api(token, 'GET', '/api/v1/map')).json;
const [lon, lat] = info.center;
const inc = (
  await api(token, 'POST', '/api/v1/incidents', {
    caller: { name: '王五', phone: '13700000000' },
    location: { lon, lat },
    address: '截图测试路1号',
    type: 'criminal',
    subtype: null,
    priority: 1,
    description: '持刀伤人后驾车逃离，车辆为白色轿车',
  })
).json;
await d.waitForSelector(`[data-testid=incident-row][data-id="${inc.id}"]`);
await d.click(`[data-testid=incident-row][data-id="${inc.id}"]`);
await d.click('[data-testid=intercept-open]');
await d.fill('[data-testid=icp-head]', '3');
await d.screenshot({ path: `${out}/${lang}-icp-setup.png` });
await d.click('[data-testid=icp-compute]');
await d.waitForSelector('[data-testid=icp-point]', { timeout: 20000 });
await d.waitForTimeout(1500);
await d.screenshot({ path: `${out}/${lang}-icp-plan.png` });
await d.fill('[data-testid=icp-slider]', '0');
await d.dispatchEvent('[data-testid=icp-slider]', 'input');
await d.waitForTimeout(600);
await d.screenshot({ path: `${out}/${lang}-icp-plan-t0.png` });
await d.click('[data-testid=icp-activate]');
await d.waitForSelector('[data-testid=icp-live-point]', { timeout: 10000 });
await d.waitForTimeout(1200);
await d.screenshot({ path: `${out}/${lang}-icp-live.png` });

// The first checkpoint's unit on its terminal.
const list = (await api(token, 'GET', '/api/v1/interceptions?status=active')).json.items;
const first = list[0].points[0];
if (process.env.DATA_DIR) {
  const unit = (await api(token, 'GET', `/api/v1/units/${first.unit_id}`)).json;
  try {
    execFileSync(bin, ['user', 'add', `shot${first.unit_id}`, '--role', 'unit', '--org', unit.org_id, '--unit-id', String(first.unit_id), '--data-dir', process.env.DATA_DIR], {
      input: 'zhihui-demo\n',
    });
  } catch {
    /* exists from an earlier run */
  }
  const pctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const m = await login(pctx, `shot${first.unit_id}`, '/m');
  await m.waitForSelector('[data-testid=m-instruction]', { timeout: 15000 });
  await m.waitForTimeout(500);
  await m.screenshot({ path: `${out}/${lang}-icp-m.png`, fullPage: true });
  await m.click('[data-testid=mi-sign]');
  await m.waitForSelector('[data-testid=mi-arrived]');
  await m.click('[data-testid=mi-arrived]');
  await d.waitForSelector('[data-testid=icp-live-point][data-status=on_site]', { timeout: 5000 });
  await d.waitForTimeout(800);
  await d.screenshot({ path: `${out}/${lang}-icp-live-after.png` });
}
await browser.close();
console.log('screenshots in', out);
