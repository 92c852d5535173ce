// pages/supervision.js — 基金监管: audit findings with filters and the case workflow
// (review, confirm, dismiss, recover), on the audit module's routes.
import { pending } from './pending.js';
export default async function supervision() { return pending('基金监管', '稽核（疑点与案件）'); }
