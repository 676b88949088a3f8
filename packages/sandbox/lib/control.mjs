// The control API under /_sandbox/ (JSON in and out): inspect and drive
// orders, count requests, inject faults, reset. Not counted in
// /_sandbox/requests and never subject to faults.

import { HttpError, sendHtml, sendJson } from './http.mjs';
import { messagePage } from './html.mjs';
import { payOrder } from './payments.mjs';

/** The order's sandbox state: unpaid, paid, refunded, cancelled, failed or closed. */
export function orderState(o) {
  if (o.status === 1) return 'paid';
  if (o.status === 2) return 'refunded';
  return o.outcome ?? 'unpaid';
}

const view = (o) => ({ ...o, state: orderState(o) });

function need(ctx, tradeNo) {
  const order = ctx.store.get(tradeNo);
  if (!order) throw new HttpError(404, `no order ${tradeNo}`);
  return order;
}

/** The request's JSON body ({} if empty); a form body is accepted too. */
function jsonBody(input) {
  if (input.raw.length === 0) return {};
  if (Object.keys(input.form).length) return input.form;
  try {
    return JSON.parse(input.raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
}

const clockView = (ctx) => ({ now: ctx.now(), offsetSec: ctx.clockOffsetSec });

const ROUTES = [
  ['GET', /^orders$/, (ctx, input) => {
    const out = input.query.out_trade_no;
    return { orders: ctx.store.list().filter((o) => out === undefined || o.out_trade_no === out).map(view) };
  }],
  ['GET', /^orders\/(\d+)$/, (ctx, input, t) => view(need(ctx, t))],
  ['POST', /^orders\/(\d+)\/pay$/, (ctx, input, t) => {
    const order = need(ctx, t);
    const returnUrl = payOrder(ctx, order, jsonBody(input));
    return { order: view(order), return_url: returnUrl };
  }],
  ['POST', /^orders\/(\d+)\/fail$/, (ctx, input, t) => {
    const order = need(ctx, t);
    if (order.status !== 0) throw new HttpError(409, `order ${t} is already paid`);
    order.outcome = 'failed';
    ctx.store.save();
    return { order: view(order) };
  }],
  ['POST', /^orders\/(\d+)\/notify$/, (ctx, input, t) => {
    const order = need(ctx, t);
    if (order.status === 0) throw new HttpError(409, `order ${t} is not paid`);
    ctx.notifier.start(order);
    return { order: view(order) };
  }],
  ['POST', /^reset$/, (ctx) => {
    ctx.reset();
    return { ok: true };
  }],
  ['GET', /^requests$/, (ctx) => ctx.requests],
  ['GET', /^keys$/, (ctx) => ({ platformPublicKey: ctx.platform.publicKeyPem, platformPublicKeyBase64: ctx.platform.publicKeyBase64 })],
  ['GET', /^clock$/, clockView],
  ['POST', /^clock$/, (ctx, input) => {
    const { offsetSec } = jsonBody(input);
    if (!Number.isSafeInteger(offsetSec)) throw new HttpError(400, 'offsetSec must be an integer number of seconds');
    ctx.clockOffsetSec = offsetSec;
    return clockView(ctx);
  }],
  ['GET', /^faults$/, (ctx) => ({ faults: ctx.faults.list() })],
  ['POST', /^faults$/, (ctx, input) => {
    try {
      return { fault: ctx.faults.add(jsonBody(input)) };
    } catch (e) {
      throw e instanceof HttpError ? e : new HttpError(400, e.message);
    }
  }],
  ['DELETE', /^faults$/, (ctx) => {
    ctx.faults.clear();
    return { ok: true };
  }],
];

/**
 * Whether a browser request may drive the sandbox: no Origin (a script or
 * test), or a page served from this machine. A web page from elsewhere that
 * the developer happens to have open must not pay or reset orders.
 */
function allowedOrigin(origin) {
  if (origin === undefined) return true;
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** Any request under /_sandbox/. */
export function handleControl(ctx, req, res, input) {
  const path = input.url.pathname.slice('/_sandbox/'.length).replace(/\/$/, '');
  if (path === 'redirected') {
    return sendHtml(res, 200, messagePage('Redirected', 'redirected', 'The sandbox redirected this request (fault "redirect").'));
  }
  try {
    if (!allowedOrigin(req.headers.origin)) throw new HttpError(403, 'the control API answers only pages served from this machine');
    const routes = ROUTES.filter(([, re]) => re.test(path));
    if (routes.length === 0) throw new HttpError(404, `no control endpoint ${path}`);
    const route = routes.find(([method]) => method === req.method);
    if (!route) throw new HttpError(405, `use ${routes.map(([m]) => m).join(' or ')}`);
    const [, re, run] = route;
    sendJson(res, 200, run(ctx, input, re.exec(path)[1]));
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    sendJson(res, e.status, { error: e.message });
  }
}
