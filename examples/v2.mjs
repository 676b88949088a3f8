// V2 (RSA) end to end on node:http: create an order through api/pay/create,
// wait for the gateway's RSA-signed notify, verify it (signature, timestamp,
// merchant, order, amount), fulfil the order once, answer `success`, exit.
// Runs against epay-sandbox (`npx epay-sandbox`) with its published TEST
// keys: open the printed link and press Pay. EPAY_GATEWAY, EPAY_PID,
// EPAY_PRIVATE_KEY and EPAY_PLATFORM_PUBLIC_KEY (PEM or the bare base64 a
// merchant panel shows) name another gateway and merchant, PORT the port to
// listen on (0: any), PUBLIC_URL the URL the gateway reaches this server at.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { EpayClientV2, createNodeNotifyHandler } from 'epay-wasm';
import { TEST_KEY_FILES } from 'epay-sandbox'; // test keys only: never for real payments

const pid = Number(process.env.EPAY_PID ?? 1005);
const platformPublicKey = process.env.EPAY_PLATFORM_PUBLIC_KEY ?? readFileSync(TEST_KEY_FILES.platformPublicKey, 'utf8');
const client = new EpayClientV2({
  gateway: process.env.EPAY_GATEWAY ?? 'http://127.0.0.1:8787/', pid, platformPublicKey,
  privateKey: process.env.EPAY_PRIVATE_KEY ?? readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'),
});

const order = { out_trade_no: `V2${Date.now()}`, money: '0.01', paid: false }; // your database in a real shop

const handler = createNodeNotifyHandler({
  pid, platformPublicKey,
  loadOrder: (out_trade_no) => (out_trade_no === order.out_trade_no ? order : null),
  async onPaid(data) {
    order.paid = true;
    console.log(`paid: ${data.out_trade_no}, trade_no ${data.trade_no}, ¥${data.money}, signed at ${data.timestamp}`);
    server.close(); // the answer `success` still goes out
  },
  onError: (error) => console.error('notify failed:', error),
});
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
const base = process.env.PUBLIC_URL ?? `http://127.0.0.1:${server.address().port}/`;

const { trade_no, pay_type, pay_info } = await client.createOrder({
  type: 'alipay', out_trade_no: order.out_trade_no, name: 'VIP会员', money: order.money,
  notify_url: `${base}epay/notify`, clientip: '127.0.0.1', // method defaults to 'jump'
});
console.log(`created ${order.out_trade_no}: trade_no ${trade_no}`);
console.log(`pay at: ${pay_info} (${pay_type})`);
