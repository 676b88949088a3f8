// Tests of epay-sandbox's V2 API (/api/pay/..., /api/merchant/...), the
// local gateway in packages/sandbox/. Requests are signed and answers
// verified here with node:crypto and with openssl (known answers), never
// with the sandbox's own code; answer shapes are checked against the bodies
// a real 彩虹易支付 v3096 server gave (tests/fixtures/v3096/v2/, copied from the project's shared captures).
// Does not need pkg/. Run: node --test tests/js/sandbox-v2.test.mjs

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, DEFAULT_MERCHANTS, TEST_KEY_FILES } from 'epay-sandbox';
import { fetchAnswer, md5Sign, signText, startReceiver, TEST_KEY as KEY, TEST_PID as PID, waitFor } from './support.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEYS = join(ROOT, 'packages', 'sandbox', 'keys');
const CLI = join(ROOT, 'packages', 'sandbox', 'bin', 'epay-sandbox.mjs');
const CAPTURES = join(ROOT, 'tests', 'fixtures', 'v3096');
const MERCHANT_PEM = readFileSync(join(KEYS, 'merchant-1005.pem'), 'utf8');
const JSON_TYPE = 'application/json; charset=UTF-8';
const HTML_TYPE = 'text/html; charset=UTF-8';
/** The timestamp of the v3096 captures, used for the fixed known answers. */
const FIXED_TS = 1796193661;

// An RSA-only merchant with a key pair made here.
const RSA_ONLY_PID = 2001;
const RSA_ONLY_KEY = 'k2001-md5-key';
const rsaOnly = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_ONLY_PEM = rsaOnly.privateKey.export({ type: 'pkcs8', format: 'pem' });

const rsaSign = (fields, pem = MERCHANT_PEM) => createSign('sha256').update(signText(fields), 'utf8').sign(pem, 'base64');
const rsaVerify = (fields, key) => createVerify('sha256').update(signText(fields), 'utf8').verify(key, fields.sign, 'base64');
const nowSec = () => Math.floor(Date.now() / 1000);

