// pages/enrollment.js — 参保管理: broken enrollment, household members not enrolled, high-cost
// warnings, each exportable to CSV, on the enrollment module's routes.
import { pending } from './pending.js';
export default async function enrollment() { return pending('参保管理', '参保（断缴、未参保家庭成员、高额费用预警）'); }
