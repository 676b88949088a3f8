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
export interface SubmitOrder extends SubmitOrderFields {
  /** Merchant id, a positive integer. */
  pid: number | string;
}

/** The fields of an order for a browser hand-over (`submit.php`, V2's `api/pay/submit`) but `pid`. */
export interface SubmitOrderFields {
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

/** Options of `buildSubmitForm` and `buildPayUrl`. Any other key is refused. */
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

/** What `verifyNotify` checks besides the signature. Any other key is refused. */
export interface NotifyExpected {
  /** Your merchant id. */
  pid?: number | string;
  /** The order the notify must be about. */
  out_trade_no?: string;
  /** The order's amount, compared in cents (`1`, `'1.0'` and `'1.00'` are equal). */
  money?: number | string;
}

/** Why a notify was not accepted, in the order the checks run; `stale_timestamp` only for V2 (`verifyNotifyV2`, `EpayClientV2`). */
export type NotifyReason =
  | 'malformed'
  | 'missing_sign'
  | 'bad_sign'
  | 'stale_timestamp'
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
/** Options of `new EpayClient(...)`. Any other key is refused (`INVALID_PARAM` naming it). */
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
  /**
   * A fetch-compatible function used instead of the global `fetch`: a proxy, a custom agent, a test double.
   * Called as `fetch(url, init)` with `method`, `headers`, `body`, `redirect: 'manual'` and an abort `signal`;
   * the Response's `body` is read as a stream (or with `arrayBuffer()` when it is not one).
   */
  fetch?: typeof fetch;
}

/** A JSON value, as a gateway field can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [field: string]: JsonValue };

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

/**
 * What `createOrder` returns: the gateway's order number and whichever way to pay it sent (the others `null`),
 * plus any other field the gateway sent, as received.
 */
export interface CreatedOrder {
  trade_no: string;
  /** A page that takes the shopper through payment (send them there, or show it as a QR code). */
  payurl: string | null;
  /** Content to show as a QR code. */
  qrcode: string | null;
  /** An app URL scheme that opens the payment app. */
  urlscheme: string | null;
  /** HTML to render. */
  html: string | null;
  [field: string]: JsonValue;
}

/**
 * The merchant account (`act=query`); the KEY the gateway echoes is dropped. Integers are numbers whether the
 * gateway sent `1005` or `"1005"`; a field it left out is `null`. The day counters are `order_today` and
 * `order_lastday` (the document's spelling) whether the gateway said those or v3096's `orders_today`/`orders_lastday`.
 */
export interface MerchantInfo {
  pid: number | null;
  /** The account is enabled (`active` 1). */
  active: boolean | null;
  /** Balance in yuan, as the gateway writes it. */
  money: string | null;
  /** Settlement method: 1 Alipay, 2 WeChat, 3 QQ, 4 bank card. */
  type: number | null;
  account: string | null;
  username: string | null;
  /** Orders in total. */
  orders: number | null;
  /** Orders today. */
  order_today: number | null;
  /** Orders yesterday. */
  order_lastday: number | null;
  [field: string]: JsonValue;
}

/** A settlement record, fields as the gateway sends them. */
export type Settlement = Record<string, JsonValue>;

/** Which order: by the gateway's `trade_no` or your `out_trade_no` (`trade_no` wins if both). Any other key is refused. */
export type OrderRef = { trade_no: string; out_trade_no?: string } | { trade_no?: string; out_trade_no: string };

/** Paging of `queryOrders`: `page` or `offset`, not both. Any other key is refused. */
export type OrdersPage = {
  /** Orders per page, 1–50, default 20. */
  limit?: number;
} & (
  | {
      /** Page number from 1 (default 1). */
      page?: number;
      offset?: undefined;
    }
  | {
      /** Orders to skip, from 0. */
      offset?: number;
      page?: undefined;
    }
);

/** Options of `orders()`. Any other key is refused. */
export interface OrdersOptions {
  /** Orders fetched per page, 1–50, default 20. */
  limit?: number;
  /** Only the orders in this status: 0 unpaid, 1 paid, 2 refunded. */
  status?: number;
}

/**
 * An order as the gateway reports it (`act=order`, `act=orders`), integers as numbers, a field the gateway
 * left out `null`, plus `paid` and `refunded` read from `status`, and any other field it sent, as received
 * (v3096's `act=order` adds `bill_trade_no` and `payurl`; some gateways add `refundmoney` once refunded).
 */
export interface GatewayOrder {
  trade_no: string;
  out_trade_no: string;
  /** The payment channel's order number: `null` before payment, and in `act=orders` rows, which do not carry it. */
  api_trade_no: string | null;
  type: string | null;
  pid: number | null;
  addtime: string | null;
  endtime: string | null;
  name: string | null;
  /** Yuan, as the gateway writes it. */
  money: string | null;
  /** 0 unpaid, 1 paid, 2 refunded. */
  status: number | null;
  param: string | null;
  buyer: string | null;
  /** The shopper paid (status 1 or 2). */
  paid: boolean;
  /** The order was refunded since (status 2). */
  refunded: boolean;
  [field: string]: JsonValue;
}

