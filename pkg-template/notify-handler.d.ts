/**
 * Why a notify handler refused a notify (answered `fail`, HTTP 400): the
 * `reason` of the `EpayError` (code `NOTIFY_REFUSED`) it gives `onError`.
 *
 * `verifyNotify`'s and `verifyNotifyV2`'s own reasons:
 * - `malformed`: not a well-formed query string or form (a repeated field, bad percent-encoding);
 * - `missing_sign`: no `sign`;
 * - `bad_sign`: the signature does not verify with the key(s) given: a forged
 *   or altered notify, or a wrong `key` / `platformPublicKey`;
 * - `stale_timestamp`: V2, a `timestamp` further from now than `clockSkewSec`;
 * - `pid_mismatch`: a notify for another merchant;
 * - `money_mismatch`: `money` is not the amount `loadOrder` gave.
 *
 * The handler's own:
 * - `missing_out_trade_no`: a verified notify without `out_trade_no`;
 * - `unknown_order`: `loadOrder` returned `null`;
 * - `bad_method`: another method than GET or POST;
 * - `not_form`: a POST body that is not a form (`Content-Type` other than
 *   `application/x-www-form-urlencoded`, or a parser's body of another kind);
 * - `body_too_large`: a body over 64 KB (declared or read);
 * - `not_utf8`: a body that is not UTF-8;
 * - `no_body`: (Node) the request stream was read before the handler and no
 *   body was given to it: pass the parsed body as third argument;
 * - `body_aborted`: the request body broke off.
 */
export type NotifyRefusedReason =
  | 'malformed'
  | 'missing_sign'
  | 'bad_sign'
  | 'stale_timestamp'
  | 'pid_mismatch'
  | 'money_mismatch'
  | 'missing_out_trade_no'
  | 'unknown_order'
  | 'bad_method'
  | 'not_form'
  | 'body_too_large'
  | 'not_utf8'
  | 'no_body'
  | 'body_aborted';

/** What `loadOrder` says about an order. */
export interface NotifyOrder {
  /** The order's amount: the notify's `money` must be equal, compared in cents (`1`, `'1.0'` and `'1.00'` are equal). */
  money: string | number;
  /** `true` when the order is fulfilled already: a verified notify is then answered `success` without `onPaid`. */
  paid?: boolean;
}

/**
 * Options of `createNotifyHandler` and `createNodeNotifyHandler`. Any other
 * key, or a bad value, is refused at creation (`EpayError` `INVALID_PARAM`
 * naming the option).
 */
export interface NotifyHandlerOptions {
  /** Your merchant id: a notify for another pid is refused. */
  pid: number | string;
  /** The merchant KEY: verifies V1 (MD5) notifies. */
  key?: string;
  /**
   * The platform public key(s) (PEM or bare base64 SPKI): verify V2 (RSA)
   * notifies; with several (a rotation) any may verify. With both `key`
   * and `platformPublicKey`, each notify's `sign_type` chooses (`RSA`: V2,
   * absent or `MD5`: V1), so orders created before a move to V2 still settle.
   * A key that does not parse fails each V2 notify with HTTP 500 and `onError`.
   */
  platformPublicKey?: string | string[];
  /** V2: how far, in seconds, a notify's `timestamp` may be from when it arrived (0 to 86400, default 300). */
  clockSkewSec?: number;
  /**
   * The order a verified notify is about (called only once the signature
   * and pid are verified, so a forged notify never reaches your database):
   * `{ money, paid? }`, or `null` for an unknown order (answered `fail`, 400).
   */
  loadOrder(out_trade_no: string): NotifyOrder | null | Promise<NotifyOrder | null>;
  /**
   * Fulfils a paid order: called for every verified `TRADE_SUCCESS` notify
   * whose order `loadOrder` did not say `paid: true`, duplicates included,
   * so make it idempotent (e.g. `UPDATE … WHERE status = 'unpaid'`). The
   * gateway is answered `success` only once it resolved; if it throws, `fail`
   * (HTTP 500), and the gateway retries. `data`: every verified field as a string.
   */
  onPaid(data: Record<string, string>): void | Promise<void>;
  /**
   * For logging: told of every notify not answered `success`.
   * - Each refused notify (HTTP 400): an `EpayError` with code
   *   `NOTIFY_REFUSED`, `reason` saying why (see `NotifyRefusedReason`) and
   *   `field` the field at fault (`sign`, `pid`, `money`, …) or `null`;
   *   `data` the notify's fields as received when they parsed, their
   *   signature valid only when `reason` comes after its check
   *   (`stale_timestamp`, `pid_mismatch`, `missing_out_trade_no`,
   *   `unknown_order`, `money_mismatch`). A wrong `key` or
   *   `platformPublicKey` shows here as every notify refused with `bad_sign`.
   * - Each failure answered with HTTP 500 (`loadOrder` or `onPaid` threw,
   *   `loadOrder` returned no `money`, a bad `platformPublicKey`): the error,
   *   with the verified fields when there are some.
   *
   * What it throws or rejects with is ignored. Never given a key.
   */
  onError?(error: unknown, data?: Record<string, string>): void;
}

