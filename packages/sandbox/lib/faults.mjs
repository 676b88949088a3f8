// Fault injection: broken answers on demand, for testing a client's
// error handling. A fault applies to the next `times` requests whose
// endpoint matches its target, then disappears.

import { HTML_TYPE, send, sendHtml } from './http.mjs';
import { errorPage } from './html.mjs';

/** What a fault can do. See `describeFaults` for the meaning of each. */
export const FAULT_KINDS = Object.freeze([
  'delay', 'http500', 'non_json', 'drop', 'truncated_json', 'huge_body', 'redirect', 'html_error', 'lose_answer', 'notify_fail',
]);

const TARGET_RE = /^(\*|notify|mapi\.php|submit\.php|pay|api\.php(\?act=[a-z]*)?|api(\/\w+){0,2})$/;

/** One line per kind, for --help and errors. */
export const describeFaults = `\
  delay           wait "ms" (default 1000), then answer normally
  http500         HTTP 500 with an empty body (what real act=orders does on no rows)
  non_json        HTTP 200 with a PHP warning instead of JSON
  html_error      HTTP 200 with the gateway's HTML error page
  truncated_json  HTTP 200 with JSON cut in the middle
  huge_body       HTTP 200 with a ~10 MB body ("bytes" to change), streamed
  redirect        HTTP 302 to "location" (default: the sandbox's _sandbox/redirected page)
  drop            close the connection without any answer (the request is not handled)
  lose_answer     handle the request (an order is created, a refund done...), then close the
                  connection without the answer; with target "notify": send the notify, then
                  count the attempt as failed whatever the answer (the merchant sees a retry)
  notify_fail     (target "notify") the notify attempt fails without being sent;
                  with target "notify" every kind but delay does the same`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Whether a fault's target covers an endpoint: "api.php" covers
 * "api.php?act=refund", "api" every V2 route and "api/pay" each
 * "api/pay/<func>"; "*" every incoming request.
 */
function matches(target, endpoint) {
  if (target === '*') return endpoint !== 'notify';
  return target === endpoint || endpoint.startsWith(`${target}?`) || endpoint.startsWith(`${target}/`);
}

/** The active faults. */
export class Faults {
  #list = [];
  #nextId = 1;

  /**
   * Adds a fault from `{ target, kind, ms?, times?, bytes?, location? }`.
   * `times` defaults to 1; 0 means until cleared. Throws a message on bad input.
   */
  add(spec) {
    const { target = '*', kind, ms, times = 1, bytes, location } = spec ?? {};
    if (!FAULT_KINDS.includes(kind)) throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (typeof target !== 'string' || !TARGET_RE.test(target)) {
      throw new Error('target must be "*", "notify", "mapi.php", "submit.php", "pay", "api.php", "api.php?act=<act>", '
        + '"api", "api/<class>" or "api/<class>/<func>"');
    }
    if (kind === 'notify_fail' && target !== 'notify') throw new Error('kind notify_fail needs target "notify"');
    for (const [name, v] of Object.entries({ ms, times, bytes })) {
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw new Error(`${name} must be a non-negative integer`);
    }
    const fault = {
      id: this.#nextId++, target, kind, ms: ms ?? (kind === 'delay' ? 1000 : 0), times,
      remaining: times || Infinity, bytes: bytes ?? 10 * 1024 * 1024, location: location ?? null,
    };
    this.#list.push(fault);
    return this.#view(fault);
  }

  /** The active faults, as JSON-friendly objects. */
  list() {
    return this.#list.map((f) => this.#view(f));
  }

  /** Removes every fault. */
  clear() {
    this.#list = [];
  }

  /** The first fault covering `endpoint`, used up by one; or null. */
  take(endpoint) {
    const fault = this.#list.find((f) => matches(f.target, endpoint));
    if (!fault) return null;
    if (--fault.remaining <= 0) this.#list = this.#list.filter((f) => f !== fault);
    return fault;
  }

  #view(f) {
    return { ...f, remaining: f.remaining === Infinity ? null : f.remaining };
  }
}

/** Lets the request be handled, then closes the connection instead of sending the answer. */
function loseAnswer(req, res) {
  res.writeHead = () => res;
  res.end = () => {
    req.socket.destroy();
    return res;
  };
}

/** Waits the fault's delay. Returns true if the fault was only a delay (carry on). */
export async function delayFault(fault) {
  if (fault.ms) await sleep(fault.ms);
  return fault.kind === 'delay';
}

async function writeHuge(res, bytes, type) {
  res.writeHead(200, { 'Content-Type': type });
  res.write('{"code":-1,"msg":"huge body","pad":"');
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) {
      await new Promise((resume) => {
        const done = () => { res.off('drain', done); res.off('close', done); resume(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end('"}');
}

/**
 * Answers an incoming request with a fault (after its delay). Returns
 * true if the response was handled, false for a plain delay or
 * lose_answer (the request is then handled, its answer thrown away).
 * `type` is the Content-Type the endpoint normally answers with.
 */
export async function answerWithFault(fault, req, res, { type, base }) {
  if (await delayFault(fault)) return false;
  switch (fault.kind) {
    case 'lose_answer': loseAnswer(req, res); return false;
    case 'http500': send(res, 500, type, ''); break;
    case 'non_json': send(res, 200, HTML_TYPE,
      '<br />\n<b>Warning</b>:  Undefined array key "pid" in <b>/www/wwwroot/api.php</b> on line <b>12</b><br />\n'); break;
    case 'html_error': sendHtml(res, 200, errorPage('系统繁忙，请稍后再试')); break;
    case 'truncated_json': send(res, 200, type, '{"code":1,"msg":"'); break;
    case 'huge_body': await writeHuge(res, fault.bytes, type); break;
    case 'redirect': send(res, 302, HTML_TYPE, '', { Location: fault.location ?? `${base}_sandbox/redirected` }); break;
    default: req.socket.destroy(); // drop (and notify_fail, which never matches incoming requests)
  }
  return true;
}
