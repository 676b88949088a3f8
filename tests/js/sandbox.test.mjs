// Tests of epay-sandbox itself (the local gateway, the workspace package in
// packages/sandbox/); the notifies it sends are also checked with the built
// epay-wasm in pkg/. Run: node --test tests/js/
// Signatures are checked with an independent MD5 implementation (node:crypto),
// answers against a real 彩虹易支付 v3096 server's (bodies copied from its captures).

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startSandbox } from 'epay-sandbox';
import { verifyNotify } from '../../pkg/index.mjs';
import { fetchAnswer, md5Sign, sleep, startReceiver, TEST_KEY as KEY, TEST_PID as PID, waitFor } from './support.mjs';

const CLI = fileURLToPath(new URL('../../packages/sandbox/bin/epay-sandbox.mjs', import.meta.url));

const signed = (fields, key) => ({ ...fields, sign: md5Sign(fields, key), sign_type: 'MD5' });
const JSON_TYPE = 'application/json; charset=UTF-8';
const HTML_TYPE = 'text/html; charset=UTF-8';


let sb;
let receiver;
let seq = 0;

before(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({ notifyRetryDelaysMs: [50, 50, 100, 100], notifyTimeoutMs: 500 });
});
after(async () => {
  await sb.close();
  await receiver.close();
});
beforeEach(() => sb.state.reset());

/** Order fields; an override of undefined removes the field. */
function order(over = {}) {
  const out = `T${Date.now()}_${++seq}`;
  const f = {
    pid: String(PID), type: 'alipay', out_trade_no: out, notify_url: `${receiver.url}n/${out}`,
    return_url: 'https://shop.example/return', name: 'VIP会员', money: '1.00', clientip: '192.168.1.100',
    device: 'jump', ...over,
  };
  for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
  return f;
}

const call = (path, { base = sb.url, ...options } = {}) => fetchAnswer(base + path, options);
const mapi = (fields, base) => call('mapi.php', { method: 'POST', form: fields, base });
const control = (method, path, json, base) => call(`_sandbox/${path}`, { method, json, base });
const api = (query, base) => call(`api.php?${new URLSearchParams(query)}`, { base });
const refund = (form) => call('api.php?act=refund', { method: 'POST', form: { pid: PID, key: KEY, ...form } });

async function createOrder(over, base) {
  const fields = order(over);
  const r = await mapi(signed(fields), base);
  assert.equal(r.body?.code, 1, r.text);
  return { fields, trade_no: r.body.trade_no, notifyPath: new URL(fields.notify_url).pathname };
}
async function paidOrder(over) {
  const o = await createOrder(over);
  assert.equal((await control('POST', `orders/${o.trade_no}/pay`)).status, 200);
  return o;
}
const getOrder = async (tradeNo, base) => (await control('GET', `orders/${tradeNo}`, undefined, base)).body;

// ---------------------------------------------------------------- mapi.php

test('mapi: a signed order succeeds (JSON body, text/html header, payurl to the cashier)', async () => {
  const r = await mapi(signed(order()));
  assert.equal(r.status, 200);
  assert.equal(r.type, HTML_TYPE, 'as v3096 sends a created order');
  assert.equal(r.body.code, 1);
  assert.match(r.body.trade_no, /^\d{19,20}$/);
  assert.equal(r.body.payurl, `${sb.url}pay/${r.body.trade_no}`);
  const payurl = r.body.payurl.replaceAll('/', '\\/');
  assert.equal(r.text, `{"code":1,"trade_no":"${r.body.trade_no}","payurl":"${payurl}"}`, 'json_encode: "/" escaped');

  const g = order();
  const viaGet = await call(`mapi.php?${new URLSearchParams({ ...signed(g), sign: md5Sign(g).toUpperCase() })}`);
  assert.equal(viaGet.body.code, 1, 'GET params and an upper-case sign are accepted');
  assert.notEqual(viaGet.body.trade_no, r.body.trade_no);
});

test('mapi: every received field is signed, unknown ones included', async () => {
  const f = order({ sitename: 'shop', extra: '0' });
  assert.equal((await mapi(signed(f))).body.code, 1);
  const unsigned = { ...signed(order()), sitename: 'shop' };
  assert.deepEqual((await mapi(unsigned)).body, { code: -3, msg: 'MD5签名校验失败' });
});

test('mapi: errors are application/json with the message unescaped, as v3096 sends them', async () => {
  // The bodies of the v3096 captures mapi_bad_money, mapi_bad_sign and mapi_missing_name.
  const cases = [
    [signed(order({ money: 'abc' })), '{"code":-1,"msg":"金额不合法"}'],
    [{ ...signed(order()), sign: '0'.repeat(32) }, '{"code":-3,"msg":"MD5签名校验失败"}'],
    [signed(order({ name: undefined })), '{"code":-1,"msg":"商品名称(name)不能为空"}'],
    [{}, '{"code":-4,"msg":"未传入任何参数"}'],
  ];
  for (const [fields, body] of cases) {
    const r = await mapi(fields);
    assert.deepEqual([r.status, r.type, r.text], [200, JSON_TYPE, body]);
  }
});

