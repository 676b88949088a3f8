// The notify route: epay-wasm's createNodeNotifyHandler over the order
// records. The handler verifies (signature, pid, order, amount in cents, V2
// timestamp; each notify's sign_type picks V1 or V2) and answers the
// gateway; the database makes fulfilment exactly-once (Orders#fulfil), so
// the same notify may reach any number of instances, any number of times.

import { createNodeNotifyHandler } from '../pkg/index.mjs'; // in your shop: from 'epay-wasm'
import { readBytes } from './http.mjs';

/**
 * The handler of `GET|POST /epay/notify`: `(req, res) => Promise<void>`.
 * In a shop without the demo's delivery counters it is the handler itself:
 * Express `app.all('/epay/notify', handler)`.
 * @param {object} ctx
 * @param {import('./orders.mjs').Orders} ctx.orders
 * @param {number|string} ctx.pid
 * @param {string} [ctx.key] V1: the merchant KEY.
 * @param {string} [ctx.platformPublicKey] V2: the platform public key.
 * @param {(line: string) => void} ctx.log
 */
export function notifyHandler({ orders, pid, key, platformPublicKey, log }) {
  const handler = createNodeNotifyHandler({
    pid, key, platformPublicKey,
    // Called once the signature and pid are verified. `paid`: the order is no
    // longer unpaid, so a replay is answered `success` without a write.
    loadOrder: (outTradeNo) => orders.forNotify(outTradeNo),
    // Verified TRADE_SUCCESS for an order unpaid when loaded: the handler
    // answers `success` only after this resolved (and `fail`, HTTP 500, if it
    // throws: the gateway retries). Another instance may be fulfilling the
    // same order right now; the conditional UPDATE lets only one of them.
    async onPaid(data) {
      const fulfilled = await orders.fulfil(data.out_trade_no, { trade_no: data.trade_no, money: data.money, via: 'notify' });
      log(`notify ${data.out_trade_no}: paid, ${fulfilled ? 'fulfilled' : 'fulfilled already (another delivery or instance)'}`);
    },
    // A refused notify (forged, another order's amount, unknown order...)
    // is answered `fail` (400); anything else that failed, `fail` (500) and
    // the gateway retries.
    onError(error, data) {
      const id = data?.out_trade_no ?? '?';
      if (error.code === 'NOTIFY_REFUSED') log(`notify ${id}: refused (${error.reason}), answered fail (400)`);
      else log(`notify ${id}: ${error.message}; answered fail (500), the gateway retries`);
    },
  });
  return async (req, res) => {
    // The demo reads the body itself only to count deliveries per order
    // (shown on the Orders page); the handler takes its bytes as they came,
    // and refuses a body over 64 KB or not UTF-8 itself.
    const received = req.method === 'POST' ? await readBytes(req) : new URL(req.url, 'http://merchant.invalid').search.slice(1);
    await handler(req, res, received);
    const outTradeNo = new URLSearchParams(received.toString()).get('out_trade_no');
    if (!outTradeNo || res.statusCode === 500) return;
    await orders.countNotify(outTradeNo, res.statusCode === 200);
  };
}
