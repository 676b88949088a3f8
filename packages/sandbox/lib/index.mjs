// epay-sandbox: a local EPay (易支付) gateway, V1 and V2 APIs, for tests
// and development — what stripe-mock is to Stripe. See `epay-sandbox --help`.

import http from 'node:http';
import { Store } from './store.mjs';
import { Faults, answerWithFault } from './faults.mjs';
import { Notifier } from './notifier.mjs';
import { HTML_TYPE, HttpError, JSON_TYPE, parseForm, parseQuery, readBody, send, sendHtml } from './http.mjs';
import { errorPage, indexPage } from './html.mjs';
import { handleMapi, handleSubmit } from './orders.mjs';
import { apiEndpoint, handleApi } from './api.mjs';
import { handleCashier } from './cashier.mjs';
import { handleControl } from './control.mjs';
import { handleV2, v2Endpoint } from './v2.mjs';
import { PlatformKey } from './rsa.mjs';

export { DEFAULT_MERCHANTS } from './store.mjs';
export { DEFAULT_RETRY_DELAYS_MS } from './notifier.mjs';
export { FAULT_KINDS, describeFaults } from './faults.mjs';
export { TEST_KEY_FILES } from './rsa.mjs';

const CONTROL = '/_sandbox/';
const V2 = '/api/';
/** The V2 routes that answer HTML, or JSON as text/html (what a fault imitates). */
const V2_HTML = ['api/pay/create', 'api/pay/submit'];

/** Endpoint name for counters, faults and handler choice; null for the control API. */
function endpointOf(pathname, query) {
  if (pathname.startsWith(CONTROL)) return null;
  if (pathname === '/mapi.php' || pathname === '/submit.php') return pathname.slice(1);
  if (pathname === '/api.php') return apiEndpoint(query);
  if (pathname.startsWith(V2)) return v2Endpoint(pathname);
  if (pathname.startsWith('/pay/')) return 'pay';
  return pathname === '/' ? 'index' : '404';
}

const HANDLERS = {
  'mapi.php': handleMapi,
  'submit.php': handleSubmit,
  pay: handleCashier,
  index: (ctx, req, res) => sendHtml(res, 200, indexPage({ base: ctx.baseUrl(req), orders: ctx.store.list() })),
  404: (ctx, req, res) => sendHtml(res, 404, errorPage('页面不存在')),
};
function handlerFor(endpoint) {
  if (endpoint === null) return handleControl;
  if (endpoint.startsWith(V2.slice(1))) return handleV2;
  return HANDLERS[endpoint] ?? handleApi;
}
const answerType = (endpoint) => (endpoint.startsWith('api') && !V2_HTML.includes(endpoint) ? JSON_TYPE : HTML_TYPE);

