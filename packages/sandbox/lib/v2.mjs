// The V2 API of 彩虹易支付 (v3096): /api/<class>/<func>, form-urlencoded,
// every request timestamped and signed (SHA256withRSA with the merchant's
// key, or MD5 while the merchant's key type allows it: auth.mjs), every
// answer handled to the end signed with the platform key. Field names,
// order and JSON types as a real v3096 server answers:
// - thrown errors (bad sign, missing field, unknown order) are unsigned
//   {code, msg}, as v3096 answers its exceptions;
// - what a handler returns is signed, a business failure (close
//   unsupported, a refused refund) included: code -1 with sign;
// - all JSON is application/json, written as json_encode() with
//   JSON_UNESCAPED_UNICODE; a successful pay/create is text/html with
//   every non-ASCII character escaped; pay/submit answers HTML only.

import { HTML_TYPE, redirect, sendHtml, sendPhpJson } from './http.mjs';
import { GatewayError, authenticateV2 } from './auth.mjs';
import { SUBMIT_REQUIRED, cashierUrl, createOrder } from './orders.mjs';
import { errorPage } from './html.mjs';
import { page } from './api.mjs';
import { balanceCents, refundOrder } from './refunds.mjs';
import { day, formatCents, isEmptyPhp, isPayType, notifyMoney, parseCents } from './values.mjs';

/** The V2 cashier of an order, where pay/create's method=jump and pay/submit lead (v3096's own page path). */
export const submitUrl = (base, order) => `${base}pay/submit/${order.trade_no}/`;

/** pay/create's `method`s, and its `device`s (`jump` forces method jump; qq/wechat/alipay/app are mobile). */
const METHODS = ['web', 'jump', 'jsapi', 'app', 'scan', 'applet'];
const DEVICES = ['pc', 'mobile', 'qq', 'wechat', 'alipay', 'app', 'jump'];
/** pay_type for the methods whose pay_info a real channel fills with wallet parameters. */
const WALLET_PAY_TYPES = { jsapi: 'jsapi', app: 'app', applet: 'wxapp', scan: 'scan' };
/** An order as merchant/orders lists it (and pay/query shows it, empty fields dropped). */
const ROW_FIELDS = ['trade_no', 'out_trade_no', 'api_trade_no', 'type', 'pid', 'addtime', 'endtime', 'name', 'money',
  'param', 'buyer', 'clientip', 'status', 'refundmoney'];

const JSON_OPTIONS = { unescapedUnicode: true };

/** `result` with the platform's timestamp (a string, as v3096 sends it), sign_type and sign over its scalar fields. */
function signed(ctx, result) {
  const stamped = { ...result, timestamp: String(ctx.now()) };
  return { ...stamped, sign_type: 'RSA', sign: ctx.platform.sign(stamped) };
}

/** An order's row: every field, null when unset; type null until chosen, refundmoney null until refunded. */
function orderRow(o) {
  const view = { ...o, type: o.type || null, refundmoney: o.status === 2 ? o.refundmoney : null };
  return Object.fromEntries(ROW_FIELDS.map((k) => [k, view[k] ?? null]));
}

/** Merchant `m`'s order named by trade_no (wins) or out_trade_no; throws -1 `订单号不能为空` or `notFound`. */
function findOrder(ctx, m, f, notFound) {
  let order;
  if (!isEmptyPhp(f.trade_no)) {
    order = ctx.store.get(f.trade_no);
    if (order?.pid !== m.pid) order = undefined;
  } else if (!isEmptyPhp(f.out_trade_no)) {
    order = ctx.store.findByOut(m.pid, f.out_trade_no);
  } else {
    throw new GatewayError(-1, '订单号不能为空');
  }
  if (!order) throw new GatewayError(-1, notFound);
  return order;
}

/** A refund's fields as pay/refund and pay/refundquery answer them, in v3096's order (out_trade_no left out on request). */
function refundFields(order, refund, { outTradeNo = true } = {}) {
  return {
    refund_no: refund.refund_no, out_refund_no: refund.out_refund_no, trade_no: order.trade_no,
    ...(outTradeNo ? { out_trade_no: order.out_trade_no } : {}), uid: order.pid, money: refund.money, reducemoney: refund.reducemoney,
  };
}

/** The type paid by a barcode (method=scan without type), from its first digits; as WeChat, Alipay and QQ number them. */
function scanType(authCode) {
  if (/^1[0-5]\d/.test(authCode)) return 'wxpay';
  if (/^(2[5-9]|30)\d/.test(authCode)) return 'alipay';
  if (/^91\d/.test(authCode)) return 'qqpay';
  throw new GatewayError(-1, '未知的付款码类型');
}

