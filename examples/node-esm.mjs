// Node ESM, no server: sign an order, build the submit form and a pay link,
// and check a notify. Runs against epay-sandbox (`npx epay-sandbox`) by default;
// EPAY_GATEWAY, EPAY_PID and EPAY_KEY name another gateway and merchant.
// CommonJS: const { signOrder, ... } = require('epay-wasm');
// Browser or bundler: import init, { buildSubmitForm } from 'epay-wasm'; await init();
import { signOrder, buildSubmitForm, buildPayUrl, signParams, verifyNotify } from 'epay-wasm'; // Node: ready on import

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const gateway = env.EPAY_GATEWAY;
const pid = Number(env.EPAY_PID);
const key = env.EPAY_KEY;

const order = {
  pid, type: 'alipay', out_trade_no: `A${Date.now()}`,
  notify_url: 'https://shop.example/epay/notify', return_url: 'https://shop.example/epay/return',
  name: 'VIP会员', money: '0.01',
};
// The server signs; a page builds the form from the signed fields without any key.
console.log('signed order:', JSON.stringify(signOrder(order, key)));
// Or the server builds the auto-submitting form to submit.php, or a pay link.
console.log('submit form:', buildSubmitForm(order, { gateway, key }));
console.log('pay link:', buildPayUrl(order, { gateway, key }));

// What the gateway sends to notify_url once the order is paid (money echoed as `0.01`)...
const notify = new URLSearchParams(signParams({
  pid, trade_no: '2026112812000012345', out_trade_no: order.out_trade_no, type: 'alipay',
  name: order.name, money: '0.01', trade_status: 'TRADE_SUCCESS',
}, key)).toString();
console.log('notify:', notify);
// ...and its check: signature, merchant, order and amount. Answer `success` only when paid.
const { paid, reason } = verifyNotify(notify, key, { pid, out_trade_no: order.out_trade_no, money: order.money });
console.log('verified:', JSON.stringify({ paid, reason }));
// A changed amount breaks the signature.
const forged = verifyNotify(notify.replace('money=0.01', 'money=0.02'), key, { pid, out_trade_no: order.out_trade_no, money: '0.02' });
console.log('forged:', JSON.stringify({ paid: forged.paid, reason: forged.reason }));
