// Browser test of the console's layouts and long lists: at 1366×768, 1920×1080 and 3840×1080 the
// top bar keeps its tiles' captions and everything inside the screen; the dense queue fits 35+
// calls on a 1080p screen with the columns the dispatcher picks; the unit board searches and
// filters; the instruction list has its tabs and search. Screenshots go to $SHOTS (default /tmp).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';
let tok = '';

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no demo city';
    return;
  }
  await demo.start('layout');
  const r = await fetch(`${demo.base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'dispatcher', password: 'zhihui-demo' }),
  });
  tok = (await r.json()).token;
  // A busy evening: 45 open calls around the city, and a few instructions.
  const units = (await demo.call(tok, 'GET', '/api/v1/units?limit=60')).json.items.filter((u) => u.position);
  for (let i = 0; i < 45; i++) {
    const u = units[i % units.length];
    const r = await demo.call(tok, 'POST', '/api/v1/incidents', {
      location: { lon: u.position.lon + 0.001 * ((i % 7) - 3), lat: u.position.lat + 0.001 * ((i % 5) - 2) },
      address: `测试路${i + 1}号`, type: 'dispute', subtype: 'neighbour', priority: 1 + (i % 3), description: `布局测试 ${i}`,
    });
    assert.equal(r.status, 201, r.text);
  }
  for (let i = 0; i < 3; i++) {
    const r = await demo.call(tok, 'POST', '/api/v1/instructions', {
      title: `布局测试指令${i}`, body: '请落实', targets: [{ org_id: 'jz-shashi-zhongshan' }],
      deadline: new Date(Date.now() + 3600_000).toISOString(), feedback_required: false,
    });
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  await demo.stop();
});

for (const [w, hgt] of [
  [1366, 768],
  [1920, 1080],
  [3840, 1080],
]) {
  test(`layout at ${w}×${hgt}: tiles keep their captions, nothing leaves the screen`, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const ctx = await demo.browser.newContext({ viewport: { width: w, height: hgt }, locale: 'zh-CN' });
    try {
      const page = await demo.login(ctx, 'dispatcher');
      await page.waitForSelector('[data-testid=incident-row]');
      const m = await page.evaluate(() => {
        const vis = (el) => {
          if (!el) return false;
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
        };
        const top = document.querySelector('.topbar');
        return {
          pageOverflow: document.documentElement.scrollWidth - innerWidth,
          topOverflow: top.scrollWidth - top.clientWidth,
          captions: [...document.querySelectorAll('.stats .stat span')].map((s) => vis(s) && getComputedStyle(s).display !== 'none'),
          clock: vis(document.querySelector('[data-testid=clock]')),
          queue: vis(document.querySelector('[data-testid=incident-queue] .panel-head')),
          units: vis(document.querySelector('[data-testid=unit-board] .panel-head')),
          map: document.querySelector('.maplibregl-canvas')?.getBoundingClientRect().width ?? 0,
        };
      });
      assert.ok(m.pageOverflow <= 0, `page scrolls sideways by ${m.pageOverflow}px`);
      assert.ok(m.topOverflow <= 0, `top bar overflows by ${m.topOverflow}px`);
      assert.deepEqual(m.captions, [true, true, true, true], 'every tile shows its caption');
      assert.ok(m.clock && m.queue && m.units, JSON.stringify(m));
      assert.ok(m.map >= w * 0.4, `map ${m.map}px wide`);
      await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/layout-${w}x${hgt}.png` });
    } finally {
      await ctx.close();
    }
  });
}