/** pay/create's method and device, checked; throws -1 naming the field. */
function createMode(f) {
  const device = f.device || 'pc';
  if (!DEVICES.includes(device)) throw new GatewayError(-1, `设备类型(device)不支持，请传入${DEVICES.join('/')}`);
  const method = device === 'jump' ? 'jump' : f.method || 'web';
  if (!METHODS.includes(method)) throw new GatewayError(-1, `接口类型(method)不支持，请传入${METHODS.join('/')}`);
  if (method === 'jsapi' && isEmptyPhp(f.sub_openid)) throw new GatewayError(-1, 'jsapi支付时参数(sub_openid)不能为空');
  if (method === 'jsapi' && f.type === 'wxpay' && isEmptyPhp(f.sub_appid)) throw new GatewayError(-1, 'jsapi支付时参数(sub_appid)不能为空');
  if (method === 'scan' && isEmptyPhp(f.auth_code)) throw new GatewayError(-1, '付款码支付时授权码(auth_code)不能为空');
  return { method, device };
}

/**
 * pay/create's pay_type and pay_info: method=jump → `jump` to the V2
 * cashier; an order without a known type → `jump` to the cashier, where
 * the type is chosen; web → `qrcode` for wxpay/qqpay on a pc, else `jump`;
 * jsapi/app/applet/scan → `jsapi`/`app`/`wxapp`/`scan`. pay_info is the
 * sandbox's cashier page in every case (where a real channel gives wallet
 * parameters, the sandbox has no wallet to hand them to).
 */
function payAnswer(base, order, { method, device }) {
  if (method === 'jump') return { pay_type: 'jump', pay_info: submitUrl(base, order) };
  const payInfo = cashierUrl(base, order);
  if (!order.type) return { pay_type: 'jump', pay_info: payInfo };
  if (method === 'web') {
    const qrcode = device === 'pc' && order.type !== 'alipay';
    return { pay_type: qrcode ? 'qrcode' : 'jump', pay_info: payInfo };
  }
  return { pay_type: WALLET_PAY_TYPES[method], pay_info: payInfo };
}

/**
 * POST api/pay/create. Not through the signed-answer path: its own checks
 * (auth.mjs with `payment`), errors unsigned JSON, success signed JSON sent
 * as text/html with json_encode()'s escapes.
 */
function payCreate(ctx, req, res, { form }) {
  const merchant = authenticateV2(ctx, form, { payment: true });
  const mode = createMode(form);
  const type = mode.method === 'scan' && isEmptyPhp(form.type) ? scanType(form.auth_code) : form.type;
  if (isEmptyPhp(type)) throw new GatewayError(-1, '支付方式(type)不能为空');
  const required = ['out_trade_no', 'notify_url', 'name', 'money', 'clientip'];
  const r = createOrder(ctx.store, merchant, { ...form, type: isPayType(type) ? type : '' },
    { required, via: 'pay/create', api: 'v2' });
  if (r.error) throw new GatewayError(r.error.code, r.error.msg);
  const answer = { code: 0, trade_no: r.order.trade_no, ...payAnswer(ctx.baseUrl(req), r.order, mode) };
  sendPhpJson(res, signed(ctx, answer), { type: HTML_TYPE });
}

/**
 * GET/POST api/pay/submit: a browser's jump. The fields come from the
 * query string if it has a pid, else from the form; 302 to the V2 cashier,
 * errors as the HTML error page (an unknown type: the cashier's chooser).
 */
function paySubmit(ctx, req, res, { query, form }) {
  const fields = [query, form].find((f) => Object.hasOwn(f, 'pid'));
  if (!fields) return sendHtml(res, 200, '你还未配置支付接口商户！');
  const merchant = authenticateV2(ctx, fields, { payment: true });
  const r = createOrder(ctx.store, merchant, { ...fields, type: isPayType(fields.type) ? fields.type : '' },
    { required: SUBMIT_REQUIRED, via: 'pay/submit', api: 'v2', clientip: req.socket.remoteAddress });
  if (r.error) throw new GatewayError(r.error.code, r.error.msg);
  redirect(res, submitUrl(ctx.baseUrl(req), r.order));
}

