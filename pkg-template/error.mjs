// EpayError, shared by the Node entry (index.cjs loads error.cjs, which the
// build makes from this file) and the browser entry (web.mjs).

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