test('the dense queue fits 35+ calls on a 1080p screen with the chosen columns; unit search and instruction tabs', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  try {
    const page = await demo.login(ctx, 'dispatcher');
    await page.waitForSelector('[data-testid=incident-row]');
    await page.click('[data-testid=queue-dense]');
    await page.waitForSelector('.inc-row.inc-dense');
    const fit = await page.evaluate(() => {
      const list = document.querySelector('[data-testid=incident-list]');
      const rows = [...list.querySelectorAll('.inc-row')];
      const lr = list.getBoundingClientRect();
      return { inView: rows.filter((r) => r.getBoundingClientRect().bottom <= lr.bottom).length, height: rows[0].getBoundingClientRect().height };
    });
    assert.ok(fit.inView >= 35, `${fit.inView} single-line calls in view (row ${fit.height}px)`);
    // The dispatcher drops the address column and adds the station: kept across reloads.
    await page.click('[data-testid=queue-columns]');
    await page.uncheck('[data-testid=queue-col-address]');
    await page.check('[data-testid=queue-col-org]');
    assert.equal(await page.locator('.inc-dense .dc-addr').count(), 0);
    assert.ok((await page.locator('.inc-dense .dc-org').count()) >= 35);
    await page.reload();
    await page.waitForSelector('.inc-row.inc-dense .dc-org', { timeout: 15_000 });
    assert.equal(await page.locator('.inc-dense .dc-addr').count(), 0);

    // Unit board: search by call sign, filter by kind.
    const all = await page.locator('[data-testid=unit-row]').count();
    await page.fill('[data-testid=unit-search]', '东城');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=unit-row]')].every((r) => r.textContent.includes('东城')));
    const some = await page.locator('[data-testid=unit-row]').count();
    assert.ok(some > 0 && some < all, `${some} of ${all} rows match 东城`);
    await page.fill('[data-testid=unit-search]', '');
    await page.selectOption('[data-testid=unit-filter-kind]', 'traffic');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=unit-row] .u-kind')].every((k) => k.textContent === '交警'));
    assert.match(await page.textContent('[data-testid=unit-count]'), /^\d+\/\d+$/);

    // Instructions: tabs by state and a search.
    await page.click('[data-testid=instructions-button]');
    for (const tab of ['todo', 'overdue', 'open', 'closed']) await page.waitForSelector(`[data-testid=instr-filter-${tab}]`);
    await page.click('[data-testid=instr-filter-open]');
    await page.waitForSelector('[data-testid=instr-row]');
    await page.fill('[data-testid=instr-search]', '布局测试指令1');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=instr-row]').length === 1);
    assert.match(await page.textContent('[data-testid=instr-row]'), /布局测试指令1/);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'instr-search', 'typing keeps the focus');
    await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/dense-queue.png` });
  } finally {
    await ctx.close();
  }
});

test('the daily bulletin page: the day in figures, incidents by type as a chart, the workbook to send on', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  try {
    const page = await demo.login(ctx, 'dispatcher');
    await page.click('[data-testid=bulletin-button]');
    await page.waitForSelector('[data-testid=bul-incidents] b');
    const api = (await demo.call(tok, 'GET', '/api/v1/bulletin')).json;
    assert.ok(api.incidents_total >= 45, JSON.stringify(api));
    assert.equal(await page.textContent('[data-testid=bul-incidents] b'), String(api.incidents_total));
    assert.equal(await page.textContent('[data-testid=bul-instructions] b'), String(api.instructions.issued));
    // The chart is drawn (a canvas inside its box).
    await page.waitForSelector('[data-testid=bulletin-chart] canvas', { timeout: 5000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=bulletin-xlsx]')]);
    const bytes = await (await download.createReadStream()).toArray();
    const head = Buffer.concat(bytes).subarray(0, 2).toString('latin1');
    assert.equal(head, 'PK', 'an XLSX (zip) workbook');
    await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/bulletin.png` });
    // Another day: nothing happened the day before.
    const yesterday = new Date(Date.now() + 8 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
    await page.fill('[data-testid=bulletin-date]', yesterday);
    await page.dispatchEvent('[data-testid=bulletin-date]', 'change');
    await page.waitForFunction(() => document.querySelector('[data-testid=bul-incidents] b')?.textContent === '0', null, { timeout: 5000 });
  } finally {
    await ctx.close();
  }
});

