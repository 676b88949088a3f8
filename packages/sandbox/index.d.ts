// Types of epay-sandbox: a local EPay (易支付) gateway, V1 and V2 APIs, for tests and development.

import type { Server } from 'node:http';

/** A merchant the sandbox serves. */
export interface SandboxMerchant {
  /** Merchant id (positive integer). */
  pid: number;
  /** The merchant KEY: signs orders and notifies, authenticates api.php. Never logged. */
  key: string;
  /** Display name on the cashier page (default `Merchant <pid>`). */
  name?: string;
  /** 1 active (default), 0 banned: mapi.php and submit.php refuse its orders. */
  active?: number;
  /** act=query's `account` (default `sandbox@example.com`). */
  account?: string;
  /** act=query's `username` (default `沙箱商户`). */
  username?: string;
  /** act=query's `type`, the settlement type (default 1). */
  settle_type?: number;
  /** act=settle's `data`, as given (default none: `data: null`). */
  settles?: object[];
  /**
   * How act=query spells its day counters: `"v3096"` (default) says
   * `orders_today`/`orders_lastday` as a real v3096 server does, `"seed"`
   * says the seed document's `order_today`/`order_lastday`.
   */
  dayCounters?: 'v3096' | 'seed';
  /**
   * The merchant's RSA public key, PEM (`BEGIN PUBLIC KEY`) or the bare
   * base64 SPKI DER a merchant panel shows: verifies `sign_type=RSA`
   * requests (V2, and V1's mapi.php/submit.php). Without it RSA requests
   * fail with `RSA签名校验失败`. Checked at start (a private key is refused).
   */
  publicKey?: string;
  /**
   * The merchant's key type: `"MD5+RSA"` (default) accepts both signatures;
   * `"RSA"` (needs `publicKey`) refuses anything but `sign_type=RSA`
   * everywhere, V1 included, with -3 `该商户只能使用RSA签名类型` (api.php
   * after the key check).
   */
  keyType?: 'MD5+RSA' | 'RSA';
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind (default `127.0.0.1`). */
  host?: string;
  /** The merchants (default: {@link DEFAULT_MERCHANTS}, the seed document's test account 1005). */
  merchants?: SandboxMerchant[];
  /** JSON file keeping the orders: loaded at start, rewritten atomically on every change. */
  persist?: string;
  /** Called with one line per request and per notify attempt (keys are never logged). */
  log?: (line: string) => void;
  /** Pause before each notify retry, in ms (default {@link DEFAULT_RETRY_DELAYS_MS}). */
  notifyRetryDelaysMs?: number[];
  /** Timeout of one notify attempt, in ms (default 5000). */
  notifyTimeoutMs?: number;
  /** Base URL used in payurl and cashier links (default: from the request's Host header). */
  publicUrl?: string;
  /**
   * The platform's RSA private key, PEM (PKCS#8 or PKCS#1): signs V2
   * answers, V2 notifies and return redirects. Default: the published TEST
   * key {@link TEST_KEY_FILES}.platformPrivateKey.
   */
  platformKey?: string;
  /**
   * Whether V2 `pay/close` closes an unpaid order (`{code: 0, msg: "订单已关闭"}`).
   * Default false: the signed `{code: -1, msg: "当前支付插件不支持关闭订单"}`
   * a v3096 channel that cannot close answers.
   */
  closeSupported?: boolean;
  /**
   * Seconds added to the real clock for V2 timestamps (the ±300 s window of
   * requests, answers, notifies); may be negative. Default 0. Changed at run
   * time with `POST _sandbox/clock`.
   */
  clockOffsetSec?: number;
}

/** One notify attempt, as recorded on the order. */
export interface NotifyAttempt {
  /** ISO time the attempt started. */
  at: string;
  /** HTTP status of the answer, or null if there was none. */
  status: number | null;
  /** The answer's body (first 200 characters). */
  body: string;
  /** Why the attempt failed without an answer (timeout, connection error, injected fault), or null. */
  error: string | null;
}

/** An order as the sandbox stores it (also what the control API shows, plus `state`). */
export interface SandboxOrder {
  trade_no: string;
  out_trade_no: string;
  pid: number;
  /** `alipay`, `wxpay` or `qqpay`; empty until chosen at the cashier for a submit.php order without one. */
  type: string;
  name: string;
  /** Money as stored: `"1.00"`. */
  money: string;
  param: string | null;
  notify_url: string;
  /** null for a V2 pay/create order sent without one (paying it then redirects nowhere). */
  return_url: string | null;
  clientip: string | null;
  device: string | null;
  /** Which endpoint created it. */
  via: 'mapi' | 'submit' | 'pay/create' | 'pay/submit';
  /** The API that created it: its notify and return redirect are MD5-signed (v1) or RSA-signed with a timestamp (v2). */
  api: 'v1' | 'v2';
  addtime: string;
  endtime: string | null;
  /** 0 unpaid, 1 paid, 2 refunded (in part or in full). */
  status: 0 | 1 | 2;
  api_trade_no: string | null;
  buyer: string | null;
  refundmoney: string;
  refunds: SandboxRefund[];
  /** Why an unpaid order is not paid: cancelled at the cashier, failed through the control API, or closed (V2 pay/close). */
  outcome: 'cancelled' | 'failed' | 'closed' | null;
  notify: {
    status: 'none' | 'pending' | 'success' | 'failed';
    /** The signed notify URL, once paid. */
    url: string | null;
    attempts: NotifyAttempt[];
  };
}

