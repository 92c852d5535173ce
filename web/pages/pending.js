// pages/pending.js — a page whose module's API is not installed yet says so instead of failing.
import { el, card, notice } from '../lib.js';
export function pending(title, what) {
  return el('div', {}, el('div', { class: 'page-head' }, el('h1', {}, title)),
    card(null, notice(what + '的接口尚未在本服务器上线（后台模块合并后本页自动启用）', 'info')));
}
