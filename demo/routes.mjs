// The merchant server's endpoints. Every handler is (ctx, req, res, match)
// where ctx = { shop, apis, api, pid, gateway, base, sandbox, log,
// refunding } (see startMerchant; apis holds the v1 and/or v2 API of
// apis.mjs, api is the page's default) and match is the path's captured part.

import { fileURLToPath } from 'node:url';
import { EpayError } from '../pkg/index.mjs'; // in your shop: from 'epay-wasm'
import { HttpError, readJson, readText, send, sendFile, sendJson, sendText } from './http.mjs';
import { PAY_TYPES, PRODUCTS, newOutTradeNo } from './shop.mjs';

const WWW = fileURLToPath(new URL('../www/', import.meta.url));
const PKG = fileURLToPath(new URL('../pkg/', import.meta.url));
const MAX_NAME_CHARS = 64; // real servers keep 64 characters of a name

/** The order named in the path, or a 404. */
function orderOf(ctx, outTradeNo) {
  const order = ctx.shop.get(outTradeNo);
  if (!order) throw new HttpError(404, `no order ${outTradeNo}`);
  return order;
}

/** The API an order goes through: the one asked for (`v1`, `v2`) or the default; 400 if it has no keys here. */
function chosenApi(ctx, name = ctx.api) {
  const api = Object.hasOwn(ctx.apis, name) ? ctx.apis[name] : undefined;
  if (!api) throw new HttpError(400, `API ${name} is not configured on this server`);
  return api;
}

/** What the shopper picked: a catalogue product (the merchant's price) or a custom item. */
function chosenItem({ product, name, money }) {
  if (product === 'custom') {
    const text = String(name ?? '');
    if (text.trim() === '' || [...text].length > MAX_NAME_CHARS) {
      throw new HttpError(400, `a custom item needs a name of 1 to ${MAX_NAME_CHARS} characters`);
    }
    return { name: text, money: String(money ?? '') }; // money is validated by the package
  }
  const item = PRODUCTS.find((p) => p.id === product);
  if (!item) throw new HttpError(400, 'unknown product');
  return item;
}

