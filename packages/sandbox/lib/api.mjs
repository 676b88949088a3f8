// api.php: merchant queries and refunds, authenticated by pid + key.
// `act` is read from the query string only; query/settle/order/orders
// read pid/key from the query string, refund from the POST body — as
// real servers do, so a client sending them elsewhere fails here too.
// Answers are shaped as a 彩虹易支付 v3096 server's (json_encode()d,
// application/json), fields in its order.

import { JSON_TYPE, send, sendPhpJson } from './http.mjs';
import { sameSecret } from './signature.mjs';
import { day, formatCents, parseCents } from './values.mjs';
import { balanceCents, refundOrder } from './refunds.mjs';
import { RSA_ONLY } from './auth.mjs';

/** The fields of act=order, in order; bill_trade_no and payurl are never set here (null). */
const ORDER_FIELDS = ['trade_no', 'out_trade_no', 'api_trade_no', 'bill_trade_no', 'type', 'pid', 'addtime', 'endtime',
  'name', 'money', 'param', 'buyer', 'status', 'payurl'];
/** The fields of an act=orders row: no api_trade_no, bill_trade_no or payurl. */
const ROW_FIELDS = ['trade_no', 'out_trade_no', 'type', 'pid', 'addtime', 'endtime', 'name', 'money', 'param', 'buyer', 'status'];

/**
 * An order as api.php shows it, with `fields` (ints for pid/status, money
 * as strings, null when unset). A refunded order is status 2 and nothing
 * more, as on v3096 (no refundmoney; V2's pay/query shows it).
 */
function orderView(o, fields) {
  return Object.fromEntries(fields.map((k) => [k, o[k] ?? null]));
}

/** The merchant's order named by trade_no (wins) or out_trade_no, or an error answer. */
function findOrder(store, merchant, f) {
  if (f.trade_no) {
    const o = store.get(f.trade_no);
    return o?.pid === merchant.pid ? { order: o } : { error: { code: -1, msg: '订单号不存在' } };
  }
  if (!f.out_trade_no) return { error: { code: -4, msg: '订单号不能为空' } };
  const o = store.findByOut(merchant.pid, f.out_trade_no);
  return o ? { order: o } : { error: { code: -1, msg: '订单号不存在' } };
}

const intParam = (v, fallback) => (/^\d+$/.test(v ?? '') ? Number(v) : fallback);

/** The rows of `list` that fields `offset` (default 0) and `limit` (1 to 50, default `defaultLimit`) ask for. */
export function page(list, { offset, limit }, defaultLimit) {
  const start = intParam(offset, 0);
  return list.slice(start, start + Math.min(Math.max(intParam(limit, defaultLimit), 1), 50));
}

const ACTS = {
  // The day counters are orders_today/orders_lastday as v3096 says them,
  // or the seed document's order_today/order_lastday (dayCounters "seed").
  query(store, m) {
    const orders = store.list(m.pid);
    const countOn = (date) => orders.filter((o) => o.addtime.startsWith(date)).length;
    const [today, lastday] = m.dayCounters === 'seed' ? ['order_today', 'order_lastday'] : ['orders_today', 'orders_lastday'];
    return {
      code: 1, pid: m.pid, key: m.key, active: Number(m.active), money: formatCents(balanceCents(orders)),
      type: m.settle_type ?? 1, account: m.account ?? 'sandbox@example.com', username: m.username ?? '沙箱商户',
      orders: orders.length, [today]: countOn(day(0)), [lastday]: countOn(day(1)),
    };
  },

  settle(store, m) {
    return { code: 1, msg: '查询结算记录成功！', data: m.settles?.length ? m.settles : null };
  },

  order(store, m, f) {
    const { order, error } = findOrder(store, m, f);
    return error ?? { code: 1, msg: 'succ', ...orderView(order, ORDER_FIELDS) };
  },

  // limit (at most 50) and offset; `page` is ignored. No rows is null: an
  // empty HTTP 500, as v3096's PHP error on an empty list.
  orders(store, m, f) {
    const data = page(store.list(m.pid), f, 20).map((o) => orderView(o, ROW_FIELDS));
    return data.length ? { code: 1, msg: '查询订单记录成功！', count: data.length, data } : null;
  },

  refund(store, m, f) {
    const { order, error } = findOrder(store, m, f);
    if (error) return error;
    const cents = parseCents(f.money);
    if (!cents) return { code: -1, msg: '退款金额(money)不合法' };
    const { refund, error: refused } = refundOrder(store, order, cents);
    if (refused) return refused;
    // v3096's answer, fields in its order; out_refund_no is the refund_no
    // (V1 takes none), uid the merchant.
    const { refund_no, out_refund_no, money, reducemoney } = refund;
    return {
      code: 0, refund_no, out_refund_no, trade_no: order.trade_no, out_trade_no: order.out_trade_no, uid: m.pid,
      money, reducemoney, msg: `退款成功！退款金额¥${money}`,
    };
  },
};

/** The counter/fault name of an api.php request: "api.php?act=<act>". */
export const apiEndpoint = (query) => `api.php?act=${query.act ?? ''}`;

/** GET/POST api.php. An act answering null gets an empty HTTP 500. */
export function handleApi(ctx, req, res, input) {
  const act = input.query.act;
  const run = Object.hasOwn(ACTS, act ?? '') ? ACTS[act] : null;
  const f = act === 'refund' ? input.form : input.query;
  const merchant = ctx.store.merchant(f.pid);
  let answer;
  if (!run) answer = { code: -5, msg: 'No Act!' };
  else if (!f.pid) answer = { code: -3, msg: '商户ID(pid)不能为空' };
  else if (!merchant) answer = { code: -3, msg: '商户ID不存在' };
  else if (!f.key || !sameSecret(f.key, merchant.key)) answer = { code: -3, msg: '商户密钥错误' };
  else if (merchant.keyType === 'RSA') answer = { code: -3, msg: RSA_ONLY };
  else answer = run(ctx.store, merchant, f);
  if (answer === null) return send(res, 500, JSON_TYPE, '');
  sendPhpJson(res, answer);
}
