// Browser and bundler entry: call `await init()` once before anything else.
// The .wasm is found next to this file (new URL(..., import.meta.url)).
import initModule, * as wasm from './epay_wasm.mjs';
import { makeFast } from './fast.mjs';
import { EpayError } from './error.mjs';
import { makeNotifyHandlers } from './notify-handler.mjs';

export { EpayError } from './error.mjs';
// The wasm-bindgen exports but sign and verifyNotify (below) and the
// fast* ones, which are fast.mjs's alone.
export {
  EpayClient, EpayClientV2, buildPayUrl, buildPayUrlV2, buildSubmitForm, buildSubmitFormV2,
  signOrder, signParams, signV2, toQrSvg, verifyNotifyV2,
} from './epay_wasm.mjs';

// init and initSync as generated, noting when the fast path may start.
let ready = false;
export default async function init(options) {
  const exports = await initModule(options);
  ready = true;
  return exports;
}
export { init };
export function initSync(options) {
  const exports = wasm.initSync(options);
  ready = true;
  return exports;
}
export const { sign, verifyNotify } = makeFast(wasm, () => ready);
// createNotifyHandler and createNodeNotifyHandler (notify-handler.mjs):
// created at any time, verifying notifies once init() has run.
export const { createNotifyHandler, createNodeNotifyHandler } = makeNotifyHandlers({
  verifyNotify, verifyNotifyV2: wasm.verifyNotifyV2, EpayError,
});