test('mapi: any field name is signed as PHP receives it ($_POST names, ksort order)', async () => {
  const accepted = async (sent, signedAs) => {
    const r = await mapi({ ...sent, sign: md5Sign(signedAs), sign_type: 'MD5' });
    return r.body?.code === 1 || r.text;
  };
  // Names the library refuses but PHP keeps as they are: signed as received.
  for (const name of ['名字', 'a:b', 'a-b~', '__proto__', 'n'.repeat(100)]) {
    const f = order({ [name]: 'v' });
    assert.equal(await accepted(f, f), true, name);
  }
  // PHP turns " " and "." into "_", drops leading spaces, and an unclosed "[" becomes "_":
  // the server signs those names, not the ones sent.
  for (const [sent, php] of [['a.b', 'a_b'], ['x y', 'x_y'], [' lead', 'lead'], ['a[b.c', 'a_b.c']]) {
    const f = order();
    assert.equal(await accepted({ ...f, [sent]: 'v' }, { ...f, [php]: 'v' }), true, sent);
    assert.deepEqual((await mapi({ ...f, [sent]: 'v', sign: md5Sign({ ...f, [sent]: 'v' }), sign_type: 'MD5' })).body,
      { code: -3, msg: 'MD5签名校验失败' }, `${sent} is not what PHP signs`);
  }
  // "a[...]" is an array, which PHP signs as "Array".
  const f = order();
  assert.equal(await accepted({ ...f, 'list[]': 'x', 'map[k]': 'y' }, { ...f, list: 'Array', map: 'Array' }), true);
  // Numeric names are ordered by value (9 before 10), others byte by byte: the sign string written out.
  const g = order();
  const text = `9=a&10=b&${Object.keys(g).sort().map((k) => `${k}=${g[k]}`).join('&')}`;
  const sign = createHash('md5').update(text + KEY).digest('hex');
  assert.equal((await mapi({ ...g, 10: 'b', 9: 'a', sign, sign_type: 'MD5' })).body?.code, 1);
  assert.equal((await mapi({ ...g, 10: 'b', 9: 'a', sign: md5Sign({ ...g, 10: 'b', 9: 'a' }), sign_type: 'MD5' })).body.code, -3,
    'not the bytewise order');
});

test('mapi: signature and merchant errors are -3, no parameters -4', async () => {
  const f = order();
  assert.deepEqual((await mapi({ ...signed(f), sign: '0'.repeat(32) })).body, { code: -3, msg: 'MD5签名校验失败' });
  assert.deepEqual((await mapi({ ...signed(f), money: '2.00' })).body, { code: -3, msg: 'MD5签名校验失败' });
  assert.deepEqual((await mapi(signed(f, 'wrong-key'))).body, { code: -3, msg: 'MD5签名校验失败' });
  assert.deepEqual((await mapi({ ...f, sign_type: 'MD5' })).body, { code: -3, msg: '缺少签名参数' });
  const stranger = await mapi(signed(order({ pid: '4242' })));
  assert.equal(stranger.body.code, -3);
  assert.match(stranger.body.msg, /商户不存在/);
  assert.equal((await mapi({})).body.code, -4);
  assert.equal((await call('mapi.php')).body.code, -4);
});

test('mapi: each missing required field is -1 naming the field', async () => {
  for (const field of ['pid', 'type', 'out_trade_no', 'notify_url', 'return_url', 'name', 'money', 'clientip', 'device']) {
    for (const value of [undefined, '']) {
      const r = await mapi(signed(order({ [field]: value })));
      assert.equal(r.body?.code, -1, `${field}=${value}: ${r.text}`);
      assert.match(r.body.msg, new RegExp(`\\(${field}\\)`));
    }
  }
});

test('mapi: bad money, out_trade_no, clientip and device are -1', async () => {
  for (const money of ['0', '0.00', '-1', 'abc', '1.234', '1e2', '1,00', ' 1', '.5', '123456789']) {
    assert.deepEqual((await mapi(signed(order({ money })))).body, { code: -1, msg: '金额不合法' }, money);
  }
  for (const out of ['a b', '订单1', 'x/y', 'a#b']) {
    assert.deepEqual((await mapi(signed(order({ out_trade_no: out })))).body,
      { code: -1, msg: '订单号(out_trade_no)格式不正确' }, out);
  }
  for (const money of ['1', '0.01', '9.9', '99999999.99']) assert.equal((await mapi(signed(order({ money })))).body.code, 1, money);
  assert.equal((await mapi(signed(order({ out_trade_no: `A.b-c_d|${seq}` })))).body.code, 1);
  const ip = await mapi(signed(order({ clientip: '999.1.1.1' })));
  assert.equal(ip.body.code, -1);
  assert.match(ip.body.msg, /clientip/);
  const device = await mapi(signed(order({ device: 'pc' })));
  assert.equal(device.body.code, -1);
  assert.match(device.body.msg, /device/);
});

test('mapi: an unknown type answers an HTML error page with HTTP 200', async () => {
  const r = await mapi(signed(order({ type: 'bitcoin' })));
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/html/);
  assert.equal(r.body, undefined, 'not JSON');
  assert.match(r.text, /<html/);
  assert.match(r.text, /支付方式\(type\)不存在/);
});

