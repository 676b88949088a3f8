// Paying an order: the state change, the signed result fields (shared by
// the notify and the return redirect) and the fake channel ids.

import { randomInt } from 'node:crypto';
import { HttpError } from './http.mjs';
import { signFields } from './signature.mjs';
import { isPayType, compactStamp, dateTime, notifyMoney } from './values.mjs';

const digits = (n) => Array.from({ length: n }, () => randomInt(10)).join('');

/**
 * The signed fields sent to notify_url and return_url for a paid order:
 * money with trailing zeros dropped like real servers, plus, when set, the
 * unlisted-but-signed api_trade_no and buyer that newer servers add (a
 * verifier must sign every received field) and `param`.
 * A V1 order's are MD5-signed with the merchant's KEY; a V2 order's carry
 * `timestamp` (now, by the sandbox clock: every call signs anew) and are
 * RSA-signed with the platform key, `sign_type` before `sign` as v3096
 * sends them.
 */
export function resultParams(ctx, order) {
  const params = {
    pid: String(order.pid), trade_no: order.trade_no, out_trade_no: order.out_trade_no,
    type: order.type, name: order.name, money: notifyMoney(order.money), trade_status: 'TRADE_SUCCESS',
  };
  for (const k of ['api_trade_no', 'buyer', 'param']) if (order[k]) params[k] = order[k];
  if (order.api !== 'v2') return signFields(params, ctx.store.merchant(order.pid).key);
  params.timestamp = String(ctx.now());
  return { ...params, sign_type: 'RSA', sign: ctx.platform.sign(params) };
}

/** `base` with `params` appended as a query string (with `&` if it already has one, as real servers do). */
export function withQuery(base, params) {
  return base + (base.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
}

/**
 * Marks an unpaid order paid (type defaults to alipay if the cashier had
 * none; api_trade_no and buyer are made up unless given, buyer null for
 * none), starts the notify and returns the signed return_url (null for a
 * V2 order created without one).
 * Throws HttpError 409 if it is already paid or closed.
 */
export function payOrder(ctx, order, { type, buyer, api_trade_no } = {}) {
  if (order.status !== 0) throw new HttpError(409, `order ${order.trade_no} is already paid`);
  if (order.outcome === 'closed') throw new HttpError(409, `order ${order.trade_no} is closed`);
  if (!ctx.store.merchant(order.pid)) throw new HttpError(409, `merchant ${order.pid} is not configured any more`);
  const chosen = type || order.type || 'alipay';
  if (!isPayType(chosen)) throw new HttpError(400, `unknown type ${chosen}`);
  Object.assign(order, {
    type: chosen, status: 1, endtime: dateTime(), outcome: null,
    api_trade_no: api_trade_no ? String(api_trade_no) : `${compactStamp().slice(0, 8)}2200${digits(16)}`,
    buyer: buyer === null ? null : buyer ? String(buyer) : `2088${digits(12)}`,
  });
  ctx.store.save();
  ctx.notifier.start(order);
  return order.return_url ? withQuery(order.return_url, resultParams(ctx, order)) : null;
}
