// What the framework examples (express.mjs, fastify.mjs, hono.mjs) share: the
// gateway client, the orders and the notify handler's options. The orders are
// in memory here, which one process owns; in a real shop they are in your
// database, fulfilled by a conditional `UPDATE ... WHERE status = 'unpaid'`
// (database.mjs).
// EPAY_GATEWAY, EPAY_PID and EPAY_KEY name the gateway and merchant
// (default: epay-sandbox's, `npx epay-sandbox`), PORT the port to listen on
// (0: any), PUBLIC_URL the URL the gateway reaches the server at (set it in
// production: the default comes from the request's Host header).
import { randomUUID } from 'node:crypto';
import { EpayClient, signOrder } from 'epay-wasm';

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const pid = Number(env.EPAY_PID);
const key = env.EPAY_KEY;
const client = new EpayClient({ gateway: env.EPAY_GATEWAY, pid, key });

/** The port to listen on. */
export const port = Number(process.env.PORT ?? 3000);

/** out_trade_no → { money, paid } */
const orders = new Map();

/** Records a new order of ¥0.01; returns its out_trade_no and the URL the gateway reaches this server at. */
function newOrder(host) {
  const out_trade_no = `A${randomUUID().replaceAll('-', '')}`;
  orders.set(out_trade_no, { money: '0.01', paid: false });
  return { out_trade_no, base: process.env.PUBLIC_URL ?? `http://${host}/` };
}

/**
 * Creates an order at the gateway (mapi.php); resolves `{ out_trade_no, payurl }`:
 * send the shopper to `payurl`. `host` is the request's Host header.
 */
export async function checkout(host, clientip) {
  const { out_trade_no, base } = newOrder(host);
  const { payurl } = await client.createOrder({
    type: 'alipay', out_trade_no, name: 'VIP会员', money: '0.01',
    notify_url: `${base}epay/notify`, return_url: base, clientip,
  });
  return { out_trade_no, payurl };
}

/**
 * Signs an order for a page that builds the form to submit.php itself
 * (examples/vite/): the fields, signed with the KEY, which stays here.
 */
export function signedOrder(host) {
  const { out_trade_no, base } = newOrder(host);
  return signOrder({
    pid, type: 'alipay', out_trade_no, name: 'VIP会员', money: '0.01',
    notify_url: `${base}epay/notify`, return_url: base,
  }, key);
}

// #region notify-options
/** The options of createNodeNotifyHandler and createNotifyHandler. */
export const notifyOptions = {
  pid, key,
  loadOrder: (out_trade_no) => orders.get(out_trade_no) ?? null, // null: not our order, refused
  async onPaid(data) {
    const order = orders.get(data.out_trade_no);
    if (order.paid) return; // a repeated notify: fulfilled already
    order.paid = true;
    console.log(`fulfilled ${data.out_trade_no}: trade_no ${data.trade_no}, ¥${data.money}`);
  },
  // Told of every notify not answered `success`: refused, 400 (`error.reason`: bad_sign on every
  // notify means a wrong KEY), or failed, 500 (loadOrder or onPaid threw: the gateway retries).
  onError: (error) => (error?.code === 'NOTIFY_REFUSED' ? console.warn(error.message) : console.error('notify failed:', error)),
};
// #endregion