test('mapi: a retried out_trade_no gives the same trade_no; changed fields or paid are refused', async () => {
  const f = order();
  const first = await mapi(signed(f));
  const again = await mapi(signed({ ...f, clientip: '10.0.0.1' }));
  assert.equal(again.body.code, 1);
  assert.equal(again.body.trade_no, first.body.trade_no);
  for (const change of [{ money: '1.01' }, { name: 'other' }, { notify_url: `${receiver.url}other` }, { type: 'wxpay' }]) {
    const r = await mapi(signed({ ...f, ...change }));
    assert.deepEqual(r.body, { code: -1, msg: `该订单(${f.out_trade_no})支付参数有变化，请更换订单号重新发起支付` }, JSON.stringify(change));
  }
  assert.equal((await mapi(signed({ ...f, money: '1' }))).body.trade_no, first.body.trade_no, 'money compared as an amount');
  await control('POST', `orders/${first.body.trade_no}/pay`);
  const paid = await mapi(signed(f));
  assert.equal(paid.body.code, -1);
  assert.match(paid.body.msg, /已完成支付/);
  assert.equal((await control('GET', 'orders')).body.orders.length, 1);
});

test('mapi: name is stored cut to 127 bytes on a character boundary', async () => {
  const name = '测'.repeat(60); // 180 bytes
  const o = await createOrder({ name });
  assert.equal((await getOrder(o.trade_no)).name, '测'.repeat(42)); // 126 bytes
  assert.equal((await mapi(signed(o.fields))).body.trade_no, o.trade_no, 'a retry with the same long name is the same order');
});

// ---------------------------------------------------------------- submit.php and the cashier

test('submit.php: 302 to the cashier, errors as HTML (never JSON), type optional', async () => {
  const f = order({ type: undefined, clientip: undefined, device: undefined });
  const r = await call(`submit.php?${new URLSearchParams(signed(f))}`);
  assert.equal(r.status, 302);
  const location = r.headers.get('location');
  assert.match(location, new RegExp(`^${sb.url}pay/\\d{19,20}$`));
  const cashier = await call(location.slice(sb.url.length));
  assert.match(cashier.text, /name="type" value="alipay"/);
  assert.match(cashier.text, /name="type" value="wxpay"/);

  const posted = await call('submit.php', { method: 'POST', form: signed(order()) });
  assert.equal(posted.status, 302);
  for (const bad of [{ ...signed(order()), sign: 'bad' }, signed(order({ money: 'x' })), signed(order({ type: 'nope' })), {}]) {
    const e = await call('submit.php', { method: 'POST', form: bad });
    assert.equal(e.status, 200);
    assert.match(e.type, /^text\/html/);
    assert.equal(e.body, undefined, `not JSON: ${e.text.slice(0, 80)}`);
    assert.match(e.text, /id="error"/);
  }
});

test('cashier: shows the order with the name HTML-escaped and #pay/#cancel forms', async () => {
  const name = `<script>alert("x")</script> & 'q' &notify_url`;
  const o = await createOrder({ name, money: '12.50' });
  const page = await call(`pay/${o.trade_no}`);
  assert.equal(page.status, 200);
  assert.match(page.type, /^text\/html/);
  assert.ok(page.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#039;q&#039; &amp;notify_url'));
  assert.ok(!page.text.includes('<script>'));
  assert.ok(!/&notify_url/.test(page.text.replace(/&amp;/g, '')), 'no bare & before a name');
  assert.match(page.text, /Test merchant/);
  assert.match(page.text, /12\.50/);
  assert.match(page.text, /<button id="pay"/);
  assert.match(page.text, /<button id="cancel"/);
  assert.equal((await call('pay/12345678901234567890')).status, 404);
});

test('cashier: Pay marks paid, notifies, and 302s to return_url with signed fields', async () => {
  const o = await createOrder({ return_url: 'https://shop.example/return?from=epay', money: '1.00' });
  const page = await call(`pay/${o.trade_no}`);
  const action = /<form id="payform" method="post" action="([^"]+)"/.exec(page.text)[1].replace(/&amp;/g, '&');
  const r = await call(action.slice(sb.url.length), { method: 'POST', form: {} });
  assert.equal(r.status, 302);
  const location = new URL(r.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, 'https://shop.example/return');
  const fields = Object.fromEntries(location.searchParams);
  assert.equal(fields.from, 'epay', 'query of return_url kept, & appended');
  const { from, ...signedPart } = fields;
  assert.equal(signedPart.sign, md5Sign(signedPart));
  assert.equal(signedPart.money, '1');
  assert.equal(signedPart.trade_status, 'TRADE_SUCCESS');
  assert.equal(verifyNotify(new URLSearchParams(signedPart), KEY, { pid: PID, out_trade_no: o.fields.out_trade_no, money: '1.00' }).paid, true);
  assert.equal((await getOrder(o.trade_no)).status, 1);
  await waitFor(() => receiver.hits(o.notifyPath).length === 1, 'the notify');
  const again = await call(`pay/${o.trade_no}`);
  assert.match(again.text, /id="paid"/);
});

