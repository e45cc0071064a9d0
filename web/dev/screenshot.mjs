// Dev tool: screenshots of the login page and the console (1600x900) into /tmp.
// Usage: node dev/screenshot.mjs http://127.0.0.1:8090 [username]
import { chromium } from 'playwright-core';
const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const username = process.argv[3] ?? 'dispatcher';
const out = process.env.SHOT_DIR ?? '/tmp';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
page.on('console', (m) => m.type() === 'error' && console.log('console error:', m.text()));
page.on('pageerror', (e) => console.log('page error:', e.message));
await page.goto(base);
await page.waitForSelector('[data-testid=login-username]');
await page.screenshot({ path: `${out}/zhihui-login.png` });
await page.fill('[data-testid=login-username]', username);
await page.fill('[data-testid=login-password]', 'zhihui-demo');
await page.click('[data-testid=login-submit]');
await page.waitForSelector('[data-testid=incident-row]', { timeout: 15000 });
await page.waitForFunction(() => window.__zhihui?.roadsLoaded !== undefined, null, { timeout: 15000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/zhihui-console.png` });
await page.click('[data-testid=unit-row] >> nth=2');
await page.click('[data-testid=incident-row] >> nth=0');
await page.waitForTimeout(1200);
await page.screenshot({ path: `${out}/zhihui-detail.png` });
if ((await page.locator('[data-testid=new-incident-button]').count()) === 0) {
  await browser.close();
  console.log('no new-incident button for', username, '- saved to', out);
  process.exit(0);
}
await page.click('[data-testid=new-incident-button]');
const box = await page.locator('[data-testid=map]').boundingBox();
await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.5);
await page.fill('[data-testid=new-caller-name]', '张三');
await page.fill('[data-testid=new-caller-phone]', 'abc');
await page.fill('[data-testid=new-address]', '北京路100号');
await page.selectOption('[data-testid=new-type]', { index: 1 });
await page.keyboard.press('Enter');
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/zhihui-new.png` });
if (process.env.SHOT_EN) {
  await page.keyboard.press('Escape');
  await page.click('[data-testid=lang-switch]');
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/zhihui-console-en.png` });
}
await browser.close();
console.log('saved to', out);
