// Tests of the V2 API (EpayClientV2, signV2, verifyNotifyV2,
// buildSubmitFormV2, buildPayUrlV2) from the built package in pkg/, against
// epay-sandbox's V2 routes and the answers a real v3096 server gave
// (tests/fixtures/v3096/v2/). Signatures are checked here with node:crypto
// and openssl, never with the package. Run after scripts/build.sh:
//   node --test tests/js/client-v2.test.mjs

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createVerify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, TEST_KEY_FILES } from 'epay-sandbox';
import {
  EpayClientV2, EpayError, buildPayUrlV2, buildSubmitFormV2, signV2, verifyNotifyV2,
} from '../../pkg/index.mjs';
import { fetchAnswer, startReceiver, TEST_PID as PID, waitFor, failsWith, signText, sandboxControl, orderMakers } from './support.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'tests', 'fixtures');
const KEYS = join(FIXTURES, 'keys');
const V3096 = join(FIXTURES, 'v3096');
const PRIVATE_PEM = readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8');
const MERCHANT_PUBLIC = createPublicKey(readFileSync(TEST_KEY_FILES.merchant1005PublicKey, 'utf8'));
const V3096_PLATFORM = readFileSync(join(V3096, 'platform_public_key.pem'), 'utf8');
/** The timestamp of the v3096 captures. */
const CAPTURE_TS = 1796193661;
/** An RSA public key that is not the platform's (the test merchant's own). */
const WRONG_PLATFORM = readFileSync(TEST_KEY_FILES.merchant1005PublicKey, 'utf8');

/** A key's base64 body (its PEM armour and line breaks out): what must never show in an error. */
const keyBody = (pem) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
const PRIVATE_BODY = keyBody(PRIVATE_PEM);

/** Whether `fields.sign` is the SHA256withRSA signature of their sign string under `publicKey` (node:crypto). */
const rsaVerifies = (fields, publicKey) => createVerify('sha256').update(signText(fields), 'utf8').verify(publicKey, fields.sign, 'base64');

let sb; // the sandbox gateway
let shop; // the merchant's server: receives notifies
let seq = 0;

before(async () => {
  sb = await startSandbox({ port: 0, notifyRetryDelaysMs: [50, 100], notifyTimeoutMs: 1000 });
  shop = await startReceiver();
});
after(async () => {
  await sb.close();
  await shop.close();
});
beforeEach(() => {
  sb.state.reset();
  sb.state.closeSupported = false;
});

const control = sandboxControl(() => sb.url);
const requests = () => control('GET', 'requests');
const fault = (spec) => control('POST', 'faults', spec);
const pay = (tradeNo) => control('POST', `orders/${tradeNo}/pay`);
const sandboxOrder = (tradeNo) => control('GET', `orders/${tradeNo}`);
async function assertNoRequests() {
  assert.deepEqual(await requests(), {});
}

/** A V2 client of the sandbox; retries 0 unless given, so that request counts are exact. */
const client = (options = {}) => new EpayClientV2({
  gateway: sb.url, pid: PID, privateKey: PRIVATE_PEM, platformPublicKey: sb.platformPublicKey, timeoutMs: 3000, retries: 0, ...options,
});

/** A fetch that records every request's form fields, then sends it. */
function recordingFetch() {
  const sent = [];
  const f = (url, init) => {
    sent.push({ path: new URL(url).pathname, fields: Object.fromEntries(new URLSearchParams(init.body)), body: init.body });
    return fetch(url, init);
  };
  return { fetch: f, sent };
}

/** An ApiOrderV2 with a fresh out_trade_no and a notify_url on the shop. */
function apiOrder(over = {}) {
  const out = `V2C${Date.now()}_${++seq}`;
  return {
    type: 'alipay', out_trade_no: out, notify_url: `${shop.url}n/${out}`, return_url: `${shop.url}r/${out}`,
    name: 'V2会员', money: '2.50', clientip: '192.168.1.100', ...over,
  };
}
const { createdOrder, paidOrder } = orderMakers({ apiOrder, client, pay });

/** Every EpayError seen in this file, for the key check at the end. */
const seen = [];

const fails = (fn, code, props) => failsWith(seen, fn, code, props);
const invalid = (fn, field) => fails(fn, 'INVALID_PARAM', { field });

/** A fetch double answering every request with `body` (status 200), recording the requests. */
function answering(body, status = 200) {
  const sent = [];
  const f = async (url, init) => {
    sent.push({ path: new URL(url).pathname, fields: Object.fromEntries(new URLSearchParams(init.body)) });
    return new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
  };
  return { fetch: f, sent };
}

/** `text` with its byte at `i` changed (an ASCII digit or letter becomes another). */
function oneByteChanged(text, i) {
  const c = text[i];
  const other = /\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'a' ? 'b' : 'a';
  return text.slice(0, i) + other + text.slice(i + 1);
}

// ------------------------------------------------------------- constructor