test('cashier: Cancel shows a cancelled page and leaves the order unpaid; type chosen at pay time', async () => {
  const o = await createOrder();
  const r = await call(`pay/${o.trade_no}/cancel`, { method: 'POST', form: {} });
  assert.equal(r.status, 200);
  assert.match(r.text, /id="cancelled"/);
  const stored = await getOrder(o.trade_no);
  assert.equal(stored.status, 0);
  assert.equal(stored.state, 'cancelled');
  await sleep(100);
  assert.equal(receiver.hits(o.notifyPath).length, 0);

  const f = order({ type: undefined, clientip: undefined, device: undefined });
  const loc = (await call('submit.php', { method: 'POST', form: signed(f) })).headers.get('location');
  const paid = await call(`${loc.slice(sb.url.length)}/pay`, { method: 'POST', form: { type: 'wxpay' } });
  assert.equal(paid.status, 302);
  assert.equal(new URL(paid.headers.get('location')).searchParams.get('type'), 'wxpay');
});

// ---------------------------------------------------------------- notifies

test('notify: a signed GET that verifyNotify accepts, money with trailing zeros dropped', async () => {
  for (const [money, echoed] of [['1.00', '1'], ['9.90', '9.9'], ['10.00', '10'], ['0.01', '0.01']]) {
    const o = await paidOrder({ money, param: 'abc-123' });
    const [hit] = await waitFor(() => { const h = receiver.hits(o.notifyPath); return h.length && h; }, 'notify');
    assert.equal(hit.method, 'GET');
    const fields = Object.fromEntries(new URLSearchParams(hit.query));
    assert.equal(fields.money, echoed);
    assert.equal(fields.pid, String(PID));
    assert.equal(fields.out_trade_no, o.fields.out_trade_no);
    assert.equal(fields.trade_no, o.trade_no);
    assert.equal(fields.type, 'alipay');
    assert.equal(fields.name, 'VIP会员');
    assert.equal(fields.param, 'abc-123');
    assert.equal(fields.trade_status, 'TRADE_SUCCESS');
    assert.equal(fields.sign_type, 'MD5');
    assert.equal(fields.sign, md5Sign(fields), 'signed over every field sent');
    const v = verifyNotify(hit.query, KEY, { pid: PID, out_trade_no: o.fields.out_trade_no, money });
    assert.deepEqual([v.ok, v.paid, v.reason], [true, true, null]);
    const stored = await waitFor(async () => { const s = await getOrder(o.trade_no); return s.notify.status === 'success' && s; }, 'ack');
    assert.equal(stored.notify.attempts.length, 1);
    assert.deepEqual([stored.notify.attempts[0].status, stored.notify.attempts[0].body], [200, 'success']);
  }
});

