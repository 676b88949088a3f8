// Order creation: mapi.php (JSON answers) and submit.php (HTML answers).
// Both check the merchant, the signature and the fields the same way; they
// differ in which fields are required and how errors are shown. V2's
// pay/create and pay/submit (v2.mjs) create orders through createOrder too.

import { isIP } from 'node:net';
import { HTML_TYPE, redirect, sendHtml, sendPhpJson } from './http.mjs';
import { signatureError } from './auth.mjs';
import { errorPage } from './html.mjs';
import { OUT_TRADE_NO_RE, isPayType, parseCents, formatCents, cutBytes, dateTime } from './values.mjs';

const REQUIRED_LABELS = {
  pid: '商户ID(pid)', type: '支付方式(type)', out_trade_no: '订单号(out_trade_no)',
  notify_url: '通知地址(notify_url)', return_url: '回调地址(return_url)', name: '商品名称(name)',
  money: '金额(money)', clientip: '用户IP地址(clientip)', device: '设备类型(device)',
};
const MAPI_REQUIRED = ['pid', 'type', 'out_trade_no', 'notify_url', 'return_url', 'name', 'money', 'clientip', 'device'];
/** The fields submit.php (and V2's pay/submit) require. */
export const SUBMIT_REQUIRED = ['pid', 'out_trade_no', 'notify_url', 'return_url', 'name', 'money'];

const fail = (code, msg) => ({ error: { code, msg } });
const blank = (fields, k) => String(fields[k] ?? '').trim() === '';

/** The merchant of a V1 order (mapi.php, submit.php), or an error: -4, -1 (pid, banned), -3 (merchant, signature). */
function v1Merchant(store, fields) {
  if (Object.keys(fields).length === 0) return fail(-4, '未传入任何参数');
  if (blank(fields, 'pid')) return fail(-1, `${REQUIRED_LABELS.pid}不能为空`);
  const merchant = store.merchant(fields.pid);
  if (!merchant) return fail(-3, '商户不存在！');
  if (Number(merchant.active) === 0) return fail(-1, '商户已被封禁，无法支付！');
  const badSign = signatureError(store, merchant, fields);
  return badSign ? fail(-3, badSign) : { merchant };
}

/** Checks an order's fields (signature already checked); returns { values } or { error, html? }. */
function orderValues(merchant, fields, required) {
  if (Object.values(fields).some((v) => v.includes('\0'))) return fail(-1, '参数不能包含NUL字符');
  const missing = required.find((k) => blank(fields, k));
  if (missing) return fail(-1, `${REQUIRED_LABELS[missing]}不能为空`);
  const { type = '', out_trade_no, clientip, device } = fields;
  if (!OUT_TRADE_NO_RE.test(out_trade_no)) return fail(-1, '订单号(out_trade_no)格式不正确');
  const cents = parseCents(fields.money);
  if (!cents) return fail(-1, '金额不合法');
  if (clientip && !isIP(clientip)) return fail(-1, '用户IP地址(clientip)格式不正确');
  if (required.includes('device') && device !== 'jump') return fail(-1, '设备类型(device)不支持，请传入jump');
  if (type && !isPayType(type)) return { ...fail(-1, '支付方式(type)不存在'), html: true };
  const param = cutBytes(fields.param ?? '', 255);
  const values = {
    pid: merchant.pid, out_trade_no, type, money: formatCents(cents),
    // whitespace-only param dropped, as one server version does
    name: cutBytes(fields.name, 127), param: param.trim() ? param : null,
    notify_url: fields.notify_url, return_url: fields.return_url || null,
  };
  return { values };
}

/** Whether a retried order asks for something different from the stored one. */
function differs(order, v) {
  return order.name !== v.name || order.money !== v.money || order.notify_url !== v.notify_url ||
    order.return_url !== v.return_url || (order.param ?? null) !== v.param ||
    Boolean(order.type && v.type && order.type !== v.type);
}

/**
 * Creates merchant's order from `fields` (whose signature was checked), or
 * returns the existing one for an identical retry of the same
 * out_trade_no. `api` ("v1" or "v2") decides how its notify is signed.
 * Returns { order } or { error, html? }.
 */
export function createOrder(store, merchant, fields, { required, via, api, clientip }) {
  const checked = orderValues(merchant, fields, required);
  if (checked.error) return checked;
  const v = checked.values;
  const existing = store.findByOut(v.pid, v.out_trade_no);
  if (existing) {
    if (existing.status > 0) return fail(-1, `该订单(${v.out_trade_no})已完成支付，请勿重复发起支付`);
    if (existing.outcome === 'closed') return fail(-1, `该订单(${v.out_trade_no})已关闭，请更换订单号重新发起支付`);
    if (differs(existing, v)) return fail(-1, `该订单(${v.out_trade_no})支付参数有变化，请更换订单号重新发起支付`);
    if (!existing.type && v.type) {
      existing.type = v.type;
      store.save();
    }
    return { order: existing };
  }
  return {
    order: store.add({
      ...v, clientip: fields.clientip || clientip, device: fields.device || null, via, api,
      addtime: dateTime(), endtime: null, status: 0, api_trade_no: null, buyer: null,
      refundmoney: '0.00', refunds: [], outcome: null, notify: { status: 'none', url: null, attempts: [] },
    }),
  };
}

/** The cashier URL of an order. */
export const cashierUrl = (base, order) => `${base}pay/${order.trade_no}`;

/**
 * POST (or GET) mapi.php, answering as a v3096 server does: a created
 * order is JSON sent as text/html (json_encode()'s escapes), an error is
 * application/json with the message unescaped, and an unknown type gets
 * the HTML error page with HTTP 200.
 */
export function handleMapi(ctx, req, res, input) {
  const auth = v1Merchant(ctx.store, input.fields);
  const r = auth.error ? auth : createOrder(ctx.store, auth.merchant, input.fields, { required: MAPI_REQUIRED, via: 'mapi', api: 'v1' });
  if (r.html) return sendHtml(res, 200, errorPage(r.error.msg));
  if (r.error) return sendPhpJson(res, r.error, { unescapedUnicode: true });
  sendPhpJson(res, { code: 1, trade_no: r.order.trade_no, payurl: cashierUrl(ctx.baseUrl(req), r.order) }, { type: HTML_TYPE });
}

/** GET/POST submit.php: redirects to the cashier, or shows the HTML error page. Never JSON. */
export function handleSubmit(ctx, req, res, input) {
  const auth = v1Merchant(ctx.store, input.fields);
  const r = auth.error ? auth : createOrder(ctx.store, auth.merchant, input.fields, {
    required: SUBMIT_REQUIRED, via: 'submit', api: 'v1', clientip: req.socket.remoteAddress,
  });
  if (r.error) return sendHtml(res, 200, errorPage(r.error.msg));
  redirect(res, cashierUrl(ctx.baseUrl(req), r.order));
}