/** openssl (an independent tool): the SHA256withRSA signature of `text` under the key file, base64. */
const opensslSign = (text, keyFile) => execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile], { input: text }).toString('base64');
/** openssl: whether `signature` (base64) of `text` verifies with the public key file. */
function opensslVerify(text, signature, publicKeyFile) {
  const dir = mkdtempSync(join(tmpdir(), 'epay-v2-sig-'));
  try {
    writeFileSync(join(dir, 'sig'), Buffer.from(signature, 'base64'));
    const args = ['dgst', '-sha256', '-verify', publicKeyFile, '-signature', join(dir, 'sig')];
    return execFileSync('openssl', args, { input: text }).toString().trim() === 'Verified OK';
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let sb;
let shop;
let platformPem;
let seq = 0;

before(async () => {
  shop = await startReceiver();
  sb = await startSandbox({
    merchants: [...DEFAULT_MERCHANTS, {
      pid: RSA_ONLY_PID, key: RSA_ONLY_KEY, keyType: 'RSA',
      publicKey: rsaOnly.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    }],
    notifyRetryDelaysMs: [1100, 1100],
  });
  platformPem = (await (await fetch(`${sb.url}_sandbox/keys`)).json()).platformPublicKey;
});
after(async () => {
  await sb.close();
  await shop.close();
});
beforeEach(() => sb.state.reset());

/** A request to the sandbox (POST unless `method` says otherwise). */
const call = (path, { base = sb.url, method = 'POST', ...options } = {}) => fetchAnswer(base + path, { method, ...options });
const control = (method, path, json, base) => call(`_sandbox/${path}`, { method, json, base });

/**
 * A V2 request's fields: pid and a fresh timestamp added, signed with the
 * merchant key (`sign`: "rsa", "md5" or "none"); an override of undefined
 * removes the field.
 */
function v2Fields(fields = {}, { sign = 'rsa', pem = MERCHANT_PEM, key = KEY } = {}) {
  const f = { pid: String(PID), timestamp: String(nowSec()), ...fields };
  for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
  if (sign === 'rsa') return { ...f, sign: rsaSign(f, pem), sign_type: 'RSA' };
  if (sign === 'md5') return { ...f, sign: md5Sign(f, key), sign_type: 'MD5' };
  return f;
}
const v2 = (route, fields, options, base) => call(`api/${route}`, { form: v2Fields(fields, options), base });

/** pay/create fields; an override of undefined removes the field. */
function orderFields(over = {}) {
  const out = `V2T${Date.now()}_${++seq}`;
  return {
    type: 'alipay', out_trade_no: out, notify_url: `${shop.url}n/${out}`, return_url: `${shop.url}r/${out}`,
    name: 'V2会员', money: '2.50', clientip: '127.0.0.1', method: 'jump', device: 'pc', ...over,
  };
}
async function createOrder(over, options, base) {
  const fields = orderFields(over);
  const r = await v2('pay/create', fields, options, base);
  assert.equal(r.body?.code, 0, r.text);
  return { fields, trade_no: r.body.trade_no, answer: r, notifyPath: new URL(fields.notify_url).pathname };
}
async function paidOrder(over, pay = {}) {
  const o = await createOrder(over);
  const paid = await control('POST', `orders/${o.trade_no}/pay`, pay);
  assert.equal(paid.status, 200, paid.text);
  return { ...o, return_url: paid.body.return_url };
}

/**
 * Asserts the answer is signed by the platform key from GET _sandbox/keys
 * (verified with node:crypto), and that one changed byte (in the signed
 * timestamp, or in the signature) makes it fail.
 */
function assertSigned(r, key = platformPem) {
  assert.equal(r.status, 200);
  const b = r.body;
  assert.ok(b, `not JSON: ${r.text}`);
  assert.deepEqual(Object.keys(b).slice(-3), ['timestamp', 'sign_type', 'sign'], r.text);
  assert.match(b.timestamp, /^\d{10}$/);
  assert.ok(Math.abs(Number(b.timestamp) - sb.state.now()) <= 2, 'timestamp is the sandbox clock');
  assert.equal(b.sign_type, 'RSA');
  assert.equal(rsaVerify(b, key), true, `signature of ${r.text}`);
  const last = b.timestamp.at(-1);
  const changed = JSON.parse(r.text.replace(`"timestamp":"${b.timestamp}"`, `"timestamp":"${b.timestamp.slice(0, -1)}${last === '1' ? '2' : '1'}"`));
  assert.equal(rsaVerify(changed, key), false, 'a changed timestamp digit fails');
  const sig = Buffer.from(b.sign, 'base64');
  sig[10] ^= 1;
  assert.equal(rsaVerify({ ...b, sign: sig.toString('base64') }, key), false, 'a changed signature byte fails');
}

/** Asserts an unsigned thrown error, exactly as v3096 writes it. */
function assertThrown(r, code, msg) {
  assert.deepEqual([r.status, r.type, r.text], [200, JSON_TYPE, JSON.stringify({ code, msg })]);
}

/** The JSON type of each field, in order: the shape compared with a capture. */
const shape = (o) => Object.entries(o).map(([k, v]) => [k, v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v]);
const capture = (name) => JSON.parse(readFileSync(join(CAPTURES, 'v2', `${name}.json`), 'utf8'));
const captureBody = (name) => JSON.parse(capture(name).body);

// ---------------------------------------------------------------- keys and known answers

test('keys: GET _sandbox/keys serves the platform public key of keys/, PEM and base64; the committed pairs match', async () => {
  const r = await control('GET', 'keys');
  assert.equal(r.status, 200);
  const file = readFileSync(join(KEYS, 'platform-public.pem'), 'utf8');
  assert.equal(r.body.platformPublicKey.trim(), file.trim());
  assert.equal(sb.platformPublicKey, r.body.platformPublicKey);
  const der = createPublicKey(file).export({ type: 'spki', format: 'der' });
  assert.equal(r.body.platformPublicKeyBase64, der.toString('base64'));
  // openssl derives each committed public key from its private key.
  for (const [priv, pub] of [['platform.pem', 'platform-public.pem'], ['merchant-1005.pem', 'merchant-1005-public.pem']]) {
    const derived = execFileSync('openssl', ['pkey', '-in', join(KEYS, priv), '-pubout']).toString();
    assert.equal(derived, readFileSync(join(KEYS, pub), 'utf8'), priv);
    assert.match(execFileSync('openssl', ['pkey', '-in', join(KEYS, priv), '-noout', '-text']).toString(), /Private-Key: \(2048 bit/);
  }
  assert.deepEqual(TEST_KEY_FILES, {
    platformPrivateKey: join(KEYS, 'platform.pem'), platformPublicKey: join(KEYS, 'platform-public.pem'),
    merchant1005PrivateKey: join(KEYS, 'merchant-1005.pem'), merchant1005PublicKey: join(KEYS, 'merchant-1005-public.pem'),
  });
  assert.equal(DEFAULT_MERCHANTS[0].publicKey, readFileSync(join(KEYS, 'merchant-1005-public.pem'), 'utf8'));
});

test('known answer: requests signed by openssl over fixed sign strings are accepted; the answer verifies with openssl', async () => {
  // The sandbox clock set to the fixed timestamp of the v3096 captures.
  const offsetSec = FIXED_TS - nowSec();
  assert.equal((await control('POST', 'clock', { offsetSec })).status, 200);
  const merchantKey = join(KEYS, 'merchant-1005.pem');

  const info = `pid=1005&timestamp=${FIXED_TS}`;
  const ok = await call('api/merchant/info', { form: { pid: '1005', timestamp: String(FIXED_TS), sign: opensslSign(info, merchantKey), sign_type: 'RSA' } });
  assert.equal(ok.body?.code, 0, ok.text);
  assertSigned(ok);
  assert.equal(opensslVerify(signText(ok.body), ok.body.sign, join(KEYS, 'platform-public.pem')), true, 'openssl verifies the answer');

  // Chinese, quotes, "&" and "=" inside a value: signed raw, not url-encoded.
  const fields = {
    pid: '1005', timestamp: String(FIXED_TS), type: 'alipay', out_trade_no: 'KA1796193661', notify_url: 'http://127.0.0.1:9/n',
    return_url: 'http://127.0.0.1:9/r', name: '会员 "VIP" a&b=c', money: '1.00', clientip: '127.0.0.1', method: 'jump',
  };
  const text = 'clientip=127.0.0.1&method=jump&money=1.00&name=会员 "VIP" a&b=c&notify_url=http://127.0.0.1:9/n'
    + '&out_trade_no=KA1796193661&pid=1005&return_url=http://127.0.0.1:9/r&timestamp=1796193661&type=alipay';
  assert.equal(signText(fields), text, 'the test\'s sign string is the one written out');
  const sign = opensslSign(text, merchantKey);
  const created = await call('api/pay/create', { form: { ...fields, sign, sign_type: 'RSA' } });
  assert.equal(created.body?.code, 0, created.text);
  assertSigned(created);
  assert.equal(opensslVerify(signText(created.body), created.body.sign, join(KEYS, 'platform-public.pem')), true);
  assert.equal((await control('GET', `orders/${created.body.trade_no}`)).body.name, '会员 "VIP" a&b=c');

  const bad = Buffer.from(sign, 'base64');
  bad[0] ^= 1;
  assertThrown(await call('api/pay/create', { form: { ...fields, out_trade_no: 'KA2', sign: bad.toString('base64'), sign_type: 'RSA' } }),
    -3, 'RSA签名校验失败');
});

test('captures: the test\'s sign string verifies every signed v3096 capture with its platform key', () => {
  const key = readFileSync(join(CAPTURES, 'platform_public_key.pem'), 'utf8');
  let checked = 0;
  for (const file of readdirSync(join(CAPTURES, 'v2')).filter((f) => f.endsWith('.json'))) {
    const c = JSON.parse(readFileSync(join(CAPTURES, 'v2', file), 'utf8'));
    const signed = c.body ? JSON.parse(c.body) : Object.fromEntries(new URLSearchParams(c.query_string));
    if (!signed.sign) continue;
    assert.equal(rsaVerify(signed, key), true, file);
    checked += 1;
  }
  assert.equal(checked, 13);
});

/**
 * Sends a capture's request to the sandbox: its fields with pid 1005, its
 * timestamp moved to now (a stale one stays as stale), `over` applied (undefined
 * removes a field), signed anew with merchant 1005's key, or with the
 * capture's own signature if `resign` is false.
 */
function replay(name, over = {}, { resign = true } = {}) {
  const { request } = capture(name);
  const { sign, sign_type, ...form } = request.form;
  const fields = { ...form, pid: String(PID), ...over };
  if (form.timestamp) fields.timestamp = String(nowSec() + Number(form.timestamp) - FIXED_TS);
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  const signed = resign ? { ...fields, sign: rsaSign(fields), sign_type: 'RSA' } : { ...fields, sign, sign_type };
  return call(request.path, { method: request.method, form: signed });
}

test('captures: every v3096 V2 capture replayed on the sandbox answers the same status, content type, fields, order and JSON types', async () => {
  const out = `FV${Date.now()}`;
  const urls = { notify_url: `${shop.url}n/${out}`, return_url: `${shop.url}r/${out}` };
  let web;
  let jump;
  const replays = [
    ['pay_create_web', async () => { const r = await replay('pay_create_web', { ...urls, out_trade_no: out }); web = r.body.trade_no; return r; }],
    ['pay_query_unpaid', () => replay('pay_query_unpaid', { out_trade_no: out })],
    ['pay_create_jump', async () => { const r = await replay('pay_create_jump', { ...urls, out_trade_no: `${out}J` }); jump = r.body.trade_no; return r; }],
    ['pay_close_unsupported', () => replay('pay_close_unsupported', { out_trade_no: `${out}J` })],
    ['pay_query_paid', async () => {
      assert.equal((await control('POST', `orders/${web}/pay`, { buyer: null })).status, 200);
      return replay('pay_query_paid', { trade_no: web });
    }],
    ['pay_refund_ok', () => replay('pay_refund_ok', { trade_no: web, out_refund_no: `RF${out}` })],
    ['pay_refund_same_out_refund_no', () => replay('pay_refund_same_out_refund_no', { trade_no: web, out_refund_no: `RF${out}` })],
    ['pay_refundquery', () => replay('pay_refundquery', { out_refund_no: `RF${out}` })],
    ['pay_query_refunded', () => replay('pay_query_refunded', { trade_no: web })],
    ['merchant_info', () => replay('merchant_info')],
    ['merchant_orders', async () => {
      // The capture's first row is a V1 order without a type, newer than the V2 one.
      const v1 = { pid: String(PID), out_trade_no: `${out}c`, ...urls, name: 'VIP会员 fixture', money: '1.00', param: 'p1' };
      assert.equal((await call('submit.php', { form: { ...v1, sign: md5Sign(v1), sign_type: 'MD5' } })).status, 302);
      return replay('merchant_orders');
    }],
    ['merchant_orders_empty', () => replay('merchant_orders_empty')],
    ['error_bad_sign', () => replay('error_bad_sign', {}, { resign: false })],
    ['error_no_timestamp', () => replay('error_no_timestamp')],
    ['error_stale_timestamp', () => replay('error_stale_timestamp')],
    ['error_unknown_order', () => replay('error_unknown_order', { out_trade_no: `NOPE${out}` })],
  ];
  const files = readdirSync(join(CAPTURES, 'v2')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).filter((f) => f !== 'notify').sort();
  assert.deepEqual(replays.map(([name]) => name).sort(), files, 'a replay for every capture');
  for (const [name, run] of replays) {
    const c = capture(name);
    const r = await run();
    const expected = JSON.parse(c.body);
    assert.deepEqual([r.status, r.type], [c.status, c.content_type], name);
    assert.deepEqual(shape(r.body), shape(expected), `${name}: ${r.text}`);
    if (expected.data) assert.deepEqual(r.body.data.map(shape), expected.data.map(shape), `${name} rows`);
    if (expected.sign) assertSigned(r);
    else assert.equal(r.text, c.body, `${name}: the same unsigned error`);
  }
  assert.equal((await control('GET', `orders/${jump}`)).body.state, 'unpaid', 'close unsupported left it open');
  // The notify of the paid order, as the capture notify.json.
  const [hit] = await waitFor(() => { const h = shop.hits(`/n/${out}`); return h.length && h; }, 'the notify');
  const captured = new URLSearchParams(JSON.parse(readFileSync(join(CAPTURES, 'v2', 'notify.json'), 'utf8')).query_string);
  assert.deepEqual(Object.keys(hit.fields), [...captured.keys()]);
  assert.deepEqual([hit.fields.money, hit.fields.trade_status, hit.fields.sign_type], [captured.get('money'), 'TRADE_SUCCESS', 'RSA']);
  assert.equal(rsaVerify(hit.fields, platformPem), true);
});

// ---------------------------------------------------------------- requests: timestamp, signature, merchant

test('timestamp: missing or "0" and stale or future answer the captures\' unsigned -3; within ±300 s accepted', async () => {
  const noTs = captureBody('error_no_timestamp');
  const stale = captureBody('error_stale_timestamp');
  for (const timestamp of [undefined, '', '0']) {
    const r = await v2('merchant/info', { timestamp });
    assert.equal(r.text, capture('error_no_timestamp').body, String(timestamp));
    assertThrown(r, noTs.code, noTs.msg);
  }
  for (const timestamp of [nowSec() - 305, nowSec() + 305, `${Date.now()}`, 'abc', `${nowSec()}.5`]) {
    const r = await v2('merchant/info', { timestamp: String(timestamp) });
    assert.equal(r.text, capture('error_stale_timestamp').body, String(timestamp));
    assertThrown(r, stale.code, stale.msg);
  }
  for (const timestamp of [nowSec() - 290, nowSec() + 290]) {
    assertSigned(await v2('merchant/info', { timestamp: String(timestamp) }));
  }
  // The sandbox clock moved back 1000 s: real time is now stale, its time accepted.
  const clock = await control('POST', 'clock', { offsetSec: -1000 });
  assert.deepEqual([clock.body.offsetSec, Math.abs(clock.body.now - (nowSec() - 1000)) <= 1], [-1000, true]);
  assertThrown(await v2('merchant/info'), stale.code, stale.msg);
  const shifted = await v2('merchant/info', { timestamp: String(nowSec() - 1000) });
  assertSigned(shifted);
  assert.ok(Math.abs(Number(shifted.body.timestamp) - (nowSec() - 1000)) <= 1, 'answers carry the sandbox clock');
  sb.state.reset();
  assert.equal((await control('GET', 'clock')).body.offsetSec, 0, 'reset restores the clock');
  assert.equal((await control('POST', 'clock', { offsetSec: 1.5 })).status, 400);
});

test('signature: the bad-sign capture and every broken signature are the unsigned -3 RSA签名校验失败', async () => {
  const c = capture('error_bad_sign');
  const r = await call('api/merchant/info', { form: { ...c.request.form, pid: String(PID), timestamp: String(nowSec()) } });
  assert.equal(r.text, c.body);
  const f = v2Fields();
  const cases = [
    { ...f, timestamp: String(Number(f.timestamp) - 1) }, // a signed field changed
    { ...f, extra: 'x' }, // an unsigned field added
    v2Fields({}, { pem: RSA_ONLY_PEM }), // another merchant's key
    { ...f, sign: '' },
    { ...f, sign: undefined },
    { ...f, sign: 'not base64 at all!' },
  ];
  for (const form of cases) {
    for (const k of Object.keys(form)) if (form[k] === undefined) delete form[k];
    assertThrown(await call('api/merchant/info', { form }), -3, 'RSA签名校验失败');
  }
});

test('signature: MD5 with the KEY is accepted from an MD5+RSA merchant; a failure names the sign_type', async () => {
  assertSigned(await v2('merchant/info', {}, { sign: 'md5' }));
  const noType = v2Fields({}, { sign: 'md5' });
  delete noType.sign_type;
  assertSigned(await call('api/merchant/info', { form: noType }));
  assertThrown(await v2('merchant/info', {}, { sign: 'md5', key: 'wrong' }), -3, 'MD5签名校验失败');
  // Any sign_type but RSA is checked as MD5, as v3096 does, and named in the failure.
  assertSigned(await call('api/merchant/info', { form: { ...v2Fields({}, { sign: 'md5' }), sign_type: 'HMAC' } }));
  assertThrown(await call('api/merchant/info', { form: { ...v2Fields({}, { sign: 'md5', key: 'wrong' }), sign_type: 'HMAC' } }),
    -3, 'HMAC签名校验失败');
});

test('merchant and route errors: -4 no pid in the body, -1 pid, -5 routes, banned merchants', async () => {
  assertThrown(await call('api/merchant/info', { form: {} }), -4, '未传入任何参数');
  assertThrown(await call(`api/merchant/info?${new URLSearchParams(v2Fields())}`, { form: {} }), -4, '未传入任何参数');
  assertThrown(await call(`api/pay/query?${new URLSearchParams(v2Fields())}`, { method: 'GET' }), -4, '未传入任何参数');
  assertThrown(await call('api/pay/create', { method: 'GET' }), -4, '未传入任何参数');
  for (const pid of ['', '0', 'abc']) assertThrown(await v2('merchant/info', { pid }), -1, '商户ID不能为空');
  assertThrown(await v2('merchant/info', { pid: '4242' }), -1, '商户不存在！');
  assertThrown(await v2('pay/nope', {}), -5, '接口方法不存在');
  assertThrown(await v2('transfer/submit', {}), -5, '接口方法不存在');
  assertThrown(await call('api/pay', { form: v2Fields() }), -5, 'URL Error!');
  assertThrown(await call('api/pay/query/', { form: v2Fields() }), -5, 'URL Error!');

  const box = await startSandbox({ merchants: [{ ...DEFAULT_MERCHANTS[0], active: 0 }] });
  try {
    assertThrown(await v2('merchant/info', {}, { pem: RSA_ONLY_PEM }, box.url), -1, '商户已被封禁');
    assertThrown(await v2('pay/create', orderFields(), { pem: RSA_ONLY_PEM }, box.url), -3, 'RSA签名校验失败');
    assertThrown(await v2('pay/create', orderFields(), {}, box.url), -1, '商户已被封禁，无法支付！');
  } finally {
    await box.close();
  }
});

test('RSA-only merchant: MD5 refused everywhere (V1 mapi.php, submit.php, api.php; V2), RSA accepted', async () => {
  const pid = String(RSA_ONLY_PID);
  const v1 = { pid, type: 'alipay', out_trade_no: `R${Date.now()}`, notify_url: `${shop.url}n/r`, return_url: `${shop.url}r/r`,
    name: 'x', money: '1.00', clientip: '127.0.0.1', device: 'jump' };
  const md5 = { ...v1, sign: md5Sign(v1, RSA_ONLY_KEY), sign_type: 'MD5' };
  const mapi = await call('mapi.php', { form: md5 });
  assert.deepEqual([mapi.type, mapi.text], [JSON_TYPE, '{"code":-3,"msg":"该商户只能使用RSA签名类型"}']);
  const { sign_type: _, ...noType } = md5;
  assert.deepEqual((await call('mapi.php', { form: noType })).body, { code: -3, msg: '该商户只能使用RSA签名类型' });
  const submit = await call('submit.php', { form: md5 });
  assert.deepEqual([submit.status, submit.body], [200, undefined]);
  assert.match(submit.text, /id="error">该商户只能使用RSA签名类型</);
  const query = await call(`api.php?act=query&pid=${pid}&key=${RSA_ONLY_KEY}`, { method: 'GET' });
  assert.deepEqual(query.body, { code: -3, msg: '该商户只能使用RSA签名类型' });
  assert.deepEqual((await call(`api.php?act=query&pid=${pid}&key=bad`, { method: 'GET' })).body.msg, '商户密钥错误', 'the key is checked first');

  const opts = { pem: RSA_ONLY_PEM, key: RSA_ONLY_KEY };
  assertThrown(await v2('merchant/info', { pid }, { ...opts, sign: 'md5' }), -3, '该商户只能使用RSA签名类型');
  assertThrown(await v2('merchant/info', { pid, timestamp: undefined }, { ...opts, sign: 'md5' }), -3, '该商户只能使用RSA签名类型');
  const info = await v2('merchant/info', { pid }, opts);
  assertSigned(info);
  assert.equal(info.body.pid, RSA_ONLY_PID);
  // V1 with sign_type=RSA (no timestamp needed).
  const rsaV1 = await call('mapi.php', { form: { ...v1, sign: rsaSign(v1, RSA_ONLY_PEM), sign_type: 'RSA' } });
  assert.equal(rsaV1.body?.code, 1, rsaV1.text);
});

test('V1 orders accept sign_type=RSA from an MD5+RSA merchant too, and keep MD5 notifies', async () => {
  const v1 = { pid: String(PID), type: 'alipay', out_trade_no: `V1R${Date.now()}`, notify_url: `${shop.url}n/v1rsa`,
    return_url: `${shop.url}r/v1rsa`, name: 'x', money: '1.00', clientip: '127.0.0.1', device: 'jump' };
  const ok = await call('mapi.php', { form: { ...v1, sign: rsaSign(v1), sign_type: 'RSA' } });
  assert.equal(ok.body?.code, 1, ok.text);
  assert.deepEqual((await call('mapi.php', { form: { ...v1, money: '2.00', sign: rsaSign(v1), sign_type: 'RSA' } })).body,
    { code: -3, msg: 'RSA签名校验失败' });
  await control('POST', `orders/${ok.body.trade_no}/pay`);
  const [hit] = await waitFor(() => { const h = shop.hits('/n/v1rsa'); return h.length && h; }, 'the V1 notify');
  assert.equal(hit.fields.sign_type, 'MD5');
  assert.equal(hit.fields.sign, md5Sign(hit.fields));
  assert.ok(!('timestamp' in hit.fields));
});

// ---------------------------------------------------------------- pay/create and pay/submit

test('pay/create: method=jump is the capture\'s text/html answer with \\/ escapes, pay_info the V2 cashier', async () => {
  const o = await createOrder();
  const r = o.answer;
  assert.deepEqual([r.status, r.type], [200, HTML_TYPE]);
  assert.deepEqual(shape(r.body), shape(captureBody('pay_create_jump')));
  assertSigned(r);
  assert.deepEqual([r.body.pay_type, r.body.pay_info], ['jump', `${sb.url}pay/submit/${o.trade_no}/`]);
  assert.match(r.body.trade_no, /^\d{19}$/);
  assert.ok(r.text.includes(`"pay_info":"${r.body.pay_info.replaceAll('/', '\\/')}"`), 'json_encode escapes "/"');
  // The cashier works in a browser: the page, then its Pay button.
  const page = await call(r.body.pay_info.slice(sb.url.length), { method: 'GET' });
  assert.equal(page.status, 200);
  assert.match(page.text, /<button id="pay"/);
  assert.match(page.text, /V2会员/);
  const action = /<form id="payform" method="post" action="([^"]+)"/.exec(page.text)[1];
  const paid = await call(action.slice(sb.url.length), { form: {} });
  assert.equal(paid.status, 302);
  assert.ok(paid.headers.get('location').startsWith(o.fields.return_url));
  assert.equal((await control('GET', `orders/${o.trade_no}`)).body.state, 'paid');
});

test('pay/create: non-ASCII in an answer is \\uXXXX-escaped, and signed over the decoded text', async () => {
  const box = await startSandbox({ publicUrl: 'http://127.0.0.1:9/沙箱/' });
  try {
    const r = (await createOrder({}, {}, box.url)).answer;
    assert.equal(r.type, HTML_TYPE);
    assert.ok(r.text.includes('\\/\\u6c99\\u7bb1\\/pay\\/submit\\/'), r.text);
    assert.match(r.body.pay_info, /^http:\/\/127\.0\.0\.1:9\/沙箱\/pay\/submit\/\d+\/$/);
    assert.equal(rsaVerify(r.body, box.platformPublicKey), true);
  } finally {
    await box.close();
  }
});

test('pay/create: pay_type per method, device and type', async () => {
  const cashier = (r) => `${sb.url}pay/${r.body.trade_no}`;
  const cases = [
    [{ method: 'web' }, 'jump', cashier], // as the capture pay_create_web: alipay web → jump
    [{ method: 'web', type: 'wxpay' }, 'qrcode', cashier],
    [{ method: 'web', type: 'qqpay', device: undefined }, 'qrcode', cashier], // device defaults to pc
    [{ method: 'web', type: 'wxpay', device: 'mobile' }, 'jump', cashier],
    [{ method: undefined, type: 'wxpay', device: 'wechat' }, 'jump', cashier], // method defaults to web
    [{ method: 'web', device: 'jump' }, 'jump', (r) => `${sb.url}pay/submit/${r.body.trade_no}/`], // device jump forces method jump
    [{ method: 'jsapi', sub_openid: 'o1' }, 'jsapi', cashier],
    [{ method: 'jsapi', type: 'wxpay', sub_openid: 'o1', sub_appid: 'wx1' }, 'jsapi', cashier],
    [{ method: 'app', device: 'app' }, 'app', cashier],
    [{ method: 'applet', type: 'wxpay' }, 'wxapp', cashier],
    [{ method: 'scan', auth_code: '134567890123456789' }, 'scan', cashier],
    [{ method: 'web', type: 'bitcoin' }, 'jump', cashier], // unknown type: the cashier lets the buyer choose
  ];
  for (const [over, payType, payInfo] of cases) {
    const r = await v2('pay/create', orderFields(over));
    assert.equal(r.body?.code, 0, `${JSON.stringify(over)}: ${r.text}`);
    assertSigned(r);
    assert.deepEqual([r.body.pay_type, r.body.pay_info], [payType, payInfo(r)], JSON.stringify(over));
  }
  const scanned = async (auth_code) => {
    const r = await v2('pay/create', orderFields({ method: 'scan', type: undefined, auth_code }));
    return r.body.code === 0 ? (await control('GET', `orders/${r.body.trade_no}`)).body.type : r.body;
  };
  assert.deepEqual([await scanned('134567890123456789'), await scanned('284567890123456789'), await scanned('914567890123456789')],
    ['wxpay', 'alipay', 'qqpay'], 'scan without type: the type from the code');
  assert.deepEqual(await scanned('554567890123456789'), { code: -1, msg: '未知的付款码类型' });
  const unknown = await v2('pay/create', orderFields({ type: 'bitcoin' }));
  const stored = (await control('GET', `orders/${unknown.body.trade_no}`)).body;
  assert.equal(stored.type, '');
  assert.match((await call(`pay/${stored.trade_no}`, { method: 'GET' })).text, /name="type" value="wxpay"/);
});

test('pay/create: errors are thrown -1 naming the field, unsigned JSON', async () => {
  const cases = [
    [{ out_trade_no: undefined }, '订单号(out_trade_no)不能为空'],
    [{ notify_url: '' }, '通知地址(notify_url)不能为空'],
    [{ name: undefined }, '商品名称(name)不能为空'],
    [{ money: undefined }, '金额(money)不能为空'],
    [{ clientip: undefined }, '用户IP地址(clientip)不能为空'],
    [{ type: undefined }, '支付方式(type)不能为空'],
    [{ money: '0' }, '金额不合法'],
    [{ money: '1.234' }, '金额不合法'],
    [{ out_trade_no: 'a b' }, '订单号(out_trade_no)格式不正确'],
    [{ clientip: '999.1.1.1' }, '用户IP地址(clientip)格式不正确'],
    [{ method: 'jsapi' }, 'jsapi支付时参数(sub_openid)不能为空'],
    [{ method: 'jsapi', type: 'wxpay', sub_openid: 'o1' }, 'jsapi支付时参数(sub_appid)不能为空'],
    [{ method: 'scan' }, '付款码支付时授权码(auth_code)不能为空'],
  ];
  for (const [over, msg] of cases) assertThrown(await v2('pay/create', orderFields(over)), -1, msg);
  for (const [over, field] of [[{ device: 'tv' }, 'device'], [{ method: 'nfc' }, 'method']]) {
    const r = await v2('pay/create', orderFields(over));
    assert.deepEqual([r.type, r.body.code, 'sign' in r.body], [JSON_TYPE, -1, false]);
    assert.match(r.body.msg, new RegExp(`\\(${field}\\)`));
  }
  assert.equal((await v2('pay/create', orderFields({ return_url: undefined }))).body.code, 0, 'return_url is optional');
});

test('pay/create: a retried out_trade_no gives the same trade_no; changed or paid is refused', async () => {
  const o = await createOrder();
  const again = await v2('pay/create', o.fields);
  assert.equal(again.body.trade_no, o.trade_no);
  assertSigned(again);
  assertThrown(await v2('pay/create', { ...o.fields, money: '9.99' }), -1,
    `该订单(${o.fields.out_trade_no})支付参数有变化，请更换订单号重新发起支付`);
  await control('POST', `orders/${o.trade_no}/pay`);
  assertThrown(await v2('pay/create', o.fields), -1, `该订单(${o.fields.out_trade_no})已完成支付，请勿重复发起支付`);
});

test('pay/submit: GET or POST jumps (302) to the V2 cashier; errors are the HTML error page, never JSON', async () => {
  const f = orderFields({ method: undefined, device: undefined, clientip: undefined, type: undefined });
  const viaGet = await call(`api/pay/submit?${new URLSearchParams(v2Fields(f))}`, { method: 'GET' });
  assert.equal(viaGet.status, 302);
  const location = viaGet.headers.get('location');
  assert.match(location, new RegExp(`^${sb.url}pay/submit/\\d{19}/$`));
  const page = await call(location.slice(sb.url.length), { method: 'GET' });
  assert.match(page.text, /name="type" value="alipay"/, 'no type: chosen at the cashier');
  const viaPost = await call('api/pay/submit', { form: v2Fields(orderFields()) });
  assert.equal(viaPost.status, 302);
  const stored = (await control('GET', 'orders')).body.orders;
  assert.deepEqual(stored.map((o) => [o.via, o.api]).sort(), [['pay/submit', 'v2'], ['pay/submit', 'v2']]);
  assert.equal((await control('GET', 'requests')).body['api/pay/submit'], 2);

  const errors = [
    [v2Fields(orderFields(), { pem: RSA_ONLY_PEM }), 'RSA签名校验失败'],
    [v2Fields(orderFields({ timestamp: String(nowSec() - 400) })), '时间戳字段不正确，请检查服务器时间'],
    [v2Fields(orderFields({ money: 'x' })), '金额不合法'],
    [v2Fields(orderFields({ return_url: undefined })), '回调地址(return_url)不能为空'],
  ];
  for (const [form, msg] of errors) {
    const r = await call('api/pay/submit', { form });
    assert.deepEqual([r.status, r.type, r.body], [200, HTML_TYPE, undefined], msg);
    assert.ok(r.text.includes(`<p id="error">${msg}</p>`), msg);
  }
  const nothing = await call('api/pay/submit', { method: 'GET' });
  assert.deepEqual([nothing.status, nothing.text], [200, '你还未配置支付接口商户！']);
});

// ---------------------------------------------------------------- pay/query

test('pay/query: unpaid, paid and refunded as the captures (empty fields dropped); errors thrown', async () => {
  const o = await createOrder({ param: 'p2' });
  const unpaid = await v2('pay/query', { out_trade_no: o.fields.out_trade_no });
  assertSigned(unpaid);
  assert.deepEqual(shape(unpaid.body), shape(captureBody('pay_query_unpaid')));
  assert.deepEqual([unpaid.body.trade_no, unpaid.body.pid, unpaid.body.status, unpaid.body.money, unpaid.body.param],
    [o.trade_no, PID, 0, '2.50', 'p2']);

  await control('POST', `orders/${o.trade_no}/pay`, { buyer: null });
  const paid = await v2('pay/query', { trade_no: o.trade_no, out_trade_no: 'ignored' });
  assertSigned(paid);
  assert.deepEqual(shape(paid.body), shape(captureBody('pay_query_paid')));
  assert.equal(paid.body.status, 1);

  assert.equal((await v2('pay/refund', { trade_no: o.trade_no, money: '1.00' })).body.code, 0);
  const refunded = await v2('pay/query', { trade_no: o.trade_no });
  assertSigned(refunded);
  assert.deepEqual(shape(refunded.body), shape(captureBody('pay_query_refunded')));
  assert.deepEqual([refunded.body.status, refunded.body.refundmoney], [2, '1.00']);

  const withBuyer = await paidOrder({}, { buyer: 'b@example.com' });
  assert.equal((await v2('pay/query', { trade_no: withBuyer.trade_no })).body.buyer, 'b@example.com');

  assertThrown(await v2('pay/query', {}), -1, '订单号不能为空');
  const missing = await v2('pay/query', { out_trade_no: 'NOPE' });
  assert.equal(missing.text, capture('error_unknown_order').body);
  assertThrown(await v2('pay/query', { trade_no: '12345678901234567890' }), -1, '订单号不存在');
  assertThrown(await v2('pay/query', { pid: String(RSA_ONLY_PID), trade_no: o.trade_no }, { pem: RSA_ONLY_PEM }), -1, '订单号不存在');
});

// ---------------------------------------------------------------- pay/refund and pay/refundquery

test('pay/refund: as the capture; de-duplicated on out_refund_no (same refund_no, the capture\'s answer)', async () => {
  const o = await paidOrder({ money: '2.50' });
  const first = await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: `RF${o.fields.out_trade_no}` });
  assertSigned(first);
  assert.deepEqual(shape(first.body), shape(captureBody('pay_refund_ok')));
  assert.match(first.body.refund_no, /^\d{19}$/);
  assert.deepEqual([first.body.out_refund_no, first.body.trade_no, first.body.out_trade_no, first.body.uid, first.body.money,
    first.body.reducemoney, first.body.msg], [`RF${o.fields.out_trade_no}`, o.trade_no, o.fields.out_trade_no, PID, '1.00', '1.00',
    '退款成功！退款金额¥1.00']);

  const again = await v2('pay/refund', { out_trade_no: o.fields.out_trade_no, money: '1.00', out_refund_no: `RF${o.fields.out_trade_no}` });
  assertSigned(again);
  assert.deepEqual(shape(again.body), shape(captureBody('pay_refund_same_out_refund_no')));
  assert.deepEqual([again.body.code, again.body.refund_no, again.body.msg], [0, first.body.refund_no, '已存在相同退款单号！退款金额¥1.00']);
  const other = await paidOrder();
  const elsewhere = await v2('pay/refund', { trade_no: other.trade_no, money: '0.01', out_refund_no: `RF${o.fields.out_trade_no}` });
  assert.deepEqual([elsewhere.body.refund_no, elsewhere.body.trade_no, elsewhere.body.money], [first.body.refund_no, o.trade_no, '1.00'],
    'whatever the order and money of the retry');
  const stored = (await control('GET', `orders/${o.trade_no}`)).body;
  assert.deepEqual([stored.refunds.length, stored.refundmoney, stored.status], [1, '1.00', 2], 'refunded once');
  assert.equal((await control('GET', `orders/${other.trade_no}`)).body.refunds.length, 0);
});

