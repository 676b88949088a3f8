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

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TYPES: &'static str = r#"
/** Options of `new EpayClient(...)`. */
export interface EpayClientOptions {
  /** Gateway base URL, e.g. `https://pay.example.com/`. */
  gateway: string;
  /** Merchant id. */
  pid: number | string;
  /** Merchant KEY. Server side only: never ship it to a browser. */
  key: string;
  /** Per-attempt timeout in milliseconds (default 10000). */
  timeoutMs?: number;
  /** Retries of queries and createOrder after a network error or 5xx (default 1, max 5). Refunds are never retried. */
  retries?: number;
}

/** An order for `mapi.php` (server side). `pid` defaults to the client's. */
export interface ApiOrder extends Omit<SubmitOrder, 'pid' | 'type'> {
  pid?: number | string;
  /** Payment type: `alipay`, `wxpay`, `qqpay`, or a gateway's own. */
  type: string;
  /** The shopper's IP address (IPv4 or IPv6). */
  clientip: string;
  /** Defaults to `jump` (the only value most gateways accept). */
  device?: string;
}

/** What `createOrder` returns: the gateway's order number and whichever way to pay it sent. */
export interface CreatedOrder {
  trade_no: string;
  /** A page that takes the shopper through payment (send them there, or show it as a QR code). */
  payurl?: string;
  /** Content to show as a QR code. */
  qrcode?: string;
  /** An app URL scheme that opens the payment app. */
  urlscheme?: string;
  /** HTML to render. */
  html?: string;
}

/** The merchant account (`act=query`); the KEY the gateway echoes is dropped. */
export interface MerchantInfo {
  pid: number | null;
  /** The account is enabled (`active` 1). */
  active: boolean;
  /** Balance in yuan, as the gateway writes it. */
  money?: string;
  /** Settlement method: 1 Alipay, 2 WeChat, 3 QQ, 4 bank card. */
  type: number | null;
  account?: string;
  username?: string;
  orders: number | null;
  order_today: number | null;
  order_lastday: number | null;
}

/** A settlement record, fields as the gateway sends them. */
export type Settlement = Record<string, string | number | null>;

/** Which order: by the gateway's `trade_no` or your `out_trade_no` (`trade_no` wins if both). */
export type OrderRef = { trade_no: string; out_trade_no?: string } | { trade_no?: string; out_trade_no: string };

/** Paging of `queryOrders`. */
export interface OrdersPage {
  /** 1–50, default 20. */
  limit?: number;
  /** From 1, default 1. */
  page?: number;
}

/** An order as the gateway reports it, with numbers as numbers. */
export interface GatewayOrder {
  trade_no: string;
  out_trade_no: string;
  api_trade_no?: string;
  type: string;
  pid: number | null;
  addtime?: string;
  endtime?: string | null;
  name: string;
  /** Yuan, as the gateway writes it. */
  money: string;
  /** 0 unpaid, 1 paid, 2 refunded. */
  status: number | null;
  param?: string;
  buyer?: string;
  /** The shopper paid (status 1 or 2). */
  paid: boolean;
  /** The order was refunded since (status 2). */
  refunded: boolean;
  [field: string]: string | number | boolean | null | undefined;
}

/** What the gateway said to a refund (code 0 or 1 is success). */
export interface RefundResult {
  code: number;
  msg?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `NotifyExpected` as an optional argument.
    #[wasm_bindgen(typescript_type = "NotifyExpected")]
    pub type NotifyExpectedArg;

    /// `OrdersPage` as an optional argument.
    #[wasm_bindgen(typescript_type = "OrdersPage")]
    pub type OrdersPageArg;
}
