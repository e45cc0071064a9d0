// Dev tool: screenshots of duplicate calls — the intake form offering an open incident to merge
// into, and the surviving incident's detail with the merged call — into $SHOT_DIR (default /tmp).
// Usage: node dev/screenshot-merge.mjs http://127.0.0.1:8080 (a `demo --no-sim` server)
import { chromium } from 'playwright-core';
const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = process.env.SHOT_DIR ?? '/tmp';
const lang = process.env.SHOT_LANG ?? 'zh';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
const p = await ctx.newPage();
p.on('pageerror', (e) => console.log('page error:', e.message));
await p.goto(base + '/');
if (lang === 'en') await p.evaluate(() => localStorage.setItem('zhihui.lang', 'en'));
await p.fill('[data-testid=login-username]', 'dispatcher');
await p.fill('[data-testid=login-password]', 'zhihui-demo');
await p.click('[data-testid=login-submit]');
await p.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 20000 });
const token = await p.evaluate(() => sessionStorage.getItem('zhihui.token'));
const api = async (method, path, body) => {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined });
  return r.json();
};
const road = (await api('GET', '/api/v1/roads/search?q=strasse'))[0];
await api('POST', '/api/v1/incidents', {
  caller: { name: '孙八', phone: '13400000000' },
  location: { lon: road.lon + 0.0005, lat: road.lat + 0.0003 },
  address: `${road.name} 12号`,
  type: 'criminal',
  subtype: 'theft',
  priority: 3,
  description: '车内财物被盗，车窗被砸',
  org_id: 'jz-shashi-zhongshan',
});
await p.locator('body').press('n');
await p.waitForSelector('[data-testid=new-incident-form]');
await p.keyboard.type('钱七');
await p.keyboard.press('Tab');
await p.keyboard.type('13500000000');
await p.keyboard.press('Tab');
await p.keyboard.type(road.name);
await p.waitForSelector('[data-testid=address-suggestion]');
await p.keyboard.press('ArrowDown');
await p.keyboard.press('Enter');
await p.selectOption('[data-testid=new-type]', 'public_order');
await p.fill('[data-testid=new-description]', '看见两人在砸车窗');
await p.waitForSelector('[data-testid=duplicate]');
await p.focus('[data-testid=merge-into]');
await p.waitForTimeout(500);
await p.screenshot({ path: `${out}/zh-intake-duplicates.png` });
await p.keyboard.press('Enter');
await p.waitForSelector('[data-testid=timeline-call]');
await p.waitForTimeout(800);
await p.evaluate(() => document.querySelector('[data-testid=timeline]')?.scrollIntoView());
await p.screenshot({ path: `${out}/zh-detail-merged.png` });
await browser.close();
console.log('saved to', out);
