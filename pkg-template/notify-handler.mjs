// Notify handlers: framework glue over verifyNotify and verifyNotifyV2,
// which make every check (signature, pid, order, amount in cents, V2
// timestamp). Shared by the Node entry (index.cjs loads notify-handler.cjs,
// which the build makes from this file) and the browser entry (web.mjs).
// Uses only what browsers, workers and Node have in common.

/** The options a handler takes. */
const OPTION_KEYS = ['pid', 'key', 'platformPublicKey', 'clockSkewSec', 'loadOrder', 'onPaid', 'onError'];
/** The largest clockSkewSec verifyNotifyV2 takes (MAX_CLOCK_SKEW_SEC in src/core/v2/notify.rs). */
const MAX_CLOCK_SKEW_SEC = 86_400;
/** The largest notify body read, in bytes. */
const MAX_BODY_BYTES = 64 * 1024;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** The answers, as [HTTP status, body]. */
const SUCCESS = [200, 'success'];
const REFUSED = [400, 'fail'];
const FAILED = [500, 'fail'];

/**
 * Why a notify is refused (`EpayError` `NOTIFY_REFUSED`'s `reason`): the
 * field at fault, or null, and what it means. verifyNotify's and
 * verifyNotifyV2's own reasons first, then the handler's.
 */
const REFUSALS = {
  malformed: [null, 'not a well-formed query string or form (a repeated field, bad percent-encoding)'],
  missing_sign: ['sign', 'no sign'],
  bad_sign: ['sign', 'the signature does not verify with the key(s) given: a forged or altered notify, or a wrong key'],
  stale_timestamp: ['timestamp', 'V2: the timestamp is further from now than clockSkewSec'],
  pid_mismatch: ['pid', 'a notify for another merchant (pid)'],
  money_mismatch: ['money', 'money is not the amount loadOrder gave'],
  missing_out_trade_no: ['out_trade_no', 'a verified notify without out_trade_no'],
  unknown_order: ['out_trade_no', 'loadOrder knows no such order (it returned null)'],
  bad_method: [null, 'another method than GET or POST'],
  not_form: [null, 'a POST body that is not a form (Content-Type is not application/x-www-form-urlencoded)'],
  body_too_large: [null, `a body over ${MAX_BODY_BYTES} bytes`],
  not_utf8: [null, 'a body that is not UTF-8'],
  no_body: [null, 'the request stream was read before the handler and no body was given to it (pass the parsed body as third argument)'],
  body_aborted: [null, 'the request body broke off'],
};

