// supervision.test.mjs — a case worked in the page from finding to recovery: the audit module's
// post-settlement run flags the seeded over-price bed charge; the supervisor opens a case over it,
// reviews, confirms and records the recovery with the page's buttons; the institution sees its case
// read-only, another institution does not see it. Skipped when the audit module is not built in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { start, login, visit, SHOTS, ROOT, YIBAO } from './harness.mjs';

let env, audit = false;
before(async () => {
  env = await start();
  const r = await fetch(env.base + '/api/v1/audit/findings');
  audit = r.status !== 404; // 401 (log in first) when the route exists
  if (audit)
    execFileSync(YIBAO, ['audit', 'run', '--db', env.db, '--from', '2024-01-01', '--to', '2026-12-31',
      '--rules-dir', join(ROOT, 'rules')], { stdio: 'ignore' });
});
after(async () => { if (env) await env.stop(); });

const OVER_PRICE = 'GZ10000030002000'; // bed at 35.00 a day against a level-2 limit of 30.00: 50.00

test('a case from finding to recovery, in the page', async (t) => {
  if (!audit) return t.skip('the audit module is not built in');
  const page = await login(env, 'supervisor');
  await page.waitForSelector('#shell:not([hidden])');
  page.on('dialog', (d) => { page.errors.push('dialog: ' + d.message()); d.dismiss(); });
  await visit(page, 'supervision?inst=H41150000002&state=flagged&rule=' + OVER_PRICE);
  const rows = await page.$$eval('#findings tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 1, rows.join('\n'));
  assert.match(rows[0], /50\.00/);
  await page.click('#findings input.pick');
  await page.click('#open-case');
  await page.fill('#ask-title', '床位费超限价');
  await page.click('#ask-ok');
  await page.waitForSelector('#case-review');
  await page.screenshot({ path: join(SHOTS, 'supervisor-case-open.png'), fullPage: true });
  await page.click('#case-review');
  await page.fill('#ask-reason', '调取病历与收费清单');
  await page.click('#ask-ok');
  await page.waitForFunction(() => document.querySelector('#case-box .status')?.textContent === '复核中');
  await page.click('#case-confirm');
  await page.fill('#ask-reason', '床位费每日超出限价 5.00 元，共 10 日');
  await page.click('#ask-ok'); // the amount defaults to all that was flagged
  await page.waitForSelector('#case-recover');
  assert.match(await page.textContent('#case-box'), /认定金额50\.00 元/);
  await page.click('#case-recover');
  assert.equal(await page.inputValue('#ask-amount'), '50.00'); // what is still due
  await page.fill('#ask-amount', '20.00');
  await page.fill('#ask-note', '第一笔退回');
  await page.click('#ask-ok');
  await page.waitForFunction(() => document.querySelectorAll('#case-events li').length === 4);
  await page.click('#case-recover');
  await page.fill('#ask-note', '余款退回');
  await page.click('#ask-ok');
  await page.waitForFunction(() => document.querySelectorAll('#case-events li').length === 5);
  const box = await page.textContent('#case-box');
  assert.match(box, /已追回50\.00 元/);
  assert.match(box, /待追回0\.00 元/);
  assert.equal(await page.$('#case-recover'), null);
  const events = await page.$$eval('#case-events li', (li) => li.map((x) => x.textContent));
  assert.deepEqual(events.map((e) => e.split(/[ ：]/)[3]), ['open', 'review', 'confirm', 'recover', 'recover']);
  assert.ok(events.every((e) => e.includes('supervisor')));
  const cases = await page.$$eval('#cases tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.match(cases[0], /已确认/);
  await page.screenshot({ path: join(SHOTS, 'supervisor-case-recovered.png'), fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // the institution sees its case, without the buttons; another institution does not
  const own = await login(env, 'inst2');
  await own.waitForSelector('#shell:not([hidden])');
  await visit(own, 'supervision?state=');
  assert.match(await own.textContent('#cases'), /床位费超限价/);
  await own.click('#cases tbody tr');
  await own.waitForSelector('#case-events');
  assert.equal(await own.$('#case-confirm, #case-recover, #open-case'), null);
  await own.screenshot({ path: join(SHOTS, 'inst2-case.png'), fullPage: true });
  await own.context().close();
  const other = await login(env, 'inst1');
  await other.waitForSelector('#shell:not([hidden])');
  await visit(other, 'supervision?state=');
  assert.doesNotMatch(await other.textContent('#page'), /床位费超限价/);
  await other.context().close();
});
