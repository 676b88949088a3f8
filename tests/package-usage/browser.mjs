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
