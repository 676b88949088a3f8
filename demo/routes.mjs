// The merchant server's endpoints. Every handler is (ctx, req, res, match)
// where ctx = { orders, apis, api, pid, gateway, base, sandbox, log,
// database, notify, reconcile, buttonPass } (see startMerchant; orders is orders.mjs's
// Orders, apis holds the v1 and/or v2 API of apis.mjs, api is the page's
// default) and match is the path's captured part.

import { fileURLToPath } from 'node:url';
import { EpayError } from '../pkg/index.mjs'; // in your shop: from 'epay-wasm'
import { HttpError, readJson, send, sendFile, sendJson } from './http.mjs';
import { reconcile } from './reconcile.mjs';
import { PAY_TYPES, PRODUCTS } from './shop.mjs';

const WWW = fileURLToPath(new URL('../www/', import.meta.url));
const PKG = fileURLToPath(new URL('../pkg/', import.meta.url));
const MAX_NAME_CHARS = 64; // real servers keep 64 characters of a name

/** The order named in the path, or a 404. */
async function orderOf(ctx, outTradeNo) {
  const order = await ctx.orders.get(outTradeNo);
  if (!order) throw new HttpError(404, `no order ${outTradeNo}`);
  return order;
}

/** The API an order goes through: the one asked for (`v1`, `v2`, or the order's own) or the default; 400 if it has no keys here. */
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
  const out_trade_no = await ctx.orders.newOutTradeNo();
  const fields = {
    pid: ctx.pid, type, out_trade_no, name, money,
    notify_url: `${ctx.base}epay/notify`, // no query string of ours: the gateway adds its own
    return_url: `${ctx.base}epay/return/${out_trade_no}`, // path-style: no query string to break the signature
  };
  if (mode === 'page') {
    const signed = await api.signOrder(fields);
    const order = await ctx.orders.add({ out_trade_no, name: signed.name, money: signed.money, type, mode, api: api.name });
    ctx.log(`order ${out_trade_no} signed for the ${api.name} page jump: ¥${signed.money}`);
    return sendJson(res, 201, { order, gateway: ctx.gateway, fields: signed });
  }
  const { trade_no, payurl } = await api.createOrder({ ...fields, clientip: clientIp(req) });
  const order = await ctx.orders.add({ out_trade_no, name, money, type, mode, api: api.name, trade_no, payurl });
  ctx.log(`order ${out_trade_no} created through the ${api.name} API: trade_no ${trade_no}, ¥${money}`);
  sendJson(res, 201, { order });
}

/**
 * Verifies a return redirect for `order`: signature, pid, out_trade_no and
 * amount against our record, as a notify. Its `sign_type` picks the check:
 * `RSA` is V2's (`verifyNotifyV2`, with its timestamp), anything else V1's
 * MD5 (`verifyNotify`); one whose API has no keys here is refused.
 */
function verifyReturn(ctx, received, order) {
  const name = new URLSearchParams(received).get('sign_type') === 'RSA' ? 'v2' : 'v1';
  const api = ctx.apis[name];
  if (!api) return { ok: false, paid: false, reason: `${name} not configured`, data: {} };
  return api.verifyNotify(received, { out_trade_no: order.out_trade_no, money: order.money });
}

/**
 * GET /epay/return/<out_trade_no>: where the gateway sends the shopper.
 * Verified too, but only noted: payment status comes from verified notifies
 * and reconciliation (the gateway asked by the server) alone.
 * Redirects to the return page, dropping the signed fields from the URL.
 */
async function returned(ctx, req, res, outTradeNo) {
  const order = await ctx.orders.get(outTradeNo);
  if (order) {
    const query = new URL(req.url, 'http://merchant.invalid').search.slice(1);
    const result = await verifyReturn(ctx, query, order);
    await ctx.orders.setReturned(outTradeNo, result.ok ? 'verified' : `rejected (${result.reason})`);
  }
  send(res, 303, 'text/plain; charset=utf-8', '', { Location: `/return.html?out_trade_no=${encodeURIComponent(outTradeNo)}` });
}

/** The errors of a refund certainly not made: refused by the gateway, or refused before sending. */
const REFUSED = ['API_ERROR', 'INVALID_PARAM'];

/**
 * POST /api/orders/<out_trade_no>/refund: refunds the whole amount
 * through the order's API, never two at a time for one order, whichever
 * instance is asked (the order is claimed in the database: paid →
 * refunding). V1 (api.php) sends it once, never retried (not idempotent);
 * V2 (api/pay/refund) sends it under the order's out_refund_no, retried
 * after a lost answer, refunded once by the gateway. A refund the gateway
 * refused (or never sent) puts the order back to paid. One whose outcome
 * is unknown (no answer, a 5xx, an answer that cannot be read or trusted)
 * stays claimed, as does one whose process died before recording the
 * outcome: a reconciliation pass settles the claim after 5 minutes by
 * asking the gateway (it never refunds), so a second click cannot send a
 * second V1 refund while the first may have gone through.
 */