test('an administrator draws a station area on the map; a crossing ring and a neighbour\'s ground are refused', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const page = await demo.login(ctx, 'admin');
    const adminTok = await page.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const before = (await demo.call(adminTok, 'GET', '/api/v1/orgs/areas')).json;
    const station = before.features.find((f) => f.properties.kind === 'station');
    assert.ok(station, 'the demo seeds station areas');
    const id = station.properties.org_id;
    // The administrator's top bar (one button more) still fits.
    assert.ok(await page.evaluate(() => document.querySelector('.topbar').scrollWidth <= document.querySelector('.topbar').clientWidth), 'top bar overflows');
    await page.click('[data-testid=areas-button]');
    await page.selectOption('[data-testid=area-org]', id);
    // Its area loads with a handle per corner.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=area-handle]').length >= 3);
    await page.waitForFunction(() => !window.__zhihui.map.isMoving());
    // The station's own ground: a smaller square inside its current area, drawn by clicks.
    const ring = station.geometry.type === 'Polygon' ? station.geometry.coordinates[0] : station.geometry.coordinates[0][0];
    const lons = ring.map((c) => c[0]);
    const lats = ring.map((c) => c[1]);
    const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
    const inset = (fx, fy) => [x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy];
    const clickAt = async ([lon, lat]) => {
      const p = await page.evaluate(([lon, lat]) => {
        const r = window.__zhihui.map.getCanvas().getBoundingClientRect();
        const q = window.__zhihui.map.project([lon, lat]);
        return { x: r.left + q.x, y: r.top + q.y };
      }, [lon, lat]);
      await page.mouse.click(p.x, p.y);
    };
    const draw = async (pts) => {
      await page.click('[data-testid=area-clear]');
      for (const p of pts) await clickAt(p);
      await page.waitForFunction((n) => document.querySelector('[data-testid=area-corners]')?.textContent.endsWith(` ${n}`), pts.length);
    };
    // A bow tie: the ring crosses itself.
    await draw([inset(0.3, 0.3), inset(0.7, 0.7), inset(0.7, 0.3), inset(0.3, 0.7)]);
    await page.click('[data-testid=area-save]');
    await page.waitForSelector('[data-testid=area-error]');
    assert.equal(await page.getAttribute('[data-testid=area-error]', 'data-field') !== null, true);
    // Beyond its own ground on every side: it covers ground of the neighbours' areas (the demo's
    // areas tile the city).
    const fit = (b) =>
      page.evaluate(
        ([a, b2, c, d]) => window.__zhihui.map.fitBounds([[a, b2], [c, d]], { padding: { top: 120, bottom: 160, left: 260, right: 360 }, duration: 0 }),
        b,
      );
    const [mx, my] = [(x1 - x0) * 0.3, (y1 - y0) * 0.3];
    await fit([x0 - mx, y0 - my, x1 + mx, y1 + my]);
    await draw([[x0 - mx, y0 - my], [x1 + mx, y0 - my], [x1 + mx, y1 + my], [x0 - mx, y1 + my]]);
    await page.click('[data-testid=area-save]');
    await page.waitForSelector('[data-testid=area-error]:has-text("重叠")', { timeout: 5000 });
    // A square inside its old ground is fine, and the map's overlay follows.
    await fit([x0, y0, x1, y1]);
    await draw([inset(0.3, 0.3), inset(0.7, 0.3), inset(0.7, 0.7), inset(0.3, 0.7)]);
    const saved = page.waitForResponse((r) => r.url().includes(`/api/v1/orgs/${id}/area`) && r.request().method() === 'PUT');
    await page.click('[data-testid=area-save]');
    assert.equal((await saved).status(), 200);
    const after = (await demo.call(adminTok, 'GET', '/api/v1/orgs/areas')).json.features.find((f) => f.properties.org_id === id);
    const newRing = after.geometry.type === 'Polygon' ? after.geometry.coordinates[0] : after.geometry.coordinates[0][0];
    assert.equal(newRing.length, 5, 'four corners and the closing one');
    const nx = newRing.map((c) => c[0]);
    assert.ok(Math.min(...nx) > x0 && Math.max(...nx) < x1, 'inside its old ground');
    await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/area-editor.png` });
    // A dispatcher has no area editor.
    const ctx2 = await demo.browser.newContext({ viewport: { width: 1600, height: 900 } });
    const d = await demo.login(ctx2, 'dispatcher');
    assert.equal(await d.locator('[data-testid=areas-button]').count(), 0);
    await ctx2.close();
  } finally {
    await ctx.close();
  }
});
