// console_pages.mjs — each console page's load in chromium, from the route change to the page
// drawn with its charts (every API call of the page included); median of 3. Prints
// `page_<name>_ms: value`. Usage: node bench/console_pages.mjs BASE PSN_NO INST_CODE
import { chromium } from 'playwright-core';

const [base, psn, inst] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(base + '/');
await page.fill('#login-user', 'admin');
await page.fill('#login-pass', 'demo-admin');
await page.click('#login-submit');
await page.waitForSelector('#shell:not([hidden])');
const routes = { overview: 'overview', person: 'person/' + psn, institutions: 'institution', institution: 'institution/' + inst,
  policy: 'policy', supervision: 'supervision', payment: 'payment', enrollment: 'enrollment' };
async function go(route) {
  const n = route.split('/')[0];
  const t0 = await page.evaluate((r) => { const t = performance.now(); location.hash = '#/' + r; return t; }, route);
  await page.waitForFunction((p) => { const m = document.getElementById('page'); return m.dataset.page === p && !m.querySelector('.loading')
    && [...m.querySelectorAll('.chart')].every((c) => c.dataset.drawn === '1'); }, n, { timeout: 30000, polling: 'raf' });
  return page.evaluate((t) => performance.now() - t, t0);
}
for (const [name, route] of Object.entries(routes)) {
  const ms = [];
  for (let k = 0; k < 3; k++) {
    await go(name === 'policy' ? 'overview' : 'policy'); // from another page
    ms.push(await go(route));
  }
  ms.sort((a, b) => a - b);
  console.log(`page_${name}_ms: ${ms[1].toFixed(0)}`);
}
await browser.close();