describe('new EpayClientV2', () => {
  it('takes keys as PEM (PKCS#8, PKCS#1, SPKI) or bare base64 DER, and platform keys as an array', () => {
    const forms = {
      pkcs8: readFileSync(join(KEYS, 'rsa2048_pkcs8.pem'), 'utf8'),
      pkcs1: readFileSync(join(KEYS, 'rsa2048_pkcs1.pem'), 'utf8'),
      base64: readFileSync(join(KEYS, 'rsa2048_pkcs8.b64'), 'utf8'),
    };
    const platforms = [sb.platformPublicKey, keyBody(sb.platformPublicKey), [WRONG_PLATFORM, sb.platformPublicKey],
      readFileSync(join(KEYS, 'rsa2048_pkcs1_public.pem'), 'utf8')];
    for (const privateKey of Object.values(forms)) {
      for (const platformPublicKey of platforms) assert.ok(client({ privateKey, platformPublicKey }) instanceof EpayClientV2);
    }
  });

  it('refuses a key of the wrong kind, size or algorithm, naming the field and never showing the key', async () => {
    const file = (name) => readFileSync(join(KEYS, name), 'utf8');
    const cases = [
      ['privateKey', file('rsa2048_spki.pem'), /privateKey is an RSA public key/],
      ['privateKey', file('rsa1024_pkcs8.pem'), /privateKey is a 1024-bit RSA key/],
      ['privateKey', file('ec_p256_pkcs8.pem'), /privateKey is an EC key/],
      ['privateKey', file('rsa2048_encrypted.pem'), /encrypted/],
      ['privateKey', 'not a key', /privateKey is not a key/],
      ['privateKey', undefined, /privateKey must be a string/],
      ['platformPublicKey', PRIVATE_PEM, /platformPublicKey is an RSA private key/],
      ['platformPublicKey', file('rsa1024_spki.pem'), /1024-bit/],
      ['platformPublicKey', file('ec_p256_spki.pem'), /EC key/],
      ['platformPublicKey', [], /non-empty array/],
      ['platformPublicKey', [sb.platformPublicKey, 42], /platformPublicKey must be a string/],
      ['platformPublicKey', undefined, /platformPublicKey must be a string/],
    ];
    for (const [field, key, message] of cases) {
      const err = await invalid(() => client({ [field]: key }), field);
      assert.match(err.message, message);
      const text = typeof key === 'string' ? keyBody(key) : '';
      for (let i = 0; i + 8 <= text.length; i += 4) {
        const piece = text.slice(i, i + 8);
        for (const shown of [err.message, err.stack, JSON.stringify(err)]) assert.ok(!shown.includes(piece), `${piece} shown`);
      }
    }
  });

  it('refuses unknown option keys and bad values of the shared ones', async () => {
    const typo = await invalid(() => client({ privatekey: PRIVATE_PEM }), 'privatekey');
    assert.match(typo.message, /unknown option `privatekey` in EpayClientV2 options; expected gateway, pid, privateKey, platformPublicKey/);
    await invalid(() => client({ key: 'an MD5 key' }), 'key');
    for (const clockSkewSec of [-1, 1.5, '300', 86401]) await invalid(() => client({ clockSkewSec }), 'clockSkewSec');
    for (const [field, value] of [['gateway', 'ftp://x/'], ['pid', 0], ['retries', 6], ['timeoutMs', 0], ['fetch', 'x']]) {
      await invalid(() => client({ [field]: value }), field);
    }
    await invalid(() => new EpayClientV2(), 'gateway');
  });

  it('imports the keys into WebCrypto on first use only, once', async () => {
    const subtle = globalThis.crypto.subtle;
    const original = subtle.importKey;
    let imports = 0;
    subtle.importKey = function (...args) {
      imports++;
      assert.equal(args[3], false, 'not extractable');
      return original.apply(this, args);
    };
    try {
      const c = client({ platformPublicKey: [WRONG_PLATFORM, sb.platformPublicKey] });
      assert.equal(imports, 0, 'the constructor only parses');
      await c.queryMerchant();
      assert.equal(imports, 3, 'the private key and both platform keys');
      await c.queryMerchant();
      assert.equal(imports, 3, 'kept');
    } finally {
      subtle.importKey = original;
    }
  });
});

// ------------------------------------------------------------- createOrder

describe('createOrder', () => {
  it('creates an order through api/pay/create: method jump, device pc, pid and a fresh timestamp, signed', async () => {
    const { fetch: f, sent } = recordingFetch();
    const order = apiOrder({ money: 9.9 });
    const created = await client({ fetch: f }).createOrder(order);
    assert.deepEqual(Object.keys(created), ['trade_no', 'pay_type', 'pay_info'], 'code, timestamp, sign_type and sign dropped');
    assert.deepEqual(created, { trade_no: created.trade_no, pay_type: 'jump', pay_info: `${sb.url}pay/submit/${created.trade_no}/` },
      'method=jump: the gateway\'s own pay page');
    const [{ path, fields }] = sent;
    assert.equal(path, '/api/pay/create');
    assert.deepEqual([fields.pid, fields.method, fields.device, fields.money, fields.sign_type], ['1005', 'jump', 'pc', '9.90', 'RSA']);
    assert.ok(Math.abs(Number(fields.timestamp) - Date.now() / 1000) <= 2, 'a fresh timestamp');
    assert.equal(rsaVerifies(fields, MERCHANT_PUBLIC), true, 'signed with the private key (node:crypto verifies)');
    const stored = await sandboxOrder(created.trade_no);
    assert.deepEqual([stored.api, stored.device, stored.money, stored.pid], ['v2', 'pc', '9.90', PID]);
    assert.deepEqual(await requests(), { 'api/pay/create': 1 });
  });

  it('keeps a given method and device, and needs no return_url', async () => {
    const { return_url, ...order } = apiOrder({ type: 'wxpay', method: 'web' });
    const created = await client().createOrder(order);
    assert.deepEqual([created.pay_type, created.pay_info], ['qrcode', `${sb.url}pay/${created.trade_no}`]);
  });

  it('an unsigned error the gateway throws is API_ERROR with gatewayCode and msg', async () => {
    const order = apiOrder();
    await client().createOrder(order);
    await fails(() => client().createOrder({ ...order, money: '3.00' }), 'API_ERROR', { gatewayCode: -1, msg: /参数有变化/ });
    await fails(() => client({ pid: 4242 }).createOrder(apiOrder()), 'API_ERROR', { gatewayCode: -1, msg: '商户不存在！' });
    const wrongKey = readFileSync(join(KEYS, 'rsa2048_pkcs8.pem'), 'utf8');
    await fails(() => client({ privateKey: wrongKey }).createOrder(apiOrder()), 'API_ERROR', { gatewayCode: -3, msg: 'RSA签名校验失败' });
  });

  it('is never retried: a 5xx or a lost answer is one request', async () => {
    for (const kind of ['http500', 'lose_answer']) {
      sb.state.reset();
      await fault({ target: 'api/pay/create', kind });
      const err = await fails(() => client({ retries: 3 }).createOrder(apiOrder()), kind === 'http500' ? 'HTTP_ERROR' : 'NETWORK');
      if (kind === 'http500') assert.equal(err.status, 500);
      assert.deepEqual(await requests(), { 'api/pay/create': 1 }, kind);
    }
  });

  it('refuses bad orders with INVALID_PARAM naming the field, before any request', async () => {
    const c = client();
    for (const order of [null, 'x', []]) await invalid(() => c.createOrder(order), 'order');
    const cases = [
      ['money', ['0', '-1', '1.234', 'abc', undefined]],
      ['out_trade_no', ['a b', '订单1', undefined]],
      ['notify_url', ['ftp://x/', 'https://shop.example/notify?order=1', undefined]],
      ['return_url', ['javascript:alert(1)']],
      ['clientip', ['999.1.1.1', undefined]],
      ['type', [undefined, 'Ali Pay']],
      ['method', ['JUMP']],
      ['device', ['p c']],
      ['pid', [1006]],
    ];
    for (const [field, values] of cases) {
      for (const value of values) await invalid(() => c.createOrder(apiOrder({ [field]: value })), field);
    }
    await assertNoRequests();
  });
});

// ------------------------------------------------------- answer signatures

