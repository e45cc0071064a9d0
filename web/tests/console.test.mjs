// Browser test of the web console against the real server binary.
//
//   ZHIHUI_BIN          server binary (default ../target/debug/zhihui relative to web/)
//   ZHIHUI_SHARED_DATA  shared data folder (default <repo>/../shared/data); roads from
//                       roads/liechtenstein.osm.pbf when present, else the demo generates a city
//   CHROMIUM            browser executable (default /usr/bin/chromium)
//   ZHIHUI_TEST_MOCK=1  run against dev/mock-server.mjs instead (console development only)
//
// The console must be built first (`npm test` runs `npm run build` as its pretest step).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoServer, PASSWORD } from './demo-server.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const useMock = process.env.ZHIHUI_TEST_MOCK === '1';

const demo = new DemoServer();
let base = '';
let browser = null;

async function login(context, username) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${username}] page error: ${e.message}`));
  await page.goto(base + '/');
  await page.fill('[data-testid=login-username]', username);
  await page.fill('[data-testid=login-password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=map]', { timeout: 15_000 });
  await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 15_000 });
  await page.waitForFunction(() => window.__zhihui?.snapshotLoaded === true, null, { timeout: 15_000 });
  return page;
}

/** Record, in the page, when each incident row first appears (Date.now() on the shared clock). */
async function watchRows(page) {
  await page.evaluate(() => {
    window.__rowSeen = {};
    const mark = () => {
      for (const el of document.querySelectorAll('[data-testid=incident-row]')) {
        const id = el.getAttribute('data-id');
        if (!(id in window.__rowSeen)) window.__rowSeen[id] = Date.now();
      }
    };
    mark();
    new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
  });
}

async function newContext() {
  return browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
}

before(async () => {
  await demo.start(
    'console',
    // The mock server stands in for the binary only when developing the console.
    useMock ? { command: process.execPath, args: () => [path.join(webDir, 'dev', 'mock-server.mjs'), '--port', '0', '--no-sim'] } : {},
  );
  ({ base, browser } = demo);
});

after(async () => {
  await demo.stop();
});

/** Chooses priority `p` in the intake form, as a click on its option does; retried, since the
 * form redraws (and replaces the option) when the premise history or a default arrives. */
async function choosePriority(page, p) {
  await page.waitForFunction((p) => {
    const el = document.querySelector(`[data-testid=new-priority-${p}]`);
    if (el && !el.checked) el.click();
    return el?.checked === true;
  }, p);
}

test('a bad login shows an error and stays on the login page', async () => {
  const ctx = await newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(base + '/');
    await page.fill('[data-testid=login-username]', 'dispatcher');
    await page.fill('[data-testid=login-password]', 'wrong-password');
    const resp = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await page.click('[data-testid=login-submit]');
    assert.equal((await resp).status(), 401);
    const err = page.locator('[data-testid=login-error]');
    await err.waitFor({ state: 'visible', timeout: 5000 });
    assert.ok((await err.textContent()).trim().length > 0, 'error message shown');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('zhihui.token')), null);
    assert.equal(await page.locator('[data-testid=map]').count(), 0);
  } finally {
    await ctx.close();
  }
});

test('dispatcher console: roads on the map, incident created via the form reaches a second console within 1 s', async (t) => {
  const ctxA = await newContext();
  const ctxB = await newContext();
  try {
    const a = await login(ctxA, 'dispatcher');

    // The map: a WebGL canvas and a roads source with features.
    await a.waitForSelector('[data-testid=map] canvas.maplibregl-canvas');
    await a.waitForFunction(() => (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 20_000 });
    await a.waitForFunction(
      () => {
        const m = window.__zhihui?.map;
        return !!m && m.isSourceLoaded('roads') && m.querySourceFeatures('roads').length > 0;
      },
      null,
      { timeout: 20_000 },
    );
    const rendered = await a.evaluate(() => {
      const m = window.__zhihui.map;
      const layers = m.getStyle().layers.filter((l) => l.id.startsWith('roads-')).map((l) => l.id);
      return m.queryRenderedFeatures({ layers }).length;
    });
    assert.ok(rendered > 0, `rendered road features: ${rendered}`);
    t.diagnostic(`roads: ${await a.evaluate(() => window.__zhihui.roadsLoaded)} features, ${rendered} rendered`);
    // The console brings its own CJK font: Chinese renders on a machine without one.
    const cjk = await a.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/["']/g, '') === 'Noto Sans SC' && f.status === 'loaded').length;
    });
    assert.ok(cjk > 0, `Noto Sans SC slices loaded: ${cjk}`);
    // The demo's districts and stations have areas (辖区), drawn under the roads.
    await a.waitForFunction(() => (window.__zhihui?.ops?.areaCount ?? 0) >= 8, null, { timeout: 10_000 });
    const areaLines = await a.evaluate(() => window.__zhihui.map.queryRenderedFeatures({ layers: ['areas-line'] }).length);
    assert.ok(areaLines > 0, `rendered area outlines: ${areaLines}`);
    const attribution = await a.evaluate(() => window.__zhihui.mapInfo?.attribution ?? '');
    if (attribution) {
      assert.ok((await a.locator('.maplibregl-ctrl-attrib').textContent()).includes(attribution), 'attribution shown');
    }

    // A second console (the duty leader) watching the queue.
    const b = await login(ctxB, 'leader');
    await watchRows(b);

    // Create an incident through the form; the location is set by clicking on the map.
    await a.click('[data-testid=new-incident-button]');
    await a.waitForSelector('[data-testid=new-incident-form]');
    const box = await a.locator('[data-testid=map]').boundingBox();
    // Click 40 m beside a named road when the server has one, else anywhere on the map.
    const road = await a.evaluate(async () => {
      const r = await fetch('/api/v1/roads/search?q=strasse', { headers: { authorization: `Bearer ${sessionStorage.getItem('zhihui.token')}` } });
      const hits = r.ok ? await r.json() : [];
      return Array.isArray(hits) && hits.length > 0 ? hits[0] : null;
    });
    let at = { x: box.width * 0.6, y: box.height * 0.55 };
    if (road) {
      at = await a.evaluate(async (p) => {
        const m = window.__zhihui.map;
        m.jumpTo({ center: [p.lon, p.lat], zoom: 16 });
        const px = m.project([p.lon, p.lat + 0.00036]);
        return { x: px.x, y: px.y };
      }, road);
    }
    const snapped = a.waitForResponse((r) => r.url().includes('/api/v1/roads/snap'), { timeout: 5000 }).catch(() => null);
    await a.mouse.click(box.x + at.x, box.y + at.y);
    await a.waitForSelector('[data-testid=pick-marker]');
    // The click moves onto the nearest road (within 200 m) and names it in the empty address.
    const snap = await snapped;
    if (road) {
      assert.ok(snap && snap.status() === 200, 'the clicked point is snapped by the server');
      const p = await snap.json();
      assert.ok(p.distance_m <= 200, `click ${p.distance_m} m from a road`);
      const want = `${p.lon.toFixed(5)}, ${p.lat.toFixed(5)}`;
      await a.waitForFunction((w) => document.querySelector('[data-testid=new-location]')?.textContent?.trim() === w, want, { timeout: 3000 });
      if (p.name) assert.equal(await a.inputValue('[data-testid=new-address]'), p.name);
      t.diagnostic(`click snapped ${p.distance_m} m onto ${p.name ?? 'an unnamed road'}`);
    }
    const loc = (await a.locator('[data-testid=new-location]').textContent()).trim();
    assert.match(loc, /^-?\d+\.\d+, -?\d+\.\d+$/, `location set from the map: ${loc}`);
    await a.fill('[data-testid=new-caller-name]', '张测试');
    await a.fill('[data-testid=new-caller-phone]', '13812345678');
    await a.fill('[data-testid=new-address]', '测试路1号');
    const typeValue = await a.locator('[data-testid=new-type] option').nth(1).getAttribute('value');
    await a.selectOption('[data-testid=new-type]', typeValue);
    // The priority follows the kind of call: a homicide is 一级; filing it lower asks why.
    if (typeValue === 'criminal') {
      assert.ok(await a.isChecked('[data-testid=new-priority-2]'), 'criminal defaults to 二级');
      await a.selectOption('[data-testid=new-subtype]', 'homicide');
      await a.waitForFunction(() => document.querySelector('[data-testid=new-priority-1]')?.checked === true);
      await choosePriority(a, 3);
      await a.waitForSelector('[data-testid=new-priority-reason]');
      await a.selectOption('[data-testid=new-subtype]', '');
    }
    await choosePriority(a, 2);
    await a.waitForSelector('[data-testid=new-priority-reason]', { state: 'detached' });
    await a.fill('[data-testid=new-description]', '浏览器测试：有人报警称发生纠纷');
    await a.focus('[data-testid=new-address]');
    const created = a.waitForResponse((r) => r.url().endsWith('/api/v1/incidents') && r.request().method() === 'POST');
    await a.keyboard.press('Enter'); // Enter submits
    const resp = await created;
    const tResp = Date.now();
    assert.equal(resp.status(), 201, await resp.text());
    const rec = await resp.json();
    assert.equal(rec.priority, 2);
    assert.equal(rec.type, typeValue);

    // The second console shows the new row within 1 s of the success response.
    await b.waitForSelector(`[data-testid=incident-row][data-id="${rec.id}"]`, { timeout: 3000 });
    const seenAt = await b.evaluate((id) => window.__rowSeen[String(id)], rec.id);
    const latency = seenAt - tResp;
    t.diagnostic(`second console showed incident #${rec.id} ${latency} ms after the 201 response`);
    assert.ok(latency < 1000, `row appeared ${latency} ms after the 201 response`);
    // …and the creating console too, with the form closed and the detail panel open.
    await a.waitForSelector(`[data-testid=incident-row][data-id="${rec.id}"]`, { timeout: 3000 });
    await a.waitForSelector('[data-testid=new-incident-form]', { state: 'detached', timeout: 3000 });
    await a.waitForSelector(`[data-testid=detail-id]:has-text("#${rec.id}")`, { timeout: 3000 });

    // Dispatch it from the detail panel; the other console follows live.
    await a.click('[data-testid=status-btn-dispatched]');
    await b.waitForSelector(`[data-testid=incident-row][data-id="${rec.id}"][data-status=dispatched]`, { timeout: 3000 });
    await a.waitForSelector('[data-testid=timeline-item] >> nth=1', { timeout: 3000 });

    // Close it: 结案 needs a disposition and a summary.
    await a.click('[data-testid=status-btn-closed]');
    await a.waitForSelector('[data-testid=close-form]');
    const disposition = await a.locator('[data-testid=close-disposition] option').nth(1).getAttribute('value');
    await a.selectOption('[data-testid=close-disposition]', disposition);
    await a.fill('[data-testid=close-summary]', '民警到场调解，双方和解');
    const patched = a.waitForResponse((r) => /\/api\/v1\/incidents\/\d+$/.test(r.url()) && r.request().method() === 'PATCH');
    await a.click('[data-testid=close-confirm]');
    const pr = await patched;
    assert.equal(pr.status(), 200, await pr.text());
    assert.equal((await pr.json()).disposition, disposition);
    await a.waitForSelector('[data-testid=close-form]', { state: 'detached', timeout: 3000 });
    await b.waitForFunction((id) => window.__zhihui.incidents.get(id)?.status === 'closed', rec.id, { timeout: 3000 });
    // The default queue filter shows open incidents only.
    await b.waitForSelector(`[data-testid=incident-row][data-id="${rec.id}"]`, { state: 'detached', timeout: 3000 });
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
});

