// api.php: merchant queries and refunds, authenticated by pid + key.
// `act` is read from the query string only; query/settle/order/orders
// read pid/key from the query string, refund from the POST body — as
// real servers do, so a client sending them elsewhere fails here too.

import { send, sendJson } from './http.mjs';
import { dateTime, formatCents, parseCents, sameText } from './values.mjs';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An order as api.php shows it (ints for pid/status, money as strings, null when unset). */
export function orderView(o) {
  const view = {
    trade_no: o.trade_no, out_trade_no: o.out_trade_no, api_trade_no: o.api_trade_no, type: o.type,
    pid: o.pid, addtime: o.addtime, endtime: o.endtime, name: o.name, money: o.money,
    status: o.status, param: o.param, buyer: o.buyer,
  };
  if (o.status === 2) view.refundmoney = o.refundmoney;
  return view;
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

const paidCents = (o) => (o.status > 0 ? parseCents(o.money) - parseCents(o.refundmoney) : 0);
const intParam = (v, fallback) => (/^\d+$/.test(v ?? '') ? Number(v) : fallback);

/** What act=orders answers past the last page. */
const EMPTY_PAGE = Symbol('HTTP 500, empty body');

const ACTS = {
  query(store, m) {
    const orders = store.list(m.pid);
    const day = (d) => dateTime(d).slice(0, 10);
    const countOn = (date) => orders.filter((o) => o.addtime.startsWith(date)).length;
    return {
      code: 1, pid: m.pid, key: m.key, active: Number(m.active), money: formatCents(orders.reduce((s, o) => s + paidCents(o), 0)),
      type: m.settle_type ?? 1, account: m.account ?? 'sandbox@example.com', username: m.username ?? '沙箱商户',
      orders: orders.length, orders_today: countOn(day(new Date())), order_lastday: countOn(day(new Date(Date.now() - DAY_MS))),
    };
  },

  settle(store, m) {
    return { code: 1, msg: '查询结算记录成功！', data: m.settles?.length ? m.settles : null };
  },

  order(store, m, f) {
    const { order, error } = findOrder(store, m, f);
    return error ?? { code: 1, msg: '查询订单号成功！', ...orderView(order) };
  },

  orders(store, m, f) {
    const limit = Math.min(Math.max(intParam(f.limit, 20), 1), 50);
    const offset = intParam(f.offset, 0);
    const data = store.list(m.pid).slice(offset, offset + limit).map(orderView);
    // v3096 fails on an empty list: HTTP 500 with an empty body.
    return data.length ? { code: 1, msg: '查询订单记录成功！', count: data.length, data } : EMPTY_PAGE;
  },

  refund(store, m, f) {
    const { order, error } = findOrder(store, m, f);
    if (error) return error;
    const cents = parseCents(f.money);
    if (!cents) return { code: -1, msg: '退款金额(money)不合法' };
    if (order.status === 0) return { code: -1, msg: '订单未支付，无法退款' };
    const left = paidCents(order);
    if (left <= 0) return { code: -1, msg: '该订单已全额退款' };
    if (cents > left) return { code: -1, msg: `退款金额不能大于剩余可退金额${formatCents(left)}元` };
    order.refundmoney = formatCents(parseCents(order.refundmoney) + cents);
    order.status = 2;
    order.refunds.push({ at: dateTime(), money: formatCents(cents) });
    store.save();
    return { code: 0, msg: `退款成功！退款金额￥${formatCents(cents)}` };
  },
};

/** The counter/fault name of an api.php request: "api.php?act=<act>". */
export const apiEndpoint = (query) => `api.php?act=${query.act ?? ''}`;

/** GET/POST api.php. */
export function handleApi(ctx, req, res, input) {
  const act = input.query.act;
  const run = Object.hasOwn(ACTS, act ?? '') ? ACTS[act] : null;
  const f = act === 'refund' ? input.form : input.query;
  const merchant = ctx.store.merchant(f.pid);
  let answer;
  if (!run) answer = { code: -5, msg: 'No Act!' };
  else if (!f.pid) answer = { code: -3, msg: '商户ID(pid)不能为空' };
  else if (!merchant) answer = { code: -3, msg: '商户ID不存在' };
  else if (!f.key || !sameText(f.key, merchant.key)) answer = { code: -3, msg: 'KEY校验失败' };
  else answer = run(ctx.store, merchant, f);
  if (answer === EMPTY_PAGE) send(res, 500, 'application/json; charset=UTF-8', '');
  else sendJson(res, 200, answer);
}