/** A request refused before its fields are read, and why (a key of REFUSALS). */
class Refusal {
  constructor(reason) {
    this.reason = reason;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `createNotifyHandler` and `createNodeNotifyHandler` over an entry's
 * `verifyNotify`, `verifyNotifyV2` and `EpayError`.
 */
export function makeNotifyHandlers({ verifyNotify, verifyNotifyV2, EpayError }) {
  const invalid = (field, message) => new EpayError(message, 'INVALID_PARAM', field);

  /** The `NOTIFY_REFUSED` error for `reason`, which it carries as `reason`. */
  function refused(reason) {
    const [field, meaning] = REFUSALS[reason] ?? [null, 'it does not verify'];
    const error = new EpayError(`notify refused (${reason}): ${meaning}`, 'NOTIFY_REFUSED', field);
    error.reason = reason;
    return error;
  }

  /**
   * The options, checked: unknown keys and bad values refused, naming the
   * option (never its value). pid and key as the core checks them
   * (check_pid, check_key): here, so that a handler fails when it is made,
   * also in a browser before init().
   */
  function checkOptions(options) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'a notify handler needs an options object');
    for (const name of Object.keys(options)) {
      if (!OPTION_KEYS.includes(name)) throw invalid(name, `unknown option ${name}: a notify handler takes ${OPTION_KEYS.join(', ')}`);
    }
    const { pid, key, platformPublicKey, clockSkewSec, loadOrder, onPaid, onError } = options;
    if (!(typeof pid === 'string' || Number.isSafeInteger(pid)) || !/^[1-9][0-9]{0,17}$/.test(String(pid))) {
      throw invalid('pid', 'pid must be your merchant id, a positive integer');
    }
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.trim() !== key)) {
      throw invalid('key', 'key must be the merchant KEY: a non-empty string without surrounding whitespace');
    }
    // A copy of an array, so that changing it later does not change the handler.
    const platformKeys = Array.isArray(platformPublicKey) ? [...platformPublicKey] : platformPublicKey;
    if (platformKeys !== undefined) {
      const list = [platformKeys].flat();
      if (list.length === 0 || !list.every((k) => typeof k === 'string' && k !== '')) {
        throw invalid('platformPublicKey', 'platformPublicKey must be the platform public key (PEM or base64), or a non-empty array of them');
      }
    }
    if (key === undefined && platformKeys === undefined) {
      throw invalid('key', 'give key (V1, MD5 notifies) and/or platformPublicKey (V2, RSA notifies)');
    }
    if (clockSkewSec !== undefined && !(Number.isInteger(clockSkewSec) && clockSkewSec >= 0 && clockSkewSec <= MAX_CLOCK_SKEW_SEC)) {
      throw invalid('clockSkewSec', `clockSkewSec must be an integer from 0 to ${MAX_CLOCK_SKEW_SEC}`);
    }
    for (const [name, fn] of [['loadOrder', loadOrder], ['onPaid', onPaid]]) {
      if (typeof fn !== 'function') throw invalid(name, `${name} must be a function`);
    }
    if (onError !== undefined && typeof onError !== 'function') throw invalid('onError', 'onError must be a function');
    return { pid: String(pid), key, platformKeys, clockSkewSec, loadOrder, onPaid, onError };
  }

  /**
   * `{ settle, report }` for `options`: `settle(read)` reads a notify with
   * `read()` (its query string or form fields, or a Refusal) and resolves to
   * the answer, [status, body], having told onError of any refusal or
   * failure; it never rejects. `report(error, data?)` tells onError.
   */
  function notifySettler(options) {
    const { pid, key, platformKeys, clockSkewSec, loadOrder, onPaid, onError } = checkOptions(options);

    /**
     * The verification of `input` against `expected`, V1 or V2 as its
     * sign_type says when both keys are given; a V2 timestamp is judged
     * against `now`, when the notify arrived (not after loadOrder ran).
     */
    async function verify(input, expected, now) {
      if (key !== undefined) {
        const v1 = verifyNotify(input, key, expected);
        if (platformKeys === undefined || isMd5(v1.data.sign_type)) return v1;
      }
      return verifyNotifyV2(input, platformKeys, expected, clockSkewSec === undefined ? { now } : { clockSkewSec, now });
    }

    /** Tells onError, which must not break the answer whatever it does. */
    function report(error, data) {
      if (onError === undefined) return;
      try {
        Promise.resolve(onError(error, data)).catch(() => {});
      } catch {
        // onError's own failure has nowhere to go.
      }
    }

    /** Answers `fail` (400), telling onError why, with the notify's fields when they parsed. */
    function refuse(reason, data) {
      report(refused(reason), data);
      return REFUSED;
    }

    /** Signature and pid first, so that a forged notify never reaches loadOrder; then the order and its amount. */
    async function settle(read) {
      const now = Date.now();
      let data;
      try {
        const input = await read();
        if (input instanceof Refusal) return refuse(input.reason);
        const signed = await verify(input, { pid }, now);
        if (Object.keys(signed.data).length > 0) data = signed.data;
        if (!signed.ok) return refuse(signed.reason, data);
        if (!data.out_trade_no) return refuse('missing_out_trade_no', data);
        const order = await loadOrder(data.out_trade_no);
        if (order === null || order === undefined) return refuse('unknown_order', data);
        if (typeof order !== 'object' || !(typeof order.money === 'string' || typeof order.money === 'number')) {
          throw invalid('loadOrder', 'loadOrder must return { money, paid? } or null');
        }
        const checked = await verify(input, { pid, out_trade_no: data.out_trade_no, money: order.money }, now);
        if (!checked.ok) return refuse(checked.reason, data);
        if (checked.paid && order.paid !== true) await onPaid(checked.data);
        return SUCCESS;
      } catch (error) {
        report(error, data);
        return FAILED;
      }
    }

    return { settle, report };
  }

  /**
   * A Web-standard notify handler: `(request: Request) => Promise<Response>`.
   * See the declaration file for the options and answers.
   */
  function createNotifyHandler(options) {
    const { settle } = notifySettler(options);
    return async (request) => {
      const [status, body] = await settle(() => requestInput(request));
      return new Response(body, { status, headers: { 'Content-Type': TEXT_TYPE } });
    };
  }

  /**
   * A node:http / Express / Fastify notify handler: `(req, res, body?) => Promise<void>`.
   * See the declaration file for the options and answers.
   */
  function createNodeNotifyHandler(options) {
    const { settle, report } = notifySettler(options);
    return async (req, res, body) => {
      const [status, text] = await settle(() => nodeInput(req, typeof body === 'function' ? undefined : body));
      try {
        if (res.headersSent) return;
        res.statusCode = status;
        res.setHeader('Content-Type', TEXT_TYPE);
        res.end(text);
      } catch (error) {
        report(error); // `res` is not a response
      }
    };
  }

  return { createNotifyHandler, createNodeNotifyHandler };
}