test('form shows the API error and highlights the field; Esc cancels', async () => {
  const ctx = await newContext();
  try {
    const page = await login(ctx, 'dispatcher');
    await page.press('body', 'n'); // keyboard shortcut opens the form
    await page.waitForSelector('[data-testid=new-incident-form]');
    // Submitting without a location is caught in the console.
    await page.press('[data-testid=new-caller-name]', 'Enter');
    await page.waitForSelector('[data-testid=new-error][data-field=location]');
    // With a location but no type the server answers with an error naming the field.
    const box = await page.locator('[data-testid=map]').boundingBox();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.fill('[data-testid=new-caller-name]', '李四');
    await page.fill('[data-testid=new-caller-phone]', '13900000000');
    await page.fill('[data-testid=new-address]', '测试路2号');
    const r = page.waitForResponse((x) => x.url().endsWith('/api/v1/incidents') && x.request().method() === 'POST');
    await page.press('[data-testid=new-address]', 'Enter');
    const resp = await r;
    assert.ok(resp.status() >= 400 && resp.status() < 500, `status ${resp.status()}`);
    const body = await resp.json();
    const err = page.locator('[data-testid=new-error]');
    await err.waitFor({ state: 'visible' });
    assert.equal((await err.textContent()).trim(), body.error.message);
    if (body.error.field) {
      const field = body.error.field.split('.')[0] === 'location' ? 'location' : body.error.field;
      assert.ok(await page.locator(`[data-field="${field}"].invalid`).count() > 0, `field ${field} highlighted`);
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=new-incident-form]', { state: 'detached' });
  } finally {
    await ctx.close();
  }
});

