// The demo merchant server: a small shop selling through an EPay gateway
// with epay-wasm, the way a real merchant would, over V1 (MD5, the KEY)
// and/or V2 (RSA, the merchant's private key). It signs page-jump orders
// (the keys never leave this process), creates API orders with
// EpayClient/EpayClientV2, keeps its orders in SQL (demo/db.mjs),
// fulfils exactly once on verified notifies (createNodeNotifyHandler) or
// when reconciliation finds an order paid at the gateway, refunds through
// the gateway, and serves www/ plus the package's browser build under /pkg/.

import http from 'node:http';
import { hostname } from 'node:os';
import { v1Api, v2Api } from './apis.mjs';
import { openDatabase } from './db.mjs';
import { sendJson, sendText } from './http.mjs';
import { notifyHandler } from './notify.mjs';
import { Orders } from './orders.mjs';
import { reconcile, startReconcileJob } from './reconcile.mjs';
import { ROUTES, errorAnswer } from './routes.mjs';

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
 * `platformPublicKey`; with both the page offers a V1/V2 switch. Orders
 * live in `database` (demo/db.mjs), which several servers may share.
 * @param {object} options
 * @param {string} options.gateway Gateway base URL, e.g. the sandbox's `url`.
 * @param {number|string} options.pid Merchant id.
 * @param {string} [options.key] Merchant KEY (V1): used to sign and verify, never sent or logged.
 * @param {string} [options.privateKey] Merchant RSA private key (V2), PEM or bare base64: never sent or logged.
 * @param {string} [options.platformPublicKey] The platform's RSA public key (V2), PEM or bare base64.
 * @param {'v1'|'v2'} [options.api] The API the page starts with (default: V1 when it has a KEY).
 * @param {{ url?: string, dir?: string }} [options.database] `url`: a PostgreSQL server
 *   (`postgres://...`); else an embedded PGlite database in the folder `dir`, or in memory without one.
 * @param {number} [options.reconcileEverySec=60] Seconds between reconciliation passes; 0 = no periodic job.
 * @param {number} [options.reconcileAfterSec=300] A pass asks the gateway about orders unpaid for at least this long.
 * @param {string} [options.instance] This server's name in the fulfilment log (default host:pid:port).
 * @param {number} [options.port=3000] 0 picks a free port.
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.publicUrl] Base URL the gateway and the shopper reach this
 *   server at, for notify_url/return_url (default `http://<host>:<port>/`).
 * @param {boolean} [options.sandbox=false] The gateway is a sandbox (the page says so).
 * @param {(line: string) => void} [options.log] One line per order, notify, refund and reconciliation.
 * @returns {Promise<{ url: string, port: number, orders: Orders, db: import('./db.mjs').Db, server: http.Server,
 *   reconcile: (olderThanSec?: number, options?: { dueOnly?: boolean }) => Promise<{ checked: number, fulfilled: number, failed: number }>,
 *   close: () => Promise<void> }>}
 */
export async function startMerchant({
  gateway, pid, key, privateKey, platformPublicKey, api, database = {}, reconcileEverySec = 60, reconcileAfterSec = 300,
  instance, port = 3000, host = '127.0.0.1', publicUrl, sandbox = false, log = () => {},
}) {
  if (!gateway || !pid) throw new Error('startMerchant: gateway and pid are required');
  if (!privateKey !== !platformPublicKey) throw new Error('startMerchant: V2 needs both privateKey and platformPublicKey');
  if (!key && !privateKey) throw new Error('startMerchant: key (V1) or privateKey and platformPublicKey (V2) are required');
  for (const [name, value] of [['reconcileEverySec', reconcileEverySec], ['reconcileAfterSec', reconcileAfterSec]]) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`startMerchant: ${name} must be a number of seconds, 0 or more`);
  }
  const apis = {};
  if (key) apis.v1 = v1Api({ gateway, pid, key });
  if (privateKey) apis.v2 = v2Api({ gateway, pid, privateKey, platformPublicKey }); // throws INVALID_PARAM on a bad key
  const freeApis = () => Object.values(apis).forEach((each) => each.free());
  const defaultApi = api ?? Object.keys(apis)[0];
  if (!apis[defaultApi]) {
    freeApis();
    throw new Error(`startMerchant: api ${defaultApi} has no keys`);
  }
  const server = http.createServer();
  let db;
  let orders;
  try {
    db = await openDatabase({ ...database, onError: (e) => log(`database: ${e.message}`) });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    orders = await Orders.open(db, instance ?? `${hostname()}:${process.pid}:${server.address().port}`);
  } catch (e) {
    server.close();
    await db?.close();
    freeApis();
    throw e;
  }
  const actualPort = server.address().port;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}/`;
  const ctx = {
    orders, apis, api: defaultApi, pid: String(pid), gateway, sandbox, log, database: db.kind,
    base: publicUrl ? publicUrl.replace(/\/?$/, '/') : url,
    notify: notifyHandler({ orders, pid, key, platformPublicKey, log }),
    reconcile: { everySec: reconcileEverySec, afterSec: reconcileAfterSec },
    buttonPass: null, // the Reconcile button's pass while it runs
  };
  server.on('request', (req, res) => handle(ctx, req, res));
  const pass = (olderThanSec = reconcileAfterSec, options = {}) => reconcile(ctx, olderThanSec, options);
  const stopJob = startReconcileJob(reconcileEverySec, pass, log);
  return {
    url, port: actualPort, orders, db, server, reconcile: pass,
    /** Stops the reconciliation job and the server (closing open connections, event streams too), then the database. */
    async close() {
      await stopJob();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await db.close();
      freeApis();
    },
  };
}
