'use strict';
// Node.js CommonJS entry: the module is compiled and ready on require.
const wasm = require('./epay_wasm_node.cjs');
// sign, verifyNotify and buildSubmitForm through one buffer (fast.mjs).
const fast = require('./fast.cjs').makeFast(wasm, () => wasm.__wasm);

/**
 * The error every epay-wasm function throws: a real `Error` with
 * `name === 'EpayError'`, a `code` and the `field` at fault.
 * `err instanceof EpayError` holds for errors thrown by the wasm module.
 */
class EpayError extends Error {
  constructor(message, code, field = null) {
    super(message);
    this.name = 'EpayError';
    this.code = code;
    this.field = field;
  }

  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === 'EpayError';
  }
}

module.exports = { ...wasm, ...fast, EpayError };