test('pay/refund: out_refund_no missing or of 5 bytes or fewer is not de-duplicated and becomes the refund_no', async () => {
  const o = await paidOrder({ money: '5.00' });
  const refunds = [];
  for (const out_refund_no of [undefined, 'R1234', 'R1234']) {
    const r = await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no });
    assertSigned(r);
    assert.equal(r.body.msg, '退款成功！退款金额¥1.00');
    assert.equal(r.body.out_refund_no, r.body.refund_no);
    refunds.push(r.body.refund_no);
  }
  assert.equal(new Set(refunds).size, 3);
  assert.equal((await control('GET', `orders/${o.trade_no}`)).body.refundmoney, '3.00');
  const six = await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: 'R12345' });
  assert.equal((await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: 'R12345' })).body.refund_no, six.body.refund_no);
});

test('pay/refund: thrown and signed refusals', async () => {
  const o = await paidOrder({ money: '2.00' });
  const unpaid = await createOrder();
  for (const money of [undefined, 'abc', '0', '-1', '1.234', '1e2']) {
    assertThrown(await v2('pay/refund', { trade_no: o.trade_no, money }), -1, '金额输入错误');
  }
  assertThrown(await v2('pay/refund', { money: '1' }), -1, '订单号不能为空');
  assertThrown(await v2('pay/refund', { out_trade_no: 'NOPE', money: '1' }), -1, '当前订单不存在！');
  assertThrown(await v2('pay/refund', { trade_no: '1', money: '1' }), -1, '当前订单不存在！');
  const signedRefusal = async (fields, msg) => {
    const r = await v2('pay/refund', fields);
    assertSigned(r);
    assert.deepEqual([r.body.code, r.body.msg, Object.keys(r.body)], [-1, msg, ['code', 'msg', 'timestamp', 'sign_type', 'sign']]);
  };
  await signedRefusal({ trade_no: unpaid.trade_no, money: '1' }, '该订单状态不支持退款！');
  await signedRefusal({ trade_no: o.trade_no, money: '2.01' }, '退款金额不能大于剩余可退金额2.00元');
  assert.equal((await v2('pay/refund', { trade_no: o.trade_no, money: '2' })).body.code, 0);
  await signedRefusal({ trade_no: o.trade_no, money: '0.01' }, '该订单已全额退款！');
});

