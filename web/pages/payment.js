// pages/payment.js — 支付结算: DIP catalogue, point value, monthly advances, year-end statements.
import { pending } from './pending.js';
export default async function payment() { return pending('支付结算（DIP）', '按病种分值付费（DIP）'); }
