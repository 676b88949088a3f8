// Node CommonJS: the gateway client. Creates an order through mapi.php, asks
// the gateway about it, and shows a refused call as a typed error. Runs
// against epay-sandbox (`npx epay-sandbox`) by default; EPAY_GATEWAY,
// EPAY_PID and EPAY_KEY name another gateway and merchant.
const { EpayClient, EpayError } = require('epay-wasm'); // ready on the next line: no init()

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const client = new EpayClient({
  gateway: env.EPAY_GATEWAY,
  pid: Number(env.EPAY_PID),
  key: env.EPAY_KEY,
});

async function main() {
  const out_trade_no = `C${Date.now()}`;
  const { trade_no, payurl } = await client.createOrder({
    type: 'alipay', out_trade_no, name: 'VIP会员', money: '0.01',
    notify_url: 'https://shop.example/epay/notify', return_url: 'https://shop.example/epay/return',
    clientip: '203.0.113.7',
  });
  console.log(`created ${out_trade_no}: trade_no ${trade_no}, pay at ${payurl}`);

  const order = await client.queryOrder({ out_trade_no });
  console.log(`queried ${out_trade_no}: status ${order.status}, paid ${order.paid}, money ${order.money}`);

  try {
    await client.refund({ trade_no }, '0.01'); // sent once, never retried: not paid yet, so the gateway refuses
  } catch (err) {
    if (!(err instanceof EpayError)) throw err;
    console.log(`refund refused: ${err.code} ${err.gatewayCode} ${err.msg}`); // the KEY is never in an error
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
