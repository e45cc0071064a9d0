// Browser test of the map's labels on a machine without system CJK fonts (as CI's): the demo's
// generated city (Chinese street names, as a user's machine without ../shared gets), street names
// along the roads, call signs beside the units and incident numbers with their priority, all drawn
// by MapLibre locally in the console's bundled Noto Sans SC — no glyph server, no network.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no map';
    return;
  }
  // No shared data: the demo generates its city, with Chinese street names.
  await demo.start('map', {
    env: { ZHIHUI_SHARED_DATA: '/nonexistent' },
    args: (dir) => ['demo', '--data-dir', dir, '--listen', '127.0.0.1:0', '--no-sim'],
  });
});

after(async () => {
  await demo.stop();
});

/** Label texts of `layer` rendered in the viewport. */
const rendered = (page, layer, prop) =>
  page.evaluate(
    ([layer, prop]) => window.__zhihui.map.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties[prop] ?? '')),
    [layer, prop],
  );

test('the map speaks: Chinese street names, call signs and incident numbers in the bundled font, offline', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const page = await demo.login(ctx, 'dispatcher');
    const external = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(demo.base)) external.push(r.url());
    });
    const tok = await page.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const unit = (await demo.call(tok, 'GET', '/api/v1/units?limit=50')).json.items.find((u) => u.position);
    const at = { lon: unit.position.lon + 0.0008, lat: unit.position.lat + 0.0006 };
    const inc = await demo.call(tok, 'POST', '/api/v1/incidents', {
      caller: { name: '测试', phone: '13800000000' }, location: at, address: '测试地址', type: 'criminal', subtype: 'homicide', description: '地图标注测试',
    });
    assert.equal(inc.status, 201, inc.text);
    await page.evaluate((u) => window.__zhihui.map.jumpTo({ center: [u.position.lon, u.position.lat], zoom: 15.5 }), unit);
    await page.waitForFunction(() => window.__zhihui.map.loaded() && !window.__zhihui.map.isMoving(), null, { timeout: 10_000 });
    await page.waitForFunction(
      (id) => window.__zhihui.map.queryRenderedFeatures({ layers: ['incidents-label'] }).some((f) => f.properties.id === id),
      inc.json.id,
      { timeout: 10_000 },
    );

    const streets = await rendered(page, 'roads-label', 'name');
    assert.ok(streets.some((n) => /[\u4e00-\u9fff]/.test(n)), `Chinese street names on the map: ${streets.slice(0, 5)}`);
    const signs = await rendered(page, 'units-label', 'call_sign');
    assert.ok(signs.includes(unit.call_sign), `${unit.call_sign} labelled: ${signs.slice(0, 5)}`);
    const incs = await rendered(page, 'incidents-label', 'label');
    assert.ok(incs.includes(`#${inc.json.id} 一级`), `incident label: ${incs}`);
    // Every character of those labels is in the loaded bundled font (not a system fallback).
    const covered = await page.evaluate((texts) => texts.every((s) => document.fonts.check('24px "Noto Sans SC"', s)), [...streets, ...signs, ...incs]);
    assert.ok(covered, 'the bundled font covers every label');
    assert.deepEqual(external, [], 'no request left the server');
    await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/map-labels.png` });

    // Routine calls (三级) near each other fold into a counted cluster when zoomed out; the 一级
    // one stays on its own.
    for (let i = 0; i < 4; i++) {
      const r = await demo.call(tok, 'POST', '/api/v1/incidents', {
        location: { lon: at.lon + 0.0004 * i, lat: at.lat + 0.0003 }, address: '测试地址', type: 'dispute', subtype: 'neighbour', description: `邻里纠纷 ${i}`,
      });
      assert.equal(r.status, 201, r.text);
    }
    await page.evaluate((u) => window.__zhihui.map.jumpTo({ center: [u.lon, u.lat], zoom: 10 }), at);
    await page.waitForFunction(
      () => window.__zhihui.map.queryRenderedFeatures({ layers: ['incidents-routine-cluster'] }).some((f) => f.properties.point_count >= 4),
      null,
      { timeout: 10_000 },
    );
    assert.ok(
      await page.evaluate((id) => window.__zhihui.map.queryRenderedFeatures({ layers: ['incidents'] }).some((f) => f.properties.id === id), inc.json.id),
      'the 一级 call is drawn on its own',
    );

    // In English the incident's priority follows the language.
    await page.evaluate((u) => window.__zhihui.map.jumpTo({ center: [u.position.lon, u.position.lat], zoom: 15.5 }), unit);
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(
      (id) => window.__zhihui.map.queryRenderedFeatures({ layers: ['incidents-label'] }).some((f) => f.properties.label === `#${id} P1`),
      inc.json.id,
      { timeout: 5000 },
    );
  } finally {
    await ctx.close();
  }
});