test('notify: retried until the body is exactly "success"; redirects not followed', async () => {
  const o = await createOrder();
  const redirectTo = `${o.notifyPath}/elsewhere`;
  receiver.reply(o.notifyPath,
    'fail',
    (req, res) => { res.writeHead(301, { Location: redirectTo }); res.end(); },
    'success!',
    (req, res) => { res.writeHead(500); res.end('oops'); },
    '\n success \n');
  await control('POST', `orders/${o.trade_no}/pay`);
  const stored = await waitFor(async () => { const s = await getOrder(o.trade_no); return s.notify.status === 'success' && s; }, 'ack');
  assert.deepEqual(stored.notify.attempts.map((a) => a.status), [200, 301, 200, 500, 200]);
  assert.deepEqual(stored.notify.attempts.map((a) => a.body), ['fail', '', 'success!', 'oops', '\n success \n']);
  for (const a of stored.notify.attempts) assert.match(a.at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(receiver.hits(redirectTo).length, 0);
  assert.equal(receiver.hits(o.notifyPath).length, 5);
});

test('notify: gives up after the schedule, can be re-sent; timeouts recorded', async () => {
  const o = await createOrder();
  receiver.reply(o.notifyPath, ...Array(5).fill('fail'));
  await control('POST', `orders/${o.trade_no}/pay`);
  const failed = await waitFor(async () => { const s = await getOrder(o.trade_no); return s.notify.status === 'failed' && s; }, 'give up');
  assert.equal(failed.notify.attempts.length, 5, 'first try + 4 retries');
  await sleep(150);
  assert.equal(receiver.hits(o.notifyPath).length, 5);
  assert.equal((await control('POST', `orders/${o.trade_no}/notify`)).status, 200);
  await waitFor(async () => (await getOrder(o.trade_no)).notify.status === 'success', 're-sent notify');
  assert.equal(receiver.hits(o.notifyPath).length, 6);

  const slow = await createOrder();
  receiver.reply(slow.notifyPath, () => {}); // never answers
  await control('POST', `orders/${slow.trade_no}/pay`);
  const s = await waitFor(async () => { const x = await getOrder(slow.trade_no); return x.notify.status === 'success' && x; }, 'ack after timeout');
  assert.match(s.notify.attempts[0].error, /timeout after 500 ms/);
  assert.equal(s.notify.attempts[0].status, null);
});

// ---------------------------------------------------------------- api.php

test('api.php: query and settle', async () => {
  await paidOrder({ money: '2.50' });
  const q = await api({ act: 'query', pid: PID, key: KEY });
  assert.equal(q.type, JSON_TYPE);
  assert.deepEqual(q.body, {
    code: 1, pid: PID, key: KEY, active: 1, money: '2.50', type: 1, account: q.body.account, username: q.body.username,
    orders: 1, orders_today: 1, orders_lastday: 0,
  });
  assert.deepEqual(Object.keys(q.body), ['code', 'pid', 'key', 'active', 'money', 'type', 'account', 'username', 'orders',
    'orders_today', 'orders_lastday'], 'the fields of the v3096 capture api_query, in its order');
  assert.match(q.text, /"username":"\\u6c99\\u7bb1\\u5546\\u6237"/, 'non-ASCII as json_encode writes it');
  // The body of the v3096 capture api_settle.
  const settle = await api({ act: 'settle', pid: PID, key: KEY });
  assert.deepEqual([settle.type, settle.text], [JSON_TYPE, '{"code":1,"msg":"\\u67e5\\u8be2\\u7ed3\\u7b97\\u8bb0\\u5f55\\u6210\\u529f\\uff01","data":null}']);
  assert.equal((await api({ act: 'nope', pid: PID, key: KEY })).text, '{"code":-5,"msg":"No Act!"}');
  assert.equal((await api({ act: 'query', pid: PID, key: 'bad' })).body.code, -3);
  assert.equal((await api({ act: 'query', pid: 4242, key: KEY })).body.code, -3);
  assert.equal((await api({ act: 'query', key: KEY })).body.code, -3);
  assert.equal((await api({ act: 'nope', pid: PID, key: KEY })).body.code, -5);
  assert.equal((await api({ pid: PID, key: KEY })).body.code, -5);
  const actInBody = await call('api.php', { method: 'POST', form: { act: 'query', pid: PID, key: KEY } });
  assert.equal(actInBody.body.code, -5, 'act is read from the query string only');
});

test('api.php: query spells the day counters as the seed document with dayCounters "seed"', async () => {
  const box = await startSandbox({ merchants: [{ pid: PID, key: KEY, dayCounters: 'seed' }, { pid: 2001, key: 'k2', dayCounters: 'v3096' }] });
  try {
    await createOrder({}, box.url);
    const seed = (await api({ act: 'query', pid: PID, key: KEY }, box.url)).body;
    assert.deepEqual([seed.order_today, seed.order_lastday, 'orders_today' in seed, 'orders_lastday' in seed], [1, 0, false, false]);
    const v3096 = (await api({ act: 'query', pid: 2001, key: 'k2' }, box.url)).body;
    assert.deepEqual([v3096.orders_today, v3096.orders_lastday, 'order_today' in v3096], [0, 0, false]);
  } finally {
    await box.close();
  }
  for (const dayCounters of ['seeds', '', null, 1]) {
    await assert.rejects(startSandbox({ merchants: [{ pid: PID, key: KEY, dayCounters }] }), /dayCounters must be "v3096" or "seed"/);
  }
});

test('api.php: order by trade_no or out_trade_no (trade_no wins)', async () => {
  const a = await paidOrder({ money: '3.00', param: 'p1' });
  const b = await createOrder();
  const byTrade = (await api({ act: 'order', pid: PID, key: KEY, trade_no: a.trade_no, out_trade_no: b.fields.out_trade_no })).body;
  assert.equal(byTrade.trade_no, a.trade_no);
  assert.equal(byTrade.code, 1);
  assert.deepEqual(Object.keys(byTrade), ['code', 'msg', 'trade_no', 'out_trade_no', 'api_trade_no', 'bill_trade_no', 'type', 'pid',
    'addtime', 'endtime', 'name', 'money', 'param', 'buyer', 'status', 'payurl'], 'the fields of the v3096 capture api_order_paid, in its order');
  assert.deepEqual([byTrade.pid, byTrade.status, byTrade.money, byTrade.param, byTrade.msg], [PID, 1, '3.00', 'p1', 'succ']);
  assert.deepEqual([byTrade.bill_trade_no, byTrade.payurl], [null, null]);
  assert.match(byTrade.api_trade_no, /^\d+$/);
  assert.match(byTrade.addtime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.ok(!('refundmoney' in byTrade));
  const unpaid = (await api({ act: 'order', pid: PID, key: KEY, out_trade_no: b.fields.out_trade_no })).body;
  assert.deepEqual([unpaid.trade_no, unpaid.status, unpaid.endtime, unpaid.api_trade_no], [b.trade_no, 0, null, null]);
  assert.equal((await api({ act: 'order', pid: PID, key: KEY })).body.code, -4);
  assert.equal((await api({ act: 'order', pid: PID, key: KEY, trade_no: '1' })).body.code, -1);
  assert.equal((await api({ act: 'order', pid: PID, key: KEY, out_trade_no: 'missing' })).body.code, -1);
});

test('api.php: orders uses limit (max 50) and offset, ignores page; past the end HTTP 500, empty body', async () => {
  const made = [];
  for (let i = 0; i < 52; i++) made.push((await createOrder()).trade_no);
  const list = async (q) => (await api({ act: 'orders', pid: PID, key: KEY, ...q })).body;
  const first = await list({ limit: 2 });
  assert.equal(first.code, 1);
  assert.equal(first.data.length, 2);
  assert.deepEqual(Object.keys(first), ['code', 'msg', 'count', 'data'], 'as the v3096 capture api_orders');
  assert.equal(first.count, 2, 'count is the rows returned');
  assert.deepEqual(Object.keys(first.data[0]), ['trade_no', 'out_trade_no', 'type', 'pid', 'addtime', 'endtime', 'name', 'money',
    'param', 'buyer', 'status'], 'rows as in the capture: no api_trade_no');
  assert.deepEqual((await list({ limit: 2, page: 2 })).data, first.data, 'page ignored');
  const next = await list({ limit: 2, offset: 2 });
  assert.equal(next.data.length, 2);
  assert.ok(!next.data.some((o) => first.data.some((f) => f.trade_no === o.trade_no)));
  assert.equal((await list({ limit: 100 })).data.length, 50);
  const last = await list({ limit: 50, offset: 50 });
  assert.deepEqual([last.data.length, last.count], [2, 2]);
  assert.equal(typeof first.data[0].status, 'number');
  // Past the end, as the v3096 capture api_orders_past_the_end: HTTP 500, empty body.
  const past = await api({ act: 'orders', pid: PID, key: KEY, limit: 2, offset: 52 });
  assert.deepEqual([past.status, past.type, past.text], [500, JSON_TYPE, '']);
  await control('POST', `orders/${made.at(-1)}/pay`);
  const [paid] = (await list({ limit: 1 })).data;
  assert.deepEqual([paid.trade_no, paid.status, 'api_trade_no' in paid], [made.at(-1), 1, false], 'not even once paid');
  sb.state.reset();
  assert.equal((await api({ act: 'orders', pid: PID, key: KEY })).status, 500, 'no orders at all');
});

test('api.php: refund is code 0, partial, status 2; errors', async () => {
  const o = await paidOrder({ money: '2.00' });
  const unpaid = await createOrder();
  const viaGet = await call(`api.php?${new URLSearchParams({ act: 'refund', pid: PID, key: KEY, trade_no: o.trade_no, money: '1' })}`, { method: 'POST' });
  assert.equal(viaGet.body.code, -3, 'refund reads pid/key from the POST body');
  assert.equal((await refund({ money: '1' })).body.code, -4);
  assert.equal((await refund({ trade_no: o.trade_no, money: 'abc' })).body.code, -1);
  assert.equal((await refund({ trade_no: o.trade_no, money: '2.01' })).body.code, -1);
  // The bodies of the v3096 captures api_refund_unpaid and api_query_bad_key.
  assert.deepEqual((await refund({ trade_no: unpaid.trade_no, money: '1' })).body, { code: -1, msg: '该订单状态不支持退款！' });
  assert.equal((await refund({ trade_no: '1', money: '1' })).body.code, -1);
  assert.deepEqual((await refund({ trade_no: o.trade_no, money: '1', key: 'bad' })).body, { code: -3, msg: '商户密钥错误' });

  const part = await refund({ out_trade_no: o.fields.out_trade_no, money: '0.50' });
  assert.deepEqual(Object.keys(part.body), ['code', 'refund_no', 'out_refund_no', 'trade_no', 'out_trade_no', 'uid', 'money',
    'reducemoney', 'msg'], 'the fields of the v3096 capture api_refund_ok, in its order');
  const { refund_no, out_refund_no, ...rest } = part.body;
  assert.deepEqual(rest, { code: 0, trade_no: o.trade_no, out_trade_no: o.fields.out_trade_no, uid: PID, money: '0.50',
    reducemoney: '0.50', msg: '退款成功！退款金额¥0.50' });
  assert.match(refund_no, /^\d+$/);
  assert.equal(out_refund_no, refund_no);
  const after1 = (await api({ act: 'order', pid: PID, key: KEY, trade_no: o.trade_no })).body;
  assert.deepEqual([after1.status, 'refundmoney' in after1], [2, false], 'refunded: status 2, the amount not shown (v3096)');
  assert.equal((await refund({ trade_no: o.trade_no, money: '1.51' })).body.code, -1, 'more than what is left');
  assert.equal((await refund({ trade_no: o.trade_no, money: '1.50' })).body.code, 0);
  // The body of the v3096 capture api_refund_again.
  assert.deepEqual((await refund({ trade_no: o.trade_no, money: '0.01' })).body, { code: -1, msg: '该订单已全额退款！' }, 'fully refunded');
  assert.equal((await control('GET', `orders/${o.trade_no}`)).body.refundmoney, '2.00', 'the control API shows the amount');
  assert.equal((await control('GET', 'requests')).body['api.php?act=refund'], 11);
});

// ---------------------------------------------------------------- persistence

test('persist: orders survive a restart; the file is replaced atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epay-sandbox-'));
  const file = join(dir, 'state.json');
  try {
    let box = await startSandbox({ persist: file });
    const paid = await createOrder({ money: '5.00' }, box.url);
    await control('POST', `orders/${paid.trade_no}/pay`, undefined, box.url);
    const open = await createOrder({}, box.url);
    await box.close();
    assert.deepEqual(readdirSync(dir), ['state.json'], 'no tmp file left behind');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).orders.length, 2);

    box = await startSandbox({ persist: file });
    try {
      assert.equal((await getOrder(paid.trade_no, box.url)).status, 1);
      assert.equal((await getOrder(open.trade_no, box.url)).status, 0);
      assert.equal((await mapi(signed(open.fields), box.url)).body.trade_no, open.trade_no, 'de-dup survives');
      const q = (await api({ act: 'order', pid: PID, key: KEY, trade_no: paid.trade_no }, box.url)).body;
      assert.deepEqual([q.code, q.money, q.status], [1, '5.00', 1]);
      const fresh = await createOrder({}, box.url);
      assert.ok(![paid.trade_no, open.trade_no].includes(fresh.trade_no));
    } finally {
      await box.close();
    }
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).orders.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- faults