/** The shopper's IP address as mapi.php wants it (IPv4-mapped IPv6 unwrapped). */
const clientIp = (req) => (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

/**
 * POST /api/orders `{ product, name?, money?, type, mode, api? }`.
 * Page-jump mode answers the signed fields (V1: `signOrder` for
 * submit.php; V2: `client.signOrder` for api/pay/submit, valid 300 s): the
 * browser builds the form from them, without any key. API mode creates the
 * order (V1: mapi.php; V2: api/pay/create) and answers its pay link.
 */
async function createOrder(ctx, req, res) {
  const body = await readJson(req);
  const api = chosenApi(ctx, body.api);
  const { name, money } = chosenItem(body);
  const type = body.type ?? 'alipay';
  if (!PAY_TYPES.includes(type)) throw new HttpError(400, 'unknown payment type');
  const mode = body.mode === 'api' ? 'api' : 'page';
  const out_trade_no = newOutTradeNo();
  const fields = {
    pid: ctx.pid, type, out_trade_no, name, money,
    notify_url: `${ctx.base}epay/notify/${out_trade_no}`, // path-style: no query string to break the signature
    return_url: `${ctx.base}epay/return/${out_trade_no}`,
  };
  if (mode === 'page') {
    const signed = await api.signOrder(fields);
    const order = ctx.shop.add({ out_trade_no, name: signed.name, money: signed.money, type, mode, api: api.name });
    ctx.log(`order ${out_trade_no} signed for the ${api.name} page jump: ¥${signed.money}`);
    return sendJson(res, 201, { order, gateway: ctx.gateway, fields: signed });
  }
  const { trade_no, payurl } = await api.createOrder({ ...fields, clientip: clientIp(req) });
  const order = ctx.shop.add({ out_trade_no, name, money, type, mode, api: api.name, trade_no, payurl });
  ctx.log(`order ${out_trade_no} created through the ${api.name} API: trade_no ${trade_no}, ¥${money}`);
  sendJson(res, 201, { order });
}

/**
 * Verifies a notify or return redirect for `order`: signature, pid,
 * out_trade_no and amount against our record. The notify's `sign_type`
 * picks the check: `RSA` is V2's (`verifyNotifyV2`, with its timestamp),
 * anything else V1's MD5 (`verifyNotify`); one whose API has no keys here
 * is refused.
 */
function verifyReceived(ctx, received, order) {
  const name = new URLSearchParams(received).get('sign_type') === 'RSA' ? 'v2' : 'v1';
  const api = ctx.apis[name];
  if (!api) return { ok: false, paid: false, reason: `${name} not configured`, data: {} };
  return api.verifyNotify(received, { out_trade_no: order.out_trade_no, money: order.money });
}

/**
 * GET or POST /epay/notify/<out_trade_no>, from the gateway. Answers
 * `success` only once the notify verified (signature, pid, out_trade_no,
 * amount against our record) and the order is fulfilled; a replay is
 * counted but fulfils nothing twice.
 */
async function notify(ctx, req, res, outTradeNo) {
  const body = req.method === 'POST' ? await readText(req) : '';
  const received = body || new URL(req.url, 'http://merchant.invalid').search.slice(1);
  const order = ctx.shop.get(outTradeNo);
  if (!order) {
    ctx.log(`notify for unknown order ${outTradeNo}: refused`);
    return sendText(res, 404, 'fail');
  }
  const result = await verifyReceived(ctx, received, order);
  if (!result.ok) {
    ctx.shop.recordRejectedNotify(order);
    ctx.log(`notify ${outTradeNo}: rejected (${result.reason})`);
    return sendText(res, 400, 'fail');
  }
  const fulfilled = ctx.shop.recordNotify(order, result);
  const what = fulfilled ? 'paid, fulfilled' : result.paid ? 'already handled' : `trade_status ${result.data.trade_status}`;
  ctx.log(`notify ${outTradeNo}: verified, ${what} (delivery ${order.notifies})`);
  sendText(res, 200, 'success');
}

/**
 * GET /epay/return/<out_trade_no>: where the gateway sends the shopper.
 * Verified too, but only noted: payment status comes from notifies alone.
 * Redirects to the return page, dropping the signed fields from the URL.
 */
async function returned(ctx, req, res, outTradeNo) {
  const order = ctx.shop.get(outTradeNo);
  if (order) {
    const query = new URL(req.url, 'http://merchant.invalid').search.slice(1);
    const result = await verifyReceived(ctx, query, order);
    order.returned = result.ok ? 'verified' : `rejected (${result.reason})`;
    ctx.shop.changed(order);
  }
  send(res, 303, 'text/plain; charset=utf-8', '', { Location: `/return.html?out_trade_no=${encodeURIComponent(outTradeNo)}` });
}

/**
 * POST /api/orders/<out_trade_no>/refund: refunds the whole amount
 * through the order's API, never two at a time for one order. V1
 * (api.php) sends it once, never retried (not idempotent); V2
 * (api/pay/refund) sends it under the order's out_refund_no, retried after
 * a lost answer, refunded once by the gateway.
 */
async function refund(ctx, req, res, outTradeNo) {
  await readJson(req);
  const order = orderOf(ctx, outTradeNo);
  if (order.status !== 'paid') throw new HttpError(409, `order is ${order.status}: only paid orders can be refunded`);
  if (ctx.refunding.has(outTradeNo)) throw new HttpError(409, 'a refund of this order is in progress');
  ctx.refunding.add(outTradeNo);
  try {
    ctx.shop.refunded(order, await ctx.apis[order.api].refund(order));
    ctx.log(`order ${outTradeNo} refunded through ${order.api}: ¥${order.money}`);
    sendJson(res, 200, { order });
  } finally {
    ctx.refunding.delete(outTradeNo);
  }
}

/**
 * GET /api/orders/<out_trade_no>/gateway: the order as the gateway reports
 * it now, asked through the order's API (V1 act=order, V2 api/pay/query,
 * whose answer is verified with the platform key). Shown, not trusted for
 * fulfilment: only notifies change our record.
 */
async function gatewayOrder(ctx, req, res, outTradeNo) {
  const order = orderOf(ctx, outTradeNo);
  sendJson(res, 200, { gateway: await ctx.apis[order.api].queryOrder(order) });
}

/** GET /api/events: server-sent events, the whole order list on every change. */
function events(ctx, req, res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  const push = () => res.write(`data: ${JSON.stringify(ctx.shop.list())}\n\n`);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  ctx.shop.on('change', push);
  req.on('close', () => {
    clearInterval(ping);
    ctx.shop.off('change', push);
  });
  push();
}

/** GET /api/config: what the page needs to render the shop (no secrets). */
function config(ctx, req, res) {
  sendJson(res, 200, {
    products: PRODUCTS, payTypes: PAY_TYPES, gateway: ctx.gateway, pid: ctx.pid, sandbox: ctx.sandbox,
    apis: Object.keys(ctx.apis), api: ctx.api,
  });
}

const OUT = '([A-Za-z0-9._|-]+)';

/** [methods, path pattern, handler] — the first match wins. */
export const ROUTES = [
  [['GET'], /^\/api\/config$/, config],
  [['GET'], /^\/api\/orders$/, (ctx, req, res) => sendJson(res, 200, { orders: ctx.shop.list() })],
  [['POST'], /^\/api\/orders$/, createOrder],
  [['GET'], new RegExp(`^/api/orders/${OUT}$`), (ctx, req, res, out) => sendJson(res, 200, { order: orderOf(ctx, out) })],
  [['POST'], new RegExp(`^/api/orders/${OUT}/refund$`), refund],
  [['GET'], new RegExp(`^/api/orders/${OUT}/gateway$`), gatewayOrder],
  [['GET'], /^\/api\/events$/, events],
  [['GET', 'POST'], new RegExp(`^/epay/notify/${OUT}$`), notify],
  [['GET'], new RegExp(`^/epay/return/${OUT}$`), returned],
  [['GET'], /^\/pkg\/([^/]+)$/, (ctx, req, res, name) => sendFile(res, PKG, name)],
  [['GET'], /^\/([^/]*)$/, (ctx, req, res, name) => sendFile(res, WWW, name || 'index.html')],
];

/** The HTTP status and message for an error thrown by a handler. */
export function errorAnswer(e) {
  if (e instanceof HttpError) return [e.status, e.message];
  if (e instanceof EpayError) {
    // INVALID_PARAM: the order itself is wrong; anything else: the gateway failed or refused.
    return e.code === 'INVALID_PARAM' ? [400, e.message] : [502, `gateway: ${e.message}`];
  }
  return null;
}
