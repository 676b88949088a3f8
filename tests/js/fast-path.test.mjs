// The fast path of sign, verifyNotify and buildSubmitForm (pkg-template/
// fast.mjs + src/wasm/fast.rs) against an independent MD5 (node:crypto),
// through the calls that move its caches: the KEY, the field names the
// wasm remembers, values-only calls, null values left out, memory growth,
// and a getter that calls back in. Run after scripts/build.sh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { md5Sign, TEST_KEY as KEY } from './support.mjs';

const require = createRequire(import.meta.url);
const epay = require('../../pkg/index.cjs');

const order = (i) => ({
  pid: 1005, type: 'alipay', out_trade_no: `A${i}`, notify_url: 'http://x.cn/n', return_url: 'http://x.cn/r',
  name: i % 3 ? 'VIP会员' : 'plain', money: (i % 7) + 0.5, clientip: '192.168.1.100', device: 'jump', param: '', sign_type: 'MD5',
});

test('sign: same names, other names, other order, fewer, more, null values, other KEYs, in any sequence', () => {
  const shapes = [
    (i) => order(i),
    (i) => ({ ...order(i), extra: `e${i}` }),
    (i) => { const o = order(i); delete o.device; return o; },
    (i) => Object.fromEntries(Object.entries(order(i)).reverse()),
    (i) => ({ ...order(i), param: null, device: undefined }),
    (i) => ({ b: `x${i}`, a: `y${i}` }),
    (i) => ({ a: `y${i}`, b: `x${i}` }),
    () => ({}),
  ];
  const keys = [KEY, 'k2', KEY, 'another-key-0123456789'];
  let seed = 1;
  for (let n = 0; n < 2000; n++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const fields = shapes[seed % shapes.length](n);
    const key = keys[(seed >>> 8) % keys.length];
    assert.equal(epay.sign(fields, key), md5Sign(fields, key), `call ${n}: ${JSON.stringify(fields)}`);
  }
});

test('sign: a bad call in between leaves no stale names behind', () => {
  const good = order(1);
  assert.equal(epay.sign(good, KEY), md5Sign(good, KEY));
  assert.equal(epay.sign(order(2), KEY), md5Sign(order(2), KEY)); // values only
  assert.throws(() => epay.sign({ ...order(3), 'a b': '1' }, KEY), { name: 'EpayError', field: 'a b' });
  assert.throws(() => epay.sign({ pid: 1, pid_: 2, 'pid ': 3 }, KEY), { name: 'EpayError' });
  assert.throws(() => epay.sign({ ...order(3), name: 'x\uD800' }, KEY), { name: 'EpayError', field: 'name' });
  assert.equal(epay.sign(order(4), KEY), md5Sign(order(4), KEY));
  assert.equal(epay.sign({ ...order(5), out_trade_no: 'B5' }, KEY), md5Sign({ ...order(5), out_trade_no: 'B5' }, KEY));
});

test('sign: the same names with values of every width', () => {
  for (const v of ['', 'a', '中', '😀', 'x'.repeat(70), '中'.repeat(300), '\uFFFD', 'a\u0000b']) {
    const fields = { ...order(0), name: v };
    assert.equal(epay.sign(fields, KEY), md5Sign(fields, KEY), JSON.stringify(v));
  }
});

test('sign: large input grows wasm memory mid-call and still signs right', () => {
  const big = { ...order(0), param: 'p'.repeat(3_000_000) };
  assert.equal(epay.sign(big, KEY), md5Sign(big, KEY));
  assert.equal(epay.sign(order(9), KEY), md5Sign(order(9), KEY));
});

test('sign: a getter that calls sign gets its own answer, and so does the outer call', () => {
  const inner = order(7);
  let innerSign;
  const outer = { ...order(8) };
  Object.defineProperty(outer, 'param', {
    enumerable: true,
    get() {
      innerSign = epay.sign(inner, KEY);
      return 'from-getter';
    },
  });
  const want = md5Sign({ ...order(8), param: 'from-getter' }, KEY);
  assert.equal(epay.sign(outer, KEY), want);
  assert.equal(innerSign, md5Sign(inner, KEY));
});

test('sign: a getter that grows wasm memory, then a KEY other than the last one (issue #9)', () => {
  const { memory } = require('../../pkg/epay_wasm_node.cjs').__wasm;
  assert.equal(epay.sign(order(1), KEY), md5Sign(order(1), KEY)); // the KEY the fast path now holds
  const outer = { ...order(2) };
  Object.defineProperty(outer, 'device', {
    enumerable: true,
    get() {
      // Sign ever larger objects until wasm memory has grown (its old buffer detached).
      const before = memory.buffer;
      for (let n = 1 << 20; before.byteLength !== 0; n *= 2) epay.sign({ param: 'p'.repeat(n) }, KEY);
      return 'jump';
    },
  });
  assert.equal(epay.sign(outer, 'another-key'), md5Sign({ ...order(2), device: 'jump' }, 'another-key'));
});

test('sign: a KEY that is not ASCII, or padded, goes the regular way', () => {
  assert.equal(epay.sign(order(1), 'ключ'), md5Sign(order(1), 'ключ'));
  assert.equal(epay.sign(order(1), KEY), md5Sign(order(1), KEY));
  assert.throws(() => epay.sign(order(1), ` ${KEY}`), { name: 'EpayError', field: 'key' });
  assert.throws(() => epay.sign(order(1), ''), { name: 'EpayError', field: 'key' });
});

test('verifyNotify and buildSubmitForm between signs agree with node:crypto', () => {
  for (let i = 0; i < 50; i++) {
    const fields = { pid: '1005', trade_no: `T${i}`, out_trade_no: `A${i}`, type: 'alipay', name: 'VIP会员', money: '1.00', trade_status: 'TRADE_SUCCESS' };
    const query = new URLSearchParams({ ...fields, sign: md5Sign(fields, KEY), sign_type: 'MD5' }).toString();
    const v = epay.verifyNotify(query, KEY, { pid: 1005, out_trade_no: `A${i}`, money: 1 });
    assert.deepEqual([v.ok, v.paid, v.reason, v.data.name], [true, true, null, 'VIP会员']);
    assert.equal(epay.sign(order(i), KEY), md5Sign(order(i), KEY));
    const html = epay.buildSubmitForm(order(i), { gateway: 'https://pay.example/', key: KEY });
    const signed = { ...order(i), money: ((i % 7) + 0.5).toFixed(2) };
    assert.ok(html.includes(`name="sign" value="${md5Sign(signed, KEY)}"`), html);
  }
});