const addFault = async (spec) => {
  const r = await control('POST', 'faults', spec);
  assert.equal(r.status, 200, r.text);
  return r.body.fault;
};

test('faults: http500, delay and drop apply to the next matching request only', async () => {
  await addFault({ target: 'mapi.php', kind: 'http500' });
  const broken = await mapi(signed(order()));
  assert.deepEqual([broken.status, broken.text], [500, '']);
  assert.equal((await mapi(signed(order()))).body.code, 1);

  await addFault({ target: 'api.php', kind: 'delay', ms: 300 });
  const t0 = Date.now();
  assert.equal((await api({ act: 'settle', pid: PID, key: KEY })).body.code, 1);
  assert.ok(Date.now() - t0 >= 280);

  await addFault({ target: 'api.php?act=query', kind: 'drop' });
  assert.equal((await api({ act: 'settle', pid: PID, key: KEY })).body.code, 1, 'other acts untouched');
  await assert.rejects(api({ act: 'query', pid: PID, key: KEY }));
  assert.equal((await api({ act: 'query', pid: PID, key: KEY })).body.code, 1);
  assert.deepEqual((await control('GET', 'requests')).body,
    { 'mapi.php': 2, 'api.php?act=settle': 2, 'api.php?act=query': 2 }, 'faulted requests are counted');
});