/** What the gateway said to a refund (code 0 on v3096 or 1 in the document is success), every field as received. */
export interface RefundResult {
  code: number;
  msg: string | null;
  [field: string]: JsonValue;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const V2_TYPES: &'static str = r#"
/**
 * Options of `new EpayClientV2(...)`. Any other key is refused (`INVALID_PARAM` naming it).
 * Keys are PEM (`-----BEGIN PRIVATE KEY-----` PKCS#8, `BEGIN RSA PRIVATE KEY` PKCS#1, `BEGIN PUBLIC KEY` SPKI,
 * `BEGIN RSA PUBLIC KEY`) or the bare base64 DER the merchant panel shows; RSA of at least 2048 bits.
 */
export interface EpayClientV2Options {
  /** Gateway base URL, e.g. `https://pay.example.com/`. */
  gateway: string;
  /** Merchant id. */
  pid: number | string;
  /** The merchant's RSA private key. Server side only: never ship it to a browser. Never sent, logged or shown in an error. */
  privateKey: string;
  /**
   * The platform's RSA public key (merchant panel: API 信息 → 平台公钥), or several while the platform rotates its
   * key: an answer or notify verified by any of them is accepted.
   */
  platformPublicKey: string | string[];
  /** Per-attempt timeout in milliseconds (default 10000). */
  timeoutMs?: number;
  /**
   * Retries of queries and refunds after a network error or a 5xx (default 1, max 5), each attempt signed anew with
   * a fresh timestamp. `createOrder` and `closeOrder` are never retried.
   */
  retries?: number;
  /** A fetch-compatible function used instead of the global `fetch`, as for `EpayClient`. */
  fetch?: typeof fetch;
  /** How far a notify's `timestamp` may be from now, in seconds (0–86400, default 300). */
  clockSkewSec?: number;
}

/** An order for V2's `api/pay/create` (server side). `pid` defaults to the client's. Unknown fields are kept and signed. */
export interface ApiOrderV2 {
  pid?: number | string;
  /** Payment type: `alipay`, `wxpay`, `qqpay`, or a gateway's own. */
  type: string;
  /** Merchant order number: 1–64 of `a-z A-Z 0-9 . _ - |`. */
  out_trade_no: string;
  /** Server notify URL: absolute http(s), no query string. */
  notify_url: string;
  /** Browser return URL: absolute http(s); optional for `api/pay/create`. */
  return_url?: string;
  /** Product name; cut to 127 UTF-8 bytes on a character boundary. */
  name: string;
  /** Yuan, > 0, at most 2 decimals: `'1.00'`, `1`, `9.9`. */
  money: string | number;
  /** The shopper's IP address (IPv4 or IPv6). */
  clientip: string;
  /** `web`, `jump`, `jsapi`, `app`, `scan` or `applet`; defaults to `jump` (the gateway's own pay page, as V1's mapi). */
  method?: string;
  /** `pc`, `mobile`, `qq`, `wechat` or `alipay`; defaults to `pc`. */
  device?: string;
  /** Business data echoed back in the notify, at most 255 bytes. */
  param?: string;
  [field: string]: ParamValue;
}

/** An order for V2's `api/pay/submit` (the page hand-over), as `SubmitOrder`; `pid` defaults to the client's. */
export interface SubmitOrderV2 extends SubmitOrderFields {
  /** Merchant id; the client's by default. */
  pid?: number | string;
}

/**
 * A signed V2 order (`EpayClientV2.signOrder`): the validated order's fields with `pid`, `timestamp`, `sign`
 * (base64 SHA256withRSA) and `sign_type: 'RSA'`. It expires with its timestamp: the gateway refuses it 300 s later.
 */
export type SignedParamsV2 = Record<string, string> & { pid: string; timestamp: string; sign: string; sign_type: 'RSA' };

/**
 * A WebCrypto `CryptoKey` (from `crypto.subtle.importKey`, in a browser or in Node), declared by its shape so that
 * projects without the DOM lib can pass one. `signV2` takes a private key imported as
 * `{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }` (at least 2048 bits) with the usage `sign`.
 */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/** Options of `buildSubmitFormV2` and `buildPayUrlV2`. Any other key is refused. */
export interface SubmitOptionsV2 {
  /** Gateway base URL, e.g. `https://pay.example.com/`. */
  gateway: string;
}

/** Options of `verifyNotifyV2`. Any other key is refused. */
export interface VerifyNotifyV2Options {
  /** How far the notify's `timestamp` may be from `now`, in seconds (0–86400, default 300). */
  clockSkewSec?: number;
  /** The current time: a `Date` or milliseconds since the epoch (default `Date.now()`). */
  now?: Date | number;
}

/** What `createOrder` returns (`api/pay/create`), plus any other field the gateway sent, as received. */
export interface CreatedOrderV2 {
  /** The gateway's order number. */
  trade_no: string;
  /** What `pay_info` is: `jump` (send the shopper there), `html`, `qrcode`, `urlscheme`, `jsapi`, `app`, `scan`, `wxplugin`, `wxapp`. */
  pay_type: string;
  /** The page, HTML, QR code content or wallet parameters `pay_type` says. */
  pay_info: string | null;
  [field: string]: JsonValue;
}

/**
 * An order as V2 reports it: `GatewayOrder` (integers as numbers, `paid` and `refunded` from `status`), plus
 * `refundmoney` once refunded and `clientip`.
 */
export interface GatewayOrderV2 extends GatewayOrder {
  /** Yuan refunded so far (after a refund; `null` in list rows before one). */
  refundmoney?: string | null;
  /** The shopper's IP address. */
  clientip?: string | null;
}

/**
 * A page of `merchant/orders`. **Not covered by the platform's signature**: the gateway signs only an answer's
 * scalar fields, so nothing proves these rows came from it. Confirm an order with `queryOrder` (signed) before
 * acting on it.
 */
export type OrderListV2 = GatewayOrderV2[];

/** Paging of `EpayClientV2.queryOrders`. Any other key is refused. */
export interface OrdersQueryV2 {
  /** Orders to skip, from 0 (default 0). */
  offset?: number;
  /** Orders per page, 1–50, default 20. */
  limit?: number;
  /** Only the orders in this status (filtered by the gateway): 0 unpaid, 1 paid, 2 refunded. */
  status?: number;
}

/** Options of `EpayClientV2.refund`. Any other key is refused. */
export interface RefundOptionsV2 {
  /**
   * Your refund number: 6–64 of `a-z A-Z 0-9 . _ - |` (gateways ignore shorter ones). The gateway makes one refund per
   * number, so the same number never refunds twice. Default: a generated `R` + UTC `yyyymmddHHMMSS` + 16 random hex digits.
   */
  out_refund_no?: string;
}

/** What `refund` returns (`api/pay/refund`), plus any other field the gateway sent (`uid`...). */
export interface RefundResultV2 {
  /** The gateway's refund number. */
  refund_no: string;
  /** Your refund number, given or generated. */
  out_refund_no: string;
  trade_no: string | null;
  /** `null` when the gateway answered with an earlier refund of the same `out_refund_no`. */
  out_trade_no: string | null;
  /** Yuan refunded, as the gateway writes it. */
  money: string | null;
  /** Yuan taken from your balance. */
  reducemoney: string | null;
  [field: string]: JsonValue;
}

/** A refund as `queryRefund` reports it (`api/pay/refundquery`), with `addtime` and `endtime` among its other fields. */
export interface RefundV2 extends RefundResultV2 {
  /** 1: refunded. */
  status: number | null;
}

/** Which refund: by the gateway's `refund_no` or your `out_refund_no` (`refund_no` wins if both). Any other key is refused. */
export type RefundRef = { refund_no: string; out_refund_no?: string } | { refund_no?: string; out_refund_no: string };

/** The merchant account (`api/merchant/info`); integers are numbers, a field the gateway left out is `null`. */
export interface MerchantInfoV2 {
  pid: number | null;
  /** 1 enabled, 0 banned. */
  status: number | null;
  /** 1: may take payments. */
  pay_status: number | null;
  /** 1: settled. */
  settle_status: number | null;
  /** Balance in yuan, as the gateway writes it. */
  money: string | null;
  /** Orders in total. */
  order_num: number | null;
  /** Paid orders today. */
  order_num_today: number | null;
  /** Paid orders yesterday. */
  order_num_lastday: number | null;
  /** Yuan paid today. */
  order_money_today: string | null;
  /** Yuan paid yesterday. */
  order_money_lastday: string | null;
  [field: string]: JsonValue;
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

    /// `OrdersOptions` as an optional argument.
    #[wasm_bindgen(typescript_type = "OrdersOptions")]
    pub type OrdersOptionsArg;

    /// `OrdersQueryV2` as an optional argument.
    #[wasm_bindgen(typescript_type = "OrdersQueryV2")]
    pub type OrdersQueryV2Arg;

    /// `RefundOptionsV2` as an optional argument.
    #[wasm_bindgen(typescript_type = "RefundOptionsV2")]
    pub type RefundOptionsV2Arg;

    /// `VerifyNotifyV2Options` as an optional argument.
    #[wasm_bindgen(typescript_type = "VerifyNotifyV2Options")]
    pub type VerifyNotifyV2OptionsArg;
}
