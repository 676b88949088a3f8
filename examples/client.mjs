// The V1 gateway client, every call: an order created through mapi.php and,
// once paid (open the printed link and press Pay), queried, listed and
// refunded; the merchant's info and settlements; refusals as typed errors.
// Runs against epay-sandbox (`npx epay-sandbox`) by default; EPAY_GATEWAY,
// EPAY_PID and EPAY_KEY name another gateway and merchant.
// #region create
import { EpayClient, EpayError } from 'epay-wasm';
// CommonJS: const { EpayClient, EpayError } = require('epay-wasm');

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const client = new EpayClient({
  gateway: env.EPAY_GATEWAY,
  pid: Number(env.EPAY_PID),
  key: env.EPAY_KEY,
  timeoutMs: 10000, // per attempt (default 10000)
  retries: 1,       // queries and createOrder only, on network errors and 5xx (default 1)
  // fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: proxyAgent }), // default: the global fetch
});

const out_trade_no = `A${Date.now()}`;
const { trade_no, payurl } = await client.createOrder({
  type: 'alipay', out_trade_no, name: 'VIP会员', money: '0.01',
  notify_url: `https://shop.example/epay/notify/${out_trade_no}`, // path-style: no query string
  return_url: `https://shop.example/epay/return/${out_trade_no}`,
  clientip: '203.0.113.7', // device defaults to 'jump'
});
// #endregion
console.log(`created ${out_trade_no}: trade_no ${trade_no}, pay at ${payurl}`);

// A shop learns of the payment from the notify (v1.mjs); this example asks until it is paid.
while (!(await client.queryOrder({ out_trade_no })).paid) await new Promise((resolve) => setTimeout(resolve, 500));

// #region calls
const order = await client.queryOrder({ out_trade_no }); // { status: 1, paid: true, refunded: false, ... }
console.log(`queried: status ${order.status}, paid ${order.paid}, refunded ${order.refunded}, ¥${order.money}`);
const page = await client.queryOrders({ limit: 20, offset: 0 }); // or { limit: 20, page: 1 }, not both
console.log(`page: ${page.length} orders, newest ${page[0].trade_no}`);
for await (const o of client.orders({ status: 1 })) console.log(`paid order: ${o.trade_no}`); // a page at a time
const me = await client.queryMerchant(); // the echoed key is dropped
console.log(`merchant ${me.pid}: ${me.orders} orders; ${Object.keys(me).join(' ')}`);
console.log(`settlements: ${(await client.querySettlements()).length}`); // [] when there are none

const refund = await client.refund({ trade_no }, '0.01'); // sent exactly once, never retried (code 0 or 1 is success)
console.log(`refunded ${trade_no}: code ${refund.code}, ${refund.msg}`);
for (const call of [
  () => client.refund({ trade_no }, '0.01'), // nothing left to refund: the gateway says no
  () => client.queryOrders({ limit: 20, offest: 20 }), // misspelt: refused before anything is sent
]) {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof EpayError)) throw err;
    console.log(`refused: ${err.code} ${err.field ?? `${err.gatewayCode} ${err.msg}`}`); // never the KEY
  }
}
// #endregion
