/** What kind of failure an `EpayError` is. */
export type EpayErrorCode =
  | 'INVALID_PARAM'
  | 'API_ERROR'
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'BAD_RESPONSE';

/**
 * The error every epay-wasm function throws: a real `Error` with
 * `name === 'EpayError'`, a `code` and the `field` at fault.
 * Messages never contain the merchant KEY.
 */
export declare class EpayError extends Error {
  constructor(message: string, code: EpayErrorCode, field?: string | null);
  name: 'EpayError';
  /** What kind of failure this is. */
  code: EpayErrorCode;
  /** The protocol field at fault (e.g. `'money'`), or `null`. */
  field: string | null;
  static [Symbol.hasInstance](value: unknown): value is EpayError;
}
