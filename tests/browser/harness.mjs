// harness.mjs — what the browser tests share: a fresh `init --demo` database (with the DIP
// module's synthetic inpatient years), a real
// `yibao serve` on a free port, settlements made through the HSI API (seed.py), and Debian's
// chromium driven by playwright-core (no downloaded browser).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const YIBAO = resolve(ROOT, process.env.YIBAO || 'build/yibao');
export const SHOTS = resolve(ROOT, process.env.SHOTS || 'build/test-output/screenshots');

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
    s.on('error', fail);
  });
}

export async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'yibao-browser-'));
  const db = join(dir, 'yibao.db');
  execFileSync(YIBAO, ['init', '--demo', '--db', db, '--policies', join(ROOT, 'policies')], { stdio: 'ignore' });
  // DIP needs three years of inpatient history and a year of stays: the DIP module's synthetic fill
  try {
    execFileSync(YIBAO, ['dip', 'bench', '--cases', '1500', '--year', '2024', '--history', '--fill-only', '--append', '--db', db], { stdio: 'ignore' });
  } catch (e) { /* a binary without the DIP module: the payment page says so */ }
  const port = await freePort();
  const proc = spawn(YIBAO, ['serve', '--db', db, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((ok, fail) => {
    let out = '';
    proc.stdout.on('data', (b) => { out += b; if (out.includes('serving')) ok(); });
    proc.on('exit', (c) => fail(new Error('yibao serve exited ' + c + ': ' + out)));
  });
  const base = 'http://127.0.0.1:' + port;
  let browser;
  try {
    execFileSync('/usr/bin/python3', [join(ROOT, 'tests/browser/seed.py'), base], { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    // playwright gives chromium a fresh --user-data-dir (a new temporary profile) on every launch
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    base, db, browser,
    async stop() {
      await browser.close();
      proc.kill('SIGTERM');
      await new Promise((ok) => { if (proc.exitCode !== null) ok(); else proc.on('exit', ok); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A page logged in as `user` (password demo-<user>); collects page errors.
export async function login(env, user, password) {
  const ctx = await env.browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(env.base + '/');
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password || 'demo-' + user);
  await page.click('#login-submit');
  return page;
}

// Go to a hash route and wait until its page has drawn (charts included).
export async function visit(page, route) {
  const name = route.split(/[/?]/)[0];
  await page.evaluate((r) => { location.hash = '#/' + r; }, route);
  await page.waitForFunction((n) => {
    const m = document.getElementById('page');
    if (m.dataset.page !== n || m.querySelector('.loading')) return false;
    return [...m.querySelectorAll('.chart')].every((c) => c.dataset.drawn === '1');
  }, name, { timeout: 10000 });
  await page.waitForTimeout(150); // a frame for the canvases
  return page.evaluate(() => Number(document.getElementById('page').dataset.loadMs || 0));
}
