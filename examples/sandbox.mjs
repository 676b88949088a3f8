// epay-sandbox inside your own tests or scripts: a gateway started in this
// process on a free port, nothing else to run. An order created through it
// with each API (V1 `EpayClient`; V2 `EpayClientV2` with the sandbox's
// published TEST keys), paid through its control API (`/_sandbox/`), the
// notifies received here, and a fault injected: the next api.php answer is an
// HTTP 500, so the refund, never retried, rejects; sent again, it goes
// through. No network, no real money.
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import { EpayClient, EpayClientV2 } from 'epay-wasm';

// Where the notifies go: printed and answered `success` (a shop verifies them first: v1.mjs, v2.mjs).
const receiver = http.createServer((req, res) => {
  console.log(`notify: ${new URL(req.url, 'http://x').search.slice(1)}`);
  res.end('success', () => receiver.emit('notified'));
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const return_url = `http://127.0.0.1:${receiver.address().port}/`;
const notify_url = `${return_url}epay/notify`;
let notified = once(receiver, 'notified');

// #region start
const sandbox = await startSandbox({ port: 0 }); // sandbox.url: the gateway base URL
const client = new EpayClient({ gateway: sandbox.url, pid: 1005, key: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' });
const { trade_no } = await client.createOrder({
  type: 'alipay', out_trade_no: `S${Date.now()}`, name: 'VIP会员', money: '0.01', notify_url, return_url, clientip: '127.0.0.1',
});
await fetch(`${sandbox.url}_sandbox/orders/${trade_no}/pay`, { method: 'POST' }); // pay it: the notify goes out
await fetch(`${sandbox.url}_sandbox/faults`, {                                     // the next api.php call fails
  method: 'POST', body: JSON.stringify({ target: 'api.php', kind: 'http500' }),
});
await client.refund({ trade_no }, '0.01').catch((err) => console.log(`refund: ${err.code} ${err.status}`)); // never retried
// #endregion
// Here the injected fault answered before any refund was made; with a real
// gateway a 500 does not say so: ask queryOrder (refunded?) before sending again.
const refunded = await client.refund({ trade_no }, '0.01'); // the fault is used up
console.log(`refunded ${trade_no}: code ${refunded.code}`);
await notified;

// #region v2
const clientV2 = new EpayClientV2({
  gateway: sandbox.url, pid: 1005, platformPublicKey: sandbox.platformPublicKey,
  privateKey: readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'), // TEST_KEY_FILES from 'epay-sandbox'
});
// #endregion
const v2 = await clientV2.createOrder({
  type: 'alipay', out_trade_no: `S2${Date.now()}`, name: 'VIP会员', money: '0.01', notify_url, clientip: '127.0.0.1',
});
notified = once(receiver, 'notified');
await fetch(`${sandbox.url}_sandbox/orders/${v2.trade_no}/pay`, { method: 'POST' }); // an RSA-signed notify
await notified;
const queried = await clientV2.queryOrder({ trade_no: v2.trade_no }); // its signature checked with sandbox.platformPublicKey
console.log(`v2 ${queried.trade_no}: paid ${queried.paid}`);

// The control API tells what the gateway holds and saw: two refund requests, the faulted one not retried.
const held = await (await fetch(`${sandbox.url}_sandbox/orders/${trade_no}`)).json();
const requests = await (await fetch(`${sandbox.url}_sandbox/requests`)).json();
console.log(`held ${held.trade_no}: status ${held.status}, refundmoney ${held.refundmoney}, refund requests ${requests['api.php?act=refund']}`);
await sandbox.close();
receiver.close();