describe('every answer is verified before it is read', () => {
  it('one changed byte in a signed answer is BAD_SIGNATURE, not retried', async () => {
    let calls = 0;
    const c = client({
      retries: 3,
      fetch: async (url, init) => {
        calls++;
        const text = await (await fetch(url, init)).text();
        const at = text.indexOf('"money":"') + '"money":"'.length;
        return new Response(oneByteChanged(text, at), { status: 200 });
      },
    });
    await fails(() => c.queryMerchant(), 'BAD_SIGNATURE');
    assert.equal(calls, 1);
  });

  it('a wrong platform key is BAD_SIGNATURE; with the right one among several (rotation) it verifies', async () => {
    await fails(() => client({ platformPublicKey: WRONG_PLATFORM }).queryMerchant(), 'BAD_SIGNATURE');
    await fails(() => client({ platformPublicKey: [WRONG_PLATFORM] }).queryMerchant(), 'BAD_SIGNATURE');
    for (const keys of [[WRONG_PLATFORM, sb.platformPublicKey], [sb.platformPublicKey, WRONG_PLATFORM]]) {
      assert.equal((await client({ platformPublicKey: keys }).queryMerchant()).pid, PID);
    }
  });

  it('a success without a signature, or with another sign_type, is BAD_SIGNATURE', async () => {
    for (const body of [
      '{"code":0,"pid":1005}',
      '{"code":"0","pid":1005,"timestamp":"1"}',
      '{"code":0,"pid":1005,"timestamp":"1","sign_type":"MD5","sign":"0123456789abcdef0123456789abcdef"}',
      '{"code":0,"pid":1005,"timestamp":"1","sign_type":"RSA","sign":"not base64!"}',
    ]) {
      await fails(() => client({ fetch: answering(body).fetch }).queryMerchant(), 'BAD_SIGNATURE');
    }
  });

  it('what is not a JSON object is BAD_RESPONSE; a non-2xx status is HTTP_ERROR', async () => {
    for (const body of ['<html>', '[1]', '{"code":0', '']) {
      await fails(() => client({ fetch: answering(body).fetch }).queryMerchant(), 'BAD_RESPONSE');
    }
    await fails(() => client({ fetch: answering('', 502).fetch }).queryMerchant(), 'HTTP_ERROR', { status: 502 });
  });
});

// ------------------------------------------- the v3096 captures, replayed

describe('the answers of a real v3096 server', () => {
  const capture = (name) => JSON.parse(readFileSync(join(V3096, 'v2', `${name}.json`), 'utf8'));
  const replaying = (name, body = capture(name).body) => new EpayClientV2({
    gateway: 'http://127.0.0.1:18080/', pid: 1000, privateKey: PRIVATE_PEM, platformPublicKey: V3096_PLATFORM, retries: 0,
    fetch: answering(body).fetch,
  });
  const paid = { out_trade_no: 'FV1796193661' };

  /** Each call, the capture it is answered with, and what it resolves to. */
  const cases = [
    ['pay_create_jump', (c) => c.createOrder(apiOrder()), {
      trade_no: '2026120214410182820', pay_type: 'jump', pay_info: 'http://127.0.0.1:18080/pay/submit/2026120214410182820/',
    }],
    ['pay_query_unpaid', (c) => c.queryOrder(paid), {
      trade_no: '2026120214410176887', out_trade_no: 'FV1796193661', api_trade_no: null, type: 'alipay', pid: 1000,
      addtime: '2026-12-02 14:41:01', endtime: null, name: 'V2会员 fixture', money: '2.50', status: 0, param: 'p2', buyer: null,
      paid: false, refunded: false, clientip: '127.0.0.1',
    }],
    ['pay_query_refunded', (c) => c.queryOrder(paid), {
      trade_no: '2026120214410176887', out_trade_no: 'FV1796193661', api_trade_no: 'UP2026120214410176887', type: 'alipay',
      pid: 1000, addtime: '2026-12-02 14:41:01', endtime: '2026-12-02 14:41:01', name: 'V2会员 fixture', money: '2.50',
      status: 2, param: 'p2', buyer: null, paid: true, refunded: true, clientip: '127.0.0.1', refundmoney: '1.00',
    }],
    ['pay_refund_ok', (c) => c.refund(paid, '1.00', { out_refund_no: 'RFFV1796193661' }), {
      refund_no: '2026120214410133394', out_refund_no: 'RFFV1796193661', trade_no: '2026120214410176887',
      out_trade_no: 'FV1796193661', money: '1.00', reducemoney: '1.00', uid: 1000,
    }],
    ['pay_refund_same_out_refund_no', (c) => c.refund(paid, '1.00', { out_refund_no: 'RFFV1796193661' }), {
      refund_no: '2026120214410133394', out_refund_no: 'RFFV1796193661', trade_no: '2026120214410176887',
      out_trade_no: null, money: '1.00', reducemoney: '1.00', uid: 1000,
    }],
    ['pay_refundquery', (c) => c.queryRefund({ out_refund_no: 'RFFV1796193661' }), {
      refund_no: '2026120214410133394', out_refund_no: 'RFFV1796193661', trade_no: '2026120214410176887',
      out_trade_no: 'FV1796193661', money: '1.00', reducemoney: '1.00', status: 1, uid: 1000,
      addtime: '2026-12-02 14:41:01', endtime: '2026-12-02 14:41:01',
    }],
    ['merchant_info', (c) => c.queryMerchant(), {
      pid: 1000, status: 1, pay_status: 1, settle_status: 1, money: '10.53', order_num: 48, order_num_today: 6,
      order_num_lastday: 0, order_money_today: '2.53', order_money_lastday: '0',
    }],
    ['merchant_orders_empty', (c) => c.queryOrders({ offset: 10000000, limit: 2 }), []],
  ];

  for (const [name, call, want] of cases) {
    it(`${name}: verifies with the platform key and reads as documented; one changed byte is BAD_SIGNATURE`, async () => {
      assert.deepEqual(await call(replaying(name)), want);
      const body = capture(name).body;
      const at = body.indexOf('"timestamp":"') + '"timestamp":"'.length + 5;
      await fails(() => call(replaying(name, oneByteChanged(body, at))), 'BAD_SIGNATURE');
    });
  }

  it('merchant_orders: rows are typed as queryOrder, and NOT covered by the signature (a changed row still passes)', async () => {
    const body = capture('merchant_orders').body;
    const rows = await replaying('merchant_orders').queryOrders({ limit: 2 });
    assert.deepEqual(rows.map((o) => [o.trade_no, o.status, o.paid, o.money, o.refundmoney]),
      [['2026120214410196860', 0, false, '1.00', null], ['2026120214410182820', 0, false, '2.50', null]]);
    const forged = await replaying('merchant_orders', body.replace('"money":"1.00"', '"money":"9.00"')).queryOrders({ limit: 2 });
    assert.equal(forged[0].money, '9.00', 'the list is unauthenticated: the documented caveat');
  });

  it('pay_close_unsupported: a signed code -1 is API_ERROR with gatewayCode and msg', async () => {
    await fails(() => replaying('pay_close_unsupported').closeOrder(paid), 'API_ERROR', { gatewayCode: -1, msg: '当前支付插件不支持关闭订单' });
    const forged = capture('pay_close_unsupported').body.replace('不支持', '支持');
    await fails(() => replaying('pay_close_unsupported', forged).closeOrder(paid), 'BAD_SIGNATURE');
  });

  it('unsigned thrown errors are API_ERROR', async () => {
    for (const [name, code, msg] of [
      ['error_bad_sign', -3, 'RSA签名校验失败'], ['error_no_timestamp', -3, '时间戳(timestamp)字段不能为空'],
      ['error_stale_timestamp', -3, '时间戳字段不正确，请检查服务器时间'], ['error_unknown_order', -1, '订单号不存在'],
    ]) {
      await fails(() => replaying(name).queryOrder(paid), 'API_ERROR', { gatewayCode: code, msg });
    }
  });

  it('the captured notify verifies at its timestamp and is stale 301 s later', async () => {
    const query = JSON.parse(readFileSync(join(V3096, 'v2', 'notify.json'), 'utf8')).query_string;
    const at = (sec) => verifyNotifyV2(query, V3096_PLATFORM, { pid: 1000, out_trade_no: 'FV1796193661', money: '2.50' }, { now: sec * 1000 });
    const ok = await at(CAPTURE_TS);
    assert.deepEqual([ok.ok, ok.paid, ok.reason, ok.data.money, ok.data.name], [true, true, null, '2.5', 'product']);
    assert.deepEqual([(await at(CAPTURE_TS + 300)).reason, (await at(CAPTURE_TS - 300)).reason], [null, null]);
    assert.equal((await at(CAPTURE_TS + 301)).reason, 'stale_timestamp');
    assert.equal((await at(CAPTURE_TS - 301)).reason, 'stale_timestamp');
    const asDate = await verifyNotifyV2(query, V3096_PLATFORM, {}, { now: new Date((CAPTURE_TS + 301) * 1000) });
    assert.equal(asDate.reason, 'stale_timestamp');
    const wider = await verifyNotifyV2(query, V3096_PLATFORM, {}, { now: (CAPTURE_TS + 301) * 1000, clockSkewSec: 400 });
    assert.equal(wider.reason, null);
    const changed = await verifyNotifyV2(query.replace('money=2.5', 'money=2.6'), V3096_PLATFORM, {}, { now: CAPTURE_TS * 1000 });
    assert.equal(changed.reason, 'bad_sign');
  });

  it('a bag that is not a plain object is refused, never read as one with no checks', async () => {
    const query = JSON.parse(readFileSync(join(V3096, 'v2', 'notify.json'), 'utf8')).query_string;
    const now = { now: CAPTURE_TS * 1000 };
    for (const bad of ['FV0', 1000, new Map([['out_trade_no', 'FV0']]), ['FV0']]) {
      await invalid(() => verifyNotifyV2(query, V3096_PLATFORM, bad, now), 'expected');
      await invalid(() => verifyNotifyV2(query, V3096_PLATFORM, {}, bad), 'options');
      await invalid(() => client().verifyNotify(query, bad), 'expected');
      await invalid(() => client().refund({ trade_no: '1' }, '1.00', bad), 'options');
      await invalid(() => client().queryOrders(bad), 'page');
    }
  });
});

