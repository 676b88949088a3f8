// V1 (MD5 and the merchant KEY) end to end on node:http: create an order,
// wait for the gateway's notify, verify it, fulfil the order once, answer
// `success`, exit. Runs against epay-sandbox (`npx epay-sandbox`): open the
// printed link and press Pay. EPAY_GATEWAY, EPAY_PID and EPAY_KEY name another
// gateway and merchant, PORT the port to listen on (0: any), PUBLIC_URL the
// URL the gateway reaches this server at.
import http from 'node:http';
import { EpayClient, createNodeNotifyHandler } from 'epay-wasm';

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const pid = Number(env.EPAY_PID);
const key = env.EPAY_KEY;
const client = new EpayClient({ gateway: env.EPAY_GATEWAY, pid, key });

const order = { out_trade_no: `V1${Date.now()}`, money: '0.01', paid: false }; // your database in a real shop

const handler = createNodeNotifyHandler({
  pid, key,
  loadOrder: (out_trade_no) => (out_trade_no === order.out_trade_no ? order : null),
  async onPaid(data) {
    order.paid = true;
    console.log(`paid: ${data.out_trade_no}, trade_no ${data.trade_no}, ¥${data.money}`);
    server.close(); // the answer `success` still goes out
  },
  // Refused (400, `error.reason` says why) or failed (500, the gateway retries).
  onError: (error) => (error?.code === 'NOTIFY_REFUSED' ? console.warn(error.message) : console.error('notify failed:', error)),
});
// #region mount
const server = http.createServer((req, res) => handler(req, res));
// #endregion
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
const base = process.env.PUBLIC_URL ?? `http://127.0.0.1:${server.address().port}/`;

const { trade_no, payurl } = await client.createOrder({
  type: 'alipay', out_trade_no: order.out_trade_no, name: 'VIP会员', money: order.money,
  notify_url: `${base}epay/notify`, return_url: base, clientip: '127.0.0.1',
});
console.log(`created ${order.out_trade_no}: trade_no ${trade_no}`);
console.log(`pay at: ${payurl}`);
