//! TypeScript declarations for the JS-facing shapes, emitted into the
//! generated `.d.ts` so that exports are typed without `any`.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A field value: strings as they are, numbers as JS prints them; null and undefined mean absent. */
export type ParamValue = string | number | bigint | null | undefined;

/** Protocol fields by their protocol names, e.g. `{ pid: 1005, out_trade_no: 'A1', money: '1.00' }`. */
export type Params = Record<string, ParamValue> | URLSearchParams;

/** Signed fields as returned by `signParams` and `signOrder`: every non-empty field, plus `sign` and `sign_type`. */
export type SignedParams = Record<string, string> & { sign: string; sign_type: 'MD5' };

/** An order for `submit.php` (browser hand-over). Unknown fields are kept and signed. */
export interface SubmitOrder {
  /** Merchant id, a positive integer. */
  pid: number | string;
  /** Payment type: `alipay`, `wxpay`, `qqpay`, or a gateway's own. Optional for submit.php. */
  type?: string;
  /** Merchant order number: 1–64 of `a-z A-Z 0-9 . _ - |`. */
  out_trade_no: string;
  /** Server notify URL: absolute http(s), no query string. */
  notify_url: string;
  /** Browser return URL: absolute http(s). */
  return_url: string;
  /** Product name; cut to 127 UTF-8 bytes on a character boundary. */
  name: string;
  /** Yuan, > 0, at most 2 decimals: `'1.00'`, `1`, `9.9`. */
  money: string | number;
  /** Business data echoed back in the notify, at most 255 bytes. */
  param?: string;
  [field: string]: ParamValue;
}

/** Options of `buildSubmitForm` and `buildPayUrl`. */
export interface SubmitOptions {
  /** Gateway base URL, e.g. `https://pay.example.com/`. */
  gateway: string;
  /**
   * Merchant KEY. With it, the params are validated as a `SubmitOrder` and signed here
   * (server side only). Without it, the params must already carry `sign` and are emitted
   * as they are: the way a browser page uses it without ever holding the KEY.
   */
  key?: string;
}

/** What `verifyNotify` checks besides the signature. */
export interface NotifyExpected {
  /** Your merchant id. */
  pid?: number | string;
  /** The order the notify must be about. */
  out_trade_no?: string;
  /** The order's amount, compared in cents (`1`, `'1.0'` and `'1.00'` are equal). */
  money?: number | string;
}

/** Why a notify was not accepted. */
export type NotifyReason =
  | 'malformed'
  | 'missing_sign'
  | 'bad_sign'
  | 'pid_mismatch'
  | 'out_trade_no_mismatch'
  | 'money_mismatch';

/** The outcome of `verifyNotify`. */
export interface NotifyResult {
  /** Signature valid and every expectation met. */
  ok: boolean;
  /** `ok` and `trade_status === 'TRADE_SUCCESS'`: the only state that means paid. */
  paid: boolean;
  /** `null` when `ok`, otherwise why not. */
  reason: NotifyReason | null;
  /** Every received field as a string (empty when malformed). */
  data: Record<string, string>;
}
"#;