test('pay/refundquery: by out_refund_no (the capture) or refund_no, V1 refunds included; errors thrown', async () => {
  const o = await paidOrder();
  const refund = (await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: 'RQ-123456' })).body;
  const byOut = await v2('pay/refundquery', { out_refund_no: 'RQ-123456' });
  assertSigned(byOut);
  assert.deepEqual(shape(byOut.body), shape(captureBody('pay_refundquery')));
  assert.deepEqual([byOut.body.refund_no, byOut.body.trade_no, byOut.body.out_trade_no, byOut.body.uid, byOut.body.money, byOut.body.status],
    [refund.refund_no, o.trade_no, o.fields.out_trade_no, PID, '1.00', 1]);
  assert.match(byOut.body.addtime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const byNo = await v2('pay/refundquery', { refund_no: refund.refund_no, out_refund_no: 'ignored' });
  assert.deepEqual({ ...byNo.body, timestamp: 0, sign: 0 }, { ...byOut.body, timestamp: 0, sign: 0 });

  const v1 = await paidOrder();
  const v1Refund = await call('api.php?act=refund', { form: { pid: PID, key: KEY, trade_no: v1.trade_no, money: '0.50' } });
  const [recorded] = (await control('GET', `orders/${v1.trade_no}`)).body.refunds;
  assert.deepEqual(v1Refund.body, { code: 0, refund_no: recorded.refund_no, out_refund_no: recorded.refund_no, trade_no: v1.trade_no,
    out_trade_no: v1.fields.out_trade_no, uid: PID, money: '0.50', reducemoney: '0.50', msg: '退款成功！退款金额¥0.50' }, 'V1 answers as v3096');
  const viaV2 = await v2('pay/refundquery', { refund_no: recorded.refund_no });
  assert.deepEqual([viaV2.body.out_refund_no, viaV2.body.money], [recorded.refund_no, '0.50']);

  assertThrown(await v2('pay/refundquery', {}), -1, '商户退款单号不能为空');
  assertThrown(await v2('pay/refundquery', { refund_no: '1' }), -1, '退款记录不存在');
  assertThrown(await v2('pay/refundquery', { pid: String(RSA_ONLY_PID), refund_no: refund.refund_no }, { pem: RSA_ONLY_PEM }),
    -1, '退款记录不存在');
});