// --------------------------------------------------------------- queries

describe('queryOrder, queryMerchant, queryOrders, orders()', () => {
  it('queryOrder by trade_no and out_trade_no: status, paid, refunded, then refundmoney', async () => {
    const o = await createdOrder();
    const c = client();
    const unpaid = await c.queryOrder({ trade_no: o.trade_no });
    assert.deepEqual(await c.queryOrder({ out_trade_no: o.out_trade_no }), unpaid);
    assert.deepEqual([unpaid.status, unpaid.paid, unpaid.refunded, unpaid.pid, unpaid.money], [0, false, false, PID, '2.50']);
    for (const k of ['code', 'msg', 'sign', 'sign_type', 'timestamp', 'refundmoney']) assert.ok(!(k in unpaid), k);
    await pay(o.trade_no);
    const paid = await c.queryOrder({ trade_no: o.trade_no });
    assert.deepEqual([paid.status, paid.paid, paid.refunded, typeof paid.endtime], [1, true, false, 'string']);
    await c.refund({ trade_no: o.trade_no }, '1.00');
    const refunded = await c.queryOrder({ trade_no: o.trade_no });
    assert.deepEqual([refunded.status, refunded.paid, refunded.refunded, refunded.refundmoney], [2, true, true, '1.00']);
  });

  it('queryOrder: an unknown order is API_ERROR; a bad reference INVALID_PARAM before any request', async () => {
    await fails(() => client().queryOrder({ out_trade_no: 'nope' }), 'API_ERROR', { gatewayCode: -1, msg: '订单号不存在' });
    sb.state.reset();
    for (const which of [undefined, {}, { trade_no: '12 3' }]) await invalid(() => client().queryOrder(which), 'trade_no');
    await invalid(() => client().queryOrder({ out_trade_no: 'a/b' }), 'out_trade_no');
    await assertNoRequests();
  });

  it('queryMerchant: the account, integers as numbers', async () => {
    await paidOrder();
    const me = await client().queryMerchant();
    assert.deepEqual(me, {
      pid: PID, status: 1, pay_status: 1, settle_status: 1, money: '2.50', order_num: 1, order_num_today: 1,
      order_num_lastday: 0, order_money_today: '2.5', order_money_lastday: '0',
    });
  });

  it('queryOrders: offset, limit and status sent to the gateway; an empty page is []', async () => {
    const made = [await createdOrder(), await createdOrder(), await paidOrder()];
    const { fetch: f, sent } = recordingFetch();
    const c = client({ fetch: f });
    const all = await c.queryOrders();
    assert.deepEqual(all.map((o) => o.trade_no), made.map((o) => o.trade_no).reverse(), 'newest first');
    assert.deepEqual([sent[0].fields.offset, sent[0].fields.limit, sent[0].fields.status], ['0', '20', undefined]);
    const page = await c.queryOrders({ offset: 1, limit: 1 });
    assert.deepEqual(page.map((o) => o.trade_no), [made[1].trade_no]);
    const paid = await c.queryOrders({ status: 1 });
    assert.deepEqual(paid.map((o) => [o.trade_no, o.paid]), [[made[2].trade_no, true]]);
    assert.equal(sent.at(-1).fields.status, '1');
    assert.deepEqual(await c.queryOrders({ offset: 10 }), []);
  });

  it('queryOrders and orders() refuse bad paging before any request', async () => {
    const c = client();
    for (const limit of [0, 51, 1.5, '2']) await invalid(() => c.queryOrders({ limit }), 'limit');
    for (const offset of [-1, 1.5]) await invalid(() => c.queryOrders({ offset }), 'offset');
    await invalid(() => c.queryOrders({ status: -1 }), 'status');
    await invalid(() => c.queryOrders({ page: 2 }), 'page');
    await invalid(() => c.queryOrders('x'), 'page');
    assert.throws(() => c.orders({ limit: 0 }), { code: 'INVALID_PARAM', field: 'limit' });
    assert.throws(() => c.orders({ offset: 1 }), { code: 'INVALID_PARAM', field: 'offset' });
    await assertNoRequests();
  });

  it('orders() walks every order a page at a time, the status filtered by the gateway', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createdOrder());
    await pay(made[1].trade_no);
    const walk = async (options) => { const out = []; for await (const o of client().orders(options)) out.push(o); return out; };
    for (const k of Object.keys(sb.state.requests)) delete sb.state.requests[k]; // the orders stay
    const all = await walk({ limit: 2 });
    assert.deepEqual(all.map((o) => o.trade_no), made.map((o) => o.trade_no).reverse());
    assert.deepEqual(await requests(), { 'api/merchant/orders': 3 }, 'pages of 2, 2, 1');
    const paid = await walk({ limit: 2, status: 1 });
    assert.deepEqual(paid.map((o) => [o.trade_no, o.status, o.paid]), [[made[1].trade_no, 1, true]]);
  });
});

