// The two EPay APIs the demo shop speaks, behind one shape so that the
// routes do not care which one an order went through:
//   v1: MD5 with the merchant KEY (submit.php, mapi.php, api.php), EpayClient;
//   v2: SHA256withRSA with the merchant's private key, every answer and
//       notify signed by the platform (api/pay/...), EpayClientV2.
// An order remembers its API: it is queried, refunded and verified
// through the one it was created with.

import { EpayClient, EpayClientV2, signOrder } from '../pkg/index.mjs'; // in your shop: from 'epay-wasm'

/** How the gateway finds an order of ours: by its trade_no once known. */
const orderRef = (order) => (order.trade_no ? { trade_no: order.trade_no } : { out_trade_no: order.out_trade_no });
/** The order as the gateway reports it, through `client` (V1 or V2); an error if it answers about another one. */
async function queryOrder(client, order) {
  const gateway = await client.queryOrder(orderRef(order));
  if (gateway.out_trade_no !== order.out_trade_no) throw new Error(`the gateway answered about ${gateway.out_trade_no}`);
  return gateway;
}
/** The V2 refund number of an order: one per order, so the gateway refunds it once. */
const outRefundNo = (order) => `R${order.out_trade_no}`;

/**
 * Whether the gateway refunded `order`, from `queryOrder` (status 2 =
 * refunded): `{ refunded: true }`, `{ refunded: false }` (paid, not
 * refunded), or null when it reports neither (then nobody can tell yet).
 */
async function refundedPerQuery(client, order) {
  const gateway = await queryOrder(client, order);
  if (gateway.refunded) return { refunded: true };
  return gateway.paid ? { refunded: false } : null;
}

/**
 * @typedef {object} DemoApi One API of the demo.
 * @property {'v1'|'v2'} name
 * @property {(fields: object) => Promise<object>} signOrder The signed fields a page posts without holding a key.
 * @property {(fields: object) => Promise<{ trade_no: string, payurl: string|null }>} createOrder Server-side order.
 * @property {(order: object) => Promise<object>} queryOrder The order as the gateway reports it (an error if it answers about another).
 * @property {(order: object) => Promise<object>} refund Refunds the whole order; resolves what to record on it.
 * @property {(order: object) => Promise<{ refunded: boolean, refund_no?: string, out_refund_no?: string }|null>} refundOutcome
 *   Whether the gateway refunded the order (asked, never refunding): what to record, or null when it cannot tell yet.
 * @property {(input: string, expected: object) => Promise<{ ok: boolean, paid: boolean, reason: string|null, data: object }>} verifyNotify
 * @property {() => void} free
 */

/** V1 ({@link DemoApi}) with the merchant KEY. A refund is sent once, never retried (api.php's refunds are not idempotent). */
export function v1Api({ gateway, pid, key }) {
  const client = new EpayClient({ gateway, pid, key });
  return {
    name: 'v1',
    signOrder: async (fields) => signOrder(fields, key),
    async createOrder(fields) {
      const created = await client.createOrder(fields);
      return { trade_no: created.trade_no, payurl: created.payurl ?? created.qrcode ?? created.urlscheme ?? null };
    },
    queryOrder: (order) => queryOrder(client, order),
    async refund(order) {
      await client.refund(orderRef(order), order.money);
      return {};
    },
    refundOutcome: (order) => refundedPerQuery(client, order),
    verifyNotify: async (input, expected) => client.verifyNotify(input, expected),
    free: () => client.free(),
  };
}

/**
 * V2 ({@link DemoApi}) with the merchant's RSA private key and the platform's public key.
 * Orders are created with `method=jump` (the library's default), so
 * `pay_info` is the gateway's pay page: a link and a QR code, as V1's
 * payurl. A refund's `out_refund_no` is `R` + the order's out_trade_no: the
 * gateway refunds once per number, so the client may retry it after a lost
 * answer and a second click can never refund twice.
 */
export function v2Api({ gateway, pid, privateKey, platformPublicKey }) {
  const client = new EpayClientV2({ gateway, pid, privateKey, platformPublicKey });
  return {
    name: 'v2',
    signOrder: (fields) => client.signOrder(fields),
    async createOrder(fields) {
      const created = await client.createOrder(fields);
      return { trade_no: created.trade_no, payurl: created.pay_info };
    },
    queryOrder: (order) => queryOrder(client, order),
    async refund(order) {
      const { refund_no, out_refund_no } = await client.refund(orderRef(order), order.money, { out_refund_no: outRefundNo(order) });
      return { refund_no, out_refund_no };
    },
    /** The refund under the order's out_refund_no (status 1: refunded; another: not done yet), else the order's own status. */
    async refundOutcome(order) {
      let refund;
      try {
        refund = await client.queryRefund({ out_refund_no: outRefundNo(order) });
      } catch (e) {
        if (e.code !== 'API_ERROR') throw e; // the query failed: the next pass asks again
        return refundedPerQuery(client, order); // no such refund: the order says whether it was refunded
      }
      return refund.status === 1 ? { refunded: true, refund_no: refund.refund_no, out_refund_no: refund.out_refund_no } : null;
    },
    verifyNotify: (input, expected) => client.verifyNotify(input, expected),
    free: () => client.free(),
  };
}
