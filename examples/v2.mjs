// V2 (RSA) end to end on node:http: create an order through api/pay/create,
// wait for the gateway's RSA-signed notify, verify it (signature, timestamp,
// merchant, order, amount), fulfil the order once and answer `success`; then
// the client's other calls on it (query, refund, refund query, close, the
// merchant and its orders) and an order signed for a page's form, and exit.
// Runs against epay-sandbox (`npx epay-sandbox`) with its published TEST
// keys: open the printed link and press Pay. EPAY_GATEWAY, EPAY_PID,
// EPAY_PRIVATE_KEY and EPAY_PLATFORM_PUBLIC_KEY (PEM or the bare base64 a
// merchant panel shows) name another gateway and merchant, PORT the port to
// listen on (0: any), PUBLIC_URL the URL the gateway reaches this server at.
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { TEST_KEY_FILES } from 'epay-sandbox'; // test keys only: never for real payments
// #region client
import { EpayClientV2, EpayError, buildSubmitFormV2, createNodeNotifyHandler } from 'epay-wasm';

// The sandbox's test merchant and keys, unless EPAY_GATEWAY names another
// gateway: then EPAY_PID and both keys are its own (no test key beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : {
  EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005',
  EPAY_PLATFORM_PUBLIC_KEY: readFileSync(TEST_KEY_FILES.platformPublicKey, 'utf8'),
  EPAY_PRIVATE_KEY: readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'),
};
const gateway = env.EPAY_GATEWAY;
const pid = Number(env.EPAY_PID);
// The platform's key: merchant panel, API 信息 → 平台公钥.
const platformPublicKey = env.EPAY_PLATFORM_PUBLIC_KEY;
const client = new EpayClientV2({
  gateway, pid, platformPublicKey, // or [oldKey, newKey] while the platform rotates its key: either verifies
  privateKey: env.EPAY_PRIVATE_KEY, // server side only
  // timeoutMs, retries (default 1), fetch: as EpayClient; clockSkewSec: notify timestamps (default 300)
});
// #endregion

// #region notify
const order = { out_trade_no: `V2${Date.now()}`, money: '0.01', paid: false }; // your database in a real shop

const handler = createNodeNotifyHandler({
  pid, platformPublicKey,
  loadOrder: (out_trade_no) => (out_trade_no === order.out_trade_no ? order : null),
  async onPaid(data) {
    order.paid = true;
    console.log(`paid: ${data.out_trade_no}, trade_no ${data.trade_no}, ¥${data.money}, signed at ${data.timestamp}`);
    server.close(); // the answer `success` still goes out
  },
  // Refused (400, `error.reason` says why) or failed (500, the gateway retries).
  onError: (error) => (error?.code === 'NOTIFY_REFUSED' ? console.warn(error.message) : console.error('notify failed:', error)),
});
const server = http.createServer((req, res) => handler(req, res));
// #endregion
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
const base = process.env.PUBLIC_URL ?? `http://127.0.0.1:${server.address().port}/`;

// #region create
const { trade_no, pay_type, pay_info } = await client.createOrder({
  type: 'alipay', out_trade_no: order.out_trade_no, name: 'VIP会员', money: order.money,
  notify_url: `${base}epay/notify`, clientip: '127.0.0.1', // return_url is optional here
}); // method defaults to 'jump' (pay_info: the gateway's pay page), device to 'pc'
console.log(`created ${order.out_trade_no}: trade_no ${trade_no}`);
console.log(`pay at: ${pay_info} (${pay_type})`);
// #endregion
await once(server, 'close'); // paid: onPaid closed the server

// #region calls
const queried = await client.queryOrder({ out_trade_no: order.out_trade_no }); // { status, paid, refunded, refundmoney?, ... }
console.log(`queried: status ${queried.status}, paid ${queried.paid}, refunded ${queried.refunded}`);
const refund = await client.refund({ trade_no }, '0.01'); // retried safely: refund.out_refund_no, keep it
const refundState = await client.queryRefund({ out_refund_no: refund.out_refund_no });
console.log(`refund ${refund.out_refund_no}: refund_no ${refund.refund_no}, ¥${refund.money}, status ${refundState.status}`);
try {
  await client.closeOrder({ trade_no }); // a paid order cannot be closed; many channels close none
} catch (err) {
  if (!(err instanceof EpayError)) throw err;
  console.log(`close refused: ${err.code} ${err.gatewayCode} ${err.msg}`);
}
const me = await client.queryMerchant();
console.log(`merchant ${me.pid}: ${me.order_num} orders, balance ¥${me.money}`);
const page = await client.queryOrders({ offset: 0, limit: 20, status: 2 }); // status filtered by the gateway
console.log(`refunded page: ${page.length} orders, newest ${page[0].trade_no}`);
for await (const o of client.orders({ status: 2 })) console.log(`refunded order: ${o.trade_no}`); // unsigned rows
// #endregion

// #region page
// Server: a validated, RSA-signed order for api/pay/submit (pid and timestamp added).
const signed = await client.signOrder({
  out_trade_no: `V2P${Date.now()}`, notify_url: `${base}epay/notify`, return_url: base, name: 'VIP会员', money: '0.01',
});
// Page (browser, no key): import init, { buildSubmitFormV2 } from 'epay-wasm'; await init();
const html = buildSubmitFormV2(signed, { gateway }); // or buildPayUrlV2(signed, { gateway })
// #endregion
console.log(`submit form: ${html}`);
