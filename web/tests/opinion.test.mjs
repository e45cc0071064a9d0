// Browser test of 舆情 (public opinion) against the real server binary (`demo --no-sim`): a risky
// post arrives over the API, the alert shows live (the button's count, the panel's queue with the
// matched terms marked, the map), the analyst's console takes it, and one click turns it into an
// incident whose detail offers the nearest units at once. Same environment as console.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no opinion API';
    return;
  }
  await demo.start('opinion');
});

after(async () => {
  await demo.stop();
});

async function token(username) {
  const r = await fetch(demo.base + '/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'zhihui-demo' }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

test('a risky post raises an alert live; one click makes the incident and the nearest unit is offered', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const page = await demo.login(ctx, 'dispatcher');
    const ana = await token('analyst');
    const disp = await token('dispatcher');
    // Next to unit 1, so that a unit is near.
    const u1 = (await demo.call(disp, 'GET', '/api/v1/units/1')).json;
    assert.ok(u1?.position, `unit 1: ${JSON.stringify(u1)}`);
    const at = { lon: u1.position.lon + 0.002, lat: u1.position.lat + 0.001 };
    const sent = Date.now();
    const r = await demo.call(ana, 'POST', '/api/v1/opinion/posts', {
      posts: [
        { id: 'bt-0', text: '周末和朋友去逛街，人好多', author: '路人甲', posted_at: new Date().toISOString() },
        {
          id: 'bt-1',
          text: '我在桥上，遗书已经写好了，今晚就跳下去，再见了这个世界',
          author: '江城小雨',
          posted_at: new Date().toISOString(),
          lon: at.lon,
          lat: at.lat,
        },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.risky, 1);

    // Live: the top bar counts it (no reload), and the map draws it.
    await page.waitForSelector('[data-testid=opinion-new-count]', { timeout: 10_000 });
    t.diagnostic(`post → console badge: ${Date.now() - sent} ms`);
    assert.equal(await page.textContent('[data-testid=opinion-new-count]'), '1');
    await page.click('[data-testid=opinion-button]');
    await page.waitForSelector('[data-testid=opinion-row]');
    const row = await page.textContent('[data-testid=opinion-row]');
    assert.match(row, /自杀自伤/);
    await page.waitForFunction(() => (window.__zhihui?.opinion?.layer?.drawn?.high ?? []).length === 1, null, { timeout: 10_000 });

    // The alert: the matched terms marked in the post as written, the place, the countdown.
    await page.click('[data-testid=opinion-row]');
    await page.waitForSelector('[data-testid=opinion-detail]');
    const marks = await page.$$eval('[data-testid=opinion-post] mark.op-term', (ms) => ms.map((m) => m.textContent));
    assert.ok(marks.includes('遗书') && marks.includes('跳下去'), `marked: ${JSON.stringify(marks)}`);
    assert.match(await page.textContent('[data-testid=opinion-place]'), /定位/);
    assert.match(await page.textContent('[data-testid=opinion-due]'), /时限 0:\d\d/);
    // Pseudonymous until it goes to command.
    assert.ok(await page.$eval('[data-testid=opinion-unmask]', (b) => b.disabled));
    assert.match(await page.textContent('[data-testid=opinion-author]'), /^p-/);
    // The spread: the cluster's posts, pseudonymous.
    await page.click('[data-testid=opinion-cluster-show]');
    await page.waitForSelector('[data-testid=opinion-cluster-post]');
    assert.equal((await page.$$('[data-testid=opinion-cluster-post]')).length, 1);
    await page.screenshot({ path: '/tmp/zhihui-opinion-detail.png' });

    await page.click('[data-testid=opinion-ack]');
    await page.waitForFunction(() => document.querySelector('[data-testid=opinion-state]')?.textContent === '处置中');

    // One click: the incident, and its detail offers the nearest units.
    await page.click('[data-testid=opinion-incident]');
    await page.waitForSelector('[data-testid=recommendation]', { timeout: 15_000 });
    const recs = await page.$$eval('[data-testid=recommendation]', (rows) => rows.map((r) => r.textContent));
    assert.ok(recs.length >= 1, `recommendations: ${JSON.stringify(recs)}`);
    t.diagnostic(`nearest offered: ${recs[0]}`);
    assert.ok(await page.$eval('[data-testid=opinion-panel]', (p) => p.hidden), 'the panel gave way to the incident');
    await page.screenshot({ path: '/tmp/zhihui-opinion-incident.png' });
    const list = (await demo.call(disp, 'GET', '/api/v1/opinion/alerts')).json.items;
    assert.equal(list[0].state, 'incident');
    const inc = (await demo.call(disp, 'GET', `/api/v1/incidents/${list[0].incident_id}`)).json;
    assert.equal(inc.source, 'public_opinion');
    // The count went with it.
    await page.waitForFunction(() => !document.querySelector('[data-testid=opinion-new-count]'));
  } finally {
    await ctx.close();
  }
});

test('an analyst edits the lexicon in the console: a bad line is refused with its number, a good one applies', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctx = await demo.browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const page = await demo.login(ctx, 'analyst');
    await page.click('[data-testid=opinion-button]');
    await page.click('[data-testid=opinion-lexicon]');
    await page.waitForSelector('[data-testid=opinion-lexicon-text]');
    assert.match(await page.textContent('[data-testid=opinion-lexicon-version]'), /版本 0/);
    const text = await page.$eval('[data-testid=opinion-lexicon-text]', (a) => a.value);
    assert.ok(text.includes('跳楼'));
    // A category outside the closed list.
    await page.fill('[data-testid=opinion-lexicon-text]', `${text}politics\t某某\t3\tact\n`);
    await page.click('[data-testid=opinion-lexicon-save]');
    await page.waitForSelector('[data-testid=opinion-error]');
    assert.match(await page.textContent('[data-testid=opinion-error]'), /unknown category `politics`/);
    // A new fire term, with a note: version 1, and the next post is screened with it.
    await page.fill('[data-testid=opinion-lexicon-text]', `${text}fire\t冒黑烟\t3\tact\n`);
    await page.fill('[data-testid=opinion-lexicon-note]', '新增：冒黑烟');
    await page.click('[data-testid=opinion-lexicon-save]');
    await page.waitForFunction(() => /版本 1/.test(document.querySelector('[data-testid=opinion-lexicon-version]')?.textContent ?? ''));
    await page.screenshot({ path: '/tmp/zhihui-opinion-lexicon.png' });
    const tok = await token('analyst');
    const r = await demo.call(tok, 'POST', '/api/v1/opinion/posts', {
      posts: [{ id: 'lex-1', text: '楼道里一直在冒黑烟', author: 'x', posted_at: new Date().toISOString() }],
    });
    assert.equal(r.json.risky, 1, r.text);
  } finally {
    await ctx.close();
  }
});