/**
 * A request as node:http gives it, and Express's `req` and Fastify's
 * `request.raw`, which are such requests.
 */
export interface NodeNotifyRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: { readonly [name: string]: string | string[] | undefined };
  /** What a body parser (e.g. `express.urlencoded()`) made of the body. */
  body?: unknown;
  readable?: boolean;
  readableEnded?: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/** A response as node:http gives it, and Express's `res` and Fastify's `reply.raw`. */
export interface NodeNotifyResponse {
  statusCode: number;
  readonly headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * A notify_url handler for Web-standard servers (Hono, Next.js route
 * handlers, Bun, Deno, Workers): `app.all('/epay/notify', (c) => handler(c.req.raw))`.
 *
 * Reads the GET query string or a POSTed form body (at most 64 KB), and
 * answers, as `text/plain`:
 * - `success` (200) for a verified `TRADE_SUCCESS` notify, after `onPaid`
 *   resolved (at once if `loadOrder` said `paid: true`), and for a verified
 *   notify of another `trade_status` (acknowledged, without `onPaid`);
 * - `fail` (400) for anything malformed, forged, of another pid, of an
 *   unknown order or amount, a stale V2 timestamp, another method than GET
 *   or POST, or a body that is not a form or is too large, after telling
 *   `onError` why (`EpayError` `NOTIFY_REFUSED` with a `reason`);
 * - `fail` (500) when `loadOrder` or `onPaid` throws, after `onError`: the
 *   gateway retries.
 *
 * The returned handler never rejects. Throws `EpayError` (`INVALID_PARAM`)
 * on bad options. From the browser/worker entry it verifies once `init()` has
 * run (before, each notify gets 500 and `onError`).
 */
export function createNotifyHandler(options: NotifyHandlerOptions): (request: Request) => Promise<Response>;

/**
 * The same notify_url handler for node:http, Express and Fastify:
 * `(req, res, body?) => Promise<void>`, answering through `res` as
 * `createNotifyHandler` does (and not at all if `res` has sent its headers).
 *
 * A POSTed form is read from `body` when given (the object, string or
 * Buffer a body parser produced), else from `req.body` when a parser read
 * the request, else from the request stream; a function as third argument
 * (Express's `next`) is ignored. Mounting:
 * - node:http: `http.createServer((req, res) => handler(req, res))`;
 * - Express: `app.all('/epay/notify', handler)`;
 * - Fastify (with `@fastify/formbody` for POSTed forms):
 *   `fastify.all('/epay/notify', (request, reply) => { reply.hijack(); handler(request.raw, reply.raw, request.body); })`.
 *
 * The returned handler never rejects. Throws `EpayError` (`INVALID_PARAM`)
 * on bad options.
 */
export function createNodeNotifyHandler(
  options: NotifyHandlerOptions,
): (req: NodeNotifyRequest, res: NodeNotifyResponse, body?: unknown) => Promise<void>;
