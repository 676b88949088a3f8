// Browser and bundler entry: call `await init()` once before anything else.
// The .wasm is found next to this file (new URL(..., import.meta.url)).
import initModule, { initSync as initModuleSync, sign as signSlow, verifyNotify as verifySlow, buildSubmitForm as formSlow } from './epay_wasm.mjs';
import { makeFast } from './fast.mjs';

export { EpayError } from './error.mjs';

export * from './epay_wasm.mjs';

// init and initSync as generated, keeping the instance's exports for the
// fast path of sign, verifyNotify and buildSubmitForm (fast.mjs).
let raw;
export default async function init(options) {
  return (raw = await initModule(options));
}
export { init };
export function initSync(options) {
  return (raw = initModuleSync(options));
}
export const { sign, verifyNotify, buildSubmitForm } = makeFast(
  { sign: signSlow, verifyNotify: verifySlow, buildSubmitForm: formSlow },
  () => raw,
);