test('faults: non_json, truncated_json, html_error, redirect, huge_body; times 0 lasts until DELETE', async () => {
  const cases = {
    non_json: (r) => assert.match(r.text, /Warning/),
    truncated_json: (r) => assert.equal(r.text, '{"code":1,"msg":"'),
    html_error: (r) => assert.match(r.text, /id="error"/),
    redirect: (r) => { assert.equal(r.status, 302); assert.equal(r.headers.get('location'), `${sb.url}_sandbox/redirected`); },
  };
  for (const [kind, check] of Object.entries(cases)) {
    await addFault({ target: '*', kind });
    const r = await mapi(signed(order()));
    assert.equal(r.body, undefined, `${kind}: not JSON`);
    check(r);
  }
  await addFault({ target: 'api.php', kind: 'huge_body' });
  const huge = await api({ act: 'query', pid: PID, key: KEY });
  assert.ok(huge.text.length >= 10 * 1024 * 1024);

  const forever = await addFault({ target: 'mapi.php', kind: 'http500', times: 0 });
  assert.equal(forever.remaining, null);
  assert.equal((await mapi(signed(order()))).status, 500);
  assert.equal((await mapi(signed(order()))).status, 500);
  assert.equal((await control('GET', 'faults')).body.faults.length, 1);
  assert.equal((await control('DELETE', 'faults')).status, 200);
  assert.equal((await mapi(signed(order()))).body.code, 1);

  for (const bad of [{ kind: 'explode' }, { kind: 'delay', target: 'nowhere.php' }, { kind: 'delay', ms: -1 }, { kind: 'notify_fail', target: 'api.php' }]) {
    assert.equal((await control('POST', 'faults', bad)).status, 400, JSON.stringify(bad));
  }
});

test('faults: target "notify" fails the next notify attempt without sending it', async () => {
  await addFault({ target: 'notify', kind: 'notify_fail', times: 2 });
  const o = await paidOrder();
  const s = await waitFor(async () => { const x = await getOrder(o.trade_no); return x.notify.status === 'success' && x; }, 'ack');
  assert.deepEqual(s.notify.attempts.map((a) => a.error), ['fault injected: notify_fail', 'fault injected: notify_fail', null]);
  assert.equal(receiver.hits(o.notifyPath).length, 1);
});

// ---------------------------------------------------------------- control API, CORS, logs, CLI