function preflight(req, res) {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

async function handle(ctx, req, res) {
  const started = Date.now();
  const url = new URL(req.url, 'http://sandbox.invalid');
  const query = parseQuery(url);
  const endpoint = endpointOf(url.pathname, query);
  const shown = url.pathname + (url.pathname === '/api.php' ? `?act=${query.act ?? ''}` : ''); // never the query: it has keys
  res.on('close', () => ctx.log(`${req.method} ${shown} ${res.writableFinished ? res.statusCode : 'dropped'} ${Date.now() - started}ms`));
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') return preflight(req, res);
  try {
    const raw = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    if (endpoint !== null) {
      ctx.requests[endpoint] = (ctx.requests[endpoint] ?? 0) + 1;
      const fault = ctx.faults.take(endpoint);
      if (fault && await answerWithFault(fault, req, res, { type: answerType(endpoint), base: ctx.baseUrl(req) })) return;
    }
    const form = parseForm(req, raw);
    await handlerFor(endpoint)(ctx, req, res, { url, query, raw, form, fields: { ...query, ...form } });
  } catch (e) {
    const known = e instanceof HttpError;
    if (!known) ctx.log(`ERROR ${shown}: ${e.stack ?? e}`);
    if (!res.headersSent) send(res, known ? e.status : 500, 'text/plain; charset=utf-8', known ? e.message : 'sandbox internal error');
  }
}

function urlHost(host) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the sandbox gateway.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.host='127.0.0.1']
 * @param {{pid: number, key: string, name?: string, active?: number, account?: string,
 *   username?: string, settle_type?: number, settles?: object[], dayCounters?: 'v3096' | 'seed',
 *   publicKey?: string, keyType?: 'MD5+RSA' | 'RSA'}[]} [options.merchants]
 *   Default: the seed test account (pid 1005) with the test RSA pair of keys/. `dayCounters: 'seed'` makes
 *   act=query say order_today/order_lastday (the seed document) instead of v3096's orders_today/orders_lastday.
 *   `publicKey` (PEM or bare base64 SPKI DER) verifies sign_type=RSA requests; `keyType: 'RSA'` refuses MD5 everywhere.
 * @param {string} [options.persist] JSON file: loaded at start, rewritten (atomically) on every change.
 * @param {(line: string) => void} [options.log] Called with one line per request and per notify attempt.
 * @param {number[]} [options.notifyRetryDelaysMs] Pause before each notify retry (default 200,500,1000,2000,5000).
 * @param {number} [options.notifyTimeoutMs=5000] Timeout of one notify attempt.
 * @param {string} [options.publicUrl] Base URL used in payurl/cashier links (default: from the Host header).
 * @param {string} [options.platformKey] The platform's RSA private key (PEM): signs V2 answers and notifies
 *   (default: the published test key keys/platform.pem).
 * @param {boolean} [options.closeSupported=false] Whether V2 pay/close closes unpaid orders (default: the signed
 *   -1 "当前支付插件不支持关闭订单" a v3096 channel answers).
 * @param {number} [options.clockOffsetSec=0] Seconds added to the real clock for V2 timestamps.
 * @returns {Promise<{ url: string, port: number, server: http.Server, state: object, platformPublicKey: string,
 *   close: () => Promise<void> }>}
 *   `url` is the gateway base URL, ending with "/". `state` holds `store` (orders, merchants),
 *   `faults`, `notifier`, `requests` (per-endpoint counters) and `reset()`. `platformPublicKey` is SPKI PEM.
 */
export async function startSandbox(options = {}) {
  const { port = 0, host = '127.0.0.1', merchants, persist, log, notifyRetryDelaysMs, notifyTimeoutMs } = options;
  const { platformKey, closeSupported = false, clockOffsetSec = 0 } = options;
  if (typeof closeSupported !== 'boolean') throw new Error('closeSupported must be true or false');
  if (!Number.isSafeInteger(clockOffsetSec)) throw new Error('clockOffsetSec must be an integer number of seconds');
  const publicUrl = options.publicUrl?.replace(/\/?$/, '/');
  const platform = new PlatformKey(platformKey);
  const store = new Store({ merchants, persist });
  const faults = new Faults();
  const logLine = log ?? (() => {});
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  const url = `http://${urlHost(host)}:${actualPort}/`;
  const state = {
    store, faults, platform, closeSupported, clockOffsetSec, requests: {}, log: logLine,
    baseUrl: (req) => publicUrl ?? (/^[\w.\-:[\]]+$/.test(req.headers.host ?? '') ? `http://${req.headers.host}/` : url),
    /** The sandbox clock in Unix seconds: what V2 timestamps are checked against and carry. */
    now: () => Math.floor(Date.now() / 1000) + state.clockOffsetSec,
    reset() {
      state.notifier.cancelAll();
      store.reset();
      faults.clear();
      state.clockOffsetSec = clockOffsetSec;
      for (const k of Object.keys(state.requests)) delete state.requests[k];
    },
  };
  const notifier = new Notifier({ ctx: state, delays: notifyRetryDelaysMs, timeoutMs: notifyTimeoutMs, log: logLine });
  state.notifier = notifier;
  server.on('request', (req, res) => handle(state, req, res));
  notifier.resumePending();
  return {
    url, port: actualPort, server, state, platformPublicKey: platform.publicKeyPem,
    /** Stops notifies and the server, closing open connections. */
    async close() {
      notifier.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections?.();
      await closed;
    },
  };
}
