// The merchant server's endpoints. Every handler is (ctx, req, res, match)
// where ctx = { shop, client, pid, key, gateway, base, sandbox, log,
// refunding } (see startMerchant) and match is the path's captured part.

import { fileURLToPath } from 'node:url';
import { EpayError, signOrder } from '../pkg/index.mjs'; // in your shop: from 'epay-wasm'
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
 * POST /api/orders `{ product, name?, money?, type, mode }`. Page-jump
 * mode answers the fields signed with `signOrder` (the browser builds the
 * submit form from them, without the KEY); API mode creates the order
 * through mapi.php and answers its payurl.
 */
async function createOrder(ctx, req, res) {
  const body = await readJson(req);
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
    const signed = signOrder(fields, ctx.key);
    const order = ctx.shop.add({ out_trade_no, name: signed.name, money: signed.money, type, mode });
    ctx.log(`order ${out_trade_no} signed for submit.php: ¥${signed.money}`);
    return sendJson(res, 201, { order, gateway: ctx.gateway, fields: signed });
  }
  const created = await ctx.client.createOrder({ ...fields, clientip: clientIp(req) });
  const payurl = created.payurl ?? created.qrcode ?? created.urlscheme ?? null;
  const order = ctx.shop.add({ out_trade_no, name, money, type, mode, trade_no: created.trade_no, payurl });
  ctx.log(`order ${out_trade_no} created through mapi.php: trade_no ${created.trade_no}, ¥${money}`);
  sendJson(res, 201, { order });
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
  const result = ctx.client.verifyNotify(received, { out_trade_no: order.out_trade_no, money: order.money });
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
function returned(ctx, req, res, outTradeNo) {
  const order = ctx.shop.get(outTradeNo);
  if (order) {
    const query = new URL(req.url, 'http://merchant.invalid').search.slice(1);
    const result = ctx.client.verifyNotify(query, { out_trade_no: order.out_trade_no, money: order.money });
    order.returned = result.ok ? 'verified' : `rejected (${result.reason})`;
    ctx.shop.changed(order);
  }
  send(res, 303, 'text/plain; charset=utf-8', '', { Location: `/return.html?out_trade_no=${encodeURIComponent(outTradeNo)}` });
}

/**
 * POST /api/orders/<out_trade_no>/refund: refunds the whole amount
 * through api.php. Sent once, never retried (refunds are not idempotent),
 * and never two at a time for one order.
 */
async function refund(ctx, req, res, outTradeNo) {
  await readJson(req);
  const order = orderOf(ctx, outTradeNo);
  if (order.status !== 'paid') throw new HttpError(409, `order is ${order.status}: only paid orders can be refunded`);
  if (ctx.refunding.has(outTradeNo)) throw new HttpError(409, 'a refund of this order is in progress');
  ctx.refunding.add(outTradeNo);
  try {
    const which = order.trade_no ? { trade_no: order.trade_no } : { out_trade_no: order.out_trade_no };
    const result = await ctx.client.refund(which, order.money);
    ctx.shop.refunded(order);
    ctx.log(`order ${outTradeNo} refunded: ¥${order.money}`);
    sendJson(res, 200, { order, msg: result.msg ?? null });
  } finally {
    ctx.refunding.delete(outTradeNo);
  }
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
  sendJson(res, 200, { products: PRODUCTS, payTypes: PAY_TYPES, gateway: ctx.gateway, pid: ctx.pid, sandbox: ctx.sandbox });
}

const OUT = '([A-Za-z0-9._|-]+)';

/** [methods, path pattern, handler] — the first match wins. */
export const ROUTES = [
  [['GET'], /^\/api\/config$/, config],
  [['GET'], /^\/api\/orders$/, (ctx, req, res) => sendJson(res, 200, { orders: ctx.shop.list() })],
  [['POST'], /^\/api\/orders$/, createOrder],
  [['GET'], new RegExp(`^/api/orders/${OUT}$`), (ctx, req, res, out) => sendJson(res, 200, { order: orderOf(ctx, out) })],
  [['POST'], new RegExp(`^/api/orders/${OUT}/refund$`), refund],
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
