// Browser test of 预案 (emergency plans) against the real server binary (`demo --no-sim` on the
// shared Liechtenstein extract, whose demo seed holds the four default plans): a dispatcher opens
// an incident, activates the suggested plan after its preview, and sees each step's instruction
// listed; the station the first step goes to finds that instruction in its console and signs it,
// and the dispatcher's board follows live. Same environment variables as console.test.mjs:
// ZHIHUI_BIN, ZHIHUI_SHARED_DATA, CHROMIUM. Without the shared extract it runs on the demo's generated city.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer } from './demo-server.mjs';

const demo = new DemoServer();
let skipReason = '';
let browser = null;
let dataDir = null;
const call = (...a) => demo.call(...a);
const login = (...a) => demo.login(...a);

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no plan API';
    return;
  }
  await demo.start('plans');
  ({ browser, dataDir } = demo);
});

after(async () => {
  await demo.stop();
});

test('a dispatcher activates a plan from an incident and the station sees and signs its instruction', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const ctxD = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  const ctxS = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
  try {
    const d = await login(ctxD, 'dispatcher');
    const tok = await d.evaluate(() => sessionStorage.getItem('zhihui.token'));
    const info = (await call(tok, 'GET', '/api/v1/map')).json;
    const [lon, lat] = info.center;
    const created = await call(tok, 'POST', '/api/v1/incidents', {
      caller: { name: '周八', phone: '13600000000' },
      location: { lon, lat },
      address: '预案测试路8号',
      type: 'help',
      subtype: 'missing_person',
      priority: 1,
      description: '浏览器测试：6岁女孩走失',
      org_id: 'jz-shashi-zhongshan',
    });
    assert.equal(created.status, 201, created.text);
    const inc = created.json;

    // From the incident detail: the missing-child plan comes first and is previewed at once.
    await d.click(`[data-testid=incident-row][data-id="${inc.id}"]`);
    await d.click('[data-testid=plan-activate-open]');
    await d.waitForSelector('[data-testid=plans-panel]:not([hidden]) [data-testid=rp-activate]');
    const first = d.locator('[data-testid=rp-pick]').first();
    await first.waitFor();
    assert.equal(await first.getAttribute('data-scenario'), 'missing_child');
    assert.equal(await first.locator('[data-testid=rp-suggested]').count(), 1);
    assert.ok((await d.locator('[data-testid=rp-pick]').count()) >= 4, 'every plan in use may be chosen');
    await d.waitForSelector('[data-testid=rp-preview-step]');
    const steps = d.locator('[data-testid=rp-preview-step]');
    assert.equal(await steps.count(), 3);
    assert.equal(await steps.nth(0).locator('[data-testid=rp-recipient]').getAttribute('data-target'), 'org:jz-shashi-zhongshan');
    assert.match(await steps.nth(0).locator('.rp-text').textContent(), /^预案测试路8号 报儿童走失（警情 \d+）：浏览器测试：6岁女孩走失/);
    assert.equal(await steps.nth(1).locator('[data-testid=rp-recipient]').count(), 4, 'the four nearest patrol cars');

    // 确认启动: one instruction per step, each listed as issued.
    const actResp = d.waitForResponse((r) => r.url().endsWith(`/api/v1/incidents/${inc.id}/activate-plan`) && r.request().method() === 'POST');
    await d.click('[data-testid=rp-confirm]');
    const resp = await actResp;
    assert.equal(resp.status(), 201);
    const act = await resp.json();
    assert.equal(act.instruction_ids.length, 3);
    await d.waitForSelector(`[data-testid=rp-activation][data-id="${act.id}"][data-status=active]`);
    const live = await d.$$eval('[data-testid=rp-step]', (els) => els.map((e) => [e.dataset.status, Number(e.dataset.instruction)]));
    assert.deepEqual(live, act.instruction_ids.map((id) => ['issued', id]));
    await d.waitForSelector('[data-testid=incident-detail] [data-testid=timeline-item][data-kind="plan_activation.activated"]', { timeout: 3000 });

    // The station the first step goes to finds the instruction and signs it; the board follows.
    const s = await login(ctxS, 'station1');
    await s.click('[data-testid=instructions-button]');
    const row = s.locator(`[data-testid=instr-row][data-id="${act.instruction_ids[0]}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await s.waitForSelector('[data-testid=instr-detail]');
    assert.match(await s.textContent('[data-testid=instr-detail]'), /【预案】就近查找/);
    await s.click('[data-testid=instr-sign]');
    await d.waitForSelector('[data-testid=rp-step][data-index="0"][data-status=signed]', { timeout: 3000 });
    await d.waitForSelector('[data-testid=rp-timeline] li[data-kind="plan_activation.step_signed"]', { timeout: 3000 });

    // Closing it with an outcome closes its instructions.
    await d.fill('[data-testid=rp-outcome]', '已找到');
    await d.click('[data-testid=rp-close]');
    await d.waitForSelector(`[data-testid=rp-activation][data-id="${act.id}"][data-status=closed]`, { timeout: 3000 });
    const ins = await call(tok, 'GET', `/api/v1/instructions/${act.instruction_ids[1]}`);
    assert.equal(ins.json.status, 'closed');
  } finally {
    await ctxD.close();
    await ctxS.close();
  }
});
