// Tests of EpayClient (the gateway client) against epay-sandbox, both from
// the built package in pkg/. Run after scripts/build.sh:
//   node --test tests/js/client.test.mjs
// Expected signatures are computed here with node:crypto, not by the package.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import vm from 'node:vm';
import { startSandbox } from 'epay-sandbox';
import { EpayClient, EpayError, buildPayUrl, buildSubmitForm, toQrSvg, verifyNotify } from '../../pkg/index.mjs';
import { md5Sign, TEST_KEY as KEY, TEST_PID as PID, waitFor, failsWith, sandboxControl, orderMakers } from './support.mjs';

const ERROR_CODES = ['INVALID_PARAM', 'API_ERROR', 'HTTP_ERROR', 'TIMEOUT', 'NETWORK', 'BAD_RESPONSE'];

// ------------------------------------------------------------------ helpers

/** An HTTP server on a free loopback port; `reply(req, body)` → { status?, type?, body } (default "success"). */
async function startServer(reply = () => ({ body: 'success' })) {
  const hits = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    hits.push({ method: req.method, url: req.url, path: new URL(req.url, 'http://x').pathname, body });
    const r = await reply(req, body);
    res.writeHead(r.status ?? 200, { 'Content-Type': r.type ?? 'text/plain; charset=utf-8' });
    res.end(r.body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    hits: (path) => hits.filter((h) => path === undefined || h.path === path),
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

/** A base URL where nothing listens (a port just released). */
async function closedPortUrl() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/`;
}

let sb; // the sandbox gateway
let merchant; // the merchant's own server: receives notifies, answers "success"
let seq = 0;

before(async () => {
  sb = await startSandbox({ port: 0, notifyRetryDelaysMs: [50, 100], notifyTimeoutMs: 1000 });
  merchant = await startServer();
});
after(async () => {
  await sb.close();
  await merchant.close();
});
beforeEach(() => control('POST', 'reset'));

const control = sandboxControl(() => sb.url);
const requests = () => control('GET', 'requests');
const fault = (spec) => control('POST', 'faults', spec);
const pay = (tradeNo) => control('POST', `orders/${tradeNo}/pay`);
const sandboxOrder = (tradeNo) => control('GET', `orders/${tradeNo}`);

/** A client of the sandbox; retries 0 unless given, so that request counts are exact. */
const client = (options = {}) => new EpayClient({ gateway: sb.url, pid: PID, key: KEY, timeoutMs: 3000, retries: 0, ...options });

/** An ApiOrder with a fresh out_trade_no and a path-style notify_url on the merchant server. */
function apiOrder(over = {}) {
  const out = `C${Date.now()}_${++seq}`;
  return {
    type: 'alipay', out_trade_no: out, notify_url: `${merchant.url}notify/${out}`,
    return_url: 'https://shop.example/return', name: 'VIP会员', money: '1.00', clientip: '192.168.1.100', ...over,
  };
}
const { createdOrder, paidOrder } = orderMakers({ apiOrder, client, pay });

/** Every EpayError seen in this file, for the KEY check at the end. */
const seen = [];

const fails = (fn, code, props) => failsWith(seen, fn, code, props);
const invalid = (fn, field) => fails(fn, 'INVALID_PARAM', { field });

/** Checks that nothing reached the sandbox's gateway endpoints since the last reset. */
async function assertNoRequests() {
  assert.deepEqual(await requests(), {});
}

// ------------------------------------------------------------- constructor

describe('new EpayClient', () => {
  it('accepts pid as number or string and the extreme timeoutMs/retries', () => {
    for (const options of [{}, { pid: '1005' }, { timeoutMs: 1, retries: 0 }, { timeoutMs: 600000, retries: 5 }]) {
      assert.ok(client(options) instanceof EpayClient, JSON.stringify(options));
    }
    assert.ok(new EpayClient({ gateway: sb.url.replace(/\/$/, ''), pid: PID, key: KEY }), 'gateway without trailing /');
  });

  it('refuses bad options with INVALID_PARAM naming the option', async () => {
    const bad = {
      gateway: [undefined, 1, '', 'ftp://x/', 'pay.example.com', 'https://pay.example.com/api.php', 'https://pay.example.com/?a=1'],
      pid: [undefined, 0, -1, 1.5, 'abc', {}],
      key: [undefined, '', 123],
      timeoutMs: [0, -1, 1.5, '100', null, 600001, NaN],
      retries: [-1, 6, 1.5, '1', null],
    };
    for (const [field, values] of Object.entries(bad)) {
      for (const value of values) {
        const err = await invalid(() => client({ [field]: value }), field);
        assert.ok(err.message.length > 0, `${field}=${value}`);
      }
    }
    await invalid(() => new EpayClient(), 'gateway');
    await invalid(() => new EpayClient({ gateway: sb.url, pid: PID }), 'key');
    await assertNoRequests();
  });
});

// ------------------------------------------------------------- createOrder

describe('createOrder', () => {
  it('creates an order through mapi.php: { trade_no, payurl }, pid and device filled in', async () => {
    const order = apiOrder();
    const created = await client().createOrder(order);
    assert.match(created.trade_no, /^\d{19,20}$/);
    assert.deepEqual(created, { trade_no: created.trade_no, payurl: `${sb.url}pay/${created.trade_no}`, qrcode: null, urlscheme: null, html: null },
      'the ways to pay the gateway did not send are null');
    const stored = await sandboxOrder(created.trade_no);
    assert.equal(stored.pid, PID);
    assert.equal(stored.out_trade_no, order.out_trade_no);
    assert.equal(stored.money, '1.00');
    assert.equal(stored.device, 'jump');
    assert.equal(stored.state, 'unpaid');
    assert.deepEqual(await requests(), { 'mapi.php': 1 });
  });

  it('accepts money as a number and an explicit matching pid', async () => {
    const created = await client().createOrder(apiOrder({ money: 9.9, pid: '1005' }));
    assert.equal((await sandboxOrder(created.trade_no)).money, '9.90');
  });

  it('an identical retry gives the same trade_no; changed fields are an API_ERROR', async () => {
    const c = client();
    const order = apiOrder();
    const first = await c.createOrder(order);
    assert.equal((await c.createOrder(order)).trade_no, first.trade_no);
    await fails(() => c.createOrder({ ...order, money: '2.00' }), 'API_ERROR', { gatewayCode: -1, msg: /参数有变化/ });
    await pay(first.trade_no);
    await fails(() => c.createOrder(order), 'API_ERROR', { gatewayCode: -1, msg: /已完成支付/ });
  });

  it('gateway refusals are API_ERROR with gatewayCode and msg', async () => {
    await fails(() => client({ key: 'not-the-key' }).createOrder(apiOrder()), 'API_ERROR',
      { gatewayCode: -3, msg: 'MD5签名校验失败', message: /code -3, MD5签名校验失败/ });
    await fails(() => client({ pid: 4242 }).createOrder(apiOrder()), 'API_ERROR', { gatewayCode: -3, msg: /商户不存在/ });
  });

  it('an unknown type (HTML error page, HTTP 200) is a BAD_RESPONSE with the start of the body', async () => {
    const err = await fails(() => client().createOrder(apiOrder({ type: 'bitcoin' })), 'BAD_RESPONSE');
    assert.equal(typeof err.body, 'string');
    assert.ok(err.body.length > 0 && err.body.length <= 200, err.body);
    assert.match(err.body, /<html|<!DOCTYPE/i);
  });

  it('is retried after a 5xx or a dropped connection: one order, the same trade_no', async () => {
    const order = apiOrder();
    await fault({ target: 'mapi.php', kind: 'http500' });
    const created = await client({ retries: 1 }).createOrder(order);
    await fault({ target: 'mapi.php', kind: 'drop' });
    assert.equal((await client({ retries: 1 }).createOrder(order)).trade_no, created.trade_no);
    assert.deepEqual(await requests(), { 'mapi.php': 4 });
    assert.equal((await control('GET', `orders?out_trade_no=${order.out_trade_no}`)).orders.length, 1);
  });

  it('refuses bad orders with INVALID_PARAM naming the field, before any request', async () => {
    const c = client();
    const p = c.createOrder(null);
    assert.ok(p instanceof Promise, 'bad input rejects, it does not throw');
    await invalid(() => p, 'order');
    for (const order of ['x', [], new Map()]) await invalid(() => c.createOrder(order), 'order');
    const cases = [
      ['money', ['0', '0.00', '-1', -1, '1.234', 'abc', '1e2', NaN, Infinity, {}, undefined, '']],
      ['out_trade_no', ['a b', '订单1', 'a/b', 'x'.repeat(65), undefined]],
      ['notify_url', ['ftp://x/', 'notify', 'https://shop.example/notify?order=1', undefined]],
      ['return_url', ['javascript:alert(1)', undefined]],
      ['clientip', ['999.1.1.1', 'localhost', undefined]],
      ['type', [undefined, '']],
      ['name', [undefined, '']],
      ['param', ['   ']],
      ['pid', [1006, '1006']],
      ['extra', [[1], { a: 1 }]],
    ];
    for (const [field, values] of cases) {
      for (const value of values) await invalid(() => c.createOrder(apiOrder({ [field]: value })), field);
    }
    await assertNoRequests();
  });
});

// ------------------------------------------------------------ queryMerchant

describe('queryMerchant', () => {
  it('returns the account with numbers as numbers and without the echoed key', async () => {
    await createdOrder();
    await createdOrder();
    const info = await client().queryMerchant();
    assert.equal(info.pid, PID);
    assert.equal(info.active, true);
    assert.equal(info.money, '0.00');
    assert.equal(info.orders, 2);
    // The sandbox says orders_today (v3096) and order_lastday (the document): one spelling comes out.
    assert.equal(info.order_today, 2);
    assert.equal(info.order_lastday, 0);
    for (const k of ['type', 'orders', 'order_today', 'order_lastday']) assert.equal(typeof info[k], 'number', k);
    assert.ok(!('orders_today' in info) && !('orders_lastday' in info));
    assert.equal(typeof info.account, 'string');
    assert.ok(!('key' in info), 'the key the gateway echoes is dropped');
    assert.ok(!JSON.stringify(info).includes(KEY));
  });

  it('a bad key or unknown pid is API_ERROR -3', async () => {
    await fails(() => client({ key: 'not-the-key' }).queryMerchant(), 'API_ERROR', { gatewayCode: -3, msg: '商户密钥错误' });
    await fails(() => client({ pid: 4242 }).queryMerchant(), 'API_ERROR', { gatewayCode: -3, msg: '商户ID不存在' });
  });
});

// --------------------------------------------------------- querySettlements

describe('querySettlements', () => {
  it('is an empty list when the gateway answers data: null', async () => {
    assert.deepEqual(await client().querySettlements(), []);
    assert.deepEqual(await requests(), { 'api.php?act=settle': 1 });
  });

  it('returns the records as the gateway sends them', async () => {
    const settles = [{ id: 1, money: '10.00', status: 1, addtime: '2024-01-01 00:00:00' }];
    const other = await startSandbox({ port: 0, merchants: [{ pid: PID, key: KEY, settles }] });
    try {
      assert.deepEqual(await client({ gateway: other.url }).querySettlements(), settles);
    } finally {
      await other.close();
    }
  });

  it('a bad key is API_ERROR -3', async () => {
    await fails(() => client({ key: 'not-the-key' }).querySettlements(), 'API_ERROR', { gatewayCode: -3 });
  });
});

// --------------------------------------------------------------- queryOrder

describe('queryOrder', () => {
  it('finds an order by trade_no and by out_trade_no, numbers as numbers, paid as a boolean', async () => {
    const o = await createdOrder();
    const c = client();
    const byTradeNo = await c.queryOrder({ trade_no: o.trade_no });
    const byOut = await c.queryOrder({ out_trade_no: o.out_trade_no });
    assert.deepEqual(byOut, byTradeNo);
    assert.equal(byTradeNo.trade_no, o.trade_no);
    assert.equal(byTradeNo.out_trade_no, o.out_trade_no);
    assert.equal(byTradeNo.pid, PID);
    assert.equal(byTradeNo.status, 0);
    assert.equal(byTradeNo.paid, false);
    assert.equal(byTradeNo.refunded, false);
    assert.equal(byTradeNo.money, '1.00');
    assert.ok(!('code' in byTradeNo) && !('msg' in byTradeNo));

    await pay(o.trade_no);
    const paid = await c.queryOrder({ trade_no: o.trade_no, out_trade_no: 'ignored-when-trade_no-is-given' });
    assert.equal(paid.status, 1);
    assert.equal(paid.paid, true);
    assert.equal(paid.refunded, false);
    assert.equal(typeof paid.endtime, 'string');
    assert.deepEqual(await requests(), { 'mapi.php': 1, 'api.php?act=order': 3 });
  });

  it('an unknown order is API_ERROR -1', async () => {
    await fails(() => client().queryOrder({ trade_no: '2000010100000000000' }), 'API_ERROR', { gatewayCode: -1, msg: '订单号不存在' });
    await fails(() => client().queryOrder({ out_trade_no: 'nope' }), 'API_ERROR', { gatewayCode: -1, msg: '订单号不存在' });
  });

  it('refuses a missing or malformed order reference before any request', async () => {
    const c = client();
    for (const which of [undefined, null, {}, { trade_no: '' }, { out_trade_no: '' }, { trade_no: '12 3' }, { trade_no: {} }]) {
      await invalid(() => c.queryOrder(which), 'trade_no');
    }
    await invalid(() => c.queryOrder({ out_trade_no: 'a/b' }), 'out_trade_no');
    await assertNoRequests();
  });
});

// -------------------------------------------------------------- queryOrders

describe('queryOrders', () => {
  it('pages with limit and page or offset (the sandbox, as v3096, reads offset only)', async () => {
    const made = [await createdOrder(), await createdOrder(), await createdOrder()].map((o) => o.trade_no).sort();
    const c = client();
    const all = await c.queryOrders();
    assert.deepEqual(all.map((o) => o.trade_no).sort(), made);
    for (const o of all) {
      assert.equal(o.pid, PID);
      assert.equal(o.status, 0);
      assert.equal(o.paid, false);
      assert.equal(o.api_trade_no, null, 'act=orders rows carry no api_trade_no: null');
      assert.ok(!('count' in o));
    }
    const page1 = await c.queryOrders({ limit: 2 });
    const page2 = await c.queryOrders({ limit: 2, page: 2 });
    assert.equal(page1.length, 2);
    assert.equal(page2.length, 1);
    assert.deepEqual([...page1, ...page2].map((o) => o.trade_no).sort(), made, 'pages are disjoint and cover every order');
    assert.deepEqual(await c.queryOrders({ limit: 2, offset: 2 }), page2, 'offset is sent, not ignored');
    assert.deepEqual((await c.queryOrders({ limit: 2, offset: 1 })).map((o) => o.trade_no), [page1[1].trade_no, page2[0].trade_no]);
    assert.equal((await c.queryOrders({ limit: 50, page: 1 })).length, 3);
  });

  it('sends limit and offset, and page when the offset falls on a whole page', async () => {
    const seen = [];
    const c = client({ fetch: async (url) => { seen.push(new URL(url).searchParams); return new Response('{"code":1,"data":[]}'); } });
    await c.queryOrders({ limit: 2, page: 3 });
    await c.queryOrders({ limit: 2, offset: 3 });
    await c.queryOrders();
    const paging = seen.map((q) => ['limit', 'offset', 'page'].map((k) => q.get(k)));
    assert.deepEqual(paging, [['2', '4', '3'], ['2', '3', null], ['20', '0', '1']]);
  });

  it('past the last page is the HTTP 500 with an empty body v3096 answers: an HTTP_ERROR', async () => {
    await createdOrder();
    await fails(() => client().queryOrders({ limit: 1, page: 4 }), 'HTTP_ERROR', { status: 500 });
  });

  it('checks limit 1–50, page ≥ 1, offset ≥ 0, not both, and no other key, before any request', async () => {
    const c = client();
    for (const limit of [0, 51, -1, 1.5, '10', null]) await invalid(() => c.queryOrders({ limit }), 'limit');
    for (const page of [0, -1, 1.5, '2']) await invalid(() => c.queryOrders({ page }), 'page');
    for (const offset of [-1, 1.5, '2', null, 2 ** 53]) await invalid(() => c.queryOrders({ offset }), 'offset');
    const both = await invalid(() => c.queryOrders({ page: 2, offset: 20 }), 'offset');
    assert.match(both.message, /page or offset, not both/);
    const typo = await invalid(() => c.queryOrders({ limit: 2, offest: 2 }), 'offest');
    assert.equal(typo.message, 'unknown option `offest` in queryOrders paging; expected limit, page, offset');
    await invalid(() => c.queryOrders('page 2'), 'page');
    await assertNoRequests();
  });

  it('a bad key is API_ERROR -3', async () => {
    await fails(() => client({ key: 'not-the-key' }).queryOrders(), 'API_ERROR', { gatewayCode: -3 });
  });
});

// ------------------------------------------------------------------ orders()

describe('orders(): every order, a page at a time', () => {
  /** Every order the iterator gives, in order. */
  async function collect(iterable) {
    const out = [];
    for await (const order of iterable) out.push(order);
    return out;
  }
  const newestFirst = (orders) => orders.map((o) => o.trade_no).sort().reverse();

  it('walks 7 orders by pages of 3: 3 requests, the last page short', async () => {
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await createdOrder());
    await pay(made[2].trade_no);
    const iterable = client().orders({ limit: 3 });
    assert.equal(typeof iterable[Symbol.asyncIterator], 'function');
    const all = await collect(iterable);
    assert.deepEqual(all.map((o) => o.trade_no), newestFirst(made));
    assert.ok(all.every((o) => o.pid === PID && typeof o.paid === 'boolean'));
    assert.deepEqual(await requests(), { 'mapi.php': 7, 'api.php?act=orders': 3 });
    assert.deepEqual((await collect(iterable)).map((o) => o.trade_no), newestFirst(made), 'each for-await walks again from the first page');
    const paid = await collect(client().orders({ limit: 3, status: 1 }));
    assert.deepEqual(paid.map((o) => [o.trade_no, o.status, o.paid]), [[made[2].trade_no, 1, true]]);
  });

  it('6 orders by pages of 3: the HTTP 500 with an empty body after the second full page is the end', async () => {
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await createdOrder());
    const all = await collect(client({ retries: 2 }).orders({ limit: 3 }));
    assert.deepEqual(all.map((o) => o.trade_no), newestFirst(made));
    assert.deepEqual(await requests(), { 'mapi.php': 6, 'api.php?act=orders': 3 }, 'the end is not retried');
  });

  it('next() calls made at once still give each order once, in order', async () => {
    const made = [await createdOrder(), await createdOrder(), await createdOrder()];
    const it = client().orders({ limit: 2 })[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    assert.deepEqual(results.map((r) => r.done), [false, false, false, true, true]);
    assert.deepEqual(results.slice(0, 3).map((r) => r.value.trade_no), newestFirst(made));
    assert.equal(results[3].value, undefined);
  });

  it('an empty 500 anywhere but after a full page is thrown, as is any other failure', async () => {
    // The sandbox has no orders: v3096 answers the first page with its empty 500.
    await fails(() => collect(client().orders()), 'HTTP_ERROR', { status: 500 });
    await createdOrder();
    await createdOrder();
    await fault({ target: 'api.php?act=orders', kind: 'non_json' });
    await fails(() => collect(client().orders({ limit: 2 })), 'BAD_RESPONSE');
    await fails(() => collect(client({ key: 'not-the-key' }).orders()), 'API_ERROR', { gatewayCode: -3 });
  });

  it('refuses bad options at once, naming them, before any request', async () => {
    const c = client();
    for (const limit of [0, 51, 1.5, '3', null]) await invalid(() => c.orders({ limit }), 'limit');
    for (const status of [-1, 1.5, '1', null]) await invalid(() => c.orders({ status }), 'status');
    const typo = await invalid(() => c.orders({ limt: 3 }), 'limt');
    assert.equal(typo.message, 'unknown option `limt` in orders options; expected limit, status');
    await invalid(() => c.orders({ page: 2 }), 'page');
    assert.throws(() => c.orders({ limit: 0 }), { name: 'EpayError', code: 'INVALID_PARAM' }, 'thrown, not a rejected promise');
    await assertNoRequests();
  });
});

// ------------------------------------------------------- a custom fetch

describe('the fetch option', () => {
  it('sends every request through the given function, as fetch(url, init)', async () => {
    const calls = [];
    const counting = (url, init) => {
      calls.push({ url, init });
      return fetch(url, init);
    };
    const c = client({ fetch: counting });
    const { trade_no } = await c.createOrder(apiOrder());
    const found = await c.queryOrder({ trade_no });
    assert.equal(found.trade_no, trade_no);
    assert.equal(calls.length, 2);
    assert.equal(typeof calls[0].url, 'string');
    assert.equal(calls[0].url, `${sb.url}mapi.php`);
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.redirect, 'manual');
    assert.ok(calls[0].init.signal instanceof AbortSignal);
    assert.equal(calls[0].init.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.equal(calls[1].init.method, 'GET');
    assert.ok(calls[1].url.startsWith(`${sb.url}api.php?act=order&pid=${PID}&key=`));
    assert.deepEqual(await requests(), { 'mapi.php': 1, 'api.php?act=order': 1 }, 'and nothing else');
  });

  it('a full page then an empty 500 from a fetch double ends orders(); a 500 with a body is thrown', async () => {
    const made = [await createdOrder(), await createdOrder()];
    const pages = [];
    const past = (body) => (url, init) => {
      pages.push(new URL(url).searchParams.get('offset'));
      return pages.length === 1 ? fetch(url, init) : new Response(body, { status: 500 });
    };
    const all = [];
    for await (const o of client({ fetch: past('') }).orders({ limit: 2 })) all.push(o.trade_no);
    assert.deepEqual(all, made.map((o) => o.trade_no).sort().reverse());
    assert.deepEqual(pages, ['0', '2']);
    pages.length = 0;
    const it = client({ fetch: past('<b>Fatal error</b>') }).orders({ limit: 2 })[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    await fails(() => it.next(), 'HTTP_ERROR', { status: 500 });
  });

  it('what the function throws or resolves to is mapped to typed errors', async () => {
    await fails(() => client({ fetch: () => { throw new TypeError('proxy refused'); } }).queryMerchant(), 'NETWORK', { message: /proxy refused/ });
    await fails(() => client({ fetch: async () => { throw new TypeError('reset'); } }).queryMerchant(), 'NETWORK', { message: /reset/ });
    await fails(() => client({ fetch: async () => 'not a Response' }).queryMerchant(), 'NETWORK', { message: /did not resolve to a Response/ });
    const aborting = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    await fails(() => client({ fetch: aborting, timeoutMs: 50 }).queryMerchant(), 'TIMEOUT');
    await fails(() => client({ fetch: async () => new Response('x'.repeat(2 << 20)) }).queryMerchant(), 'BAD_RESPONSE', { message: /larger than/ });
    const notAStream = async () => ({ status: 200, body: {}, arrayBuffer: async () => new TextEncoder().encode(`{"code":1,"pid":${PID}}`).buffer });
    assert.equal((await client({ fetch: notAStream }).queryMerchant()).pid, PID, 'a body that is not a stream is read with arrayBuffer()');
    await assertNoRequests();
  });

  it('must be a function', async () => {
    for (const value of [null, 'fetch', {}, 1]) await invalid(() => client({ fetch: value }), 'fetch');
  });
});

// ------------------------------------------------- unknown option keys

describe('option bags refuse keys they do not know, naming them', () => {
  it('EpayClient options', async () => {
    const e = await invalid(() => client({ timeout: 1000 }), 'timeout');
    assert.equal(e.message, 'unknown option `timeout` in EpayClient options; expected gateway, pid, key, timeoutMs, retries, fetch');
  });

  it("verifyNotify's expected, on the client", async () => {
    const e = await invalid(() => client().verifyNotify('pid=1005', { out_trade_no: 'A1', amount: '1.00' }), 'amount');
    assert.match(e.message, /^unknown option `amount` in verifyNotify's expected; expected pid, out_trade_no, money$/);
  });

  it('the { gateway, key } of buildPayUrl', async () => {
    const { type, clientip, ...order } = apiOrder();
    await invalid(() => buildPayUrl({ pid: PID, ...order }, { gateway: sb.url, key: KEY, sign_type: 'MD5' }), 'sign_type');
  });

  it('toQrSvg options', async () => {
    const e = await invalid(() => toQrSvg('https://pay.example.com/', { size: 128, colour: '#000' }), 'colour');
    assert.equal(e.message, 'unknown option `colour` in toQrSvg options; expected ecc, border, dark, light, size');
  });

  it('the { gateway, key } of buildSubmitForm', async () => {
    const e = await invalid(() => buildSubmitForm({ pid: PID, ...apiOrder() }, { gateway: sb.url, key: KEY, method: 'GET' }), 'method');
    assert.equal(e.message, 'unknown option `method` in SubmitOptions; expected gateway, key');
  });

  it('a bag that is not a plain object is refused, never read as one with no checks', async () => {
    const notify = new URLSearchParams({ pid: PID, out_trade_no: 'A1', money: '1.00', trade_status: 'TRADE_SUCCESS' });
    notify.set('sign', md5Sign(Object.fromEntries(notify)));
    assert.equal(verifyNotify(notify.toString(), KEY).ok, true, 'the notify itself is genuine');
    for (const expected of ['A2', 42, new Map([['out_trade_no', 'A2']]), ['A2'], new URLSearchParams('out_trade_no=A2')]) {
      const e = await invalid(() => verifyNotify(notify.toString(), KEY, expected), 'expected');
      assert.equal(e.message, "verifyNotify's expected must be a plain object { pid, out_trade_no, money }");
      await invalid(() => verifyNotify(Object.fromEntries(notify), KEY, expected), 'expected');
      await invalid(() => client().verifyNotify(notify.toString(), expected), 'expected');
    }
    await invalid(() => toQrSvg('https://pay.example.com/', 'big'), 'options');
    await invalid(() => buildSubmitForm({ pid: PID, ...apiOrder() }, sb.url), 'options');
    await invalid(() => client().queryOrders(20), 'page');
    await invalid(() => client().orders('paid'), 'options');
    await invalid(() => new EpayClient(new Map([['gateway', sb.url]])), 'options');
    assert.equal(verifyNotify(notify.toString(), KEY, null).ok, true, 'null is an absent bag');
    const otherRealm = vm.runInNewContext('({ out_trade_no: "A2" })');
    assert.equal(verifyNotify(notify.toString(), KEY, otherRealm).reason, 'out_trade_no_mismatch', "another realm's plain object is one");
    assert.equal(client().sign(vm.runInNewContext('({ a: "1" })')), md5Sign({ a: '1' }));
  });

  it('order and params objects still carry any field', async () => {
    const created = await client().createOrder(apiOrder({ sitename: 'shop', timeout: '30' }));
    assert.ok(created.trade_no);
    assert.equal(client().sign({ anything: 1 }), md5Sign({ anything: 1 }));
  });
});

// ------------------------------------------------------------------- refund

describe('refund', () => {
  it('refunds a paid order (code 0 from the common server), in parts', async () => {
    const o = await paidOrder({ money: '3.00' });
    const c = client();
    const first = await c.refund({ trade_no: o.trade_no }, '1');
    assert.deepEqual(Object.keys(first), ['code', 'msg', 'refund_no', 'out_refund_no', 'trade_no', 'out_trade_no', 'uid', 'money', 'reducemoney']);
    assert.deepEqual([first.code, first.msg, first.trade_no, first.uid, first.money], [0, '退款成功！退款金额¥1.00', o.trade_no, PID, '1.00']);
    assert.equal((await c.refund({ out_trade_no: o.out_trade_no }, 2)).code, 0);
    const after = await c.queryOrder({ trade_no: o.trade_no });
    assert.deepEqual([after.status, after.refunded], [2, true]);
    assert.equal((await sandboxOrder(o.trade_no)).refundmoney, '3.00', 'the gateway kept the amount (act=order does not show it)');
    await fails(() => c.refund({ trade_no: o.trade_no }, '0.01'), 'API_ERROR', { gatewayCode: -1, msg: '该订单已全额退款！' });
  });

  it('gateway refusals are API_ERROR: unpaid, unknown, bad key', async () => {
    const o = await createdOrder();
    await fails(() => client().refund({ trade_no: o.trade_no }, '1'), 'API_ERROR', { gatewayCode: -1, msg: '该订单状态不支持退款！' });
    await fails(() => client().refund({ out_trade_no: 'nope' }, '1'), 'API_ERROR', { gatewayCode: -1, msg: '订单号不存在' });
    await fails(() => client({ key: 'not-the-key' }).refund({ trade_no: o.trade_no }, '1'), 'API_ERROR', { gatewayCode: -3 });
  });

  it('refuses a missing order reference or bad money before any request', async () => {
    const c = client();
    for (const which of [undefined, {}, { trade_no: '' }, '2000010100000000000']) await invalid(() => c.refund(which, '1'), 'trade_no');
    const e = await invalid(() => c.refund({ trade_no: '2000010100000000000', mony: '1' }, '1'), 'mony');
    assert.equal(e.message, 'unknown option `mony` in OrderRef; expected trade_no, out_trade_no');
    await invalid(() => c.queryOrder({ out_trade_no: 'A1', status: 1 }), 'status');
    const bare = await invalid(() => c.queryOrder('2000010100000000000'), 'trade_no');
    assert.equal(bare.message, 'OrderRef must be a plain object { trade_no, out_trade_no }');
    await invalid(() => c.refund({ out_trade_no: 'a b' }, '1'), 'out_trade_no');
    for (const money of [undefined, '', '0', 0, '-1', -1, '1.234', 'abc', NaN, {}]) {
      await invalid(() => c.refund({ trade_no: '2000010100000000000' }, money), 'money');
    }
    await assertNoRequests();
  });

  for (const kind of ['http500', 'drop']) {
    it(`is never retried: ${kind} → rejected after exactly one refund request`, async () => {
      const o = await paidOrder();
      await fault({ target: 'api.php?act=refund', kind, times: 0 });
      await fails(() => client({ retries: 5 }).refund({ trade_no: o.trade_no }, '1'),
        kind === 'drop' ? 'NETWORK' : 'HTTP_ERROR', kind === 'drop' ? {} : { status: 500 });
      assert.equal((await requests())['api.php?act=refund'], 1);
      assert.equal((await sandboxOrder(o.trade_no)).status, 1, 'not refunded by the fault');
    });
  }

  it('is never retried after a timeout, though the gateway may still have refunded', async () => {
    const o = await paidOrder();
    await fault({ target: 'api.php?act=refund', kind: 'delay', ms: 600 });
    await fails(() => client({ retries: 5, timeoutMs: 200 }).refund({ trade_no: o.trade_no }, '1'), 'TIMEOUT');
    await waitFor(async () => (await sandboxOrder(o.trade_no)).status === 2, 'the delayed refund to land');
    assert.equal((await requests())['api.php?act=refund'], 1);
    assert.equal((await client().queryOrder({ trade_no: o.trade_no })).refunded, true, 'check with queryOrder before trying again');
  });
});

// -------------------------------------------------- transport error mapping

describe('errors: HTTP_ERROR, TIMEOUT, NETWORK, BAD_RESPONSE', () => {
  it('HTTP 500 is HTTP_ERROR with status', async () => {
    await fault({ target: 'api.php', kind: 'http500' });
    await fails(() => client().queryMerchant(), 'HTTP_ERROR', { status: 500, message: /HTTP 500/ });
    assert.deepEqual(await requests(), { 'api.php?act=query': 1 });
  });

  it('a redirect is HTTP_ERROR and is not followed', async () => {
    await fault({ target: 'api.php', kind: 'redirect', location: `${merchant.url}redirected` });
    const err = await fails(() => client({ retries: 2 }).queryMerchant(), 'HTTP_ERROR', { message: /redirect/ });
    assert.ok(err.status === 0 || (err.status >= 300 && err.status < 400), `status ${err.status}`);
    assert.equal(merchant.hits('/redirected').length, 0, 'the Location was not requested');
    assert.deepEqual(await requests(), { 'api.php?act=query': 1 }, 'a redirect is not retried');
  });

  it('an answer slower than timeoutMs is TIMEOUT, not retried', async () => {
    await fault({ target: 'api.php', kind: 'delay', ms: 1500 });
    const started = Date.now();
    await fails(() => client({ timeoutMs: 300, retries: 2 }).queryMerchant(), 'TIMEOUT');
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1200, `took ${took} ms`);
    assert.deepEqual(await requests(), { 'api.php?act=query': 1 });
  });

  it('a closed port and a dropped connection are NETWORK', async () => {
    const closed = await closedPortUrl();
    await fails(() => client({ gateway: closed }).queryMerchant(), 'NETWORK', { message: /could not reach/ });
    await fault({ target: 'api.php', kind: 'drop' });
    await fails(() => client().queryOrders(), 'NETWORK');
    assert.deepEqual(await requests(), { 'api.php?act=orders': 1 });
  });

  for (const [kind, start] of [
    ['non_json', /^<br \/>\n<b>Warning<\/b>/],
    ['truncated_json', /^\{"code":1,"msg":"$/],
    ['html_error', /<html|<!DOCTYPE/i],
  ]) {
    it(`${kind} is BAD_RESPONSE with the start of the body, not retried`, async () => {
      await fault({ target: 'api.php', kind });
      const err = await fails(() => client({ retries: 2 }).querySettlements(), 'BAD_RESPONSE');
      assert.match(err.body, start);
      assert.ok(err.body.length <= 200);
      assert.deepEqual(await requests(), { 'api.php?act=settle': 1 });
    });
  }

  it('a 10 MB body is capped: BAD_RESPONSE with at most 200 characters', async () => {
    await fault({ target: 'api.php', kind: 'huge_body' });
    const started = Date.now();
    const err = await fails(() => client().queryOrder({ trade_no: '1' }), 'BAD_RESPONSE', { message: /larger than/ });
    assert.ok(err.body.length > 0 && err.body.length <= 200, `${err.body.length} chars`);
    assert.match(err.body, /^\{"code":-1,"msg":"huge body","pad":"x+$/);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('retries', () => {
  it('a GET with retries: 2 survives two HTTP 500s: 3 requests', async () => {
    await fault({ target: 'api.php?act=query', kind: 'http500', times: 2 });
    assert.equal((await client({ retries: 2 }).queryMerchant()).pid, PID);
    assert.deepEqual(await requests(), { 'api.php?act=query': 3 });
  });

  it('gives up after `retries` retries with the last error', async () => {
    await fault({ target: 'api.php?act=query', kind: 'http500', times: 2 });
    await fails(() => client({ retries: 1 }).queryMerchant(), 'HTTP_ERROR', { status: 500 });
    assert.deepEqual(await requests(), { 'api.php?act=query': 2 });
  });

  it('retries once by default; a dropped connection is retried like a 5xx', async () => {
    await fault({ target: 'api.php?act=order', kind: 'drop' });
    const c = new EpayClient({ gateway: sb.url, pid: PID, key: KEY });
    await fails(() => c.queryOrder({ trade_no: '2000010100000000000' }), 'API_ERROR', { gatewayCode: -1 });
    assert.deepEqual(await requests(), { 'api.php?act=order': 2 });
  });

  it('an API_ERROR is not retried', async () => {
    await fails(() => client({ key: 'not-the-key', retries: 3 }).queryMerchant(), 'API_ERROR');
    assert.deepEqual(await requests(), { 'api.php?act=query': 1 });
  });
});

// ---------------------------------------------------------------- full flow

describe('full flow: createOrder → pay → notify → queryOrder → refund', () => {
  it('goes through, verifying the notify the merchant server received', async () => {
    const c = client();
    const order = apiOrder({ money: '1.00', param: 'cart-42' });
    const { trade_no, payurl } = await c.createOrder(order);
    assert.ok(payurl);
    await pay(trade_no);

    const path = new URL(order.notify_url).pathname;
    const [hit] = await waitFor(() => merchant.hits(path).length && merchant.hits(path), 'the notify');
    assert.equal(hit.method, 'GET');
    const fields = Object.fromEntries(new URL(hit.url, 'http://x').searchParams);
    assert.equal(fields.sign, md5Sign(fields), 'the notify is signed (checked independently)');
    assert.equal(fields.money, '1', 'real servers drop the trailing zeros');

    const verified = c.verifyNotify(hit.url, { out_trade_no: order.out_trade_no, money: order.money });
    assert.equal(verified.ok, true, verified.reason);
    assert.equal(verified.paid, true);
    assert.equal(verified.reason, null);
    assert.equal(verified.data.trade_no, trade_no);
    assert.equal(verified.data.param, 'cart-42');
    const free = verifyNotify(hit.url, KEY, { pid: PID, out_trade_no: order.out_trade_no, money: 1 });
    assert.equal(free.ok, true, free.reason);
    assert.equal(c.verifyNotify(hit.url, { money: '2.00' }).reason, 'money_mismatch');
    assert.equal(c.verifyNotify(hit.url, { out_trade_no: 'other' }).reason, 'out_trade_no_mismatch');
    await waitFor(async () => (await sandboxOrder(trade_no)).notify.status === 'success', 'the notify to be acknowledged');
    assert.equal(merchant.hits(path).length, 1, 'acknowledged with "success": sent once');

    const paid = await c.queryOrder({ out_trade_no: order.out_trade_no });
    assert.equal(paid.status, 1);
    assert.equal(paid.paid, true);
    assert.equal(paid.api_trade_no, fields.api_trade_no);

    assert.equal((await c.refund({ trade_no }, order.money)).code, 0);
    const refunded = await c.queryOrder({ trade_no });
    assert.equal(refunded.status, 2);
    assert.equal(refunded.paid, true);
    assert.equal(refunded.refunded, true);
  });
});

// ----------------------------------------------------- the sandbox's checks

describe('sandbox signature check', () => {
  async function postMapi(fields) {
    const res = await fetch(`${sb.url}mapi.php`, { method: 'POST', body: new URLSearchParams(fields) });
    return JSON.parse(await res.text());
  }
  const fields = () => ({ pid: String(PID), device: 'jump', ...apiOrder() });

  it('rejects a hand-made mapi.php POST with a wrong sign: -3 MD5签名校验失败', async () => {
    const f = fields();
    assert.deepEqual(await postMapi({ ...f, sign: md5Sign(f, 'wrong-key'), sign_type: 'MD5' }), { code: -3, msg: 'MD5签名校验失败' });
    assert.deepEqual(await postMapi({ ...f, sign: md5Sign(f), sign_type: 'MD5', money: '2.00' }), { code: -3, msg: 'MD5签名校验失败' });
    assert.equal((await postMapi({ ...f, sign: md5Sign(f), sign_type: 'MD5' })).code, 1, 'the right sign passes');
  });
});

// ----------------------------------------------------------- bound helpers

describe('bound helpers use the client KEY, gateway and pid', () => {
  const submitOrder = () => {
    const { type, clientip, ...rest } = apiOrder();
    return rest;
  };

  it('sign and signParams', () => {
    const c = client();
    const params = { pid: 1005, out_trade_no: 'A1', money: '1.00', empty: '', zero: 0 };
    assert.equal(c.sign(params), md5Sign(params));
    assert.equal(client({ key: 'other' }).sign(params), md5Sign(params, 'other'));
    const s = c.signParams(params);
    assert.deepEqual(s, { pid: '1005', out_trade_no: 'A1', money: '1.00', zero: '0', sign: md5Sign(params), sign_type: 'MD5' });
  });

  it('buildPayUrl: a submit.php link on the client gateway, signed with its KEY and pid', async () => {
    const order = submitOrder();
    const link = new URL(client().buildPayUrl(order));
    assert.equal(`${link.origin}${link.pathname}`, `${sb.url}submit.php`);
    const fields = Object.fromEntries(link.searchParams);
    assert.equal(fields.pid, String(PID));
    assert.equal(fields.money, '1.00');
    assert.equal(fields.sign, md5Sign(fields));
    const res = await fetch(link, { redirect: 'manual' });
    assert.equal(res.status, 302, 'the sandbox accepts it');
    assert.match(res.headers.get('location'), new RegExp(`^${sb.url}pay/\\d+$`));
  });

  it('buildSubmitForm: posts to the client gateway, signed with its KEY and pid', async () => {
    const html = client().buildSubmitForm(submitOrder());
    assert.ok(html.includes(`action="${sb.url}submit.php"`), html);
    const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
    assert.equal(fields.pid, String(PID));
    assert.equal(fields.sign, md5Sign(fields));
    const res = await fetch(`${sb.url}submit.php`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    assert.equal(res.status, 302, 'the sandbox accepts it');
  });

  it('verifyNotify defaults pid to the client: a notify for pid 1006 with the same KEY is pid_mismatch', () => {
    const n = { pid: '1006', trade_no: '2024010100000000001', out_trade_no: 'A1', type: 'alipay', name: 'VIP', money: '1', trade_status: 'TRADE_SUCCESS' };
    const query = new URLSearchParams({ ...n, sign: md5Sign(n), sign_type: 'MD5' }).toString();
    const c = client();
    assert.deepEqual(c.verifyNotify(query), { ok: false, paid: false, reason: 'pid_mismatch', data: { ...n, sign: md5Sign(n), sign_type: 'MD5' } });
    assert.equal(c.verifyNotify(query, { pid: 1006 }).ok, true, 'an explicit pid wins');
    assert.equal(verifyNotify(query, KEY).ok, true, 'the free function has no default pid');
    const mine = { ...n, pid: '1005' };
    const signedMine = new URLSearchParams({ ...mine, sign: md5Sign(mine), sign_type: 'MD5' });
    assert.equal(c.verifyNotify(signedMine).ok, true);
    assert.equal(client({ key: 'other' }).verifyNotify(signedMine).reason, 'bad_sign');
  });

  it('helpers refuse bad input with INVALID_PARAM, thrown (they are synchronous)', async () => {
    const c = client();
    assert.throws(() => c.sign({ a: [1] }), { name: 'EpayError', code: 'INVALID_PARAM', field: 'a' });
    await invalid(() => c.sign({ a: [1] }), 'a');
    await invalid(() => c.signParams({ name: '  ' }), 'name');
    await invalid(() => c.buildPayUrl({ ...submitOrder(), money: '0' }), 'money');
    await invalid(() => c.buildSubmitForm({ ...submitOrder(), notify_url: 'ftp://x/' }), 'notify_url');
    await assertNoRequests();
  });
});

// ------------------------------------------------------ the KEY never leaks

describe('the KEY never appears in an error', () => {
  /** A fake gateway that echoes the KEY in its failures, as a misconfigured server might. */
  let echo;
  before(async () => {
    echo = await startServer((req) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/json/api.php') return { body: JSON.stringify({ code: -3, msg: `KEY ${KEY} 校验失败` }) };
      if (path === '/warning/api.php') return { body: `<b>Warning</b>: key=${KEY} in api.php` };
      return { body: `${'x'.repeat(185)}${KEY}` }; // the KEY straddles the 200-character cut
    });
  });
  after(() => echo.close());

  it('is redacted from gateway messages and bodies that echo it', async () => {
    const c = (path) => client({ gateway: `${echo.url}${path}/` });
    const api = await fails(() => c('json').queryMerchant(), 'API_ERROR', { gatewayCode: -3 });
    assert.equal(api.msg, 'KEY *** 校验失败');
    const bad = await fails(() => c('warning').queryMerchant(), 'BAD_RESPONSE');
    assert.equal(bad.body, '<b>Warning</b>: key=*** in api.php');
  });

  it('no part of the KEY leaks when a body is cut at 200 characters', async () => {
    const err = await fails(() => client({ gateway: `${echo.url}cut/` }).queryMerchant(), 'BAD_RESPONSE');
    for (const text of [err.body, err.message]) assert.ok(!text.includes(KEY.slice(0, 8)), `ends with ${text.slice(-20)}`);
  });

  it('in message, String(err), JSON.stringify(err), stack, body and msg of every error above', () => {
    const codes = new Set(seen.map((e) => e.code));
    for (const code of ERROR_CODES) assert.ok(codes.has(code), `no ${code} error was collected`);
    for (const err of seen) {
      const texts = { message: err.message, string: String(err), json: JSON.stringify(err), stack: err.stack, body: err.body, msg: err.msg };
      for (const [what, text] of Object.entries(texts)) {
        assert.ok(!String(text ?? '').includes(KEY), `${err.code} ${what}: ${text}`);
      }
    }
    assert.ok(seen.length > 100, `${seen.length} errors checked`);
  });
});
