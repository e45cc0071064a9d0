// Browser test of 预案 (emergency plans) against the real server binary (`demo --no-sim` on the
// shared Liechtenstein extract, whose demo seed holds the four default plans): a dispatcher opens
// an incident, activates the suggested plan after its preview, and sees each step's instruction
// listed; the station the first step goes to finds that instruction in its console and signs it,
// and the dispatcher's board follows live. Same environment variables as console.test.mjs:
// ZHIHUI_BIN, ZHIHUI_SHARED_DATA, CHROMIUM. Skips without the road network (nearest-units steps).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(webDir, '..');
const PASSWORD = 'zhihui-demo';
const cmd = path.resolve(webDir, process.env.ZHIHUI_BIN ?? '../target/debug/zhihui');

let server = null;
let serverOut = '';
let dataDir = null;
let base = '';
let browser = null;
let skipReason = '';

function startServer(pbf) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhihui-web-plans-'));
  if (!fs.existsSync(cmd)) throw new Error(`server binary not found: ${cmd}`);
  // Without the shared extract the demo generates its own city (Chinese street names).
  const args = ['demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--no-sim', ...(pbf ? ['--roads', pbf] : [])];
  server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not report its address in 120 s:\n${serverOut}`)), 120_000);
    const onData = (chunk) => {
      serverOut += chunk.toString();
      if (serverOut.length > 200_000) serverOut = serverOut.slice(-100_000);
      const m = /zhihui listening on (http:\/\/[^\s]+)/.exec(serverOut);
      if (m && !base) {
        clearTimeout(timer);
        base = m[1].replace(/\/$/, '');
        resolve();
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code, sig) => {
      if (!base) {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? sig}) before listening:\n${serverOut}`));
      }
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const t = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

async function call(tok, method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, text };
}

async function login(context, username, where = '/') {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${username}] page error: ${e.message}`));
  await page.goto(base + where);
  await page.fill('[data-testid=login-username]', username);
  await page.fill('[data-testid=login-password]', PASSWORD);
  await page.click('[data-testid=login-submit]');
  if (where === '/') {
    await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 15_000 });
    await page.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 30_000 });
  }
  return page;
}

before(async () => {
  if (process.env.ZHIHUI_TEST_MOCK === '1') {
    skipReason = 'the mock server has no plan API';
    return;
  }
  const shared = path.resolve(process.env.ZHIHUI_SHARED_DATA ?? path.join(repoDir, '..', 'shared', 'data'));
  const pbf = path.join(shared, 'roads', 'liechtenstein.osm.pbf');
  await startServer(fs.existsSync(pbf) ? pbf : null);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopServer();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
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
