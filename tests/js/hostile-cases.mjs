// Hostile input through the public JS API, as data plus a runner, so that the
// same cases run in Node (hostile.test.mjs) and in a browser page.
//
// Plain ESM on purpose: no Node-only API in here (no node:crypto, Buffer,
// process). Expected MD5 signatures are computed by the caller, outside the
// library: md5Inputs() lists the exact strings (canonical sign string + KEY)
// whose MD5 the cases need; pass their lowercase hex digests to
// runHostileCases(m, { md5 }).
//
// Every case either expects an EpayError (a real Error, name 'EpayError',
// code 'INVALID_PARAM', the culprit in `field`, the KEY nowhere in it) or a
// correct result; after every case the runner signs a known answer with the
// same module instance, so a wasm trap (RuntimeError "unreachable", which
// leaves the instance unusable) shows up at the case that caused it.

/** The merchant KEY of every case: distinctive, so a leak into an error is easy to spot. */
export const KEY = 'S3cr3t-KEY-zq9Wv7Lx';

/** The known answer signed after every case (PROTOCOL-NOTES.md, computed independently). */
export const KNOWN_ANSWER = {
  params: { money: 'moneyv', device: 'devicev' },
  key: '1234567',
  sign: '3854cc9f022e0fb821bd2e002260245d',
};

/** Second known answer from PROTOCOL-NOTES.md. */
const ORDER_VECTOR = {
  params: {
    money: '10.00', name: 'Test Product', notify_url: 'https://example.com/notify',
    out_trade_no: 'ORDER001', pid: 1001, type: 'alipay',
  },
  key: 'testkey123',
  sign: '22af0227eebf7a4095b64af5fa89ca6d',
};

/** Bound on one call with 5 MB of input ("returns quickly"). */
export const QUICK_MS = 5000;

const REASONS = ['malformed', 'missing_sign', 'bad_sign', 'pid_mismatch', 'out_trade_no_mismatch', 'money_mismatch'];

// ------------------------------------------------------------------ fixtures

const ORDER = Object.freeze({
  pid: 1005,
  type: 'alipay',
  out_trade_no: 'A20261128001',
  notify_url: 'https://shop.example/epay/notify/A20261128001',
  return_url: 'https://shop.example/epay/return/A20261128001',
  name: 'VIP会员',
  money: '0.01',
});
const GATEWAY = 'https://pay.example.com/';
const FORM_OPTS = Object.freeze({ gateway: GATEWAY, key: KEY });
const CLIENT_OPTS = Object.freeze({ gateway: GATEWAY, pid: 1005, key: KEY, retries: 0 });

/** A notify as a gateway sends it (money echoed as `1`, an empty param). */
const NOTIFY = Object.freeze({
  pid: '1005',
  trade_no: '2026112807420564586',
  out_trade_no: 'A20261128001',
  type: 'alipay',
  name: 'VIP会员',
  money: '1',
  trade_status: 'TRADE_SUCCESS',
  param: '',
});
const EXPECTED = Object.freeze({ pid: 1005, out_trade_no: 'A20261128001', money: '1.00' });

const enc = new TextEncoder();
const utf8Len = (s) => enc.encode(s).length;

let bigName;
/** ~1 MB (1 000 010 bytes) of mixed 1-, 2-, 3- and 4-byte characters; 127 bytes fall inside an emoji. */
function getBigName() {
  bigName ??= 'VIP会员-' + '中é😀a'.repeat(100_000);
  return bigName;
}

