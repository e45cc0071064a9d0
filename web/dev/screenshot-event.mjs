// Dev tool: screenshots of 安保部署 (the major-event board) in the running demo — the board with
// every post on the map, a late or empty post's detail with its relief button, and the same in
// English — into $SHOT_DIR (default /tmp). Needs `zhihui demo` (the simulated city plans the
// event 20 s after start; lapses appear within a few minutes).
// Usage: node dev/screenshot-event.mjs http://127.0.0.1:8080   (SHOT_LANG=en for English)
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = process.env.SHOT_DIR ?? '/tmp';
const lang = process.env.SHOT_LANG === 'en' ? 'en' : 'zh';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
page.on('console', (m) => m.type() === 'error' && console.log('console error:', m.text()));
page.on('pageerror', (e) => console.log('page error:', e.message));
await page.addInitScript((l) => localStorage.setItem('zhihui.lang', l), lang);
await page.goto(base);
await page.fill('[data-testid=login-username]', 'dispatcher');
await page.fill('[data-testid=login-password]', 'zhihui-demo');
await page.click('[data-testid=login-submit]');
await page.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 30000 });
await page.click('[data-testid=event-button]');
await page.waitForSelector('[data-testid=ev-post]', { timeout: 30000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/${lang}-event-board.png` });
const t0 = performance.now();
const hot = page.locator('[data-testid=ev-post][data-status=empty], [data-testid=ev-post][data-status=late]').first();
if ((await hot.count()) > 0) {
  await hot.click();
} else {
  await page.locator('[data-testid=ev-post]').first().click();
}
await page.waitForSelector('[data-testid=ev-detail]');
console.log(`post detail in ${Math.round(performance.now() - t0)} ms`);
await page.waitForTimeout(1200);
await page.screenshot({ path: `${out}/${lang}-event-post.png` });
const stats = await page.evaluate(() => ({ drawn: window.__zhihui.event.drawn, renders: window.__zhihui.event.renders }));
console.log(JSON.stringify(stats.drawn.byStatus), 'renders', stats.renders);
await browser.close();
console.log('saved to', out);
