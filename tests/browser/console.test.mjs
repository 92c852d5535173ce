// console.test.mjs — the bureau console in a real browser: a bad log-in refused, every role's
// pages drawn with data (charts and filled tables, a screenshot of each), the person's file with a
// settlement's waterfall, an institution user refused another institution's data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, login, visit, SHOTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { if (env) await env.stop(); });

const NAV = {
  admin: ['overview', 'person', 'institution', 'supervision', 'payment', 'enrollment', 'policy'],
  supervisor: ['overview', 'person', 'institution', 'supervision', 'payment', 'policy'],
  clerk: ['overview', 'person', 'institution', 'enrollment', 'policy'],
  inst1: ['institution', 'supervision', 'payment', 'policy'],
};
// the route to open for each page, and what must be there
const CHECK = {
  overview: { route: 'overview', charts: 3, tables: ['#levels', '#top-diseases', '#top-drugs', '#income'] },
  person: { route: 'person/41150000000000000005', charts: 2, tables: ['#enrollments', '#accum', '#psn-setls', '#fee-lines'] },
  institution: { route: 'institution/H41150000001', charts: 1, tables: ['#inst-setls'] },
  policy: { route: 'policy', charts: 0, tables: ['#policy-params table', '#policy-diff table'] },
  enrollment: { route: 'enrollment?list=household&year=2026', charts: 0, tables: ['#enroll-rows'] },
};

async function filled(page, sel) {
  return page.$$eval(sel + ' tbody tr', (trs) => trs.filter((tr) => !tr.querySelector('td.empty')).length);
}

test('a bad log-in is refused', async () => {
  const page = await login(env, 'supervisor', 'wrong-password');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  assert.match(await page.textContent('#login-error'), /用户名或密码错误/);
  assert.equal(await page.isVisible('#shell'), false);
  await page.screenshot({ path: join(SHOTS, 'login-refused.png') });
  await page.context().close();
});

for (const [user, pages] of Object.entries(NAV)) {
  test('log in as ' + user + ': every page renders with data', async () => {
    const page = await login(env, user);
    await page.waitForSelector('#shell:not([hidden])');
    const nav = await page.$$eval('#nav a', (as) => as.map((a) => a.dataset.page));
    assert.deepEqual(nav, pages);
    for (const p of pages) {
      const c = CHECK[p];
      const route = c ? (user === 'inst1' && p === 'institution' ? 'institution/H41150000001' : c.route) : p;
      const ms = await visit(page, route);
      if (c) {
        const drawn = await page.$$eval('#page .chart[data-drawn="1"] canvas', (cs) => cs.length);
        assert.ok(drawn >= c.charts, `${user} ${p}: ${drawn} charts drawn, want ${c.charts}`);
        for (const t of c.tables) assert.ok(await filled(page, t) > 0, `${user} ${p}: table ${t} is empty`);
      } else {
        assert.ok(await page.$('#page .card'), `${user} ${p}: nothing drawn`);
      }
      await page.screenshot({ path: join(SHOTS, `${user}-${p}.png`), fullPage: true });
      console.log(`page ${user} ${p}: ${ms} ms`);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

test('the person file: search by name, open a settlement, see its waterfall', async () => {
  const page = await login(env, 'clerk');
  await page.waitForSelector('#shell:not([hidden])');
  await visit(page, 'person');
  await page.fill('#psn-q', '刘洋');
  await page.click('#psn-search');
  await page.waitForSelector('#settlement');
  await page.waitForFunction(() => document.querySelector('#wf-payers')?.dataset.drawn === '1');
  const trace = await page.$$eval('#trace li', (li) => li.map((x) => x.textContent));
  assert.ok(trace.some((t) => t.includes('329.00')), trace.join('\n')); // 医疗救助 470.00 × 0.7
  assert.match(await page.textContent('#settlement'), /各方支付合计 520\.00 元 = 医疗费总额 520\.00 元/);
  await page.screenshot({ path: join(SHOTS, 'person-waterfall.png'), fullPage: true });
  await page.context().close();
});

test('an institution user is refused another institution', async () => {
  const page = await login(env, 'inst1');
  await page.waitForSelector('#shell:not([hidden])');
  await page.evaluate(() => { location.hash = '#/institution/H41150000002'; });
  await page.waitForSelector('#page .notice.error');
  assert.match(await page.textContent('#page'), /无权查看/);
  assert.doesNotMatch(await page.textContent('#page'), /示例县中医院/);
  await page.screenshot({ path: join(SHOTS, 'inst1-refused.png') });
  // and the overview is not on its menu; the route sends it home
  await page.evaluate(() => { location.hash = '#/overview'; });
  await page.waitForFunction(() => location.hash === '#/institution/H41150000001');
  await page.context().close();
});

test('the DIP year worked in the page: catalogue, scores, advances, clearing, statements', async (t) => {
  const probe = await fetch(env.base + '/api/v1/dip/catalogues');
  if (probe.status === 404) return t.skip('the DIP module is not built in');
  const page = await login(env, 'supervisor');
  await page.waitForSelector('#shell:not([hidden])');
  await visit(page, 'payment?year=2024');
  for (const id of ['#dip-build', '#dip-score', '#dip-advance', '#dip-clear']) {
    const before = await page.evaluate(() => location.hash);
    await page.click(id);
    await page.waitForFunction((h) => location.hash !== h && document.getElementById('page').dataset.page === 'payment'
      && !document.querySelector('#page .loading'), before);
    assert.equal(await page.textContent('#dip-msg'), '', id);
  }
  await page.waitForSelector('#dip-clearing');
  assert.ok(await filled(page, '#dip-clearing') > 1);
  assert.ok(await filled(page, '#dip-advances') > 1);
  assert.ok(await filled(page, '#dip-catalogues') === 1);
  await page.screenshot({ path: join(SHOTS, 'supervisor-payment.png'), fullPage: true });
  await page.click('#dip-clearing tbody tr');
  await page.waitForSelector('#dip-statement #dip-cases');
  await page.context().close();
  // the institution's own statement
  const own = await login(env, 'inst1');
  await own.waitForSelector('#shell:not([hidden])');
  await visit(own, 'payment?year=2024');
  assert.match(await own.textContent('#page'), /年终结算单：H41150000001/);
  assert.ok(await filled(own, '#dip-cases') > 0);
  await own.screenshot({ path: join(SHOTS, 'inst1-payment-statement.png'), fullPage: true });
  await own.context().close();
});