/** A refund, as recorded on its order (V1 and V2 refunds alike). */
export interface SandboxRefund {
  /** 19 digits, like a trade_no. */
  refund_no: string;
  /** The merchant's refund number; the refund_no when none was given. */
  out_refund_no: string;
  /** `"1.00"`. */
  money: string;
  /** What was taken from the merchant's balance (= money). */
  reducemoney: string;
  /** 1: done. */
  status: 1;
  addtime: string;
  endtime: string;
}

/** The sandbox's orders and merchants. */
export interface SandboxStore {
  /** pid → merchant, with defaults filled in. */
  readonly merchants: Map<number, Required<Pick<SandboxMerchant, 'pid' | 'key' | 'name' | 'active' | 'dayCounters' | 'keyType'>> & SandboxMerchant>;
  /** trade_no → order. Mutate an order, then call `save()`. */
  readonly orders: Map<string, SandboxOrder>;
  /** The order with this trade_no. */
  get(tradeNo: string): SandboxOrder | undefined;
  /** Merchant `pid`'s order with this out_trade_no. */
  findByOut(pid: number, outTradeNo: string): SandboxOrder | undefined;
  /** Merchant `pid`'s refund with this refund_no (wins) or out_refund_no. */
  findRefund(pid: number, by: { refund_no?: string; out_refund_no?: string }): { order: SandboxOrder; refund: SandboxRefund } | undefined;
  /** Orders, newest first; only merchant `pid`'s if given. */
  list(pid?: number): SandboxOrder[];
  /** Writes the persist file, if persisting. */
  save(): void;
}

/** A fault to inject (`POST _sandbox/faults`). */
export interface FaultSpec {
  /**
   * `*`, `mapi.php`, `submit.php`, `pay`, `api.php`, `api.php?act=<act>`,
   * `api` (every V2 route), `api/<class>` (e.g. `api/pay`),
   * `api/<class>/<func>` (e.g. `api/pay/refund`) or `notify` (default `*`).
   */
  target?: string;
  kind: FaultKind;
  /** Delay before the fault, in ms (`delay` defaults to 1000). */
  ms?: number;
  /** How many matching requests it applies to (default 1; 0 = until cleared). */
  times?: number;
  /** Body size of `huge_body` (default 10 MB). */
  bytes?: number;
  /** Location of `redirect` (default the sandbox's `_sandbox/redirected` page). */
  location?: string;
}

/** An active fault, as `GET _sandbox/faults` lists it. */
export interface Fault extends Required<Omit<FaultSpec, 'location'>> {
  id: number;
  location: string | null;
  /** Requests left, or null for a fault lasting until cleared. */
  remaining: number | null;
}

/** The kinds of fault the sandbox injects. */
export type FaultKind =
  | 'delay' | 'http500' | 'non_json' | 'drop' | 'truncated_json' | 'huge_body' | 'redirect' | 'html_error' | 'lose_answer'
  | 'notify_fail';

/** A running sandbox's state. */
export interface SandboxState {
  store: SandboxStore;
  faults: {
    /** Adds a fault; throws an Error naming the bad part of `spec`. */
    add(spec: FaultSpec): Fault;
    list(): Fault[];
    clear(): void;
  };
  notifier: {
    /** Starts a new round of notifies for a paid order. */
    start(order: SandboxOrder): void;
  };
  /** Requests per endpoint, e.g. `{ "mapi.php": 3, "api.php?act=refund": 1, "api/pay/create": 2 }` (control API not counted). */
  requests: Record<string, number>;
  /** The sandbox clock, Unix seconds (real time plus `clockOffsetSec`). */
  now(): number;
  /** The current clock offset in seconds (`POST _sandbox/clock` changes it, `reset()` restores the configured one). */
  clockOffsetSec: number;
  /** Whether V2 pay/close closes orders (see {@link SandboxOptions.closeSupported}). */
  closeSupported: boolean;
  /** Forgets orders, request counters and faults, restores the clock offset; cancels pending notifies. */
  reset(): void;
}

/** A running sandbox. */
export interface Sandbox {
  /** The gateway base URL, ending with `/`, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  port: number;
  server: Server;
  state: SandboxState;
  /** The platform public key (SPKI PEM), as `GET _sandbox/keys` serves it: what a V2 client verifies answers and notifies with. */
  platformPublicKey: string;
  /** Stops notifies and the server, closing open connections. */
  close(): Promise<void>;
}

/** Starts the sandbox gateway. Rejects on a bad merchant list or persist file, or if it cannot listen. */
export function startSandbox(options?: SandboxOptions): Promise<Sandbox>;

/** The seed document's public test account: pid 1005, with the TEST RSA public key of {@link TEST_KEY_FILES}.merchant1005PublicKey. */
export const DEFAULT_MERCHANTS: readonly Readonly<SandboxMerchant>[];

/**
 * Absolute paths of the published TEST keys shipped in the package's keys/
 * folder (PEM). Never for real payments: anyone can sign with them.
 */
export const TEST_KEY_FILES: Readonly<{
  /** The default platform private key (PKCS#8). */
  platformPrivateKey: string;
  /** Its public key (SPKI): the `platformPublicKey` a V2 client needs. */
  platformPublicKey: string;
  /** Merchant 1005's private key (PKCS#8): what a V2 client signs with. */
  merchant1005PrivateKey: string;
  /** Merchant 1005's public key (SPKI), its `publicKey` in {@link DEFAULT_MERCHANTS}. */
  merchant1005PublicKey: string;
}>;

/** Default pauses before notify retries, in ms (short, for tests). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[];

/** The fault kinds, in the order `--help` lists them. */
export const FAULT_KINDS: readonly FaultKind[];

/** One line per fault kind, as `--help` shows them. */
export const describeFaults: string;
