// Dev tool: screenshots of 预案库 — the library, a plan with its versions, the admin edit form,
// the activation preview from an incident, the live status after activation, and a station
// dispatcher's instruction — into $SHOT_DIR (default /tmp). Needs a `demo --no-sim --roads …` server.
// Usage: node dev/screenshot-plans.mjs http://127.0.0.1:8080   (SHOT_LANG=en for English)
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = process.env.SHOT_DIR ?? '/tmp';
const lang = process.env.SHOT_LANG === 'en' ? 'en' : 'zh';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
async function login(user) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const p = await ctx.newPage();
  p.on('console', (m) => m.type() === 'error' && console.log(`[${user}] console error:`, m.text()));
  p.on('pageerror', (e) => console.log(`[${user}] page error:`, e.message));
  await p.addInitScript((l) => localStorage.setItem('zhihui.lang', l), lang);
  await p.goto(base);
  await p.fill('[data-testid=login-username]', user);
  await p.fill('[data-testid=login-password]', 'zhihui-demo');
  await p.click('[data-testid=login-submit]');
  await p.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 30000 });
  return p;
}
const api = async (token, method, p, body) => {
  const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};

// The administrator: library, one plan, its edit form.
const a = await login('admin');
await a.click('[data-testid=plans-button]');
await a.waitForSelector('[data-testid=rp-plan]');
await a.waitForTimeout(400);
await a.screenshot({ path: `${out}/${lang}-rp-library.png` });
await a.click('[data-testid=rp-plan] >> nth=0');
await a.waitForSelector('[data-testid=rp-plan-view]');
await a.click('[data-testid=rp-edit]');
await a.fill('[data-testid=rp-step-deadline-0]', '0');
await a.click('[data-testid=rp-save]');
await a.waitForSelector('[data-testid=rp-error]');
await a.screenshot({ path: `${out}/${lang}-rp-edit-error.png` });
await a.fill('[data-testid=rp-step-deadline-0]', '12');
await a.click('[data-testid=rp-save]');
await a.waitForSelector('[data-testid=rp-version][data-version="2"]');
await a.waitForTimeout(300);
await a.screenshot({ path: `${out}/${lang}-rp-plan.png` });

// The dispatcher: an incident, the preview, the live status.
const d = await login('dispatcher');
const token = await d.evaluate(() => sessionStorage.getItem('zhihui.token'));
const info = (await api(token, 'GET', '/api/v1/map')).json;
const [lon, lat] = info.center;
const inc = (
  await api(token, 'POST', '/api/v1/incidents', {
    caller: { name: '王五', phone: '13700000000' },
    location: { lon, lat },
    address: '截图测试路1号',
    type: 'help',
    subtype: 'missing_person',
    priority: 1,
    description: '5岁男孩在商场走失，穿红色上衣',
    org_id: 'jz-shashi-zhongshan',
  })
).json;
await d.waitForSelector(`[data-testid=incident-row][data-id="${inc.id}"]`);
await d.click(`[data-testid=incident-row][data-id="${inc.id}"]`);
await d.waitForSelector('[data-testid=plan-activate-open]');
await d.screenshot({ path: `${out}/${lang}-rp-detail.png` });
await d.click('[data-testid=plan-activate-open]');
await d.waitForSelector('[data-testid=rp-preview-step]', { timeout: 10000 });
await d.waitForTimeout(400);
await d.screenshot({ path: `${out}/${lang}-rp-preview.png` });
await d.click('[data-testid=rp-confirm]');
await d.waitForSelector('[data-testid=rp-activation]');
await d.waitForTimeout(800);
await d.screenshot({ path: `${out}/${lang}-rp-live.png` });

// The station: its instruction; signing shows on the dispatcher's board.
const s = await login('station1');
await s.click('[data-testid=instructions-button]');
await s.waitForSelector('[data-testid=instr-row]');
const act = (await api(token, 'GET', `/api/v1/incidents/${inc.id}/plan-activations`)).json.items.at(-1);
await s.click(`[data-testid=instr-row][data-id="${act.instruction_ids[0]}"]`);
await s.waitForSelector('[data-testid=instr-sign]');
await s.screenshot({ path: `${out}/${lang}-rp-station.png` });
await s.click('[data-testid=instr-sign]');
await d.waitForSelector('[data-testid=rp-step][data-index="0"][data-status=signed]', { timeout: 5000 });
await d.waitForTimeout(500);
await d.screenshot({ path: `${out}/${lang}-rp-live-signed.png` });
await browser.close();
console.log('screenshots in', out);