test('live feed reconnects with since=lastSeq and misses nothing', async () => {
  const ctx = await newContext();
  try {
    const page = await login(ctx, 'dispatcher');
    const token = await page.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const loc = await page.evaluate(() => window.__zhihui.map.getCenter());
    // A dropped socket is reopened by itself.
    await page.evaluate(() => window.__zhihui.live.ws.close());
    await page.waitForSelector('[data-testid=live-indicator][data-state=retry]', { timeout: 5000 });
    await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 10_000 });
    // Stop the feed, create an incident while the console is disconnected, start it again:
    // the reconnect asks for since=lastSeq and gets the missed event.
    const seqBefore = await page.evaluate(() => {
      window.__zhihui.live.stop();
      return window.__zhihui.live.lastSeq;
    });
    assert.equal(typeof seqBefore, 'number');
    const res = await fetch(base + '/api/v1/incidents', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        caller: { name: '王五', phone: '13700000000' },
        location: { lon: loc.lng, lat: loc.lat },
        address: '测试路3号',
        type: (await (await fetch(base + '/api/v1/codes', { headers: { authorization: `Bearer ${token}` } })).json()).incident_types[0].code,
        priority: 1,
        description: 'reconnect test',
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const rec = JSON.parse(text);
    await page.waitForTimeout(300);
    assert.equal(await page.locator(`[data-testid=incident-row][data-id="${rec.id}"]`).count(), 0, 'not seen while stopped');
    await page.evaluate(() => window.__zhihui.live.start());
    await page.waitForSelector(`[data-testid=incident-row][data-id="${rec.id}"]`, { timeout: 10_000 });
    assert.ok((await page.evaluate(() => window.__zhihui.live.lastSeq)) > seqBefore);
    await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 10_000 });
  } finally {
    await ctx.close();
  }
});