/** Whether a notify's sign_type means V1 (MD5), as verifyNotify reads it (src/core/notify.rs): absent, empty or `MD5` in any case. */
function isMd5(signType) {
  return signType === undefined || signType === '' || signType.toLowerCase() === 'md5';
}

/** Why a request that is not a GET may not hold a notify (a Refusal), or null for a form (or untyped) POST of at most MAX_BODY_BYTES as declared. */
function postRefusal(method, contentType, contentLength) {
  if (method !== 'POST') return new Refusal('bad_method');
  if (contentType && contentType.split(';')[0].trim().toLowerCase() !== FORM_TYPE) return new Refusal('not_form');
  if (Number(contentLength) > MAX_BODY_BYTES) return new Refusal('body_too_large');
  return null;
}

/** The query string of a URL or path, without `?`. */
function queryOf(url) {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1).split('#')[0];
}

/** The fields of a Web Request: its query string (GET), its form body (POST), or a Refusal. */
async function requestInput(request) {
  if (request.method === 'GET') return queryOf(request.url);
  const refusal = postRefusal(request.method, request.headers.get('content-type'), request.headers.get('content-length'));
  if (refusal !== null) return refusal;
  if (request.body === null) return '';
  const body = bodyReader();
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return body.text();
      if (!body.add(value)) {
        reader.cancel().catch(() => {});
        return new Refusal('body_too_large');
      }
    }
  } catch {
    return new Refusal('body_aborted');
  }
}

/**
 * The fields of a Node request: its query string (GET), or for a form POST
 * `body` when given, else `req.body` when a parser read the stream, else
 * the stream itself; a Refusal when there is nothing to read or it is refused.
 */
function nodeInput(req, body) {
  if (req.method === 'GET') return queryOf(req.url ?? '');
  const refusal = postRefusal(req.method, req.headers['content-type'], req.headers['content-length']);
  if (refusal !== null) return refusal;
  const unread = req.readable !== false && req.readableEnded !== true;
  if (body == null && !unread) body = req.body;
  if (body == null) return unread ? readStream(req) : new Refusal('no_body');
  if (typeof body === 'string') return utf8Length(body) > MAX_BODY_BYTES ? new Refusal('body_too_large') : body;
  if (body instanceof Uint8Array) return body.byteLength > MAX_BODY_BYTES ? new Refusal('body_too_large') : utf8(body);
  // A parser's object, often without Object.prototype: as a plain object,
  // whose values verifyNotify checks (an array for a repeated name is malformed).
  return typeof body === 'object' ? Object.fromEntries(Object.entries(body)) : new Refusal('not_form');
}

/** The text of a Node request stream, or a Refusal past MAX_BODY_BYTES or when it breaks off. */
function readStream(req) {
  return new Promise((resolve) => {
    const body = bodyReader();
    const events = {
      data: (chunk) => {
        if (!body.add(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)) done(new Refusal('body_too_large'));
      },
      end: () => done(body.text()),
      error: () => done(new Refusal('body_aborted')),
      close: () => done(new Refusal('body_aborted')), // after end, or the client went away
    };
    function done(value) {
      // The stream keeps flowing without listeners: what is left is discarded.
      for (const [name, listener] of Object.entries(events)) req.removeListener(name, listener);
      resolve(value);
    }
    for (const [name, listener] of Object.entries(events)) req.on(name, listener);
  });
}

/** A body read chunk by chunk: `add(chunk)` is false past MAX_BODY_BYTES; `text()` its UTF-8 text, or a Refusal. */
function bodyReader() {
  const chunks = [];
  let size = 0;
  return {
    add(chunk) {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) return false;
      chunks.push(chunk);
      return true;
    },
    text() {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.byteLength;
      }
      return utf8(bytes);
    },
  };
}

/** The UTF-8 length of `text` where it matters: exact only between MAX_BODY_BYTES / 3 and MAX_BODY_BYTES characters. */
function utf8Length(text) {
  if (text.length > MAX_BODY_BYTES || text.length * 3 <= MAX_BODY_BYTES) return text.length;
  return encoder.encode(text).byteLength;
}

/** The UTF-8 text of `bytes`, or a Refusal when they are not UTF-8. */
function utf8(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    return new Refusal('not_utf8');
  }
}
