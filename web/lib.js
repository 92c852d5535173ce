// lib.js — what every page shares: the API client (session cookie + CSRF header), money and
// number formatting from the API's exact integers, small DOM builders, tables and charts.
let csrf = '';
export function setCsrf(t) { csrf = t || ''; }

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || ('HTTP ' + status));
    this.status = status;
    this.field = body && body.error ? body.error.field : '';
  }
}

export async function api(path, { method = 'GET', body, params } = {}) {
  let url = path;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') {
    opt.headers['Content-Type'] = 'application/json';
    opt.headers['X-CSRF-Token'] = csrf;
    opt.body = JSON.stringify(body || {});
  }
  const r = await fetch(url, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// fen (an integer from the API) → "12,345.67"; integer arithmetic only, so exact.
export function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return '';
  const n = Number(fen);
  const neg = n < 0;
  const a = Math.abs(n);
  const y = Math.floor(a / 100);
  const f = a - y * 100;
  return (neg ? '-' : '') + y.toLocaleString('en-US') + '.' + String(f).padStart(2, '0');
}
// fen → 万元 text with 2 decimals for big cards (display only).
export function wan(fen) {
  const n = Number(fen);
  if (Math.abs(n) < 1000000) return yuan(fen) + ' 元';
  const w = Math.round(n / 10000); // in units of 0.01 万元
  return yuan(w) + ' 万元';
}
export const num = (n) => Number(n || 0).toLocaleString('en-US');
// for charts only: yuan as a float to draw bars (labels use yuan())
export const plot = (fen) => Number(fen) / 100;

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

export function card(title, ...body) {
  return el('section', { class: 'card' }, title ? el('h2', {}, title) : null, ...body);
}

export function kpi(label, value, note) {
  return el('div', { class: 'kpi' }, el('div', { class: 'kpi-label' }, label), el('div', { class: 'kpi-value' }, value),
    note ? el('div', { class: 'kpi-note' }, note) : null);
}

// cols: [{key, label, fmt?(value,row), cls?, money?:true}]
export function table(cols, rows, { onrow, empty = '暂无数据', id } = {}) {
  const t = el('table', { class: 'grid', id });
  t.append(el('thead', {}, el('tr', {}, cols.map((c) => el('th', { class: c.money || c.num ? 'r' : '' }, c.label)))));
  const tb = el('tbody');
  if (!rows || !rows.length) tb.append(el('tr', {}, el('td', { colspan: cols.length, class: 'empty' }, empty)));
  for (const r of rows || []) {
    const tr = el('tr', onrow ? { class: 'click', onclick: () => onrow(r) } : {});
    for (const c of cols) {
      let v = r[c.key];
      if (c.money) v = yuan(v);
      else if (c.num) v = num(v);
      if (c.fmt) v = c.fmt(r[c.key], r);
      tr.append(el('td', { class: (c.money || c.num ? 'r ' : '') + (c.cls || '') }, v));
    }
    tb.append(tr);
  }
  t.append(tb);
  return t;
}

const charts = new Set();
export function chart(opts, { height = 300, id } = {}) {
  const box = el('div', { class: 'chart', style: 'height:' + height + 'px', id });
  requestAnimationFrame(() => {
    if (!window.echarts) { box.textContent = '图表库未加载'; return; }
    const c = window.echarts.init(box, null, { renderer: 'canvas' });
    c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: 'inherit' } }, opts));
    charts.add(c);
    box.dataset.drawn = '1';
  });
  return box;
}
export function disposeCharts() { for (const c of charts) c.dispose(); charts.clear(); }
window.addEventListener('resize', () => { for (const c of charts) c.resize(); });

export function notice(text, kind = 'info') { return el('div', { class: 'notice ' + kind }, text); }

export const INSUTYPE = { '310': '职工基本医疗保险', '390': '城乡居民基本医疗保险', '320': '公务员医疗补助', '330': '大额医疗费用补助', '340': '离休人员医疗保障', '510': '生育保险' };
export const insutype = (c) => INSUTYPE[c] ? INSUTYPE[c] + '（' + c + '）' : c;
export const KIND = { otp: '门诊', ipt: '住院', '': '其他' };
export const GEND = { '1': '男', '2': '女' };
export const COLORS = ['#2f6db5', '#e0873a', '#3a9d6e', '#c2474b', '#7b5ea7', '#8c8c8c', '#3fa7c4'];

export function csvLink(href, label = '导出 CSV') {
  return el('a', { class: 'btn', href, download: '' }, label);
}

// an exact decimal in yuan from the API (34.98) → "34.98" (display only; the value has 2 decimals)
export const yuanDec = (v) => v === null || v === undefined || v === '' ? '' : yuan(Math.round(Number(v) * 100));

// a modal form; fields: [{name, label, value?, required?, type?}] → resolves to the values or null
export function ask(title, fields, okLabel = '确定') {
  return new Promise((done) => {
    const inputs = fields.map((f) => el(f.type === 'textarea' ? 'textarea' : 'input',
      { name: f.name, value: f.value ?? '', required: f.required, placeholder: f.placeholder || '', id: 'ask-' + f.name }));
    fields.forEach((f, i) => { if (f.type === 'textarea') inputs[i].value = f.value ?? ''; });
    const err = el('p', { class: 'error' });
    const close = (v) => { back.remove(); done(v); };
    const form = el('form', { class: 'modal' }, el('h2', {}, title),
      fields.map((f, i) => el('label', {}, f.label, inputs[i])), err,
      el('div', { class: 'actions' }, el('button', { type: 'button', class: 'light', onclick: () => close(null) }, '取消'),
        el('button', { type: 'submit', id: 'ask-ok' }, okLabel)));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const out = {};
      fields.forEach((f, i) => { out[f.name] = inputs[i].value.trim(); });
      const miss = fields.find((f) => f.required && !out[f.name]);
      if (miss) { err.textContent = '请填写' + miss.label; return; }
      close(out);
    });
    const back = el('div', { class: 'modal-back' }, form);
    document.body.append(back);
    (inputs[0] || form).focus();
  });
}
