// Refunds, shared by V1 (api.php?act=refund) and V2 (/api/pay/refund):
// partial refunds allowed, the order's status becomes 2, and every refund
// is recorded on the order with a refund_no (see Store.addRefund).

import { dateTime, formatCents, parseCents } from './values.mjs';

/** What is left to refund of an order, in cents (0 unless paid). */
const paidCents = (o) => (o.status > 0 ? parseCents(o.money) - parseCents(o.refundmoney) : 0);

/** A merchant's balance in cents: what its orders were paid, less refunds. */
export const balanceCents = (orders) => orders.reduce((sum, o) => sum + paidCents(o), 0);

/**
 * Refunds `cents` (> 0) of `order`, recording the refund under
 * `out_refund_no` (default: its refund_no). Returns { refund } or
 * { error: { code: -1, msg } } for an unpaid order, one fully refunded
 * (v3096's messages) or an amount over what is left.
 */
export function refundOrder(store, order, cents, outRefundNo) {
  if (order.status === 0) return { error: { code: -1, msg: '该订单状态不支持退款！' } };
  const left = paidCents(order);
  if (left <= 0) return { error: { code: -1, msg: '该订单已全额退款！' } };
  if (cents > left) return { error: { code: -1, msg: `退款金额不能大于剩余可退金额${formatCents(left)}元` } };
  order.refundmoney = formatCents(parseCents(order.refundmoney) + cents);
  order.status = 2;
  const now = dateTime();
  const money = formatCents(cents);
  const refund = store.addRefund(order, {
    out_refund_no: outRefundNo, money, reducemoney: money, status: 1, addtime: now, endtime: now,
  });
  return { refund };
}
