// Paying an order: the state change, the signed result fields (shared by
// the notify and the return redirect) and the fake channel ids.

import { randomInt } from 'node:crypto';
import { HttpError } from './http.mjs';
import { signFields } from './signature.mjs';
import { isPayType, compactStamp, dateTime, notifyMoney } from './values.mjs';

const digits = (n) => Array.from({ length: n }, () => randomInt(10)).join('');

/**
 * The signed fields sent to notify_url and return_url for a paid order:
 * money with trailing zeros dropped like real servers, `param` only if
 * set, plus the unlisted-but-signed api_trade_no and buyer that newer
 * servers add (a verifier must sign every received field).
 */
export function resultParams(merchant, order) {
  const params = {
    pid: String(order.pid), trade_no: order.trade_no, out_trade_no: order.out_trade_no,
    type: order.type, name: order.name, money: notifyMoney(order.money), trade_status: 'TRADE_SUCCESS',
    api_trade_no: order.api_trade_no, buyer: order.buyer,
  };
  if (order.param) params.param = order.param;
  return signFields(params, merchant.key);
}

/** `base` with `params` appended as a query string (with `&` if it already has one, as real servers do). */
export function withQuery(base, params) {
  return base + (base.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
}

/**
 * Marks an unpaid order paid (type defaults to alipay if the cashier had
 * none), starts the notify and returns the signed return_url.
 * Throws HttpError 409 if it is already paid.
 */
export function payOrder(ctx, order, { type, buyer, api_trade_no } = {}) {
  if (order.status !== 0) throw new HttpError(409, `order ${order.trade_no} is already paid`);
  const merchant = ctx.store.merchant(order.pid);
  if (!merchant) throw new HttpError(409, `merchant ${order.pid} is not configured any more`);
  const chosen = type || order.type || 'alipay';
  if (!isPayType(chosen)) throw new HttpError(400, `unknown type ${chosen}`);
  Object.assign(order, {
    type: chosen, status: 1, endtime: dateTime(), outcome: null,
    api_trade_no: api_trade_no ? String(api_trade_no) : `${compactStamp().slice(0, 8)}2200${digits(16)}`,
    buyer: buyer ? String(buyer) : `2088${digits(12)}`,
  });
  ctx.store.save();
  ctx.notifier.start(order);
  return withQuery(order.return_url, resultParams(merchant, order));
}