// -------------------------------------------------------------- refunds

describe('refund and queryRefund', () => {
  const GENERATED = /^R\d{14}[0-9a-f]{16}$/;

  it('refunds with a generated out_refund_no (R + UTC time + 64 random bits), returned; queryRefund finds it', async () => {
    const o = await paidOrder();
    const c = client();
    const before = new Date();
    const r = await c.refund({ out_trade_no: o.out_trade_no }, 1);
    assert.match(r.out_refund_no, GENERATED);
    const stamp = before.toISOString().replace(/\D/g, '').slice(0, 14);
    assert.ok(Math.abs(Number(r.out_refund_no.slice(1, 15)) - Number(stamp)) <= 2, `${r.out_refund_no} is dated ${stamp} (UTC)`);
    assert.deepEqual([r.trade_no, r.out_trade_no, r.money, r.reducemoney, r.uid], [o.trade_no, o.out_trade_no, '1.00', '1.00', PID]);
    for (const k of ['code', 'msg', 'sign', 'timestamp']) assert.ok(!(k in r), k);
    assert.notEqual((await c.refund({ trade_no: o.trade_no }, '0.10')).out_refund_no, r.out_refund_no, 'a new number each time');
    for (const which of [{ refund_no: r.refund_no }, { out_refund_no: r.out_refund_no }]) {
      const found = await c.queryRefund(which);
      assert.deepEqual([found.refund_no, found.out_refund_no, found.status, found.money], [r.refund_no, r.out_refund_no, 1, '1.00']);
      assert.equal(typeof found.addtime, 'string');
    }
  });

  it('the same out_refund_no refunds once: the gateway answers the first refund again', async () => {
    const o = await paidOrder();
    const c = client();
    const first = await c.refund({ trade_no: o.trade_no }, '1.00', { out_refund_no: `MY${o.out_trade_no}` });
    const again = await c.refund({ trade_no: o.trade_no }, '1.00', { out_refund_no: `MY${o.out_trade_no}` });
    assert.equal(again.refund_no, first.refund_no);
    assert.equal(again.out_trade_no, null, 'v3096 leaves it out of that answer');
    assert.equal((await sandboxOrder(o.trade_no)).refunds.length, 1);
  });

  it('is retried after a lost answer with the same out_refund_no, re-signed: ONE refund', async () => {
    const o = await paidOrder();
    await fault({ target: 'api/pay/refund', kind: 'lose_answer' });
    const { fetch: f, sent } = recordingFetch();
    // Each attempt reads the clock anew: a clock 1 s further at every reading.
    const realNow = Date.now;
    let t = realNow();
    Date.now = () => (t += 1000);
    let r;
    try {
      r = await client({ fetch: f, retries: 1 }).refund({ trade_no: o.trade_no }, '1.00');
    } finally {
      Date.now = realNow;
    }
    assert.equal(sent.length, 2);
    const [first, second] = sent.map((s) => s.fields);
    assert.equal(first.out_refund_no, second.out_refund_no);
    assert.equal(r.out_refund_no, first.out_refund_no);
    assert.notEqual(first.timestamp, second.timestamp, 'a fresh timestamp for the retry');
    assert.notEqual(first.sign, second.sign);
    for (const fields of [first, second]) assert.equal(rsaVerifies(fields, MERCHANT_PUBLIC), true);
    const stored = await sandboxOrder(o.trade_no);
    assert.equal(stored.refunds.length, 1, 'one refund');
    assert.equal(stored.refundmoney, '1.00');
  });

  it('is retried after a 5xx and gives up with the last error, carrying out_refund_no', async () => {
    const o = await paidOrder();
    await fault({ target: 'api/pay/refund', kind: 'http500', times: 2 });
    await fails(() => client({ retries: 1 }).refund({ trade_no: o.trade_no }, '1.00', { out_refund_no: 'KEEP123' }),
      'HTTP_ERROR', { status: 500, out_refund_no: 'KEEP123' });
    const r = await client({ retries: 1 }).refund({ trade_no: o.trade_no }, '1.00', { out_refund_no: 'KEEP123' });
    assert.equal(r.out_refund_no, 'KEEP123');
    assert.equal((await requests())['api/pay/refund'], 3, 'two attempts, then one');
  });

  it('refusals are API_ERROR (signed or thrown), carrying the out_refund_no used', async () => {
    const o = await createdOrder();
    const unpaid = await fails(() => client().refund({ trade_no: o.trade_no }, '1.00'), 'API_ERROR',
      { gatewayCode: -1, msg: '该订单状态不支持退款！' });
    assert.match(unpaid.out_refund_no, GENERATED);
    await fails(() => client().refund({ out_trade_no: 'nope' }, '1.00'), 'API_ERROR', { msg: '当前订单不存在！' });
    await fails(() => client().queryRefund({ out_refund_no: 'nope12' }), 'API_ERROR', { gatewayCode: -1, msg: '退款记录不存在' });
  });

  it('refuses bad input before any request', async () => {
    const c = client();
    const which = { trade_no: '2026120214410176887' };
    for (const money of ['0', '-1', '1.234', undefined, null]) await invalid(() => c.refund(which, money), 'money');
    for (const no of ['R1234', 'a b cdef', '']) await invalid(() => c.refund(which, '1', { out_refund_no: no }), 'out_refund_no');
    await invalid(() => c.refund(which, '1', { outRefundNo: 'R123456' }), 'outRefundNo');
    await invalid(() => c.refund({}, '1'), 'trade_no');
    // out_refund_no beside trade_no instead of in the options: refused, not
    // dropped (a new number each call would refund twice on a retry).
    const misplaced = await invalid(() => c.refund({ ...which, out_refund_no: 'R1234567' }, '1'), 'out_refund_no');
    assert.equal(misplaced.message, 'unknown option `out_refund_no` in OrderRef; expected trade_no, out_trade_no');
    for (const ref of ['2026120214410176887', new Map(Object.entries(which))]) {
      for (const call of [(w) => c.queryOrder(w), (w) => c.closeOrder(w), (w) => c.refund(w, '1')]) await invalid(() => call(ref), 'trade_no');
    }
    for (const ref of [{}, { refund_no: '1-2' }, 'R1234567']) await invalid(() => c.queryRefund(ref), 'refund_no');
    await invalid(() => c.queryRefund({ out_refund_no: 'R1234567', trade_no: '1' }), 'trade_no');
    await invalid(() => c.queryRefund({ out_refund_no: 'a/b' }), 'out_refund_no');
    await assertNoRequests();
  });
});