test('an anonymous incident from another source is recorded without a caller and shows its source', async () => {
  const ctx = await newContext();
  try {
    const page = await login(ctx, 'dispatcher');
    await page.press('body', 'n');
    await page.waitForSelector('[data-testid=new-incident-form]');
    const box = await page.locator('[data-testid=map]').boundingBox();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.selectOption('[data-testid=new-source]', 'device_alarm');
    const typeValue = await page.locator('[data-testid=new-type] option').nth(1).getAttribute('value');
    await page.selectOption('[data-testid=new-type]', typeValue);
    await page.fill('[data-testid=new-description]', '一键报警柱触发，无人应答');
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/incidents') && r.request().method() === 'POST');
    await page.click('[data-testid=new-submit]');
    const resp = await created;
    assert.equal(resp.status(), 201, await resp.text());
    const rec = await resp.json();
    assert.equal(rec.source, 'device_alarm');
    assert.equal(rec.caller, null);
    await page.waitForSelector(`[data-testid=detail-id]:has-text("#${rec.id}")`, { timeout: 3000 });
    assert.equal((await page.textContent('[data-testid=detail-source]')).trim(), '设备报警');
  } finally {
    await ctx.close();
  }
});

test('position reports move a unit live, and its card draws the trail from the track store', async () => {
  const ctx = await newContext();
  try {
    const page = await login(ctx, 'dispatcher');
    const token = await page.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const call = async (method, url, body) => {
      const r = await fetch(base + url, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body && JSON.stringify(body),
      });
      return { status: r.status, json: await r.json() };
    };
    const list = await call('GET', '/api/v1/units?status=available&limit=1');
    const u = list.json.items[0];
    assert.ok(u?.position, 'a demo unit with a position');
    // Three reports, about 100 m apart, heading north (PATCH: as given, not snapped to a road).
    for (let i = 1; i <= 3; i++) {
      const r = await call('PATCH', `/api/v1/units/${u.id}`, { position: { lon: u.position.lon, lat: u.position.lat + i * 0.0009 } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const last = await call('GET', `/api/v1/units/${u.id}`);
    // The console follows the reports on the live feed (telemetry outside the event sequence).
    await page.waitForFunction(
      ([id, lat]) => Math.abs(window.__zhihui.units.get(id)?.position?.lat - lat) < 1e-9,
      [u.id, last.json.position.lat],
      { timeout: 5000 },
    );
    const row = page.locator(`[data-testid=unit-row][data-id="${u.id}"]`);
    await row.click();
    await page.click('[data-testid=unit-trail]');
    await page.waitForFunction(() => window.__zhihui.ops.trailPoints >= 4, null, { timeout: 5000 });
    assert.match(await page.textContent('[data-testid=unit-trail-info]'), /^\d+ 个定位点/);
    // Hiding the trail clears the line.
    await page.click('[data-testid=unit-trail]');
    await page.waitForFunction(() => window.__zhihui.ops.trailPoints === 0, null, { timeout: 2000 });
  } finally {
    await ctx.close();
  }
});

test('a burst of 100 alerts: at most three toasts, critical ones sound, the unit board and the clock stay in sight; repeats count on one row', async () => {
  const ctx = await newContext();
  try {
    const a = await login(ctx, 'dispatcher');
    await a.waitForSelector('[data-testid=unit-board]');
    const before = await a.evaluate(() => window.__zhihui.live.eventsSeen);
    const sevs = ['critical', 'major', 'minor'];
    await a.evaluate((sevs) => {
      const live = window.__zhihui.live;
      const now = new Date().toISOString();
      for (let i = 0; i < 100; i++) {
        const kind = i % 2 ? 'unsigned' : 'post_late';
        const alert = {
          id: 9_000_000 + i, kind, subject: `burst:${i}`, group: `burst:${i}`, org_id: 'jz', message: `突发告警 ${i}`,
          raised_at: now, data: {}, severity: sevs[i % 3], state: 'new', count: 1, version: 1,
        };
        live.handle(JSON.stringify({ type: 'event', seq: 0, record_type: 'alert', kind: 'alert.raised', data: alert }));
      }
    }, sevs);
    assert.equal(await a.evaluate(() => window.__zhihui.live.eventsSeen), before + 100);
    const toasts = await a.locator('[data-testid=alert-toast]').count();
    assert.ok(toasts >= 1 && toasts <= 3, `toasts on screen: ${toasts}`);
    // No minor alert pops up; every critical one sounded (34 of them), none other.
    assert.equal(await a.locator('[data-testid=alert-toast][data-severity=minor]').count(), 0);
    assert.equal(await a.evaluate(() => window.__zhihui.alerts.sounded), 34);
    await a.waitForFunction(() => document.querySelector('[data-testid=alert-count]')?.dataset.unread === '100', null, { timeout: 3000 });
    // Nothing covers the clock or the unit board's list.
    const covered = (sel) =>
      a.evaluate((s) => {
        const el = document.querySelector(s);
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 20));
        return !el.contains(hit);
      }, sel);
    for (const sel of ['[data-testid=clock]', '[data-testid=unit-board-list]']) assert.equal(await covered(sel), false, `${sel} is covered`);
    // The alert centre lists them critical first; opening it still leaves the clock in sight.
    await a.click('[data-testid=alert-button]');
    await a.waitForSelector('[data-testid=alert-row]');
    assert.equal(await a.locator('[data-testid=alert-row]').count(), 100);
    assert.equal(await a.locator('[data-testid=alert-row]').first().getAttribute('data-severity'), 'critical');
    for (const sel of ['[data-testid=clock]', '[data-testid=unit-board-list]']) assert.equal(await covered(sel), false, `${sel} is covered by the open alert centre`);
    // The same thing raised again counts on its row instead of adding one.
    await a.evaluate(() => {
      const cur = window.__zhihui.alerts && [...document.querySelectorAll('[data-testid=alert-row]')][0].dataset.id;
      const alert = {
        id: Number(cur), kind: 'post_late', subject: 'burst:again', group: 'burst:0', org_id: 'jz', message: '再次',
        raised_at: new Date().toISOString(), last_raised_at: new Date().toISOString(), data: {}, severity: 'critical', state: 'new', count: 2, version: 2,
      };
      window.__zhihui.live.handle(JSON.stringify({ type: 'event', seq: 0, record_type: 'alert', kind: 'alert.repeated', data: alert }));
    });
    await a.waitForSelector('[data-testid=alert-times]');
    assert.equal(await a.locator('[data-testid=alert-row]').count(), 100);
    assert.equal(await a.textContent('[data-testid=alert-times]'), '×2');
    // Muting stops the sound for the next critical alert.
    const sounded = await a.evaluate(() => window.__zhihui.alerts.sounded);
    await a.click('[data-testid=alert-mute]');
    await a.evaluate(() => {
      const alert = { id: 9_100_000, kind: 'unsigned', subject: 's', group: 's', org_id: 'jz', message: 'm', raised_at: new Date().toISOString(), data: {}, severity: 'critical', state: 'new', count: 1, version: 1 };
      window.__zhihui.live.handle(JSON.stringify({ type: 'event', seq: 0, record_type: 'alert', kind: 'alert.raised', data: alert }));
    });
    assert.equal(await a.evaluate(() => window.__zhihui.alerts.sounded), sounded);
    await a.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/alert-burst.png` });
  } finally {
    await ctx.close();
  }
});
