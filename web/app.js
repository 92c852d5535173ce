// app.js — the console's shell: log-in, role-aware navigation, hash routes (#/overview,
// #/person/PSN_NO, #/institution/CODE …) and the page modules that draw each one.
import { api, setCsrf, el, disposeCharts, notice, ApiError } from './lib.js';
import overview from './pages/overview.js';
import person from './pages/person.js';
import institution from './pages/institution.js';
import supervision from './pages/supervision.js';
import payment from './pages/payment.js';
import enrollment from './pages/enrollment.js';
import policy from './pages/policy.js';

const ROLE_NAMES = { admin: '局管理员', supervisor: '基金监管', clerk: '经办', inst: '定点机构' };
// page → [title, module, roles]
const PAGES = {
  overview: ['总览', overview, ['admin', 'supervisor', 'clerk']],
  person: ['一人一档', person, ['admin', 'supervisor', 'clerk']],
  institution: ['定点机构', institution, ['admin', 'supervisor', 'clerk', 'inst']],
  supervision: ['基金监管', supervision, ['admin', 'supervisor', 'inst']],
  payment: ['支付结算', payment, ['admin', 'supervisor', 'inst']],
  enrollment: ['参保管理', enrollment, ['admin', 'clerk']],
  policy: ['待遇政策', policy, ['admin', 'supervisor', 'clerk', 'inst']],
};

export const state = { user: null };

function allowed(page) { return PAGES[page] && PAGES[page][2].includes(state.user.role); }
function home() { return state.user.role === 'inst' ? 'institution/' + state.user.fixmedins_code : 'overview'; }

function drawNav(current) {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...Object.entries(PAGES).filter(([k]) => allowed(k)).map(([k, [title]]) =>
    el('a', { href: '#/' + (k === 'institution' && state.user.role === 'inst' ? 'institution/' + state.user.fixmedins_code : k),
      class: k === current ? 'on' : '', 'data-page': k }, title)));
}

// Routes overlap (a hash set at log-in and showShell both route; a click may come before a slow
// page is drawn): only the newest may draw, or an older, slower one would cover it.
let routeSeq = 0;

async function route() {
  if (!state.user) return;
  const seq = ++routeSeq;
  const [page, ...rest] = ((location.hash.replace(/^#\/?/, '').split('?')[0]) || home()).split('/');
  if (!allowed(page)) { location.hash = '#/' + home(); return; }
  drawNav(page);
  disposeCharts();
  const main = document.getElementById('page');
  main.replaceChildren(el('div', { class: 'loading' }, '加载中…'));
  const t0 = performance.now();
  try {
    const view = await PAGES[page][1](rest.map(decodeURIComponent), state);
    if (seq !== routeSeq) return;
    main.replaceChildren(view);
    main.dataset.page = page;
    main.dataset.loadMs = String(Math.round(performance.now() - t0));
  } catch (e) {
    if (seq !== routeSeq) return;
    if (e instanceof ApiError && e.status === 401) return showLogin('会话已过期，请重新登录');
    main.replaceChildren(notice((e instanceof ApiError && e.status === 403 ? '无权查看：' : '出错了：') + e.message, 'error'));
    main.dataset.page = page;
  }
}

function showShell() {
  document.getElementById('login').hidden = true;
  document.getElementById('shell').hidden = false;
  const u = state.user;
  document.getElementById('who').textContent = (u.display_name || u.username) + ' · ' + (ROLE_NAMES[u.role] || u.role) +
    (u.fixmedins_code ? ' · ' + u.fixmedins_code : '');
  route();
}

function showLogin(msg) {
  state.user = null;
  document.getElementById('shell').hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = msg || '';
  document.getElementById('login-user').focus();
}

document.getElementById('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const btn = document.getElementById('login-submit');
  btn.disabled = true;
  try {
    const r = await api('/api/v1/login', { method: 'POST', body: { username: f.username.value, password: f.password.value } });
    setCsrf(r.csrf_token);
    state.user = r.user;
    f.password.value = '';
    if (!location.hash) location.hash = '#/' + home();
    showShell();
  } catch (e) {
    document.getElementById('login-error').textContent = e.message;
  } finally {
    btn.disabled = false;
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('/api/v1/logout', { method: 'POST' }); } catch (e) { /* the session may be gone already */ }
  location.hash = '';
  showLogin('已退出');
});

window.addEventListener('hashchange', route);

(async () => {
  try {
    const me = await api('/api/v1/me');
    setCsrf(me.csrf_token);
    state.user = me.user;
    showShell();
  } catch (e) {
    showLogin('');
  }
})();