// ------------------------------------------------------------- closeOrder

describe('closeOrder', () => {
  it('resolves with nothing once the gateway closed the order', async () => {
    sb.state.closeSupported = true;
    const o = await createdOrder();
    assert.equal(await client().closeOrder({ out_trade_no: o.out_trade_no }), undefined);
    assert.equal((await sandboxOrder(o.trade_no)).state, 'closed');
  });

  it("a channel that cannot close is the gateway's signed -1: API_ERROR", async () => {
    const o = await createdOrder();
    await fails(() => client().closeOrder({ trade_no: o.trade_no }), 'API_ERROR', { gatewayCode: -1, msg: '当前支付插件不支持关闭订单' });
  });

  it('is never retried', async () => {
    await fault({ target: 'api/pay/close', kind: 'drop' });
    await fails(() => client({ retries: 3 }).closeOrder({ trade_no: '2026120214410176887' }), 'NETWORK');
    assert.deepEqual(await requests(), { 'api/pay/close': 1 });
  });
});

// ------------------------------------------------ the page hand-over

describe('signOrder, buildSubmitForm, buildPayUrl, buildSubmitFormV2, buildPayUrlV2', () => {
  const submitOrder = (over = {}) => {
    const { clientip, type, ...order } = apiOrder(over);
    return order;
  };

  it('signOrder: validated, pid and a fresh timestamp added, RSA-signed; the page posts it and lands on the cashier', async () => {
    const c = client();
    const signed = await c.signOrder({ ...submitOrder(), money: 1 });
    assert.deepEqual([signed.pid, signed.money, signed.sign_type], ['1005', '1.00', 'RSA']);
    assert.ok(Math.abs(Number(signed.timestamp) - Date.now() / 1000) <= 2);
    assert.equal(rsaVerifies(signed, MERCHANT_PUBLIC), true, 'node:crypto verifies it with the merchant public key');
    const html = buildSubmitFormV2(signed, { gateway: sb.url });
    assert.ok(html.startsWith(`<form method="post" accept-charset="utf-8" action="${sb.url}api/pay/submit">`), html);
    const posted = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k, v.replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    assert.deepEqual(posted, signed);
    const r = await fetchAnswer(`${sb.url}api/pay/submit`, { method: 'POST', form: posted });
    assert.equal(r.status, 302, r.text);
    assert.match(r.headers.get('location'), /\/pay\/submit\/\d+\/$/);
    const link = buildPayUrlV2(signed, { gateway: sb.url });
    assert.ok(link.startsWith(`${sb.url}api/pay/submit?`));
    assert.deepEqual(Object.fromEntries(new URL(link).searchParams), signed);
  });

  it('buildSubmitForm and buildPayUrl sign and build in one step; the link is accepted by the gateway', async () => {
    const c = client();
    const html = await c.buildSubmitForm(submitOrder({ name: 'Tea & "cakes" <x>' }));
    assert.ok(html.includes(`action="${sb.url}api/pay/submit"`) && html.includes('value="Tea &amp; &quot;cakes&quot; &lt;x&gt;"'));
    assert.ok(html.includes('name="sign_type" value="RSA"'));
    const link = await c.buildPayUrl(submitOrder());
    const r = await fetchAnswer(link);
    assert.equal(r.status, 302, r.text);
  });

  it('a signed order expires with its timestamp: 300 s later the gateway refuses it', async () => {
    const signed = await client().signOrder(submitOrder());
    await control('POST', 'clock', { offsetSec: 301 });
    const r = await fetchAnswer(buildPayUrlV2(signed, { gateway: sb.url }));
    assert.match(r.text, /时间戳字段不正确/);
  });

  it('refuse bad orders and unsigned params', async () => {
    const c = client();
    await invalid(() => c.signOrder({ ...submitOrder(), money: '0' }), 'money');
    await invalid(() => c.buildSubmitForm({ ...submitOrder(), return_url: undefined }), 'return_url');
    await invalid(() => c.buildPayUrl({ ...submitOrder(), pid: 1006 }), 'pid');
    await invalid(() => buildSubmitFormV2(submitOrder(), { gateway: sb.url }), 'sign');
    await invalid(() => buildPayUrlV2({ ...submitOrder(), sign: 'x' }, { gateway: sb.url }), 'timestamp');
    await invalid(() => buildSubmitFormV2({ sign: 'x', timestamp: '1' }, { gateway: sb.url, key: 'k' }), 'key');
    await invalid(() => buildPayUrlV2({ sign: 'x', timestamp: '1' }, {}), 'gateway');
    await assertNoRequests();
  });
});

// ----------------------------------------------------------------- notifies

