// The seed document's test account, end to end without a network: sign an
// order, build the submit form and a pay link, verify a notify.
// Run: node examples/quickstart.mjs   (after scripts/build.sh)
import { signOrder, buildSubmitForm, buildPayUrl, signParams, verifyNotify } from '../pkg/index.mjs';

const gateway = process.env.EPAY_GATEWAY ?? 'https://papi.payqqpay.cn/';
const pid = process.env.EPAY_PID ?? '1005';
const key = process.env.EPAY_KEY ?? '80TWQztHqTVvV440KTKVqVPQh11AkfpF';

const order = {
  pid,
  type: 'alipay',
  out_trade_no: `DEMO${Date.now()}`,
  notify_url: 'https://merchant.example/epay/notify',
  return_url: 'https://merchant.example/epay/return',
  name: 'VIP会员',
  money: '0.01',
};

console.log('Signed order (what the merchant server hands to the page):');
console.log(signOrder(order, key));

console.log('\nSubmit form (posts the shopper to submit.php):');
console.log(buildSubmitForm(order, { gateway, key }));

console.log('\nPay link:');
console.log(buildPayUrl(order, { gateway, key }));

// What the gateway would send to notify_url once paid (money echoed as `0.01`).
const notify = new URLSearchParams(signParams({
  pid, trade_no: '2026112812000012345', out_trade_no: order.out_trade_no, type: 'alipay',
  name: order.name, money: '0.01', trade_status: 'TRADE_SUCCESS',
}, key)).toString();
const result = verifyNotify(notify, key, { pid, out_trade_no: order.out_trade_no, money: order.money });
console.log('\nNotify received:', notify);
console.log('verifyNotify →', result);

const forged = notify.replace('money=0.01', 'money=0.02');
console.log('\nThe same notify with money changed →', verifyNotify(forged, key).reason);