async function refund(ctx, req, res, outTradeNo) {
  await readJson(req);
  const order = await ctx.orders.claimRefund(outTradeNo);
  if (!order) {
    const { status } = await orderOf(ctx, outTradeNo);
    throw new HttpError(409, status === 'refunding' ? 'a refund of this order is in progress (one interrupted is settled by reconciliation within minutes)' : `order is ${status}: only paid orders can be refunded`);
  }
  let numbers;
  try {
    numbers = await chosenApi(ctx, order.api).refund(order);
  } catch (e) {
    if (e instanceof EpayError && !REFUSED.includes(e.code)) {
      ctx.log(`order ${outTradeNo}: refund through ${order.api} failed, outcome unknown (${e.code}): left refunding for reconciliation`);
      throw new HttpError(502, `gateway: ${e.message}; whether it refunded is not known: the order stays refunding until reconciliation asks the gateway (within minutes)`);
    }
    await ctx.orders.refundFailed(outTradeNo);
    throw e;
  }
  await ctx.orders.refunded(outTradeNo, numbers);
  ctx.log(`order ${outTradeNo} refunded through ${order.api}: ¥${order.money}`);
  sendJson(res, 200, { order: await ctx.orders.get(outTradeNo) });
}

/**
 * GET /api/orders/<out_trade_no>/gateway: the order as the gateway reports
 * it now, asked through the order's API (V1 act=order, V2 api/pay/query,
 * whose answer is verified with the platform key). Only shown: our record
 * changes through a notify or a reconciliation pass (POST /api/reconcile).
 */
async function gatewayOrder(ctx, req, res, outTradeNo) {
  const order = await orderOf(ctx, outTradeNo);
  sendJson(res, 200, { gateway: await chosenApi(ctx, order.api).queryOrder(order) });
}

/**
 * POST /api/reconcile: one reconciliation pass now, over every unpaid
 * order however young, created within the last day, its backoff run out
 * or not (the Orders page's button); answers
 * `{ checked, fulfilled, failed }`. Clicks during a pass get its result
 * rather than starting another (a flood of clicks cannot flood the gateway).
 */
async function reconcileNow(ctx, req, res) {
  await readJson(req);
  ctx.buttonPass ??= reconcile(ctx, 0, { dueOnly: false }).finally(() => { ctx.buttonPass = null; });
  sendJson(res, 200, await ctx.buttonPass);
}

/** Changes closer together than this are pushed to a page as one. */
const PUSH_DELAY_MS = 100;

/**
 * GET /api/events: server-sent events, the newest orders (orders.list) on
 * every change, made here or by another instance on the same database.
 */
function events(ctx, req, res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  let pending = null;
  const push = async () => {
    pending = null;
    try {
      res.write(`data: ${JSON.stringify(await ctx.orders.list())}\n\n`);
    } catch (e) {
      ctx.log(`events: ${e.message}`);
    }
  };
  const changed = () => { pending ??= setTimeout(push, PUSH_DELAY_MS); };
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  ctx.orders.on('change', changed);
  req.on('close', () => {
    clearInterval(ping);
    clearTimeout(pending);
    ctx.orders.off('change', changed);
  });
  push();
}

/** GET /api/config: what the page needs to render the shop (no secrets). */
function config(ctx, req, res) {
  sendJson(res, 200, {
    products: PRODUCTS, payTypes: PAY_TYPES, gateway: ctx.gateway, pid: ctx.pid, sandbox: ctx.sandbox,
    apis: Object.keys(ctx.apis), api: ctx.api, database: ctx.database, reconcile: ctx.reconcile,
  });
}

const OUT = '([A-Za-z0-9._|-]+)';

/** [methods, path pattern, handler] — the first match wins. */
export const ROUTES = [
  [['GET'], /^\/api\/config$/, config],
  [['GET'], /^\/api\/orders$/, async (ctx, req, res) => sendJson(res, 200, { orders: await ctx.orders.list() })],
  [['POST'], /^\/api\/orders$/, createOrder],
  [['GET'], new RegExp(`^/api/orders/${OUT}$`), async (ctx, req, res, out) => sendJson(res, 200, { order: await orderOf(ctx, out) })],
  [['POST'], new RegExp(`^/api/orders/${OUT}/refund$`), refund],
  [['GET'], new RegExp(`^/api/orders/${OUT}/gateway$`), gatewayOrder],
  [['POST'], /^\/api\/reconcile$/, reconcileNow],
  [['GET'], /^\/api\/events$/, events],
  [['GET', 'POST'], /^\/epay\/notify$/, (ctx, req, res) => ctx.notify(req, res)],
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
