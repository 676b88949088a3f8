// Browser and bundler entry: call `await init()` once before anything else.
// The .wasm is found next to this file (new URL(..., import.meta.url)).
export { default, default as init, initSync } from './epay_wasm.mjs';
export * from './epay_wasm.mjs';

/**
 * The error every epay-wasm function throws: a real `Error` with
 * `name === 'EpayError'`, a `code` and the `field` at fault.
 * `err instanceof EpayError` holds for errors thrown by the wasm module.
 */
export class EpayError extends Error {
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