// ---------------------------------------------------------------- pay/close

test('pay/close: the capture\'s signed -1 by default; thrown errors for unknown and paid orders', async () => {
  const o = await createOrder();
  const r = await v2('pay/close', { out_trade_no: o.fields.out_trade_no });
  assertSigned(r);
  assert.deepEqual(shape(r.body), shape(captureBody('pay_close_unsupported')));
  assert.deepEqual([r.type, r.body.code, r.body.msg], [JSON_TYPE, -1, '当前支付插件不支持关闭订单']);
  assert.equal((await control('GET', `orders/${o.trade_no}`)).body.state, 'unpaid');
  assertThrown(await v2('pay/close', {}), -1, '订单号不能为空');
  assertThrown(await v2('pay/close', { trade_no: '1' }), -1, '订单号不存在');
  const paid = await paidOrder();
  assertThrown(await v2('pay/close', { trade_no: paid.trade_no }), -1, '订单已支付，无法关闭');
});

test('pay/close with closeSupported: closes an unpaid order, which then cannot be paid or created again', async () => {
  const box = await startSandbox({ closeSupported: true });
  try {
    const o = await createOrder({}, {}, box.url);
    const r = await v2('pay/close', { trade_no: o.trade_no }, {}, box.url);
    assert.equal(rsaVerify(r.body, box.platformPublicKey), true);
    assert.deepEqual([r.body.code, r.body.msg], [0, '订单已关闭']);
    assert.equal((await v2('pay/close', { trade_no: o.trade_no }, {}, box.url)).body.code, 0, 'closing again');
    const stored = (await control('GET', `orders/${o.trade_no}`, undefined, box.url)).body;
    assert.deepEqual([stored.state, stored.status], ['closed', 0]);
    assert.equal((await control('POST', `orders/${o.trade_no}/pay`, undefined, box.url)).status, 409);
    assert.match((await call(`pay/submit/${o.trade_no}/`, { method: 'GET', base: box.url })).text, /id="closed"/);
    assertThrown(await v2('pay/create', o.fields, {}, box.url), -1, `该订单(${o.fields.out_trade_no})已关闭，请更换订单号重新发起支付`);
  } finally {
    await box.close();
  }
  await assert.rejects(startSandbox({ closeSupported: 'yes' }), /closeSupported must be true or false/);
});