test('control: orders, pay/fail/notify conflicts, requests, reset', async () => {
  const o = await createOrder();
  assert.equal((await control('GET', 'orders/1')).status, 404);
  assert.equal((await control('POST', `orders/${o.trade_no}/notify`)).status, 409, 'not paid yet');
  const failed = await control('POST', `orders/${o.trade_no}/fail`);
  assert.deepEqual([failed.body.order.state, failed.body.order.status], ['failed', 0]);
  const paid = await control('POST', `orders/${o.trade_no}/pay`, { type: 'qqpay', buyer: 'tester' });
  assert.deepEqual([paid.body.order.state, paid.body.order.type, paid.body.order.buyer], ['paid', 'qqpay', 'tester']);
  assert.match(paid.body.return_url, /^https:\/\/shop\.example\/return\?/);
  assert.equal((await control('POST', `orders/${o.trade_no}/pay`)).status, 409);
  assert.equal((await control('POST', `orders/${o.trade_no}/fail`)).status, 409);
  const listed = (await control('GET', `orders?out_trade_no=${o.fields.out_trade_no}`)).body.orders;
  assert.deepEqual(listed.map((x) => x.trade_no), [o.trade_no]);
  assert.equal((await control('DELETE', 'orders')).status, 405);
  assert.equal((await control('GET', 'nothing')).status, 404);
  assert.deepEqual((await control('GET', 'requests')).body, { 'mapi.php': 1 }, 'control calls are not counted');
  await control('POST', 'reset');
  assert.deepEqual((await control('GET', 'orders')).body.orders, []);
  assert.deepEqual((await control('GET', 'requests')).body, {});
});

test('control: pages from other machines cannot drive the sandbox; local pages can', async () => {
  const o = await createOrder();
  for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
    const res = await fetch(`${sb.url}_sandbox/orders/${o.trade_no}/pay`, { method: 'POST', headers: { Origin: origin } });
    assert.equal(res.status, 403, origin);
  }
  assert.equal((await control('GET', `orders/${o.trade_no}`)).body.state, 'unpaid');
  const local = await fetch(`${sb.url}_sandbox/orders/${o.trade_no}`, { headers: { Origin: 'http://localhost:3000' } });
  assert.equal(local.status, 200);
});

test('CORS: preflight answered, Access-Control-Allow-Origin on answers', async () => {
  for (const path of ['mapi.php', 'api.php?act=refund', '_sandbox/faults']) {
    const res = await fetch(sb.url + path, {
      method: 'OPTIONS',
      headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods'), /POST/);
    assert.match(res.headers.get('access-control-allow-headers'), /content-type/i);
  }
  const r = await api({ act: 'query', pid: PID, key: KEY });
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal((await control('GET', 'requests')).body['api.php?act=query'], 1, 'preflights not counted');
});

test('log: one line per request, never the key', async () => {
  const lines = [];
  const box = await startSandbox({ log: (line) => lines.push(line) });
  try {
    await api({ act: 'query', pid: PID, key: KEY }, box.url);
    await mapi(signed(order()), box.url);
    await call('api.php?act=refund', { method: 'POST', form: { pid: PID, key: KEY, trade_no: '1', money: '1' }, base: box.url });
    await sleep(20);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /^GET \/api\.php\?act=query 200/);
    for (const line of lines) assert.ok(!line.includes(KEY), line);
  } finally {
    await box.close();
  }
});

/** Runs the CLI to its end; resolves { code, out, err }. */
function runCli(args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { err += c; });
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('CLI: --help documents the API; serves --pid/--key merchants without printing keys', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0, help.err);
  for (const word of ['mapi.php', 'submit.php', 'api.php', '_sandbox/faults', 'huge_body', '--persist', '--config', 'dayCounters']) {
    assert.ok(help.out.includes(word), word);
  }

  const child = spawn(process.execPath, [CLI, '--port', '0', '--pid', '2001', '--key', 'k2001secret', '--name', 'Second']);
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  try {
    const base = await waitFor(() => /gateway at (http:\S+\/)/.exec(out)?.[1], 'CLI start');
    assert.equal((await api({ act: 'query', pid: 2001, key: 'k2001secret' }, base)).body.code, 1);
    assert.equal((await api({ act: 'query', pid: PID, key: KEY }, base)).body.code, 1, 'default merchant kept');
    await sleep(50);
    assert.ok(!out.includes('k2001secret') && !out.includes(KEY), out);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0);
});

test('CLI: --config merchants with dayCounters; a bad one is refused without printing keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epay-sandbox-config-'));
  const config = join(dir, 'config.json');
  try {
    writeFileSync(config, JSON.stringify({ merchants: [{ pid: 3001, key: 'k3001secret', dayCounters: 'seed' }] }));
    const child = spawn(process.execPath, [CLI, '--port', '0', '--quiet', '--config', config]);
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    try {
      const base = await waitFor(() => /gateway at (http:\S+\/)/.exec(out)?.[1], 'CLI start');
      const q = (await api({ act: 'query', pid: 3001, key: 'k3001secret' }, base)).body;
      assert.deepEqual([q.code, q.order_today, q.order_lastday, 'orders_today' in q], [1, 0, 0, false]);
      assert.equal((await api({ act: 'query', pid: PID, key: KEY }, base)).body.code, -3, 'the config replaces the default merchant');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await new Promise((r) => child.on('close', r)), 0);

    writeFileSync(config, JSON.stringify([{ pid: 3001, key: 'k3001secret', dayCounters: 'orders' }]));
    const bad = await runCli(['--port', '0', '--config', config]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /merchant 3001: dayCounters must be "v3096" or "seed"/);
    assert.ok(!bad.err.includes('k3001secret'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
