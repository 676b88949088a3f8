// The demo merchant server: a small shop selling through an EPay gateway
// with epay-wasm, the way a real merchant would, over V1 (MD5, the KEY)
// and/or V2 (RSA, the merchant's private key). It signs page-jump orders
// (the keys never leave this process), creates API orders with
// EpayClient/EpayClientV2, fulfils only on verified notifies, refunds
// through the gateway, and serves www/ plus the package's browser build
// under /pkg/.

import http from 'node:http';
import { v1Api, v2Api } from './apis.mjs';
import { sendJson, sendText } from './http.mjs';
import { ROUTES, errorAnswer } from './routes.mjs';
import { Shop } from './shop.mjs';

/** The handler for this request and the path's captured part, or the status to answer (404/405). */
function route(method, pathname) {
  const asMethod = method === 'HEAD' ? 'GET' : method; // Node sends no body for HEAD
  let status = 404;
  for (const [methods, pattern, handler] of ROUTES) {
    const m = pattern.exec(pathname);
    if (m && methods.includes(asMethod)) return { handler, arg: m[1] };
    if (m) status = 405;
  }
  return { status };
}

async function handle(ctx, req, res) {
  const { pathname } = new URL(req.url, 'http://merchant.invalid');
  const { handler, arg, status } = route(req.method, pathname);
  const isApi = pathname.startsWith('/api/');
  try {
    if (!handler) return sendText(res, status, status === 405 ? 'method not allowed' : 'not found');
    await handler(ctx, req, res, arg);
  } catch (e) {
    const known = errorAnswer(e);
    if (!known) ctx.log(`ERROR ${req.method} ${pathname}: ${e.stack ?? e}`);
    const [code, message] = known ?? [500, 'internal error'];
    if (res.headersSent) res.destroy();
    else if (isApi) sendJson(res, code, { error: message });
    else sendText(res, code, message);
  }
}

/**
 * Starts the demo merchant server. V1 needs `key`, V2 `privateKey` and
 * `platformPublicKey`; with both the page offers a V1/V2 switch.
 * @param {object} options
 * @param {string} options.gateway Gateway base URL, e.g. the sandbox's `url`.
 * @param {number|string} options.pid Merchant id.
 * @param {string} [options.key] Merchant KEY (V1): used to sign and verify, never sent or logged.
 * @param {string} [options.privateKey] Merchant RSA private key (V2), PEM or bare base64: never sent or logged.
 * @param {string} [options.platformPublicKey] The platform's RSA public key (V2), PEM or bare base64.
 * @param {'v1'|'v2'} [options.api] The API the page starts with (default: V1 when it has a KEY).
 * @param {number} [options.port=3000] 0 picks a free port.
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.publicUrl] Base URL the gateway and the shopper reach this
 *   server at, for notify_url/return_url (default `http://<host>:<port>/`).
 * @param {boolean} [options.sandbox=false] The gateway is a sandbox (the page says so).
 * @param {(line: string) => void} [options.log] One line per order, notify and refund.
 * @returns {Promise<{ url: string, port: number, shop: Shop, server: http.Server, close: () => Promise<void> }>}
 */
export async function startMerchant({
  gateway, pid, key, privateKey, platformPublicKey, api, port = 3000, host = '127.0.0.1', publicUrl, sandbox = false, log,
}) {
  if (!gateway || !pid) throw new Error('startMerchant: gateway and pid are required');
  if (!privateKey !== !platformPublicKey) throw new Error('startMerchant: V2 needs both privateKey and platformPublicKey');
  if (!key && !privateKey) throw new Error('startMerchant: key (V1) or privateKey and platformPublicKey (V2) are required');
  const apis = {};
  if (key) apis.v1 = v1Api({ gateway, pid, key });
  if (privateKey) apis.v2 = v2Api({ gateway, pid, privateKey, platformPublicKey }); // throws INVALID_PARAM on a bad key
  const defaultApi = api ?? Object.keys(apis)[0];
  if (!apis[defaultApi]) throw new Error(`startMerchant: api ${defaultApi} has no keys`);
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  const ctx = {
    shop: new Shop(), apis, api: defaultApi, pid: String(pid), gateway, sandbox, log: log ?? (() => {}),
    base: publicUrl ? publicUrl.replace(/\/?$/, '/') : url, refunding: new Set(),
  };
  server.on('request', (req, res) => handle(ctx, req, res));
  return {
    url, port: actualPort, shop: ctx.shop, server,
    /** Stops the server, closing open connections (event streams too). */
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      for (const each of Object.values(apis)) each.free();
    },
  };
}
