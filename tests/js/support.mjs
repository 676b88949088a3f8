// Helpers shared by the Node tests (not a test file itself).

import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, createSign, createVerify } from 'node:crypto';

/** The seed document's public test account. */
export const TEST_PID = 1005;
export const TEST_KEY = '80TWQztHqTVvV440KTKVqVPQh11AkfpF';

/** The sign string of V1 and V2, written here: the non-empty fields but sign/sign_type, sorted, `k=v` joined by `&`. */
export function signText(fields) {
  return Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '' && fields[k] != null && typeof fields[k] !== 'object')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/**
 * The V1 signature computed here with node:crypto, independently of the
 * package: md5 over the sign string with the KEY appended.
 */
export function md5Sign(fields, key = TEST_KEY) {
  return createHash('md5').update(signText(fields) + key, 'utf8').digest('hex');
}

/** The V2 signature computed here with node:crypto: SHA256withRSA over the sign string, base64. */
export const rsaSign = (fields, privateKey) => createSign('sha256').update(signText(fields), 'utf8').sign(privateKey, 'base64');

/** Whether `fields.sign` is the V2 signature of `fields` under `publicKey` (node:crypto). */
export const rsaVerifies = (fields, publicKey) => createVerify('sha256').update(signText(fields), 'utf8').verify(publicKey, fields.sign, 'base64');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it returns something truthy; fails after `ms`. */
export async function waitFor(check, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A merchant server receiving notifies. Each hit is recorded as
 * { method, path, query, fields, receivedSec }; the answers to a path come
 * from the queue `reply(path, ...list)` (a body, or a function (req, res)
 * answering itself), then "success".
 */
export async function startReceiver() {
  const hits = [];
  const replies = new Map();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    hits.push({
      method: req.method, path: u.pathname, query: u.search.slice(1), fields: Object.fromEntries(u.searchParams),
      receivedSec: Math.floor(Date.now() / 1000),
    });
    const reply = replies.get(u.pathname)?.shift() ?? 'success';
    if (typeof reply === 'function') reply(req, res);
    else res.end(reply);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    hits: (path) => hits.filter((h) => h.path === path),
    reply: (path, ...list) => replies.set(path, list),
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

/**
 * Sends a request to `url` (a form-urlencoded `form` or a JSON `json` body;
 * redirects not followed). Resolves { status, type (Content-Type), headers,
 * text, body (the parsed JSON, or undefined) }.
 */
export async function fetchAnswer(url, { method = 'GET', form, json } = {}) {
  const body = form ? new URLSearchParams(form) : json ? JSON.stringify(json) : undefined;
  const res = await fetch(url, { method, body, redirect: 'manual' });
  const text = await res.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, text, body: parsed };
}

/**
 * The sandbox's control API: `control(method, path, json)` sends a request
 * to `_sandbox/<path>` of the sandbox at `baseUrl()` (read at each call: the
 * sandbox starts in a `before` hook) and resolves the JSON it answers;
 * fails the test on any status but 200.
 */
export function sandboxControl(baseUrl) {
  return async (method, path, json) => {
    const r = await fetchAnswer(`${baseUrl()}_sandbox/${path}`, { method, json });
    assert.equal(r.status, 200, `${method} _sandbox/${path}: ${r.text}`);
    return r.body;
  };
}

/**
 * `createdOrder(over)`, an order of `apiOrder(over)` created through
 * `client()`, with its `trade_no`; and `paidOrder(over)`, the same order
 * then paid with `pay(trade_no)`.
 */
export function orderMakers({ apiOrder, client, pay }) {
  async function createdOrder(over) {
    const order = apiOrder(over);
    const created = await client().createOrder(order);
    return { ...order, trade_no: created.trade_no };
  }
  async function paidOrder(over) {
    const o = await createdOrder(over);
    await pay(o.trade_no);
    return o;
  }
  return { createdOrder, paidOrder };
}

/**
 * Runs `fn` (sync throw or rejected promise) and checks it fails with an
 * EpayError of `code`; `props` values are compared (RegExp: matched). Every
 * error is pushed to `seen`, for a file's final check that no secret is in
 * any of them.
 */
export async function failsWith(seen, fn, code, props = {}) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected ${code}, got success`);
  seen.push(err);
  assert.ok(err instanceof Error, `not an Error: ${err}`);
  assert.equal(err.name, 'EpayError', `not an EpayError: ${err?.stack ?? err}`);
  assert.equal(err.code, code, `${err.code}: ${err.message}`);
  if (code !== 'INVALID_PARAM') assert.equal(err.field, null);
  for (const [k, want] of Object.entries(props)) {
    if (want instanceof RegExp) assert.match(String(err[k]), want, k);
    else assert.deepEqual(err[k], want, `${k} (${err.message})`);
  }
  return err;
}