/** The handlers answered through the signed path: (ctx, merchant, form) → the result to sign. */
const SIGNED = {
  'pay/query'(ctx, m, f) {
    const row = { code: 0, ...orderRow(findOrder(ctx, m, f, '订单号不存在')) };
    return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== ''));
  },

  // Money is checked first, then the order; an out_refund_no longer than 5
  // bytes already used answers its refund again (shorter ones are ignored,
  // as v3096 does).
  'pay/refund'(ctx, m, f) {
    const money = String(f.money ?? '').trim();
    const cents = /^[0-9.]+$/.test(money) ? parseCents(money) : null;
    if (!cents) throw new GatewayError(-1, '金额输入错误');
    const order = findOrder(ctx, m, f, '当前订单不存在！');
    const outRefundNo = !isEmptyPhp(f.out_refund_no) && Buffer.byteLength(f.out_refund_no) > 5 ? f.out_refund_no : undefined;
    const done = outRefundNo && ctx.store.findRefund(m.pid, { out_refund_no: outRefundNo });
    if (done) {
      const msg = `已存在相同退款单号！退款金额¥${done.refund.money}`;
      return { code: 0, ...refundFields(done.order, done.refund, { outTradeNo: false }), msg };
    }
    const { refund, error } = refundOrder(ctx.store, order, cents, outRefundNo);
    return error ?? { code: 0, ...refundFields(order, refund), msg: `退款成功！退款金额¥${refund.money}` };
  },

  'pay/refundquery'(ctx, m, f) {
    let found;
    if (!isEmptyPhp(f.refund_no)) found = ctx.store.findRefund(m.pid, { refund_no: f.refund_no });
    else if (!isEmptyPhp(f.out_refund_no)) found = ctx.store.findRefund(m.pid, { out_refund_no: f.out_refund_no });
    else throw new GatewayError(-1, '商户退款单号不能为空');
    if (!found) throw new GatewayError(-1, '退款记录不存在');
    const { order, refund } = found;
    return { code: 0, ...refundFields(order, refund), status: refund.status, addtime: refund.addtime, endtime: refund.endtime };
  },

  // v3096's channels often cannot close: by default the signed -1 it gives
  // then; with closeSupported the unpaid order is closed.
  'pay/close'(ctx, m, f) {
    const order = findOrder(ctx, m, f, '订单号不存在');
    if (order.status !== 0) throw new GatewayError(-1, '订单已支付，无法关闭');
    if (!ctx.closeSupported) return { code: -1, msg: '当前支付插件不支持关闭订单' };
    order.outcome = 'closed';
    ctx.store.save();
    return { code: 0, msg: '订单已关闭' };
  },

  // No settle_* fields, as v3096 answers. The day counters count paid (or
  // refunded) orders created that day; the day sums are written as PHP
  // prints a float ("2.5", "0").
  'merchant/info'(ctx, m) {
    const orders = ctx.store.list(m.pid);
    const paidOn = (date) => orders.filter((o) => o.status > 0 && o.addtime.startsWith(date));
    const sum = (list) => notifyMoney(formatCents(list.reduce((s, o) => s + parseCents(o.money), 0)));
    const [today, lastday] = [paidOn(day(0)), paidOn(day(1))];
    return {
      code: 0, pid: m.pid, status: Number(m.active), pay_status: Number(m.active), settle_status: 1,
      money: formatCents(balanceCents(orders)), order_num: orders.length, order_num_today: today.length,
      order_num_lastday: lastday.length, order_money_today: sum(today), order_money_lastday: sum(lastday),
    };
  },

  // Newest first; offset, limit (1 to 50, default 10) and status (0, 1, 2)
  // when given. `data` is not covered by the signature.
  'merchant/orders'(ctx, m, f) {
    const status = f.status === undefined || f.status === '' ? null : Number(/^\d+$/.test(f.status) ? f.status : 0);
    const orders = ctx.store.list(m.pid).filter((o) => status === null || o.status === status);
    return { code: 0, data: page(orders, f, 10).map(orderRow) };
  },
};

const ROUTES = {
  'pay/create': payCreate,
  'pay/submit': paySubmit,
  ...Object.fromEntries(Object.entries(SIGNED).map(([route, run]) => [route, (ctx, req, res, { form }) => {
    sendPhpJson(res, signed(ctx, run(ctx, authenticateV2(ctx, form), form)), JSON_OPTIONS);
  }])),
};

/** The counter/fault name of a V2 request: "api/<class>/<func>". */
export const v2Endpoint = (pathname) => pathname.slice(1);

/**
 * Any request under /api/. A path that is not `<class>/<func>` is -5
 * `URL Error!`, an unknown one (transfer/* included) -5 `接口方法不存在`.
 */
export function handleV2(ctx, req, res, input) {
  const route = input.url.pathname.slice('/api/'.length);
  try {
    if (!/^\w+\/\w+$/.test(route)) throw new GatewayError(-5, 'URL Error!');
    if (!Object.hasOwn(ROUTES, route)) throw new GatewayError(-5, '接口方法不存在');
    ROUTES[route](ctx, req, res, input);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    if (route === 'pay/submit') sendHtml(res, 200, errorPage(e.message));
    else sendPhpJson(res, { code: e.code, msg: e.message }, JSON_OPTIONS);
  }
}
