// Browser test of the English console: with every record's own data in ASCII (call signs,
// addresses, names, texts), nothing Chinese may show — no alert, instruction, timeline, code,
// organisation or bulletin text the server words in Chinese — and every time is on the command
// centre's configured clock (`--time-zone`), whatever the browser's zone. A server on a street grid with the test
// clock raises real alerts: an unsigned P1 order, an overdue instruction.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DemoServer, PASSWORD, cmd } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';
let dataDir = '';

function zhihui(args, input) {
  execFileSync(cmd, [...args, '--data-dir', dataDir], { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A 5×5 street grid around 112.24, 30.33 with ASCII street names. */
function gridRoads() {
  const features = [];
  for (let i = 0; i < 5; i++) {
    const lat = 30.32 + i * 0.005;
    const lon = 112.23 + i * 0.005;
    features.push({ type: 'Feature', properties: { name: `East ${i} Road`, highway: 'secondary' }, geometry: { type: 'LineString', coordinates: [[112.23, lat], [112.25, lat]] } });
    features.push({ type: 'Feature', properties: { name: `North ${i} Street`, highway: 'residential' }, geometry: { type: 'LineString', coordinates: [[lon, 30.32], [lon, 30.34]] } });
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no test clock';
    return;
  }
  await demo.start('english', {
    setup: (dir) => {
      dataDir = dir;
      fs.writeFileSync(path.join(dir, 'grid.geojson'), gridRoads());
      zhihui(['org', 'add', 'jz', '--name', '荆州市公安局', '--name-en', 'Jingzhou PSB', '--kind', 'city']);
      zhihui(['org', 'add', 'jz-s1', '--name', '中山派出所', '--name-en', 'Zhongshan Station', '--kind', 'station', '--parent', 'jz']);
      zhihui(['user', 'add', 'root', '--role', 'admin', '--org', 'jz'], `${PASSWORD}\n`);
      zhihui(['user', 'add', 'disp', '--role', 'dispatcher', '--org', 'jz'], `${PASSWORD}\n`);
    },
    // A centre whose clock is not the browser's nor UTC+8: India's (UTC+5:30), so that a time
    // shown in any other zone fails.
    args: (dir) => ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0', '--roads', path.join(dir, 'grid.geojson'), '--test-clock', '--time-zone', 'Asia/Kolkata'],
  });
});

after(async () => {
  await demo.stop();
});

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;

/** Visible text nodes with Chinese in them, outside the language switch (which names 中文). */
async function chinese(page) {
  return page.evaluate((re) => {
    const cjk = new RegExp(re);
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || !cjk.test(n.textContent)) continue;
      if (el.closest('[data-testid=lang-switch]')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      out.push(`${el.className || el.tagName}: ${n.textContent.trim().slice(0, 60)}`);
    }
    return out;
  }, CJK.source);
}

test('the English console shows no Chinese server text, and every time on the centre\'s configured clock', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const root = (await demo.call(null, 'POST', '/api/v1/session', { username: 'root', password: PASSWORD })).json.token;
  const disp = (await demo.call(null, 'POST', '/api/v1/session', { username: 'disp', password: PASSWORD })).json.token;
  const mk = async (call_sign, lon) => {
    const r = await demo.call(disp, 'POST', '/api/v1/units', { call_sign, kind: 'patrol_car', org_id: 'jz-s1', position: { lon, lat: 30.33 } });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const u1 = await mk('P-01', 112.235);
  await mk('P-02', 112.245);
  const inc = await demo.call(disp, 'POST', '/api/v1/incidents', {
    caller: { name: 'Zhang', phone: '13800138000' }, location: { lon: 112.24, lat: 30.325 }, address: 'No. 5 East 1 Road',
    type: 'criminal', subtype: 'homicide', description: 'knife attack reported',
  });
  assert.equal(inc.status, 201, inc.text);
  assert.equal((await demo.call(disp, 'POST', `/api/v1/incidents/${inc.json.id}/assignments`, { unit_id: u1.id })).status, 201);
  assert.equal((await demo.call(disp, 'POST', `/api/v1/incidents/${inc.json.id}/notes`, { text: 'second caller: suspect ran north' })).status, 201);
  const now = new Date((await demo.call(root, 'POST', '/api/v1/test/clock', { advance_s: 0 })).json.now);
  const ins = await demo.call(disp, 'POST', '/api/v1/instructions', {
    title: 'Patrol the market', body: 'Extra patrols tonight', targets: [{ org_id: 'jz-s1' }],
    deadline: new Date(now.getTime() + 30_000).toISOString(), feedback_required: true,
  });
  assert.equal(ins.status, 201, ins.text);
  // A minute on: the order is unsigned (a P1: critical) and the instruction overdue.
  const moved = await demo.call(root, 'POST', '/api/v1/test/clock', { advance_s: 61 });
  assert.ok(moved.json.alerts_raised >= 2, moved.text);

  // A browser in another zone (New York): times must still be the centre's.
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'en-US', timezoneId: 'America/New_York' });
  try {
    await ctx.addInitScript(() => localStorage.setItem('zhihui.lang', 'en'));
    const page = await demo.login(ctx, 'disp');
    await page.waitForSelector('[data-testid=incident-row]');
    const leaks = [];
    const look = async (where) => {
      for (const l of await chinese(page)) leaks.push(`${where} → ${l}`);
    };
    await look('console');
    // The clock is the centre's (UTC+5:30).
    const clock = await page.textContent('[data-testid=clock] .clock-time');
    const ist = new Date(Date.now() + 5.5 * 3600_000).toISOString().slice(11, 16);
    assert.equal(clock.slice(0, 5), ist, `the clock shows the centre's time (${clock}), not New York's`);

    await page.click('[data-testid=alert-button]');
    await page.waitForSelector('[data-testid=alert-row][data-kind=unsigned]');
    await page.click('[data-testid=alert-tab-all]');
    assert.match(await page.textContent('[data-testid=alert-row][data-kind=unsigned]'), /P-01 has not signed/);
    await look('alerts');
    await page.keyboard.press('Escape');

    await page.click(`[data-testid=incident-row][data-id="${inc.json.id}"]`);
    await page.waitForSelector('[data-testid=timeline-item][data-kind="incident.noted"]');
    await look('incident detail');
    // The timeline's times are the centre's too.
    const created = (await demo.call(disp, 'GET', `/api/v1/incidents/${inc.json.id}`)).json.received_at;
    const want = new Date(new Date(created).getTime() + 5.5 * 3600_000).toISOString().slice(11, 19);
    const times = await page.$$eval('[data-testid=timeline-item] .tl-time', (els) => els.map((e) => e.textContent));
    assert.ok(times.includes(want), `${want} among ${times}`);

    await page.click('[data-testid=instructions-button]');
    await page.click(`[data-testid=instr-filter-overdue]`);
    await page.click(`[data-testid=instr-row][data-id="${ins.json.id}"]`);
    await page.waitForSelector('[data-testid=instr-recipient]');
    await look('instruction');
    await page.click('[data-testid=instr-close-panel]');

    // A public post in pinyin (the lexicon knows `zisha`): the opinion desk words it in English.
    const posted = await demo.call(disp, 'POST', '/api/v1/opinion/posts', {
      posts: [{ id: 'en-1', text: 'so tired of everything, I want to zisha tonight', author: 'someone', posted_at: new Date(Date.now() - 60_000).toISOString(), lon: 112.24, lat: 30.33 }],
    });
    assert.equal(posted.json?.risky, 1, posted.text);
    await page.click('[data-testid=opinion-button]');
    await page.click('[data-testid=opinion-row]');
    await page.waitForSelector('[data-testid=opinion-detail] mark.op-term');
    assert.match(await page.textContent('[data-testid=opinion-detail]'), /Self-harm/);
    await look('opinion alert');
    await page.click('[data-testid=opinion-button]');

    await page.click('[data-testid=bulletin-button]');
    await page.waitForSelector('[data-testid=bul-incidents] b');
    await page.waitForSelector('[data-testid=bulletin-chart] canvas');
    await look('bulletin');
    await page.screenshot({ path: `${process.env.SHOTS ?? '/tmp'}/english-bulletin.png` });
    assert.deepEqual(leaks, [], `Chinese in the English console:\n${leaks.join('\n')}`);
  } finally {
    await ctx.close();
  }
});
