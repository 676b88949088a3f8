// The cashier: GET pay/<trade_no> (or pay/submit/<trade_no>/, the V2 path)
// shows the order with #pay and #cancel buttons; POST pay/<trade_no>/pay
// pays it (notify + 302 to return_url), POST pay/<trade_no>/cancel shows a
// cancelled page (order stays unpaid).

import { HttpError, redirect, sendHtml } from './http.mjs';
import { cashierPage, errorPage, messagePage } from './html.mjs';
import { payOrder } from './payments.mjs';
import { cashierUrl } from './orders.mjs';

const PATH_RE = /^\/pay\/(?:submit\/)?(\d+)(?:\/(pay|cancel))?\/?$/;

function paidPage(order) {
  const text = order.status === 2 ? '该订单已退款' : '该订单已完成支付';
  return messagePage('订单已支付', 'paid', `${text} (${order.out_trade_no})`);
}

const closedPage = (order) => messagePage('订单已关闭', 'closed', `该订单已关闭 (${order.out_trade_no})`);

/** GET/POST pay/<trade_no>[/pay|/cancel]. */
export function handleCashier(ctx, req, res, input) {
  const [, tradeNo, action] = PATH_RE.exec(input.url.pathname) ?? [];
  const order = tradeNo && ctx.store.get(tradeNo);
  if (!order) return sendHtml(res, 404, errorPage('订单不存在'));
  const here = cashierUrl(ctx.baseUrl(req), order);
  if (order.status !== 0) return sendHtml(res, 200, paidPage(order));
  if (order.outcome === 'closed') return sendHtml(res, 200, closedPage(order));
  if (action && req.method !== 'POST') return redirect(res, here);
  if (action === 'pay') {
    try {
      const returnUrl = payOrder(ctx, order, { type: input.form.type });
      return returnUrl ? redirect(res, returnUrl) : sendHtml(res, 200, paidPage(order));
    } catch (e) {
      if (e instanceof HttpError) return sendHtml(res, e.status, errorPage(e.message));
      throw e;
    }
  }
  if (action === 'cancel') {
    order.outcome = 'cancelled';
    ctx.store.save();
    return sendHtml(res, 200, messagePage('支付已取消', 'cancelled', '您已取消支付，订单仍未支付。',
      { href: here, text: '返回收银台' }));
  }
  const merchant = ctx.store.merchant(order.pid);
  sendHtml(res, 200, cashierPage({ order, merchant, actions: { pay: `${here}/pay`, cancel: `${here}/cancel` } }));
}