describe('verifyNotify and verifyNotifyV2', () => {
  /** Pays a V2 order and waits for its notify: the raw query string the shop received. */
  async function notifyOf(o) {
    const path = new URL(o.notify_url).pathname;
    const before = shop.hits(path).length;
    const [hit] = await waitFor(() => { const h = shop.hits(path).slice(before); return h.length && h; }, 'the notify');
    return hit.query;
  }

  it('a real notify verifies: ok, paid, the data as received; expected pid defaults to the client', async () => {
    const o = await createdOrder();
    const waiting = notifyOf(o);
    await pay(o.trade_no);
    const query = await waiting;
    assert.match(query, /&timestamp=\d{10}&sign_type=RSA&sign=/);
    const c = client();
    for (const input of [query, `?${query}`, new URLSearchParams(query), Object.fromEntries(new URLSearchParams(query))]) {
      const v = await c.verifyNotify(input, { out_trade_no: o.out_trade_no, money: o.money });
      assert.deepEqual([v.ok, v.paid, v.reason, v.data.trade_no, v.data.money], [true, true, null, o.trade_no, '2.5']);
    }
    assert.equal((await c.verifyNotify(query, { money: '2.51' })).reason, 'money_mismatch');
    assert.equal((await c.verifyNotify(query, { out_trade_no: 'other' })).reason, 'out_trade_no_mismatch');
    const other = client({ pid: 1006 });
    assert.equal((await other.verifyNotify(query)).reason, 'pid_mismatch', "the client's pid is expected");
    assert.equal((await verifyNotifyV2(query, sb.platformPublicKey)).reason, null, 'the free function expects no pid');
    assert.equal((await verifyNotifyV2(query, [WRONG_PLATFORM, sb.platformPublicKey])).reason, null, 'key rotation');
    assert.equal((await verifyNotifyV2(query, [WRONG_PLATFORM])).reason, 'bad_sign');
    assert.equal((await client({ platformPublicKey: WRONG_PLATFORM }).verifyNotify(query)).reason, 'bad_sign');
  });

  it('a notify signed 600 s ago (the sandbox clock moved back, then the notify re-sent) is stale_timestamp', async () => {
    const o = await createdOrder();
    const fresh = notifyOf(o);
    await pay(o.trade_no);
    assert.equal((await client().verifyNotify(await fresh)).reason, null);
    await control('POST', 'clock', { offsetSec: -600 });
    const late = notifyOf(o);
    await control('POST', `orders/${o.trade_no}/notify`);
    const query = await late;
    const v = await client().verifyNotify(query);
    assert.deepEqual([v.ok, v.paid, v.reason], [false, false, 'stale_timestamp']);
    assert.equal((await client({ clockSkewSec: 700 }).verifyNotify(query)).reason, null, 'clockSkewSec widens the window');
    assert.equal((await verifyNotifyV2(query, sb.platformPublicKey, {}, { clockSkewSec: 700 })).reason, null);
  });

  it('checks in order: malformed, missing_sign, bad_sign, stale_timestamp, then the expectations', async () => {
    const query = JSON.parse(readFileSync(join(V3096, 'v2', 'notify.json'), 'utf8')).query_string;
    const now = CAPTURE_TS * 1000;
    const all = { pid: 1001, out_trade_no: 'x', money: 1 };
    const reason = async (input, expected = all, options = { now }) => (await verifyNotifyV2(input, V3096_PLATFORM, expected, options)).reason;
    assert.equal(await reason(`${query}&pid=1`), 'malformed');
    assert.equal(await reason('a=%FF'), 'malformed');
    assert.equal(await reason(query.replace(/&sign=[^&]*/, '')), 'missing_sign');
    assert.equal(await reason(query.replace('sign_type=RSA', 'sign_type=MD5')), 'bad_sign');
    assert.equal(await reason(query, all, { now: now + 301000 }), 'stale_timestamp');
    assert.equal(await reason(query.replace(/&timestamp=\d+/, '')), 'bad_sign', 'the timestamp is signed: removing it breaks the signature');
    assert.equal(await reason(query), 'pid_mismatch');
    assert.equal(await reason(query, { pid: 1000, out_trade_no: 'x' }), 'out_trade_no_mismatch');
    assert.equal(await reason(query, { pid: 1000, out_trade_no: 'FV1796193661', money: '2.51' }), 'money_mismatch');
    assert.equal(await reason(query, { pid: 1000, out_trade_no: 'FV1796193661', money: 2.5 }), null);
  });

  it('never rejects on hostile input, and the instance keeps working', async () => {
    const inputs = [
      'x'.repeat(5 << 20), 'pid=\uD800&sign=x', `${Array.from({ length: 10000 }, (_, i) => `f${i}=1`).join('&')}&sign=x`,
      '__proto__=1&sign=AAAA&timestamp=1', Object.assign(Object.create(null), { pid: '1', sign: 'x' }), new URLSearchParams('sign=%00'),
      { sign: '', timestamp: '1' }, '&&&&', '?', '', `sign=${'A'.repeat(1 << 20)}&timestamp=1`,
    ];
    for (const input of inputs) {
      const v = await verifyNotifyV2(input, sb.platformPublicKey);
      assert.deepEqual([v.ok, v.paid], [false, false]);
      const shown = typeof input === 'string' ? input.slice(0, 40) : Object.prototype.toString.call(input);
      assert.ok(['malformed', 'missing_sign', 'bad_sign'].includes(v.reason), `${shown}: ${v.reason}`);
    }
    const query = JSON.parse(readFileSync(join(V3096, 'v2', 'notify.json'), 'utf8')).query_string;
    assert.equal((await verifyNotifyV2(query, V3096_PLATFORM, {}, { now: CAPTURE_TS * 1000 })).reason, null);
  });

  it('verifyNotifyV2 imports the platform key(s) once while it is given the same', async () => {
    const query = JSON.parse(readFileSync(join(V3096, 'v2', 'notify.json'), 'utf8')).query_string;
    const reason = async (keys) => (await verifyNotifyV2(query, keys, {}, { now: CAPTURE_TS * 1000 })).reason;
    const subtle = globalThis.crypto.subtle;
    const importKey = subtle.importKey;
    const imports = [];
    subtle.importKey = function (format, ...rest) {
      imports.push(format);
      return importKey.call(this, format, ...rest);
    };
    try {
      assert.equal(await reason([V3096_PLATFORM, WRONG_PLATFORM, V3096_PLATFORM]), null);
      imports.length = 0; // whatever an earlier test left kept, it is not these
      assert.equal(await reason(WRONG_PLATFORM), 'bad_sign');
      for (let i = 0; i < 3; i++) assert.equal(await reason(V3096_PLATFORM), null);
      assert.deepEqual(imports, ['spki', 'spki'], 'one import per key, not per call');
      assert.equal(await reason([WRONG_PLATFORM, V3096_PLATFORM]), null);
      assert.equal(await reason([WRONG_PLATFORM, V3096_PLATFORM]), null);
      assert.equal(imports.length, 4, 'another set of keys: imported once');
      await invalid(() => verifyNotifyV2(query, 'not a key'), 'platformPublicKey');
      await invalid(() => verifyNotifyV2(query, [V3096_PLATFORM, 42]), 'platformPublicKey');
      assert.equal(await reason([WRONG_PLATFORM, V3096_PLATFORM]), null, 'a refused key leaves the kept ones');
      assert.equal(await reason(WRONG_PLATFORM), 'bad_sign', 'the kept keys are only used for the same texts');
      assert.equal(await reason(V3096_PLATFORM), null);
      assert.equal(imports.length, 6);
      const together = await Promise.all(Array.from({ length: 8 }, () => reason([V3096_PLATFORM, WRONG_PLATFORM])));
      assert.deepEqual(together, Array(8).fill(null));
      assert.equal(imports.length, 7, 'calls that arrive together share one import (the first key verifies)');
    } finally {
      subtle.importKey = importKey;
    }
  });

  it('refuses programmer errors: bad keys, expectations and options', async () => {
    const query = 'pid=1&sign=x';
    await invalid(() => verifyNotifyV2(query, PRIVATE_PEM), 'platformPublicKey');
    await invalid(() => verifyNotifyV2(query, []), 'platformPublicKey');
    await invalid(() => verifyNotifyV2(query, sb.platformPublicKey, { amount: 1 }), 'amount');
    await invalid(() => verifyNotifyV2(query, sb.platformPublicKey, {}, { now: 'today' }), 'now');
    await invalid(() => verifyNotifyV2(query, sb.platformPublicKey, {}, { now: new Date('x') }), 'now');
    await invalid(() => verifyNotifyV2(query, sb.platformPublicKey, {}, { clockSkewSec: -1 }), 'clockSkewSec');
    await invalid(() => verifyNotifyV2(query, sb.platformPublicKey, {}, { skew: 1 }), 'skew');
    await invalid(() => verifyNotifyV2(42, sb.platformPublicKey), 'input');
    await invalid(() => client().verifyNotify(query, { money: 'abc' }), 'money');
  });
});

