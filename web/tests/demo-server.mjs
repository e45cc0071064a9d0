// The one server harness of the browser tests: the real binary on a fresh data directory and a
// free port — by default `zhihui demo --no-sim` on the shared Liechtenstein extract when present
// (else the demo's generated city), or any other command line a test needs (`serve` on its own
// street grid with the test clock) — a headless Chromium, and login/API helpers.
// Environment: ZHIHUI_BIN (default ../target/debug/zhihui), ZHIHUI_SHARED_DATA, CHROMIUM.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(webDir, '..');
export const PASSWORD = 'zhihui-demo';
export const cmd = path.resolve(webDir, process.env.ZHIHUI_BIN ?? '../target/debug/zhihui');

/** The demo's command line: `--no-sim`, on the shared extract when present. */
export function demoArgs(dataDir) {
  const shared = path.resolve(process.env.ZHIHUI_SHARED_DATA ?? path.join(repoDir, '..', 'shared', 'data'));
  const pbf = path.join(shared, 'roads', 'liechtenstein.osm.pbf');
  // Without the shared extract the demo generates its own city (Chinese street names).
  return ['demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--no-sim', ...(fs.existsSync(pbf) ? ['--roads', pbf] : [])];
}

export class DemoServer {
  server = null;
  out = '';
  dataDir = null;
  base = '';
  browser = null;

  /**
   * Starts the server (data directory named after `prefix`) and the browser.
   * `opts.setup(dataDir)` runs first (e.g. `zhihui org add`); `opts.args(dataDir)` is the server's
   * command line (default: the demo); `opts.command` the executable (default: ZHIHUI_BIN);
   * `opts.env` extra environment for the server.
   */
  async start(prefix, opts = {}) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `zhihui-web-${prefix}-`));
    await opts.setup?.(this.dataDir);
    const command = opts.command ?? cmd;
    if (!fs.existsSync(command)) throw new Error(`server binary not found: ${command} (build it with cargo build -p zhihui, or set ZHIHUI_BIN)`);
    await this.spawn(command, opts.args ? opts.args(this.dataDir) : demoArgs(this.dataDir), opts.env);
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  }

  spawn(command, args, env = {}) {
    const server = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env } });
    this.server = server;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not report its address in 120 s:\n${this.out}`)), 120_000);
      const onData = (chunk) => {
        this.out += chunk.toString();
        if (this.out.length > 200_000) this.out = this.out.slice(-100_000);
        const m = /zhihui listening on (http:\/\/[^\s]+)/.exec(this.out);
        if (m && !this.base) {
          clearTimeout(timer);
          this.base = m[1].replace(/\/$/, '');
          resolve();
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.on('exit', (code, sig) => {
        if (!this.base) {
          clearTimeout(timer);
          reject(new Error(`server exited (${code ?? sig}) before listening:\n${this.out}`));
        }
      });
    });
  }

  /** Closes the browser, stops the server (SIGTERM, then SIGKILL after 5 s), removes the data. */
  async stop() {
    await this.browser?.close().catch(() => {});
    const server = this.server;
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const t = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  async call(tok, method, p, body) {
    const r = await fetch(this.base + p, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null, text };
  }

  /** A logged-in page; on the console (`/`) once the live feed is open and the roads are drawn. */
  async login(context, username, where = '/') {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${username}] page error: ${e.message}`));
    await page.goto(this.base + where);
    await page.fill('[data-testid=login-username]', username);
    await page.fill('[data-testid=login-password]', PASSWORD);
    await page.click('[data-testid=login-submit]');
    if (where === '/') {
      await page.waitForSelector('[data-testid=live-indicator][data-state=open]', { timeout: 15_000 });
      await page.waitForFunction(() => window.__zhihui?.snapshotLoaded === true && (window.__zhihui?.roadsLoaded ?? 0) > 0, null, { timeout: 30_000 });
    }
    return page;
  }
}