// ---------------------------------------------------------------- merchant/info and merchant/orders

test('merchant/info: the capture\'s fields and types (no settle_*); balance and day counters', async () => {
  const empty = await v2('merchant/info');
  assertSigned(empty);
  assert.deepEqual(shape(empty.body), shape(captureBody('merchant_info')));
  assert.deepEqual(empty.body, { ...empty.body, code: 0, pid: PID, status: 1, pay_status: 1, settle_status: 1, money: '0.00', order_num: 0,
    order_num_today: 0, order_num_lastday: 0, order_money_today: '0', order_money_lastday: '0' });
  const a = await paidOrder({ money: '2.50' });
  await paidOrder({ money: '0.03' });
  await createOrder({ money: '7.00' });
  await v2('pay/refund', { trade_no: a.trade_no, money: '1.00' });
  const info = (await v2('merchant/info')).body;
  assert.deepEqual([info.money, info.order_num, info.order_num_today, info.order_money_today, info.order_num_lastday],
    ['1.53', 3, 2, '2.53', 0]);
});

test('merchant/orders: the capture\'s rows (data unsigned), offset/limit (≤ 50, default 10)/status; empty page {code:0,data:[]}', async () => {
  // As the capture, newest first: a V1 submit.php order without a type, then a V2 order.
  const v2Order = await createOrder({ param: 'p2' });
  const v1 = { pid: String(PID), out_trade_no: `FX${Date.now()}`, notify_url: `${shop.url}n/fx`, return_url: `${shop.url}r/fx`,
    name: 'VIP会员 fixture', money: '1.00', param: 'p1' };
  assert.equal((await call('submit.php', { form: { ...v1, sign: md5Sign(v1), sign_type: 'MD5' } })).status, 302);
  const r = await v2('merchant/orders', { offset: '0', limit: '2' });
  assertSigned(r);
  const c = captureBody('merchant_orders');
  assert.deepEqual(shape(r.body), shape(c));
  assert.deepEqual(r.body.data.map(shape), c.data.map(shape), 'rows: names, order and JSON types');
  assert.deepEqual(r.body.data.map((o) => o.trade_no).sort(), [v2Order.trade_no, (await control('GET', 'orders')).body.orders
    .find((o) => o.via === 'submit').trade_no].sort());

  const emptyPage = await v2('merchant/orders', { offset: '10000000', limit: '2' });
  assertSigned(emptyPage);
  assert.deepEqual(shape(emptyPage.body), shape(captureBody('merchant_orders_empty')));
  assert.match(emptyPage.text, /^\{"code":0,"data":\[\],"timestamp":"\d{10}","sign_type":"RSA","sign":"[^"]+"\}$/);

  for (let i = 0; i < 50; i++) await createOrder();
  await control('POST', `orders/${v2Order.trade_no}/pay`);
  const list = async (fields) => (await v2('merchant/orders', fields)).body.data;
  assert.equal((await list({})).length, 10, 'default limit');
  assert.equal((await list({ limit: '100' })).length, 50);
  assert.equal((await list({ limit: '50', offset: '50' })).length, 2);
  const paid = await list({ status: '1' });
  assert.deepEqual(paid.map((o) => [o.trade_no, o.status]), [[v2Order.trade_no, 1]]);
  assert.equal((await list({ status: '0', limit: '50' })).length, 50);
  assert.deepEqual(await list({ status: '2' }), []);
  const [newest] = await list({ limit: '1' });
  const all = (await control('GET', 'orders')).body.orders;
  assert.equal(newest.trade_no, all.map((o) => o.trade_no).sort().at(-1), 'newest first');
});

test('persist: V2 orders and refunds survive a restart (query, refundquery, de-dup, RSA notify)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epay-sandbox-v2-persist-'));
  const persist = join(dir, 'orders.json');
  try {
    let box = await startSandbox({ persist });
    const o = await createOrder({}, {}, box.url);
    await control('POST', `orders/${o.trade_no}/pay`, undefined, box.url);
    await waitFor(async () => (await control('GET', `orders/${o.trade_no}`, undefined, box.url)).body.notify.status === 'success', 'ack');
    const refund = (await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: 'PERSIST-1' }, {}, box.url)).body;
    await box.close();
    box = await startSandbox({ persist });
    try {
      assert.equal((await v2('pay/query', { trade_no: o.trade_no }, {}, box.url)).body.refundmoney, '1.00');
      assert.equal((await v2('pay/refundquery', { refund_no: refund.refund_no }, {}, box.url)).body.out_refund_no, 'PERSIST-1');
      const again = (await v2('pay/refund', { trade_no: o.trade_no, money: '1.00', out_refund_no: 'PERSIST-1' }, {}, box.url)).body;
      assert.deepEqual([again.refund_no, again.msg], [refund.refund_no, '已存在相同退款单号！退款金额¥1.00']);
      const fresh = (await v2('pay/refund', { trade_no: o.trade_no, money: '0.50' }, {}, box.url)).body;
      assert.notEqual(fresh.refund_no, refund.refund_no);
      await control('POST', `orders/${o.trade_no}/notify`, undefined, box.url);
      const hit = await waitFor(() => shop.hits(o.notifyPath)[1], 'the notify sent again after the restart');
      assert.deepEqual([hit.fields.sign_type, rsaVerify(hit.fields, box.platformPublicKey)], ['RSA', true]);
    } finally {
      await box.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- notifies and return redirects

test('notify: a V2 order paid through the control API gets an RSA notify, re-signed with a fresh timestamp on the retry', async () => {
  const o = await createOrder({ param: 'p2' });
  shop.reply(o.notifyPath, 'fail');
  const paid = await control('POST', `orders/${o.trade_no}/pay`, { buyer: null });
  const hits = await waitFor(() => { const h = shop.hits(o.notifyPath); return h.length === 2 && h; }, 'the notify and its retry');
  const captured = Object.keys(Object.fromEntries(new URLSearchParams(JSON.parse(readFileSync(join(CAPTURES, 'v2', 'notify.json'), 'utf8')).query_string)));
  for (const hit of hits) {
    assert.deepEqual(Object.keys(hit.fields), captured, 'the fields of the v3096 notify, in its order');
    assert.deepEqual([hit.fields.pid, hit.fields.trade_no, hit.fields.money, hit.fields.trade_status, hit.fields.param, hit.fields.sign_type],
      [String(PID), o.trade_no, '2.5', 'TRADE_SUCCESS', 'p2', 'RSA']);
    assert.equal(rsaVerify(hit.fields, platformPem), true, 'verifies with the platform key');
    assert.ok(Math.abs(Number(hit.fields.timestamp) - hit.receivedSec) <= 1, 'timestamped when sent');
    assert.equal(rsaVerify({ ...hit.fields, money: '2.6' }, platformPem), false);
  }
  assert.ok(Number(hits[1].fields.timestamp) > Number(hits[0].fields.timestamp), 'the retry carries a fresh timestamp');
  assert.notEqual(hits[1].fields.sign, hits[0].fields.sign);
  const stored = await waitFor(async () => { const s = (await control('GET', `orders/${o.trade_no}`)).body; return s.notify.status === 'success' && s; }, 'ack');
  assert.deepEqual(stored.notify.attempts.map((a) => a.body), ['fail', 'success']);

  // The return redirect is signed the same way.
  const back = new URL(paid.body.return_url);
  assert.equal(`${back.origin}${back.pathname}`, o.fields.return_url);
  const fields = Object.fromEntries(back.searchParams);
  assert.deepEqual([fields.sign_type, rsaVerify(fields, platformPem)], ['RSA', true]);
  assert.ok(Math.abs(Number(fields.timestamp) - nowSec()) <= 3);
});

test('notify: buyer and api_trade_no signed when set; V2 orders from pay/submit too; a new round re-signs', async () => {
  const f = orderFields();
  assert.equal((await call('api/pay/submit', { form: v2Fields(f) })).status, 302);
  const [order] = (await control('GET', `orders?out_trade_no=${f.out_trade_no}`)).body.orders;
  await control('POST', `orders/${order.trade_no}/pay`, { buyer: 'buyer-1', api_trade_no: 'UP1' });
  const path = new URL(f.notify_url).pathname;
  const [hit] = await waitFor(() => { const h = shop.hits(path); return h.length && h; }, 'notify');
  assert.deepEqual([hit.fields.buyer, hit.fields.api_trade_no, rsaVerify(hit.fields, platformPem)], ['buyer-1', 'UP1', true]);
  assert.equal(rsaVerify({ ...hit.fields, buyer: 'buyer-2' }, platformPem), false);
  await control('POST', 'clock', { offsetSec: -600 });
  await control('POST', `orders/${order.trade_no}/notify`);
  const second = await waitFor(() => shop.hits(path)[1], 'the re-sent notify');
  assert.ok(Math.abs(Number(second.fields.timestamp) - (nowSec() - 600)) <= 1, 'signed with the sandbox clock: a stale notify');
  assert.equal(rsaVerify(second.fields, platformPem), true);
});

test('faults: targets api, api/<class>, api/<class>/<func>; lose_answer does the refund and drops the answer', async () => {
  const o = await paidOrder({ money: '3.00' });
  const fault = async (spec) => assert.equal((await control('POST', 'faults', spec)).status, 200);
  await fault({ target: 'api/pay/refund', kind: 'http500' });
  assert.equal((await v2('merchant/info')).body.code, 0, 'other routes untouched');
  assert.deepEqual([(await v2('pay/refund', { trade_no: o.trade_no, money: '1' })).status], [500]);
  await fault({ target: 'api/pay', kind: 'truncated_json' });
  assert.equal((await v2('merchant/info')).body.code, 0);
  assert.equal((await v2('pay/query', { trade_no: o.trade_no })).text, '{"code":1,"msg":"');
  await fault({ target: 'api', kind: 'drop' });
  await assert.rejects(v2('merchant/info'));

  await fault({ target: 'api/pay/refund', kind: 'lose_answer' });
  const refund = { trade_no: o.trade_no, money: '1.00', out_refund_no: 'LOST-123456' };
  await assert.rejects(v2('pay/refund', refund), 'the answer is lost');
  const retried = await v2('pay/refund', refund);
  assertSigned(retried);
  assert.match(retried.body.msg, /^已存在相同退款单号！/);
  assert.deepEqual((await control('GET', `orders/${o.trade_no}`)).body.refunds.map((r) => r.out_refund_no), ['LOST-123456']);
  assert.deepEqual((await control('GET', 'requests')).body, {
    'api/pay/create': 1, 'api/merchant/info': 3, 'api/pay/refund': 3, 'api/pay/query': 1,
  });

  await fault({ target: 'notify', kind: 'lose_answer' });
  const n = await createOrder();
  await control('POST', `orders/${n.trade_no}/pay`);
  const attempts = await waitFor(async () => {
    const s = (await control('GET', `orders/${n.trade_no}`)).body;
    return s.notify.status === 'success' && s.notify.attempts;
  }, 'the notify acknowledged on the retry', 8000);
  assert.match(attempts[0].error, /lose_answer/);
  assert.equal(shop.hits(n.notifyPath).length, 2, 'sent twice: the first answer was lost');
  for (const target of ['api/pay/refund/x', 'apis', 'api/']) {
    assert.equal((await control('POST', 'faults', { target, kind: 'http500' })).status, 400, target);
  }
});

// ---------------------------------------------------------------- configuration: keys, CLI, types

test('config: a platformKey of your own; merchant publicKey as PEM or base64; bad keys refused without echoing them', async () => {
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = platform.privateKey.export({ type: 'pkcs1', format: 'pem' });
  const box = await startSandbox({
    platformKey: pkcs1,
    merchants: [{ pid: PID, key: KEY, publicKey: readFileSync(join(KEYS, 'merchant-1005-public.pem'), 'utf8') }],
  });
  try {
    const keys = (await control('GET', 'keys', undefined, box.url)).body;
    assert.equal(keys.platformPublicKey, platform.publicKey.export({ type: 'spki', format: 'pem' }));
    const r = await v2('merchant/info', {}, {}, box.url);
    assert.equal(rsaVerify(r.body, keys.platformPublicKey), true);
    assert.equal(rsaVerify(r.body, platformPem), false, 'not the test key');
  } finally {
    await box.close();
  }
  const secret = platform.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const refusals = [
    [{ platformKey: platform.publicKey.export({ type: 'spki', format: 'pem' }) }, /platformKey: not a readable PEM private key/],
    [{ platformKey: 'MIIB' }, /platformKey: a PEM private key is required/],
    [{ merchants: [{ pid: 7, key: 'k', publicKey: secret }] }, /merchant 7: publicKey: a public key is required, not a private key/],
    [{ merchants: [{ pid: 7, key: 'k', publicKey: 'bm90IGEga2V5' }] }, /merchant 7: publicKey: not a PEM or base64 SPKI public key/],
    [{ merchants: [{ pid: 7, key: 'k', keyType: 'RSA' }] }, /merchant 7: keyType "RSA" needs a publicKey/],
    [{ merchants: [{ pid: 7, key: 'k', keyType: 'rsa' }] }, /merchant 7: keyType must be "MD5\+RSA" or "RSA"/],
    [{ clockOffsetSec: 1.5 }, /clockOffsetSec must be an integer/],
  ];
  for (const [options, message] of refusals) {
    const e = await startSandbox(options).then((s) => s.close().then(() => null), (err) => err);
    assert.match(e?.message ?? 'started', message);
    assert.ok(!e.message.includes('MII'), 'no key material in the message');
  }
});

/** Runs the CLI until it prints its gateway line (base) or exits (base null); resolves { base, out(), stop() }. */
async function runCli(args) {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--quiet', ...args]);
  let out = '';
  let gone = false;
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const exited = new Promise((r) => child.on('close', (code) => { gone = true; r(code); }));
  const base = await waitFor(() => /gateway at (http:\S+\/)/.exec(out)?.[1] ?? (gone && 'exited'), 'CLI start');
  return { base: base === 'exited' ? null : base, out: () => out, stop: () => { child.kill('SIGTERM'); return exited; } };
}

test('CLI: --help documents V2; --platform-key, --close-supported, --clock-offset and config publicKey/keyType', async () => {
  const help = await new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, '--help']);
    let text = '';
    p.stdout.on('data', (c) => { text += c; });
    p.on('close', () => resolve(text));
  });
  for (const word of ['api/pay/create', 'api/merchant/orders', '--platform-key', '--close-supported', '--clock-offset', '_sandbox/keys',
    'keyType', 'publicKey', 'lose_answer', 'merchant-1005.pem', '时间戳字段不正确']) {
    assert.ok(help.includes(word), word);
  }

  const dir = mkdtempSync(join(tmpdir(), 'epay-sandbox-v2-cli-'));
  try {
    const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'platform.pem'), platform.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ merchants: [{
      pid: RSA_ONLY_PID, key: RSA_ONLY_KEY, keyType: 'RSA', publicKey: rsaOnly.publicKey.export({ type: 'spki', format: 'pem' }),
    }] }));
    const cli = await runCli(['--config', join(dir, 'config.json'), '--platform-key', join(dir, 'platform.pem'), '--close-supported',
      '--clock-offset=-400']);
    try {
      assert.ok(cli.base, cli.out());
      const keys = (await control('GET', 'keys', undefined, cli.base)).body;
      assert.equal(keys.platformPublicKey, platform.publicKey.export({ type: 'spki', format: 'pem' }));
      const pid = String(RSA_ONLY_PID);
      const opts = { pem: RSA_ONLY_PEM, key: RSA_ONLY_KEY };
      assertThrown(await v2('merchant/info', { pid }, opts, cli.base), -3, '时间戳字段不正确，请检查服务器时间');
      const info = await v2('merchant/info', { pid, timestamp: String(nowSec() - 400) }, opts, cli.base);
      assert.equal(rsaVerify(info.body, keys.platformPublicKey), true);
      assertThrown(await v2('merchant/info', { pid, timestamp: String(nowSec() - 400) }, { ...opts, sign: 'md5' }, cli.base),
        -3, '该商户只能使用RSA签名类型');
      const o = await v2('pay/create', orderFields(), {}, cli.base);
      assert.equal(o.body.msg, '商户不存在！', 'the config replaces the default merchant');
      const created = await v2('pay/create', { ...orderFields(), pid, timestamp: String(nowSec() - 400) }, opts, cli.base);
      const closed = await v2('pay/close', { pid, trade_no: created.body.trade_no, timestamp: String(nowSec() - 400) }, opts, cli.base);
      assert.equal(closed.body.code, 0, closed.text);
      assert.ok(!cli.out().includes(RSA_ONLY_KEY) && !cli.out().includes('PRIVATE'), cli.out());
    } finally {
      assert.equal(await cli.stop(), 0);
    }
    writeFileSync(join(dir, 'junk.pem'), 'junk');
    const bad = await runCli(['--platform-key', join(dir, 'junk.pem')]);
    assert.equal(bad.base, null);
    assert.match(bad.out(), /^epay-sandbox: platformKey: a PEM private key is required\n/);
    assert.equal(await bad.stop(), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('types: the V2 options and exports type-check with tsc --strict', async () => {
  const dir = mkdtempSync(join(ROOT, 'tests', 'js', '.tsc-v2-'));
  try {
    writeFileSync(join(dir, 'usage.mts'), `
import { startSandbox, TEST_KEY_FILES, type Sandbox, type SandboxMerchant, type FaultSpec, type SandboxRefund } from 'epay-sandbox';
const merchant: SandboxMerchant = { pid: 7, key: 'k7', keyType: 'RSA', publicKey: 'MIIB...' };
const sandbox: Sandbox = await startSandbox({ merchants: [merchant], platformKey: '-----BEGIN PRIVATE KEY-----', closeSupported: true, clockOffsetSec: -5 });
const pem: string = sandbox.platformPublicKey;
const file: string = TEST_KEY_FILES.merchant1005PrivateKey;
const now: number = sandbox.state.now();
const refunds: SandboxRefund[] = sandbox.state.store.get('1')?.refunds ?? [];
const api: 'v1' | 'v2' | undefined = sandbox.state.store.get('1')?.api;
const fault: FaultSpec = { target: 'api/pay/refund', kind: 'lose_answer' };
// @ts-expect-error keyType is "MD5+RSA" or "RSA"
const bad: SandboxMerchant = { pid: 7, key: 'k7', keyType: 'rsa' };
export { pem, file, now, refunds, api, fault, bad };
`);
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), join(dir, 'usage.mts')];
    const result = await new Promise((resolve) => {
      const p = spawn(tsc, args, { cwd: dir });
      let text = '';
      p.stdout.on('data', (c) => { text += c; });
      p.stderr.on('data', (c) => { text += c; });
      p.on('close', (code) => resolve({ code, text }));
    });
    assert.equal(result.code, 0, result.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
