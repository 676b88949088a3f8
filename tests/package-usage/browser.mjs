// Loaded by browser.html from the installed package, without a bundler:
// the page is served from the consumer project's root, so the package is at
// /node_modules/epay-wasm/. Reports to the test through globalThis.__epay.
import init, { EpayError, buildSubmitForm, sign, verifyNotify } from '/node_modules/epay-wasm/web.mjs';
import * as epay from '/node_modules/epay-wasm/web.mjs';
import { GATEWAY, KEY, ORDER, observe } from './checks.mjs';

/** The fields a browser would post: parse the form (scripts do not run in DOMParser). */
function postedFields(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const form = doc.querySelector('form');
  return {
    action: form.action,
    method: form.method,
    fields: Object.fromEntries(new FormData(form)),
    scripts: doc.querySelectorAll('script').length,
  };
}

/** The V2 fields signV2 signs in the page: Chinese, &, =, quotes. The Node test checks the signature with openssl. */
const V2_PARAMS = { pid: '1005', timestamp: '1796193661', name: '会员 "VIP" a&b=c', money: '1.00', out_trade_no: 'B1' };
/** The timestamp of the v3096 captures. */
const CAPTURE_TS = 1796193661;

/** V2 in the browser's WebCrypto: the v3096 notify (files copied next to this page by the test), and signV2. */
async function v2() {
  const text = async (name) => (await fetch(`./v3096/${name}`)).text();
  const notify = JSON.parse(await text('notify.json')).query_string;
  const platform = await text('platform_public_key.pem');
  const merchantKey = await text('merchant-1005.pem');
  const expected = { pid: 1000, out_trade_no: 'FV1796193661', money: '2.50' };
  const at = async (sec, input = notify, keys = platform) => {
    const { ok, paid, reason } = await epay.verifyNotifyV2(input, keys, expected, { now: sec * 1000 });
    return { ok, paid, reason };
  };
  const signedOrder = { ...V2_PARAMS, sign: await epay.signV2(V2_PARAMS, merchantKey), sign_type: 'RSA' };
  return {
    atTimestamp: await at(CAPTURE_TS),
    later301: await at(CAPTURE_TS + 301),
    tampered: await at(CAPTURE_TS, notify.replace('money=2.5', 'money=2.6')),
    rotation: await at(CAPTURE_TS, notify, [await text('merchant-1005-public.pem'), platform]),
    signature: signedOrder.sign,
    posted: postedFields(epay.buildSubmitFormV2(signedOrder, { gateway: GATEWAY })),
    signedOrder,
  };
}

async function run() {
  const output = await init();
  const signedOrder = epay.signOrder(ORDER, KEY);
  const notify = new URLSearchParams({ ...signedOrder, trade_no: 'T1', trade_status: 'TRADE_SUCCESS' });
  notify.set('sign', sign(notify, KEY));
  let error = null;
  try {
    sign({ money: Number.NaN }, KEY);
  } catch (e) {
    error = { isError: e instanceof Error, isEpayError: e instanceof EpayError, name: e.name, code: e.code, field: e.field };
  }
  return {
    exports: Object.keys(epay).sort(),
    initOutputHasMemory: output.memory instanceof WebAssembly.Memory,
    sign: sign({ money: 'moneyv', device: 'devicev' }, '1234567'),
    verify: verifyNotify(notify, KEY, { out_trade_no: ORDER.out_trade_no, money: ORDER.money }),
    posted: postedFields(buildSubmitForm(signedOrder, { gateway: GATEWAY })),
    signedOrder,
    error,
    observations: observe(epay),
    v2: await v2(),
  };
}

run().then(
  (result) => {
    globalThis.__epay = { done: true, result };
    document.getElementById('status').textContent = 'done';
  },
  (e) => {
    globalThis.__epay = { done: true, error: String(e?.stack ?? e) };
    document.getElementById('status').textContent = 'failed';
  },
);
