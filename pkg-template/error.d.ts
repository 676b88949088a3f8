import type { NotifyRefusedReason } from './notify-handler.js';

/** What kind of failure an `EpayError` is. */
export type EpayErrorCode =
  | 'INVALID_PARAM'
  | 'API_ERROR'
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'BAD_RESPONSE'
  | 'BAD_SIGNATURE'
  | 'NOTIFY_REFUSED';

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
  /** `HTTP_ERROR`: the HTTP status (0 or 3xx for a redirect, which is never followed). */
  status?: number;
  /** `API_ERROR`: the gateway's own `code`. */
  gatewayCode?: number;
  /** `API_ERROR`: the gateway's own `msg`. */
  msg?: string;
  /** `NOTIFY_REFUSED` (given to a notify handler's `onError`): why the notify was answered `fail` (HTTP 400). */
  reason?: NotifyRefusedReason;
  /** `BAD_RESPONSE`: the first 200 characters of the body. */
  body?: string;
  /**
   * `EpayClientV2.refund`: the refund number sent (given or generated), on any failure: query the refund with it,
   * or retry with it (the gateway makes one refund per number).
   */
  out_refund_no?: string;
  static [Symbol.hasInstance](value: unknown): value is EpayError;
}