// --------------------------------------------- signV2: openssl known answers

describe('signV2: known answers from openssl, both ways', () => {
  // Fields with Chinese, &, =, quotes and spaces; the sign string is written here.
  const params = {
    pid: 1005, timestamp: '1796193661', out_trade_no: 'KA1796193661', name: '会员 "VIP" a&b=c \'q\'', money: '1.00', param: '',
    notify_url: 'http://127.0.0.1:9/n',
  };
  const text = 'money=1.00&name=会员 "VIP" a&b=c \'q\'&notify_url=http://127.0.0.1:9/n&out_trade_no=KA1796193661&pid=1005&timestamp=1796193661';

  let dir;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'epay-v2-openssl-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** openssl dgst -sha256 -sign, base64. */
  const opensslSign = (input, keyFile) => execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile], { input }).toString('base64');
  /** openssl dgst -sha256 -verify: whether it says Verified OK. */
  function opensslVerify(input, signature, publicKeyFile) {
    const sig = join(dir, 'sig');
    writeFileSync(sig, Buffer.from(signature, 'base64'));
    try {
      return execFileSync('openssl', ['dgst', '-sha256', '-verify', publicKeyFile, '-signature', sig], { input, stdio: ['pipe', 'pipe', 'ignore'] }).toString().trim() === 'Verified OK';
    } catch {
      return false;
    }
  }

  it('the sign string is as written here (checked through openssl)', () => {
    assert.equal(signText(params), text);
  });

  it('signV2 gives the signature openssl gives, from PEM, PKCS#1, base64 or a CryptoKey', async () => {
    const want = opensslSign(text, TEST_KEY_FILES.merchant1005PrivateKey);
    assert.equal(await signV2(params, PRIVATE_PEM), want);
    assert.equal(await signV2(new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])), keyBody(PRIVATE_PEM)), want);
    const der = Buffer.from(PRIVATE_BODY, 'base64');
    const key = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    assert.equal(await signV2(params, key), want);
    // The test key fixtures: PKCS#1 PEM and PKCS#8 give openssl's signature too.
    const pkcs1File = join(KEYS, 'rsa2048_pkcs1.pem');
    assert.equal(await signV2(params, readFileSync(pkcs1File, 'utf8')), opensslSign(text, pkcs1File));
  });

  it("signV2's signatures verify with openssl dgst -verify, and fail after a one-byte change", async () => {
    const signature = await signV2(params, PRIVATE_PEM);
    assert.equal(opensslVerify(text, signature, TEST_KEY_FILES.merchant1005PublicKey), true);
    assert.equal(opensslVerify(text.replace('1.00', '1.01'), signature, TEST_KEY_FILES.merchant1005PublicKey), false);
    const sig = Buffer.from(signature, 'base64');
    sig[0] ^= 1;
    assert.equal(opensslVerify(text, sig.toString('base64'), TEST_KEY_FILES.merchant1005PublicKey), false);
  });

  it('openssl signatures are accepted by verifyNotifyV2 (a notify signed by openssl as the platform)', async () => {
    const fields = { pid: '1005', trade_no: 'T1', out_trade_no: 'A1', money: '1', name: '会员 & "x" =', trade_status: 'TRADE_SUCCESS', timestamp: '1796193661' };
    const sign = opensslSign(signText(fields), TEST_KEY_FILES.platformPrivateKey);
    const query = new URLSearchParams({ ...fields, sign_type: 'RSA', sign }).toString();
    const platform = readFileSync(TEST_KEY_FILES.platformPublicKey, 'utf8');
    const v = await verifyNotifyV2(query, platform, { pid: 1005 }, { now: CAPTURE_TS * 1000 });
    assert.deepEqual([v.ok, v.paid, v.data.name], [true, true, '会员 & "x" =']);
  });

  it('refuses a public key, a CryptoKey for another hash, or no key', async () => {
    await invalid(() => signV2(params, readFileSync(TEST_KEY_FILES.merchant1005PublicKey, 'utf8')), 'privateKey');
    const sha1 = await crypto.subtle.importKey('pkcs8', Buffer.from(PRIVATE_BODY, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['sign']);
    await invalid(() => signV2(params, sha1), 'privateKey');
    const pss = await crypto.subtle.importKey('pkcs8', Buffer.from(PRIVATE_BODY, 'base64'), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
    await invalid(() => signV2(params, pss), 'privateKey');
    await invalid(() => signV2(params, undefined), 'privateKey');
    await invalid(() => signV2({ a: [1] }, PRIVATE_PEM), 'a');
  });
});

// ------------------------------------------ the private key never leaks

describe('the private key never appears in a request or an error', () => {
  it('requests carry no part of it', async () => {
    const { fetch: f, sent } = recordingFetch();
    const o = await paidOrder();
    const c = client({ fetch: f });
    await c.queryOrder({ trade_no: o.trade_no });
    await c.refund({ trade_no: o.trade_no }, '0.5');
    await c.queryMerchant();
    assert.ok(sent.length === 3);
    for (const { body } of sent) {
      const decoded = decodeURIComponent(body);
      for (let i = 0; i + 12 <= PRIVATE_BODY.length; i += 6) assert.ok(!decoded.includes(PRIVATE_BODY.slice(i, i + 12)));
    }
  });

  it('in message, String(err), JSON.stringify(err) or stack of any error above', () => {
    const codes = new Set(seen.map((e) => e.code));
    for (const code of ['INVALID_PARAM', 'API_ERROR', 'HTTP_ERROR', 'NETWORK', 'BAD_RESPONSE', 'BAD_SIGNATURE']) {
      assert.ok(codes.has(code), `no ${code} error was collected`);
    }
    for (const err of seen) {
      const shown = [err.message, String(err), JSON.stringify(err), err.stack, err.msg, err.body].join('\n');
      for (let i = 0; i + 12 <= PRIVATE_BODY.length; i += 6) assert.ok(!shown.includes(PRIVATE_BODY.slice(i, i + 12)), `${err.code}: ${err.message}`);
    }
    assert.ok(seen.length > 80, `${seen.length} errors checked`);
  });
});