/** `text` cut to at most `max` UTF-8 bytes on a character boundary (test-side reference). */
function cutUtf8(text, max) {
  let out = '';
  let bytes = 0;
  for (const ch of text) { // iterates code points
    const n = utf8Len(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

let params10k;
function getParams10k() {
  if (!params10k) {
    params10k = {};
    for (let i = 0; i < 10_000; i++) params10k[`k${i}`] = `v${i}`;
  }
  return params10k;
}

/** The signed string: non-empty fields but sign/sign_type, sorted (ASCII keys only), `k=v` joined by `&`. */
function canonical(params) {
  return Object.entries(params)
    .filter(([k, v]) => v !== null && v !== undefined && String(v) !== '' && k !== 'sign' && k !== 'sign_type')
    .map(([k, v]) => [k, String(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const PROTO_JSON = '{"__proto__":"P","constructor":"C","prototype":"Q","toString":"T","hasOwnProperty":"H","valueOf":"V"}';

/** Finite numbers signed "as JS prints them". */
const GENERIC_NUMBERS = [
  ['1e21', 1e21],
  ['-0', -0],
  ['0.1+0.2', 0.1 + 0.2],
  ['5e-7', 5e-7],
  ['2^53+2', 2 ** 53 + 2],
  ['-12.5', -12.5],
];

/** Properly signed notifies (under KEY) that differ from NOTIFY. */
const NOTIFY_VARIANTS = {
  notify: {},
  notify_pid1006: { pid: '1006' },
  notify_other_order: { out_trade_no: 'A20261128002' },
  notify_money2: { money: '2' },
  notify_fffd: { name: '\uFFFD' },
  notify_unpaid: { trade_status: 'WAIT_BUYER_PAY' },
};
const notifyFields = (id) => ({ ...NOTIFY, ...NOTIFY_VARIANTS[id] });

/**
 * The strings whose MD5 (of their UTF-8 bytes, lowercase hex) the cases
 * need, by id. Compute them outside the library and pass them to the runner.
 */
export function md5Inputs() {
  const inputs = {
    known: canonical(KNOWN_ANSWER.params) + KNOWN_ANSWER.key,
    big_name: canonical({ ...ORDER, name: getBigName() }) + KEY,
    big_name_order: canonical({ ...ORDER, pid: '1005', name: cutUtf8(getBigName(), 127) }) + KEY,
    params_10k: canonical(getParams10k()) + KEY,
    nul: canonical({ a: 'x\u0000y', b: '\u0000' }) + KEY,
    emoji: canonical({ a: '😀\u{10FFFF}' }) + KEY,
    proto: canonical(JSON.parse(PROTO_JSON)) + KEY,
    absent: canonical({ b: 'x' }) + KEY,
    bigint: 'a=123456789012345678901234567890&b=x' + KEY,
  };
  for (const [label, v] of GENERIC_NUMBERS) inputs[`num_${label}`] = canonical({ a: String(v), b: 'x' }) + KEY;
  for (const id of Object.keys(NOTIFY_VARIANTS)) inputs[id] = canonical(notifyFields(id)) + KEY;
  return inputs;
}

/** A query string as a gateway sends it: fields in the given order, then sign_type and sign. */
function notifyQuery(fields, sign, { signType = 'MD5' } = {}) {
  const parts = Object.entries(fields).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (signType !== null) parts.push(`sign_type=${signType}`);
  if (sign !== null) parts.push(`sign=${sign}`);
  return parts.join('&');
}

// ------------------------------------------------------------------ assertions

class CaseFailure extends Error {}

function show(v) {
  let s;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}... (${s.length} chars)` : s;
}

function fail(msg) {
  throw new CaseFailure(msg);
}

function check(cond, msg) {
  if (!cond) fail(msg);
}

function eq(actual, expected, what) {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function describeThrown(e) {
  if (e instanceof WebAssembly.RuntimeError) return `wasm trap (RuntimeError: ${e.message})`;
  if (e instanceof Error) return `${e.name} code=${show(e.code)} field=${show(e.field)}: ${show(e.message)}`;
  return `non-Error thrown: ${show(e)}`;
}

/** Asserts `e` is an INVALID_PARAM EpayError naming `field` (a string, or a predicate), that leaks no KEY. */
function checkEpayError(m, e, field, what, { secrets = [] } = {}) {
  if (e instanceof WebAssembly.RuntimeError) fail(`${what}: wasm trap (RuntimeError: ${e.message})`);
  check(e instanceof Error, `${what}: expected a real Error, got ${describeThrown(e)}`);
  check(e.name === 'EpayError' && e.code === 'INVALID_PARAM',
    `${what}: expected EpayError INVALID_PARAM, got ${describeThrown(e)}`);
  if (m.EpayError) check(e instanceof m.EpayError, `${what}: not instanceof the module's EpayError`);
  if (typeof field === 'function') {
    check(field(e.field), `${what}: unexpected field ${show(e.field)} (${show(e.message)})`);
  } else if (field !== undefined) {
    eq(e.field, field, `${what}: field`);
  }
  check(typeof e.message === 'string' && e.message.length > 0, `${what}: empty message`);
  for (const secret of [KEY, ...secrets]) {
    check(!e.message.includes(secret) && !String(e.field).includes(secret) && !String(e.stack).includes(secret),
      `${what}: the error contains a secret (${show(secret)})`);
  }
}

/** `fn()` must throw synchronously an INVALID_PARAM EpayError naming `field`. */
function throwsInvalid(m, fn, field, what, opts) {
  let result;
  try {
    result = fn();
  } catch (e) {
    checkEpayError(m, e, field, what, opts);
    return e;
  }
  fail(`${what}: expected EpayError INVALID_PARAM (field ${show(field)}), got ${show(result)}`);
}

/** `fn()` must return a Promise that rejects with an INVALID_PARAM EpayError naming `field`. */
async function rejectsInvalid(m, fn, field, what, opts) {
  let promise;
  try {
    promise = fn();
  } catch (e) {
    fail(`${what}: threw synchronously instead of rejecting: ${describeThrown(e)}`);
  }
  check(promise && typeof promise.then === 'function', `${what}: did not return a Promise`);
  let result;
  try {
    result = await promise;
  } catch (e) {
    checkEpayError(m, e, field, what, opts);
    return e;
  }
  fail(`${what}: expected a rejection (field ${show(field)}), resolved with ${show(result)}`);
}

/** `fn()` must not throw; returns its result. */
function noThrow(fn, what) {
  try {
    return fn();
  } catch (e) {
    fail(`${what}: threw ${describeThrown(e)}`);
  }
}

/** A verifyNotify result: the documented shape, and not ok unless `okExpected`. */
function checkNotifyResult(r, what, { reason, ok = false } = {}) {
  check(r && typeof r === 'object', `${what}: result is not an object: ${show(r)}`);
  eq(typeof r.ok, 'boolean', `${what}: typeof ok`);
  eq(typeof r.paid, 'boolean', `${what}: typeof paid`);
  check(r.reason === null || REASONS.includes(r.reason), `${what}: unknown reason ${show(r.reason)}`);
  check(r.data && typeof r.data === 'object', `${what}: data is not an object`);
  for (const [k, v] of Object.entries(r.data)) check(typeof v === 'string', `${what}: data.${k} is not a string`);
  eq(r.ok, ok, `${what}: ok (reason ${show(r.reason)})`);
  eq(r.ok, r.reason === null, `${what}: ok iff reason is null`);
  if (!ok) eq(r.paid, false, `${what}: paid`);
  if (reason !== undefined) eq(r.reason, reason, `${what}: reason`);
}

function hasOwnData(obj, key, value, what) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  check(d && 'value' in d && d.enumerable && d.writable, `${what}: ${show(key)} is not an own data property`);
  eq(d.value, value, `${what}: ${key}`);
}

/** Object.prototype unchanged: names, and a fresh object inherits nothing extra. */
function checkPrototypeClean(before, what) {
  const after = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  eq(after, before, `${what}: Object.prototype own names`);
  const probe = {};
  for (const k of ['P', 'C', 'Q', 'polluted', 'sign', 'sign_type', 'pid', 'money', 'x']) {
    check(!(k in probe), `${what}: Object.prototype polluted with ${k}`);
  }
  eq(probe.constructor, Object, `${what}: ({}).constructor`);
  eq(typeof probe.toString, 'function', `${what}: ({}).toString`);
}

const orderWith = (extra) => ({ ...ORDER, ...extra });

// ------------------------------------------------------------------ cases
//
// Each case: { id, run(m, ctx) }. `m` is the module's exports; ctx.md5(id)
// is the expected digest of md5Inputs()[id]; ctx.fetchCalls() counts calls
// to the global fetch (stubbed while a client case runs).

const cases = [];
const add = (id, run, opts = {}) => cases.push({ id, run, ...opts });

// ---- known answers first: the runner's health check is meaningful
add('sanity/known-answers', (m, ctx) => {
  eq(m.sign(KNOWN_ANSWER.params, KNOWN_ANSWER.key), ctx.md5('known'), 'md5 table agrees with the notes');
  eq(m.sign(ORDER_VECTOR.params, ORDER_VECTOR.key), ORDER_VECTOR.sign, 'order vector');
}, { cjs: true });

// ---- a 1 MB name
add('big/1MB-name sign equals md5 of the canonical string', (m, ctx) => {
  eq(m.sign({ ...ORDER, name: getBigName() }, KEY), ctx.md5('big_name'), 'sign');
});
add('big/1MB-name signParams keeps it and signs it correctly', (m, ctx) => {
  const r = m.signParams({ ...ORDER, name: getBigName() }, KEY);
  eq(r.sign, ctx.md5('big_name'), 'sign');
  eq(r.sign_type, 'MD5', 'sign_type');
  check(r.name === getBigName(), 'name returned unchanged');
}, { cjs: true });
add('big/1MB-name signOrder cuts to 127 bytes on a char boundary', (m, ctx) => {
  const cut = cutUtf8(getBigName(), 127);
  eq(utf8Len(cut), 125, 'reference cut (inside an emoji)');
  const r = m.signOrder({ ...ORDER, name: getBigName() }, KEY);
  eq(r.name, cut, 'name');
  check(!r.name.includes('\uFFFD'), 'no U+FFFD from a split character');
  eq(r.sign, ctx.md5('big_name_order'), 'sign over the cut name');
  eq(r.pid, '1005', 'pid as a string');
});
add('big/1MB-name buildSubmitForm carries the cut name and its signature', (m, ctx) => {
  const html = m.buildSubmitForm({ ...ORDER, name: getBigName() }, FORM_OPTS);
  check(html.length < 4096, `form is small (${html.length} chars)`);
  check(html.includes(`name="name" value="${cutUtf8(getBigName(), 127)}"`), 'cut name in the form');
  check(html.includes(`name="sign" value="${ctx.md5('big_name_order')}"`), 'signature in the form');
  check(!html.includes('\uFFFD'), 'no U+FFFD');
});
add('big/1MB-name buildPayUrl carries the cut name and its signature', (m, ctx) => {
  const url = new URL(m.buildPayUrl({ ...ORDER, name: getBigName() }, FORM_OPTS));
  eq(url.origin + url.pathname, `${GATEWAY}submit.php`, 'endpoint');
  eq(url.searchParams.get('name'), cutUtf8(getBigName(), 127), 'name');
  eq(url.searchParams.get('sign'), ctx.md5('big_name_order'), 'sign');
});
add('big/1MB invalid parameter name refused', (m) => {
  const bad = 'k'.repeat(1_000_000) + '=';
  throwsInvalid(m, () => m.sign({ [bad]: '1' }, KEY), bad, 'sign');
});
add('big/10000 params sign', (m, ctx) => {
  eq(m.sign(getParams10k(), KEY), ctx.md5('params_10k'), 'sign');
});
add('big/10000 params signParams', (m, ctx) => {
  const r = m.signParams(getParams10k(), KEY);
  eq(Object.keys(r).length, 10_002, 'field count');
  eq(r.sign, ctx.md5('params_10k'), 'sign');
  eq(r.k9999, 'v9999', 'k9999');
});
add('big/10000 params signed notify is malformed (more than 256 fields), not parsed at length', (m, ctx) => {
  const q = notifyQuery(getParams10k(), ctx.md5('params_10k'));
  const r = noThrow(() => m.verifyNotify(q, KEY), 'verifyNotify');
  checkNotifyResult(r, 'verifyNotify', { ok: false, reason: 'malformed' });
  const asObject = noThrow(() => m.verifyNotify({ ...getParams10k(), sign: ctx.md5('params_10k') }, KEY), 'verifyNotify');
  checkNotifyResult(asObject, 'verifyNotify', { ok: false, reason: 'malformed' });
});

// ---- NUL bytes
add('nul/sign signs NUL as is', (m, ctx) => {
  eq(m.sign({ a: 'x\u0000y', b: '\u0000' }, KEY), ctx.md5('nul'), 'sign');
}, { cjs: true });
add('nul/signParams refuses naming the field', (m) => {
  throwsInvalid(m, () => m.signParams({ z: 'ok', a: 'x\u0000y' }, KEY), 'a', 'signParams');
});
add('nul/signOrder refuses naming the field', (m) => {
  throwsInvalid(m, () => m.signOrder(orderWith({ name: 'VIP\u0000' }), KEY), 'name', 'signOrder name');
  throwsInvalid(m, () => m.signOrder(orderWith({ param: '\u0000' }), KEY), 'param', 'signOrder param');
});
add('nul/buildSubmitForm refuses naming the field (with and without key)', (m) => {
  throwsInvalid(m, () => m.buildSubmitForm(orderWith({ name: 'a\u0000b' }), FORM_OPTS), 'name', 'with key');
  const presigned = { ...orderWith({ name: 'a\u0000b' }), sign: 'f'.repeat(32), sign_type: 'MD5' };
  throwsInvalid(m, () => m.buildSubmitForm(presigned, { gateway: GATEWAY }), 'name', 'pre-signed');
});
add('nul/buildPayUrl with key refuses naming the field', (m) => {
  throwsInvalid(m, () => m.buildPayUrl(orderWith({ name: 'a\u0000b' }), FORM_OPTS), 'name', 'buildPayUrl');
});
add('nul/NUL in a parameter name refused naming it', (m) => {
  throwsInvalid(m, () => m.sign({ 'a\u0000b': '1' }, KEY), 'a\u0000b', 'sign');
  throwsInvalid(m, () => m.signParams({ 'a\u0000': '1' }, KEY), 'a\u0000', 'signParams');
});

// ---- lone UTF-16 surrogates
const LONE = [['high', '\uD800'], ['low', '\uDFFF'], ['reversed pair', '\uDC00\uD83D'], ['high at end', 'abc\uDBFF']];
for (const [label, s] of LONE) {
  add(`surrogate/${label} in a value refused (sign, signParams, signOrder, forms)`, (m) => {
    throwsInvalid(m, () => m.sign({ a: s }, KEY), 'a', 'sign');
    throwsInvalid(m, () => m.signParams({ a: `x${s}y` }, KEY), 'a', 'signParams');
    throwsInvalid(m, () => m.signOrder(orderWith({ name: s }), KEY), 'name', 'signOrder');
    throwsInvalid(m, () => m.buildSubmitForm(orderWith({ name: s }), FORM_OPTS), 'name', 'buildSubmitForm');
    throwsInvalid(m, () => m.buildPayUrl(orderWith({ name: s }), FORM_OPTS), 'name', 'buildPayUrl');
  }, { cjs: label === 'high' });
  add(`surrogate/${label} in a parameter name refused`, (m) => {
    const noFffd = (f) => typeof f === 'string' && !f.includes('\uFFFD');
    throwsInvalid(m, () => m.sign({ [`a${s}`]: '1' }, KEY), noFffd, 'sign');
    throwsInvalid(m, () => m.signParams({ [s]: '1' }, KEY), noFffd, 'signParams');
    throwsInvalid(m, () => m.signOrder({ ...ORDER, [s]: '1' }, KEY), noFffd, 'signOrder');
  });
  add(`surrogate/${label} in the KEY refused`, (m) => {
    const key = KEY + s;
    throwsInvalid(m, () => m.sign({ a: '1' }, key), 'key', 'sign');
    throwsInvalid(m, () => m.signParams({ a: '1' }, key), 'key', 'signParams');
    throwsInvalid(m, () => m.signOrder(ORDER, key), 'key', 'signOrder');
    throwsInvalid(m, () => m.buildSubmitForm(ORDER, { gateway: GATEWAY, key }), 'key', 'buildSubmitForm');
    throwsInvalid(m, () => m.buildPayUrl(ORDER, { gateway: GATEWAY, key }), 'key', 'buildPayUrl');
    throwsInvalid(m, () => m.verifyNotify('a=1', key), 'key', 'verifyNotify');
    throwsInvalid(m, () => new m.EpayClient({ ...CLIENT_OPTS, key }), 'key', 'EpayClient');
  });
}
add('surrogate/a valid pair and U+10FFFF are signed as UTF-8', (m, ctx) => {
  eq(m.sign({ a: '😀\u{10FFFF}' }, KEY), ctx.md5('emoji'), 'sign');
});
add('surrogate/verifyNotify object input with a lone surrogate is malformed, not U+FFFD', (m) => {
  const r = noThrow(() => m.verifyNotify({ ...NOTIFY, name: '\uD800', sign: 'f'.repeat(32) }, KEY), 'object');
  checkNotifyResult(r, 'object', { reason: 'malformed' });
});
add('surrogate/verifyNotify string input: a lone surrogate is not read as U+FFFD', (m, ctx) => {
  // The gateway signed name=U+FFFD; the received string has a lone surrogate
  // there instead. Different text: it must not verify, and nothing in the
  // result may have been silently replaced by U+FFFD.
  const q = notifyQuery({ ...NOTIFY, name: '' }, ctx.md5('notify_fffd')).replace('name=', 'name=\uD800');
  const r = noThrow(() => m.verifyNotify(q, KEY), 'verifyNotify');
  const replaced = Object.entries(r.data).filter(([, v]) => v.includes('\uFFFD')).map(([k]) => k);
  check(!r.ok && replaced.length === 0,
    `lone surrogate silently became U+FFFD: ok=${r.ok} reason=${show(r.reason)} fields with U+FFFD: ${show(replaced)}`);
  checkNotifyResult(r, 'verifyNotify');
});
add('surrogate/verifyNotify expected values with a lone surrogate are programmer errors', (m) => {
  throwsInvalid(m, () => m.verifyNotify('a=1', KEY, { out_trade_no: 'A1\uD800' }), 'out_trade_no', 'out_trade_no');
  throwsInvalid(m, () => m.verifyNotify('a=1', KEY, { pid: '1005\uDC00' }), 'pid', 'pid');
});
add('surrogate/toQrSvg text with a lone surrogate refused', (m) => {
  throwsInvalid(m, () => m.toQrSvg('https://pay.example.com/\uD800'), 'text', 'toQrSvg');
});

// ---- keys that are special to JS objects
add('keys/__proto__, constructor, prototype, toString... are signed like any key', (m, ctx) => {
  const params = JSON.parse(PROTO_JSON);
  check(Object.hasOwn(params, '__proto__'), 'fixture: __proto__ is an own key');
  eq(m.sign(params, KEY), ctx.md5('proto'), 'sign');
  const viaUsp = new URLSearchParams(Object.entries(params));
  eq(m.sign(viaUsp, KEY), ctx.md5('proto'), 'sign via URLSearchParams');
  const nullProto = Object.assign(Object.create(null), params);
  eq(m.sign(nullProto, KEY), ctx.md5('proto'), 'sign of an Object.create(null) copy');
}, { cjs: true });
add('keys/signParams returns them as own data properties, Object.prototype untouched', (m, ctx) => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  const r = m.signParams(JSON.parse(PROTO_JSON), KEY);
  eq(Object.getPrototypeOf(r), Object.prototype, 'prototype of the result');
  for (const [k, v] of Object.entries(JSON.parse(PROTO_JSON))) hasOwnData(r, k, v, 'signParams');
  hasOwnData(r, 'sign', ctx.md5('proto'), 'signParams');
  eq(Object.keys(r).length, 8, 'field count');
  checkPrototypeClean(before, 'after signParams');
}, { cjs: true });
add('keys/signOrder and verifyNotify keep __proto__ as an own field', (m) => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
  const order = { ...JSON.parse('{"__proto__":"x","constructor":"y"}'), ...ORDER };
  const r = m.signOrder(order, KEY);
  hasOwnData(r, '__proto__', 'x', 'signOrder');
  hasOwnData(r, 'constructor', 'y', 'signOrder');
  eq(Object.getPrototypeOf(r), Object.prototype, 'prototype of the signOrder result');
  const v = noThrow(() => m.verifyNotify(`__proto__=x&constructor=y&prototype=z&sign=${'0'.repeat(32)}`, KEY), 'verifyNotify');
  checkNotifyResult(v, 'verifyNotify', { reason: 'bad_sign' });
  hasOwnData(v.data, '__proto__', 'x', 'verifyNotify data');
  hasOwnData(v.data, 'constructor', 'y', 'verifyNotify data');
  eq(Object.getPrototypeOf(v.data), Object.prototype, 'prototype of data');
  checkPrototypeClean(before, 'after signOrder/verifyNotify');
});
for (const bad of ['a=b', 'a&b', 'a b', ' ', '=', '&', 'money ', ' pid', 'sign=x', 'a\tb', '']) {
  add(`keys/name ${JSON.stringify(bad)} refused naming it`, (m) => {
    throwsInvalid(m, () => m.sign({ [bad]: '1' }, KEY), bad, 'sign');
    throwsInvalid(m, () => m.signParams({ ok: '1', [bad]: '1' }, KEY), bad, 'signParams');
    throwsInvalid(m, () => m.signOrder({ ...ORDER, [bad]: '1' }, KEY), bad, 'signOrder');
    throwsInvalid(m, () => m.buildSubmitForm({ ...ORDER, [bad]: '1' }, FORM_OPTS), bad, 'buildSubmitForm');
    throwsInvalid(m, () => m.buildPayUrl({ ...ORDER, [bad]: '1' }, FORM_OPTS), bad, 'buildPayUrl');
  }, { cjs: bad === 'a=b' });
}

// ---- numbers
for (const [label, v] of GENERIC_NUMBERS) {
  add(`numbers/${label} as a generic value is signed as JS prints it (${String(v)})`, (m, ctx) => {
    eq(m.sign({ a: v, b: 'x' }, KEY), ctx.md5(`num_${label}`), 'sign');
    const r = m.signParams({ a: v, b: 'x' }, KEY);
    eq(r.a, String(v), 'signParams value');
    eq(r.sign, ctx.md5(`num_${label}`), 'signParams sign');
  });
}
add('numbers/bigint is signed in decimal', (m, ctx) => {
  eq(m.sign({ a: 123456789012345678901234567890n, b: 'x' }, KEY), ctx.md5('bigint'), 'sign');
});
for (const [label, v] of [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]) {
  add(`numbers/${label} refused naming the field`, (m) => {
    throwsInvalid(m, () => m.sign({ a: v }, KEY), 'a', 'sign');
    throwsInvalid(m, () => m.signParams({ a: v }, KEY), 'a', 'signParams');
    throwsInvalid(m, () => m.signOrder(orderWith({ money: v }), KEY), 'money', 'signOrder money');
    throwsInvalid(m, () => m.signOrder(orderWith({ pid: v }), KEY), 'pid', 'signOrder pid');
    throwsInvalid(m, () => m.buildSubmitForm(orderWith({ money: v }), FORM_OPTS), 'money', 'buildSubmitForm money');
  }, { cjs: label === 'NaN' });
}
add('numbers/money 1e21 refused', (m) => {
  throwsInvalid(m, () => m.signOrder(orderWith({ money: 1e21 }), KEY), 'money', 'signOrder');
  throwsInvalid(m, () => m.buildPayUrl(orderWith({ money: 1e21 }), FORM_OPTS), 'money', 'buildPayUrl');
});
add('numbers/money 0.1+0.2 refused (no float drift accepted)', (m) => {
  throwsInvalid(m, () => m.signOrder(orderWith({ money: 0.1 + 0.2 }), KEY), 'money', 'signOrder');
  eq(m.signOrder(orderWith({ money: 0.3 }), KEY).money, '0.30', 'money 0.3 accepted as 0.30');
});
add('numbers/money -0 refused as not > 0 (same as 0)', (m) => {
  const neg = throwsInvalid(m, () => m.signOrder(orderWith({ money: -0 }), KEY), 'money', '-0');
  const zero = throwsInvalid(m, () => m.signOrder(orderWith({ money: 0 }), KEY), 'money', '0');
  eq(neg.message, zero.message, '-0 refused for the same reason as 0');
  throwsInvalid(m, () => m.signOrder(orderWith({ money: -1 }), KEY), 'money', '-1');
});

// ---- values of other types
add('values/null and undefined are absent', (m, ctx) => {
  eq(m.sign({ a: null, b: 'x', c: undefined }, KEY), ctx.md5('absent'), 'sign');
  const r = m.signParams({ a: null, b: 'x', c: undefined }, KEY);
  check(!Object.hasOwn(r, 'a') && !Object.hasOwn(r, 'c'), 'absent fields left out');
  eq(r.sign, ctx.md5('absent'), 'signParams sign');
  throwsInvalid(m, () => m.signOrder(orderWith({ money: null }), KEY), 'money', 'required money null');
  throwsInvalid(m, () => m.signOrder(orderWith({ name: undefined }), KEY), 'name', 'required name undefined');
});
const BAD_VALUES = [
  ['array', () => ['1']],
  ['empty array', () => []],
  ['object', () => ({ v: '1' })],
  ['Symbol', () => Symbol('x')],
  ['function', () => () => '1'],
  ['true', () => true],
  ['false', () => false],
  ['boxed String', () => new String('x')], // eslint-disable-line no-new-wrappers
  ['Date', () => new Date(0)],
  ['Uint8Array', () => new Uint8Array([49])],
];
for (const [label, make] of BAD_VALUES) {
  add(`values/${label} refused naming the field`, (m) => {
    throwsInvalid(m, () => m.sign({ b: 'x', a: make() }, KEY), 'a', 'sign');
    throwsInvalid(m, () => m.signParams({ a: make() }, KEY), 'a', 'signParams');
    throwsInvalid(m, () => m.signOrder(orderWith({ name: make() }), KEY), 'name', 'signOrder');
    throwsInvalid(m, () => m.buildSubmitForm(orderWith({ out_trade_no: make() }), FORM_OPTS), 'out_trade_no', 'buildSubmitForm');
    const r = noThrow(() => m.verifyNotify({ ...NOTIFY, name: make(), sign: 'f'.repeat(32) }, KEY), 'verifyNotify');
    checkNotifyResult(r, 'verifyNotify', { reason: 'malformed' });
  }, { cjs: label === 'array' });
}

// ---- params that are not a plain object
class Order { constructor() { Object.assign(this, ORDER); } }
const BAD_PARAMS = [
  ['Map', () => new Map(Object.entries(ORDER))],
  ['class instance', () => new Order()],
  ['array', () => Object.entries(ORDER)],
  ['string', () => 'pid=1005&money=1'],
  ['null', () => null],
  ['undefined', () => undefined],
  ['number', () => 1005],
  ['function', () => function params() {}],
  ['Promise', () => Promise.resolve(ORDER)],
  ['boxed String', () => new String('a=1')], // eslint-disable-line no-new-wrappers
];
for (const [label, make] of BAD_PARAMS) {
  add(`params/${label} refused (field params)`, (m) => {
    throwsInvalid(m, () => m.sign(make(), KEY), 'params', 'sign');
    throwsInvalid(m, () => m.signParams(make(), KEY), 'params', 'signParams');
    throwsInvalid(m, () => m.buildSubmitForm(make(), FORM_OPTS), 'params', 'buildSubmitForm');
    throwsInvalid(m, () => m.buildPayUrl(make(), FORM_OPTS), 'params', 'buildPayUrl');
    // signOrder names its own argument.
    throwsInvalid(m, () => m.signOrder(make(), KEY), 'order', 'signOrder');
  }, { cjs: label === 'Map' });
}

// ---- notifies
const validQuery = (ctx, id = 'notify', opts) => notifyQuery(notifyFields(id), ctx.md5(id), opts);

add('notify/baseline: a signed notify verifies (string, URLSearchParams, object, URL path)', (m, ctx) => {
  const q = validQuery(ctx);
  for (const [what, input] of [
    ['string', q], ['?string', `?${q}`], ['path', `/epay/notify/A20261128001?${q}`],
    ['URLSearchParams', new URLSearchParams(q)], ['object', Object.fromEntries(new URLSearchParams(q))],
  ]) {
    const r = noThrow(() => m.verifyNotify(input, KEY, EXPECTED), what);
    checkNotifyResult(r, what, { ok: true });
    eq(r.paid, true, `${what}: paid`);
    eq(r.data.name, 'VIP会员', `${what}: data.name`);
  }
}, { cjs: true });
add('notify/duplicate keys are malformed (same and different values)', (m, ctx) => {
  const q = validQuery(ctx);
  for (const [what, input] of [
    ['same value', `${q}&pid=1005`], ['other value', `pid=1006&${q}`], ['sign twice', `${q}&sign=${ctx.md5('notify')}`],
    ['URLSearchParams', new URLSearchParams(`${q}&money=1`)],
  ]) {
    const r = noThrow(() => m.verifyNotify(input, KEY, EXPECTED), what);
    checkNotifyResult(r, what, { reason: 'malformed' });
  }
});
add('notify/amp;-prefixed keys (&amp;trade_no=) are malformed', (m, ctx) => {
  const q = validQuery(ctx).replace('&trade_no=', '&amp;trade_no=');
  check(q.includes('&amp;trade_no='), 'fixture');
  checkNotifyResult(noThrow(() => m.verifyNotify(q, KEY), 'string'), 'string', { reason: 'malformed' });
  const all = validQuery(ctx).replaceAll('&', '&amp;');
  checkNotifyResult(noThrow(() => m.verifyNotify(all, KEY), 'every &'), 'every &', { reason: 'malformed' });
});
add('notify/upper-case sign accepted', (m, ctx) => {
  const r = noThrow(() => m.verifyNotify(notifyQuery(NOTIFY, ctx.md5('notify').toUpperCase()), KEY, EXPECTED), 'upper');
  checkNotifyResult(r, 'upper', { ok: true });
  eq(r.paid, true, 'paid');
});
add('notify/without sign_type accepted; sign_type other than MD5 refused', (m, ctx) => {
  const r = noThrow(() => m.verifyNotify(validQuery(ctx, 'notify', { signType: null }), KEY, EXPECTED), 'no sign_type');
  checkNotifyResult(r, 'no sign_type', { ok: true });
  const lower = noThrow(() => m.verifyNotify(validQuery(ctx, 'notify', { signType: 'md5' }), KEY, EXPECTED), 'md5');
  checkNotifyResult(lower, 'sign_type=md5', { ok: true });
  const rsa = noThrow(() => m.verifyNotify(validQuery(ctx, 'notify', { signType: 'RSA' }), KEY, EXPECTED), 'RSA');
  checkNotifyResult(rsa, 'sign_type=RSA', { reason: 'bad_sign' });
});
add('notify/unpaid status verifies but is not paid', (m, ctx) => {
  const r = noThrow(() => m.verifyNotify(validQuery(ctx, 'notify_unpaid'), KEY, EXPECTED), 'unpaid');
  checkNotifyResult(r, 'unpaid', { ok: true });
  eq(r.paid, false, 'paid');
});

const MB5 = 5 * 1024 * 1024;
const fill = (unit, n = MB5) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const FIVE_MB = [
  ['one 5 MB value', (ctx) => `${validQuery(ctx)}&x=${fill('y')}`],
  ['5 MB of unique fields', () => {
    const parts = [];
    let len = 0;
    for (let i = 0; len <= MB5; i++) { const p = `k${i}=1`; parts.push(p); len += p.length + 1; }
    return parts.join('&');
  }],
  ['5 MB of repeated a=1', () => fill('a=1&')],
  ['5 MB of &', () => fill('&')],
  ['5 MB of %', () => `sign=${fill('%')}`],
  ['5 MB of %41', () => `x=${fill('%41')}`],
  ['5 MB field name', () => `${fill('k')}=1`],
  ['5 MB of &amp;', () => fill('&amp;a=1')],
  ['5 MB of = signs', () => fill('=')],
];
for (const [label, make] of FIVE_MB) {
  add(`notify/${label}: returns quickly with a reason`, (m, ctx) => {
    const input = make(ctx);
    check(input.length >= MB5, 'fixture is 5 MB');
    const t0 = performance.now();
    const r = noThrow(() => m.verifyNotify(input, KEY, EXPECTED), 'verifyNotify');
    const ms = performance.now() - t0;
    checkNotifyResult(r, 'verifyNotify');
    check(r.reason !== null, 'reason set');
    check(ms < QUICK_MS, `took ${Math.round(ms)} ms (limit ${QUICK_MS})`);
    return { ms: Math.round(ms), reason: r.reason };
  }, { cjs: label === 'one 5 MB value' });
}
add('notify/5 MB as URLSearchParams and as an object: returns quickly with a reason', (m, ctx) => {
  const q = `${validQuery(ctx)}&x=${fill('y')}`;
  for (const [what, input] of [['URLSearchParams', new URLSearchParams(q)], ['object', Object.fromEntries(new URLSearchParams(q))]]) {
    const t0 = performance.now();
    const r = noThrow(() => m.verifyNotify(input, KEY, EXPECTED), what);
    const ms = performance.now() - t0;
    checkNotifyResult(r, what, { reason: 'bad_sign' });
    check(ms < QUICK_MS, `${what}: took ${Math.round(ms)} ms`);
  }
});

// Tampering
add('notify/forged sign (one hex digit changed, random, wrong length, empty)', (m, ctx) => {
  const good = ctx.md5('notify');
  const flipped = good.slice(0, 31) + (good[31] === '0' ? '1' : '0');
  for (const [what, sign, reason] of [
    ['one digit', flipped, 'bad_sign'], ['zeros', '0'.repeat(32), 'bad_sign'], ['31 chars', good.slice(0, 31), 'bad_sign'],
    ['33 chars', `${good}0`, 'bad_sign'], ['non-hex', 'z'.repeat(32), 'bad_sign'], ['empty', '', 'missing_sign'],
    ['absent', null, 'missing_sign'], ['the KEY', KEY, 'bad_sign'],
  ]) {
    const r = noThrow(() => m.verifyNotify(notifyQuery(NOTIFY, sign), KEY, EXPECTED), what);
    checkNotifyResult(r, what, { reason });
  }
});
add('notify/changed money is bad_sign', (m, ctx) => {
  for (const money of ['100', '1.00', '1.0', '01', '2']) {
    const q = notifyQuery({ ...NOTIFY, money }, ctx.md5('notify'));
    checkNotifyResult(noThrow(() => m.verifyNotify(q, KEY, EXPECTED), money), `money=${money}`, { reason: 'bad_sign' });
  }
});
add('notify/changed out_trade_no is bad_sign', (m, ctx) => {
  const q = notifyQuery({ ...NOTIFY, out_trade_no: 'A20261128002' }, ctx.md5('notify'));
  checkNotifyResult(noThrow(() => m.verifyNotify(q, KEY), 'no expectations'), 'no expectations', { reason: 'bad_sign' });
});
add('notify/added or removed field is bad_sign', (m, ctx) => {
  const added = `${validQuery(ctx)}&extra=1`;
  checkNotifyResult(noThrow(() => m.verifyNotify(added, KEY), 'added'), 'added', { reason: 'bad_sign' });
  const { name, ...rest } = NOTIFY;
  const removed = notifyQuery(rest, ctx.md5('notify'));
  checkNotifyResult(noThrow(() => m.verifyNotify(removed, KEY), 'removed'), 'removed', { reason: 'bad_sign' });
  const wrongKey = noThrow(() => m.verifyNotify(validQuery(ctx), `${KEY}x`), 'other KEY');
  checkNotifyResult(wrongKey, 'other KEY', { reason: 'bad_sign' });
});
add('notify/validly signed for another pid: pid_mismatch (explicit and client default)', (m, ctx) => {
  const q = validQuery(ctx, 'notify_pid1006');
  checkNotifyResult(noThrow(() => m.verifyNotify(q, KEY), 'no expectations'), 'no expectations', { ok: true });
  checkNotifyResult(noThrow(() => m.verifyNotify(q, KEY, EXPECTED), 'expected'), 'expected pid 1005', { reason: 'pid_mismatch' });
  const client = new m.EpayClient(CLIENT_OPTS);
  try {
    checkNotifyResult(noThrow(() => client.verifyNotify(q), 'client'), 'client default pid', { reason: 'pid_mismatch' });
    checkNotifyResult(noThrow(() => client.verifyNotify(validQuery(ctx)), 'client own'), 'client own pid', { ok: true });
  } finally {
    client.free();
  }
});
add('notify/validly signed for another order or amount: mismatch reasons', (m, ctx) => {
  checkNotifyResult(noThrow(() => m.verifyNotify(validQuery(ctx, 'notify_other_order'), KEY, EXPECTED), 'order'),
    'other order', { reason: 'out_trade_no_mismatch' });
  checkNotifyResult(noThrow(() => m.verifyNotify(validQuery(ctx, 'notify_money2'), KEY, EXPECTED), 'money'),
    'other amount', { reason: 'money_mismatch' });
  for (const money of [1, '1', '1.0', '1.00']) {
    checkNotifyResult(noThrow(() => m.verifyNotify(validQuery(ctx), KEY, { ...EXPECTED, money }), 'money'),
      `expected money ${show(money)}`, { ok: true });
  }
});
add('notify/a replayed valid notify verifies again (stateless, documented)', (m, ctx) => {
  const q = validQuery(ctx);
  const first = m.verifyNotify(q, KEY, EXPECTED);
  const second = m.verifyNotify(q, KEY, EXPECTED);
  checkNotifyResult(first, 'first', { ok: true });
  checkNotifyResult(second, 'replay', { ok: true });
  eq(JSON.stringify(second), JSON.stringify(first), 'same result');
});
add("notify/Express req.query shapes (arrays, nested objects) are malformed, never thrown", (m, ctx) => {
  const fields = { ...NOTIFY, sign_type: 'MD5', sign: ctx.md5('notify') };
  for (const [what, input] of [
    ['repeated pid', { ...fields, pid: ['1005', '1005'] }],
    ['repeated sign', { ...fields, sign: [fields.sign, fields.sign] }],
    ['qs nested', { ...fields, name: { first: 'VIP' } }],
    ['qs array index', { ...fields, a: { 0: 'x' } }],
    ['boolean value', { ...fields, extra: true }],
  ]) {
    const r = noThrow(() => m.verifyNotify(input, KEY, EXPECTED), what);
    checkNotifyResult(r, what, { reason: 'malformed' });
    eq(Object.keys(r.data).length, 0, `${what}: data empty when malformed`);
  }
  // A JSON body may carry numbers: they are read as JS prints them.
  const numeric = noThrow(() => m.verifyNotify({ ...fields, money: 1, pid: 1005 }, KEY, EXPECTED), 'numbers');
  checkNotifyResult(numeric, 'numbers from a JSON body', { ok: true });
});

// Anything a peer can send: never a throw.
const PEER_STRINGS = [
  '', '?', '#', '&', '&&&', '=', '==', '=&=', '%', '%%', '%zz', '%FF', '%ED%A0%80', '%C0%AF', '%00', '+', '++=++',
  'sign', 'sign=', '?sign=', 'sign=&sign_type=', 'sign_type=MD5', 'a[]=1&sign=x', 'a[b]=1', 'a.b=1', '名=1', 'pid=%E5%90%8D',
  '{"pid":"1005","sign":"x"}', '<script>alert(1)</script>', 'javascript:alert(1)', 'http://', 'https://x.cn/?', '/', '/?',
  '//evil/?pid=1', 'https://user:pass@x.cn/n?pid=1005&sign=x', '\u0000', 'a=\u0000&sign=\u0000', 'a=\r\n&b=\t',
  '\uFEFFpid=1005', 'pid=1005#sign=abc', 'sign=' + 'A'.repeat(32), 'x'.repeat(100_000), '&'.repeat(10_000),
  '__proto__=x', 'constructor=x&prototype=y', 'toString=x&sign=y', 'hasOwnProperty=1&valueOf=2',
  '\uD800', 'a=\uDC00', '\uD800=1', '😀=😀', 'pid=1005;sign=x', 'pid=1005&&&&sign=x&', 'amp;pid=1',
];
PEER_STRINGS.forEach((input, i) => {
  add(`peer/string #${i} ${show(input).slice(0, 40)}: never throws`, (m) => {
    for (const expected of [undefined, EXPECTED]) {
      checkNotifyResult(noThrow(() => m.verifyNotify(input, KEY, expected), 'string'), 'string');
      checkNotifyResult(noThrow(() => m.verifyNotify(new URLSearchParams(input), KEY, expected), 'usp'), 'URLSearchParams');
    }
  }, { cjs: i === 0 });
});
const PEER_OBJECTS = [
  ['empty object', () => ({})],
  ['Object.create(null)', () => Object.create(null)],
  ['JSON __proto__', () => JSON.parse('{"__proto__":{"polluted":"1"},"sign":"x"}')],
  ['JSON __proto__ string', () => JSON.parse('{"__proto__":"x","sign":"x"}')],
  ['null values', () => ({ pid: null, sign: null })],
  ['empty key', () => ({ '': '1', sign: 'x' })],
  ['bad key', () => ({ 'a b': '1', sign: 'x' })],
  ['long key', () => ({ ['k'.repeat(100_000)]: '1' })],
  ['array values', () => ({ pid: [], sign: [[]] })],
  ['nested deep', () => JSON.parse('{"a":'.repeat(1000) + '1' + '}'.repeat(1000))],
  ['NUL value', () => ({ ...NOTIFY, sign: 'x\u0000' })],
  ['with Symbol key', () => ({ [Symbol('s')]: 'x', sign: 'y' })],
  ['empty URLSearchParams', () => new URLSearchParams()],
  ['URLSearchParams bad key', () => new URLSearchParams([['a=b', '1'], ['sign', 'x']])],
];
for (const [label, make] of PEER_OBJECTS) {
  add(`peer/object ${label}: never throws`, (m) => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
    for (const expected of [undefined, EXPECTED]) {
      checkNotifyResult(noThrow(() => m.verifyNotify(make(), KEY, expected), label), label);
    }
    checkPrototypeClean(before, label);
  });
}

// Programmer errors: the only throws of verifyNotify.
add('programmer/verifyNotify throws for a missing, non-string or empty KEY', (m, ctx) => {
  const q = validQuery(ctx);
  throwsInvalid(m, () => m.verifyNotify(q), 'key', 'missing');
  for (const [what, key] of [
    ['undefined', undefined], ['null', null], ['number', 1234567], ['boxed', new String(KEY)], ['array', [KEY]],
    ['object', { toString: () => KEY }], ['bytes', new TextEncoder().encode(KEY)], ['empty', ''],
  ]) {
    throwsInvalid(m, () => m.verifyNotify(q, key), 'key', what);
  }
}, { cjs: true });
add('programmer/verifyNotify throws for invalid expectations', (m, ctx) => {
  const q = validQuery(ctx);
  for (const [what, expected, field] of [
    ['pid 1e3', { pid: '1e3' }, 'pid'], ['pid 0', { pid: 0 }, 'pid'], ['pid NaN', { pid: NaN }, 'pid'],
    ['money NaN', { money: NaN }, 'money'], ['money 0.001', { money: '0.001' }, 'money'], ['money -1', { money: -1 }, 'money'],
    ['out_trade_no array', { out_trade_no: ['A1'] }, 'out_trade_no'],
  ]) {
    throwsInvalid(m, () => m.verifyNotify(q, KEY, expected), field, what);
  }
});
add('programmer/verifyNotify throws for input that is not text, URLSearchParams or an object', (m) => {
  for (const [what, input] of [['undefined', undefined], ['null', null], ['number', 42], ['boolean', true]]) {
    throwsInvalid(m, () => m.verifyNotify(input, KEY), 'input', what);
  }
});

// ---- EpayClient: hostile options and arguments, nothing sent
const BAD_CLIENT_OPTIONS = [
  ['gateway javascript:', { gateway: 'javascript:alert(1)' }, 'gateway'],
  ['gateway with user info', { gateway: 'https://user:pass@host/' }, 'gateway', ['user:pass']],
  ['gateway data:', { gateway: 'data:text/html,<script>alert(1)</script>' }, 'gateway'],
  ['gateway file:', { gateway: 'file:///etc/passwd' }, 'gateway'],
  ['gateway protocol-relative', { gateway: '//evil.example/' }, 'gateway'],
  ['gateway with query', { gateway: 'https://pay.example.com/?x=1' }, 'gateway'],
  ['gateway with newline', { gateway: 'https://pay.example.com/\n' }, 'gateway'],
  ['gateway leading space', { gateway: ' https://pay.example.com/' }, 'gateway'],
  ['gateway not a string', { gateway: new URL(GATEWAY) }, 'gateway'],
  ['gateway missing', { gateway: undefined }, 'gateway'],
  ["pid '1e3'", { pid: '1e3' }, 'pid'],
  ['pid 0', { pid: 0 }, 'pid'],
  ['pid -1', { pid: -1 }, 'pid'],
  ['pid 1.5', { pid: 1.5 }, 'pid'],
  ['pid NaN', { pid: NaN }, 'pid'],
  ["pid ' 1005'", { pid: ' 1005' }, 'pid'],
  ['pid missing', { pid: undefined }, 'pid'],
  ["key ''", { key: '' }, 'key'],
  ['key missing', { key: undefined }, 'key'],
  ['key number', { key: 1234567 }, 'key'],
  ['timeoutMs -1', { timeoutMs: -1 }, 'timeoutMs'],
  ['timeoutMs NaN', { timeoutMs: NaN }, 'timeoutMs'],
  ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs'],
  ['timeoutMs Infinity', { timeoutMs: Infinity }, 'timeoutMs'],
  ['timeoutMs 1.5', { timeoutMs: 1.5 }, 'timeoutMs'],
  ["timeoutMs '1000'", { timeoutMs: '1000' }, 'timeoutMs'],
  ['timeoutMs 1e12', { timeoutMs: 1e12 }, 'timeoutMs'],
  ['retries 100', { retries: 100 }, 'retries'],
  ['retries -1', { retries: -1 }, 'retries'],
  ['retries NaN', { retries: NaN }, 'retries'],
  ['retries 1.5', { retries: 1.5 }, 'retries'],
];
for (const [label, override, field, secrets] of BAD_CLIENT_OPTIONS) {
  add(`client/constructor ${label} refused, nothing sent`, (m, ctx) => {
    throwsInvalid(m, () => new m.EpayClient({ ...CLIENT_OPTS, ...override }), field, 'new EpayClient', { secrets });
    eq(ctx.fetchCalls(), 0, 'fetch calls');
  }, { client: true, cjs: label === 'gateway javascript:' });
}
add('client/constructor without an options object refused', (m, ctx) => {
  for (const [what, opts, field] of [['undefined', undefined, 'gateway'], ['null', null, 'gateway'], ['string', GATEWAY, 'options'], ['number', 1005, 'options'], ['Map', new Map([['gateway', GATEWAY]]), 'options']]) {
    throwsInvalid(m, () => new m.EpayClient(opts), field, what);
  }
  eq(ctx.fetchCalls(), 0, 'fetch calls');
}, { client: true });

const BAD_CLIENT_CALLS = [
  ['createOrder null', (c) => c.createOrder(null), 'order'],
  ['createOrder Map', (c) => c.createOrder(new Map()), 'order'],
  ['createOrder money NaN', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', money: NaN }), 'money'],
  ['createOrder money -0', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', money: -0 }), 'money'],
  ['createOrder money 1e21', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', money: 1e21 }), 'money'],
  ['createOrder notify_url javascript:', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', notify_url: 'javascript:alert(1)' }), 'notify_url'],
  ['createOrder clientip', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7; rm -rf /' }), 'clientip'],
  ['createOrder another pid', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', pid: 1006 }), 'pid'],
  ['createOrder NUL name', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', name: 'a\u0000' }), 'name'],
  ['createOrder lone surrogate', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', name: '\uD800' }), 'name'],
  ['createOrder key a=b', (c) => c.createOrder({ ...ORDER, clientip: '203.0.113.7', 'a=b': '1' }), 'a=b'],
  ['queryOrder {}', (c) => c.queryOrder({}), 'trade_no'],
  ['queryOrder null', (c) => c.queryOrder(null), 'trade_no'],
  ['queryOrder trade_no ../', (c) => c.queryOrder({ trade_no: '../../etc/passwd' }), 'trade_no'],
  ['queryOrder trade_no &key=', (c) => c.queryOrder({ trade_no: '1&key=x' }), 'trade_no'],
  ['queryOrder out_trade_no a/b', (c) => c.queryOrder({ out_trade_no: 'a/b' }), 'out_trade_no'],
  ['queryOrder trade_no array', (c) => c.queryOrder({ trade_no: ['1'] }), 'trade_no'],
  ['queryOrders limit 1000', (c) => c.queryOrders({ limit: 1000 }), 'limit'],
  ['queryOrders limit 0', (c) => c.queryOrders({ limit: 0 }), 'limit'],
  ['queryOrders limit NaN', (c) => c.queryOrders({ limit: NaN }), 'limit'],
  ['queryOrders page -1', (c) => c.queryOrders({ page: -1 }), 'page'],
  ['queryOrders page 1.5', (c) => c.queryOrders({ page: 1.5 }), 'page'],
  ['refund money NaN', (c) => c.refund({ trade_no: 'T1' }, NaN), 'money'],
  ['refund money -0', (c) => c.refund({ trade_no: 'T1' }, -0), 'money'],
  ['refund money 0.1+0.2', (c) => c.refund({ trade_no: 'T1' }, 0.1 + 0.2), 'money'],
  ['refund money 1e21', (c) => c.refund({ trade_no: 'T1' }, 1e21), 'money'],
  ['refund money missing', (c) => c.refund({ trade_no: 'T1' }), 'money'],
  ['refund no order', (c) => c.refund({}, '1.00'), 'trade_no'],
];
for (const [label, call, field] of BAD_CLIENT_CALLS) {
  add(`client/${label} rejects, nothing sent`, async (m, ctx) => {
    const client = new m.EpayClient(CLIENT_OPTS);
    try {
      await rejectsInvalid(m, () => call(client), field, label);
    } finally {
      client.free();
    }
    eq(ctx.fetchCalls(), 0, 'fetch calls');
  }, { client: true, cjs: label === 'refund money NaN' });
}
add('client/control: a valid call does reach fetch (the stub sees requests)', async (m, ctx) => {
  const client = new m.EpayClient(CLIENT_OPTS);
  try {
    await client.queryMerchant().then(() => fail('resolved against a failing fetch'), (e) => {
      check(e instanceof Error && e.name === 'EpayError' && e.code === 'NETWORK', `expected NETWORK, got ${describeThrown(e)}`);
      check(!e.message.includes(KEY), 'KEY in a NETWORK error');
    });
  } finally {
    client.free();
  }
  check(ctx.fetchCalls() >= 1, 'fetch was called');
}, { client: true });
add('client/bound helpers: hostile input gives the same refusals', (m, ctx) => {
  const client = new m.EpayClient(CLIENT_OPTS);
  try {
    throwsInvalid(m, () => client.sign(new Map()), 'params', 'sign Map');
    throwsInvalid(m, () => client.signParams({ a: 'x\u0000' }), 'a', 'signParams NUL');
    throwsInvalid(m, () => client.buildSubmitForm({ ...ORDER, money: NaN }), 'money', 'buildSubmitForm NaN');
    throwsInvalid(m, () => client.buildPayUrl({ ...ORDER, 'a&b': '1' }), 'a&b', 'buildPayUrl a&b');
    checkNotifyResult(noThrow(() => client.verifyNotify({ pid: ['1005'] }), 'verifyNotify'), 'verifyNotify', { reason: 'malformed' });
  } finally {
    client.free();
  }
  eq(ctx.fetchCalls(), 0, 'fetch calls');
}, { client: true });
add('client/use after free throws an Error and leaves the module usable', (m) => {
  const client = new m.EpayClient(CLIENT_OPTS);
  client.free();
  let thrown;
  try {
    client.sign({ a: '1' });
  } catch (e) {
    thrown = e;
  }
  check(thrown instanceof Error && !(thrown instanceof WebAssembly.RuntimeError), `expected an Error, got ${show(thrown)}`);
}, { client: true });

// ---- toQrSvg
add('qr/10 KB text refused (field text)', (m) => {
  throwsInvalid(m, () => m.toQrSvg('x'.repeat(10 * 1024)), 'text', '10 KB ASCII');
  throwsInvalid(m, () => m.toQrSvg('中'.repeat(10 * 1024 / 3)), 'text', '10 KB CJK');
  throwsInvalid(m, () => m.toQrSvg(''), 'text', 'empty');
  for (const v of [null, undefined, 42, ['x'], { toString: () => 'x' }]) throwsInvalid(m, () => m.toQrSvg(v), 'text', show(v));
}, { cjs: true });
const BAD_COLOURS = ['red" onload="x', "red' onload='x", 'url(javascript:alert(1))', '#12345g', '#1234', '#12', 'RED',
  'red;fill:blue', '', ' red', 'a'.repeat(21), '<script>', 'rgb(0,0,0)', '#000\u0000', 'red\uD800'];
add('qr/hostile colours refused (dark, light)', (m) => {
  for (const c of BAD_COLOURS.filter((c) => c !== '#1234')) { // #rgba is a valid colour
    throwsInvalid(m, () => m.toQrSvg('https://pay.example.com/', { dark: c }), 'dark', `dark ${show(c)}`);
    throwsInvalid(m, () => m.toQrSvg('https://pay.example.com/', { light: c }), 'light', `light ${show(c)}`);
  }
  throwsInvalid(m, () => m.toQrSvg('x', { dark: 123 }), 'dark', 'dark number');
});
add('qr/hostile ecc, border, size refused', (m) => {
  for (const [opts, field] of [
    [{ ecc: 'X' }, 'ecc'], [{ ecc: 'MM' }, 'ecc'], [{ ecc: 'm' }, 'ecc'], [{ ecc: '' }, 'ecc'],
    [{ border: -1 }, 'border'], [{ border: 65 }, 'border'], [{ border: NaN }, 'border'], [{ border: 1.5 }, 'border'],
    [{ size: -1 }, 'size'], [{ size: 1e9 }, 'size'], [{ size: Infinity }, 'size'], [{ size: '100' }, 'size'],
  ]) {
    throwsInvalid(m, () => m.toQrSvg('x', opts), field, show(opts));
  }
});
add('qr/markup-like text is encoded, never echoed into the SVG', (m) => {
  const svg = m.toQrSvg('"><script>alert(1)</script><svg onload=alert(1)>', { dark: '#1a2b3c', light: 'white' });
  check(svg.startsWith('<svg ') && svg.endsWith('</svg>'), 'an SVG');
  check(!svg.includes('script') && !svg.includes('onload'), 'text not in the markup');
});

export { cases };

// ------------------------------------------------------------------ runner

/**
 * Runs the cases against `m` (the module's exports, initialised). Options:
 * `md5` (required): id → hex for md5Inputs(); `filter(case)`: which to run
 * (default all). Each case runs, then the known answer is signed with the
 * same instance. Client cases run with the global fetch replaced by a
 * counting stub that fails every request.
 *
 * Resolves to { results: [{ id, pass, error?, ms, info? }], total, passed,
 * failed, ms, broken } — plain data, safe to send out of a browser page.
 */
export async function runHostileCases(m, { md5, filter = () => true } = {}) {
  if (!md5) throw new Error('runHostileCases: pass md5 (id -> hex digest of md5Inputs())');
  const results = [];
  let broken = null;
  let fetchCalls = 0;
  const ctx = {
    md5(id) {
      const hex = md5[id];
      if (typeof hex !== 'string') throw new Error(`no md5 for ${id}`);
      return hex;
    },
    fetchCalls: () => fetchCalls,
  };
  const t0 = performance.now();
  for (const c of cases.filter(filter)) {
    const started = performance.now();
    const result = { id: c.id, pass: true };
    const realFetch = globalThis.fetch;
    if (c.client) {
      fetchCalls = 0;
      globalThis.fetch = (...args) => {
        fetchCalls += 1;
        return Promise.reject(new TypeError(`fetch refused by the hostile-input test stub (${String(args[0]?.url ?? args[0]).slice(0, 80)})`));
      };
    }
    try {
      const info = await c.run(m, ctx);
      if (info !== undefined) result.info = info;
    } catch (e) {
      result.pass = false;
      result.error = e instanceof CaseFailure ? e.message : `unexpected ${describeThrown(e)}`;
    } finally {
      if (c.client) globalThis.fetch = realFetch;
    }
    // The same instance must still work: a trap would have poisoned it.
    try {
      const got = m.sign(KNOWN_ANSWER.params, KNOWN_ANSWER.key);
      if (got !== KNOWN_ANSWER.sign) throw new CaseFailure(`known answer now ${show(got)}`);
    } catch (e) {
      result.pass = false;
      const why = e instanceof CaseFailure ? e.message : describeThrown(e);
      result.error = `${result.error ? `${result.error}; ` : ''}module unusable after this case: ${why}`;
      broken ??= c.id;
    }
    result.ms = Math.round(performance.now() - started);
    results.push(result);
  }
  const failed = results.filter((r) => !r.pass).length;
  return {
    results,
    total: results.length,
    passed: results.length - failed,
    failed,
    ms: Math.round(performance.now() - t0),
    broken,
  };
}
