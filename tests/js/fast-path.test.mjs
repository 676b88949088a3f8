// The fast path of sign and verifyNotify (pkg-template/fast.mjs +
// src/wasm/fast.rs): the same results as an independent MD5 (node:crypto)
// and the same results and errors as the regular wasm-bindgen exports,
// through what could trip it: KEYs and field sets changing from call to
// call, every width of character, lone surrogates, memory growth, getters
// that call back in, and the layout it shares with the Rust side. Run
// after scripts/build.sh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { LAYOUT } from '../../pkg/fast.mjs';
import { md5Sign, TEST_KEY as KEY } from './support.mjs';

const require = createRequire(import.meta.url);
const epay = require('../../pkg/index.cjs');
/** The wasm-bindgen glue: the regular exports, and the fast path's own. */
const regular = require('../../pkg/epay_wasm_node.cjs');

const order = (i) => ({
  pid: 1005, type: 'alipay', out_trade_no: `A${i}`, notify_url: 'http://x.cn/n', return_url: 'http://x.cn/r',
  name: i % 3 ? 'VIP会员' : 'plain', money: (i % 7) + 0.5, clientip: '192.168.1.100', device: 'jump', param: '', sign_type: 'MD5',
});

/** A notify's fields as received, signed with `key` by node:crypto. */
const notify = (i, key = KEY, extra = {}) => {
  const fields = { pid: '1005', trade_no: `T${i}`, out_trade_no: `A${i}`, type: 'alipay', name: 'VIP会员', money: '1.00', trade_status: 'TRADE_SUCCESS', ...extra };
  return { ...fields, sign: md5Sign(fields, key), sign_type: 'MD5' };
};

/** What `call` returns or throws, comparable with assert.deepEqual (errors by name, code, field, message). */
function outcome(call) {
  try {
    const value = call();
    return { value, keys: value && typeof value.data === 'object' ? Object.keys(value.data) : undefined };
  } catch (e) {
    return { error: { isError: e instanceof Error, name: e.name, code: e.code, field: e.field, message: e.message } };
  }
}

/** The fast export and the regular one agree on `args`. */
function sameAsRegular(name, ...args) {
  const fast = outcome(() => epay[name](...args));
  const slow = outcome(() => regular[name](...args));
  try {
    assert.deepEqual(fast, slow);
  } catch (e) {
    e.message = `${name}(${inspect(args, { maxStringLength: 60, breakLength: Infinity })}): ${e.message}`;
    throw e;
  }
}

test('the layout and codes in fast.mjs are those of src/wasm/fast.rs', () => {
  assert.deepEqual(regular.fastLayout(), LAYOUT);
});

test('the fast path exports are not the package\'s', () => {
  for (const name of ['fastMemory', 'fastReserve', 'fastSign', 'fastVerify', 'fastLayout']) {
    assert.equal(typeof regular[name], 'function', name);
    assert.equal(name in epay, false, name);
  }
});

test('the usual calls are answered by the fast path, not the regular exports', () => {
  const calls = [];
  const wrapped = ['fastSign', 'fastVerify', 'sign', 'verifyNotify'];
  const saved = wrapped.map((name) => regular[name]);
  wrapped.forEach((name, i) => {
    regular[name] = name.startsWith('fast')
      ? (...args) => {
        const r = saved[i](...args);
        calls.push(`${name}:${r === LAYOUT.SLOW ? 'slow' : 'ok'}`);
        return r;
      }
      : (...args) => {
        calls.push(name);
        return saved[i](...args);
      };
  });
  try {
    const usual = [
      () => epay.sign(order(1), KEY),
      () => epay.sign({ ...order(2), name: '😀', extra: null }, 'ключ'),
      () => epay.verifyNotify(notify(1), KEY),
      () => epay.verifyNotify(notify(2), KEY, { pid: 1005, out_trade_no: 'A2', money: '1' }),
      () => epay.verifyNotify(new URLSearchParams(notify(3)).toString(), KEY, { money: 1 }),
      () => epay.verifyNotify('garbage&&=', KEY),
    ];
    for (const call of usual) {
      calls.length = 0;
      call();
      assert.equal(calls.length, 1, `${call}: ${calls}`);
      assert.match(calls[0], /^fast\w+:ok$/, `${call}`);
    }
    calls.length = 0;
    assert.throws(() => epay.sign({ a: 'x\uD800' }, KEY), { name: 'EpayError', field: 'a' });
    assert.deepEqual(calls, ['fastSign:slow', 'sign']);
  } finally {
    wrapped.forEach((name, i) => { regular[name] = saved[i]; });
  }
});

test('sign: names, order, fewer, more, null values and KEYs changing from call to call', () => {
  const shapes = [
    (i) => order(i),
    (i) => ({ ...order(i), extra: `e${i}` }),
    (i) => { const o = order(i); delete o.device; return o; },
    (i) => Object.fromEntries(Object.entries(order(i)).reverse()),
    (i) => ({ ...order(i), param: null, device: undefined }),
    (i) => ({ b: `x${i}`, a: `y${i}` }),
    (i) => ({ a: `y${i}`, b: 10n ** BigInt(i % 30) }),
    () => ({}),
  ];
  const keys = [KEY, 'k2', KEY, 'another-key-0123456789', 'ключ', '密钥😀'];
  let seed = 1;
  for (let n = 0; n < 2000; n++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const fields = shapes[seed % shapes.length](n);
    const key = keys[(seed >>> 8) % keys.length];
    assert.equal(epay.sign(fields, key), md5Sign(fields, key), `call ${n}: ${JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  }
});

test('sign: values of every width', () => {
  for (const v of ['', 'a', '中', '😀', 'x'.repeat(70), '中'.repeat(300), '\uFFFD', 'a\u0000b']) {
    const fields = { ...order(0), name: v };
    assert.equal(epay.sign(fields, KEY), md5Sign(fields, KEY), JSON.stringify(v));
  }
});

test('sign: a field name may have exactly A-Z a-z 0-9 _ -, whatever the byte (the kernel\'s table)', () => {
  const allowed = /^[A-Za-z0-9_-]$/;
  const units = [...Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)), '\u0080', '\u00ff', '\u0100', '名', '😀'];
  for (const c of units) {
    for (const name of [c, `a${c}`, `${c}z`, `pid${c}x`]) {
      const fields = { ...order(1), [name]: 'v' };
      if (allowed.test(c)) {
        assert.equal(epay.sign(fields, KEY), md5Sign(fields, KEY), JSON.stringify(name));
      } else {
        assert.throws(() => epay.sign(fields, KEY), { name: 'EpayError', code: 'INVALID_PARAM', field: name }, JSON.stringify(name));
      }
    }
  }
});

test('sign: errors are those of the regular export, and a bad call leaves nothing behind', () => {
  const cases = [
    [{ ...order(3), 'a b': '1' }, KEY],
    [{ pid: 1, pid_: 2, 'pid ': 3 }, KEY],
    [{ ...order(3), name: 'x\uD800' }, KEY],
    [{ ...order(3), ['名\uDC00']: '1' }, KEY],
    [{ ...order(3), money: NaN }, KEY],
    [{ ...order(3), money: {} }, KEY],
    [order(3), ''],
    [order(3), ` ${KEY}`],
    [order(3), `${KEY}\n`],
    [order(3), 'k\uD800'],
    [order(3), 42],
    [new URLSearchParams(order(3)), KEY],
    [[['pid', '1']], KEY],
    ['pid=1', KEY],
    [{ ...order(3), ...Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`f${i}`, `${i}`])) }, KEY],
  ];
  for (const args of cases) {
    sameAsRegular('sign', ...args);
    assert.equal(epay.sign(order(4), KEY), md5Sign(order(4), KEY));
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

/** A getter returning `value` after signing ever larger objects until wasm memory has grown (its old buffer detached). */
function growingGetter(value) {
  return {
    enumerable: true,
    get() {
      const before = regular.fastMemory().buffer;
      for (let n = 1 << 20; before.byteLength !== 0; n *= 2) epay.sign({ param: 'p'.repeat(n) }, KEY);
      return value;
    },
  };
}

test('sign: a getter that grows wasm memory, then a KEY other than the last one (issue #9)', () => {
  assert.equal(epay.sign(order(1), KEY), md5Sign(order(1), KEY));
  const outer = Object.defineProperty({ ...order(2) }, 'device', growingGetter('jump'));
  assert.equal(epay.sign(outer, 'another-key'), md5Sign({ ...order(2), device: 'jump' }, 'another-key'));
});

test('verifyNotify: a getter that grows wasm memory, in the notify or in expected', () => {
  const fields = notify(1, 'another-key');
  const object = Object.defineProperty({ ...fields }, 'name', growingGetter('VIP会员'));
  const r = epay.verifyNotify(object, 'another-key');
  assert.deepEqual([r.ok, r.paid, r.reason, r.data], [true, true, null, fields]);
  const query = new URLSearchParams(notify(2)).toString();
  const expected = Object.defineProperty({ pid: '1005' }, 'out_trade_no', growingGetter('A2'));
  const q = epay.verifyNotify(query, KEY, expected);
  assert.deepEqual([q.ok, q.paid, q.reason, q.data.out_trade_no], [true, true, null, 'A2']);
});

test('verifyNotify: a getter of the notify that calls verifyNotify and sign', () => {
  const inner = notify(5);
  let innerResult;
  const fields = notify(6);
  const outer = Object.defineProperty({ ...fields }, 'trade_no', {
    enumerable: true,
    get() {
      innerResult = epay.verifyNotify(new URLSearchParams(inner).toString(), KEY, { out_trade_no: 'A5' });
      assert.equal(epay.sign(order(1), 'k2'), md5Sign(order(1), 'k2'));
      return fields.trade_no;
    },
  });
  const r = epay.verifyNotify(outer, KEY, { out_trade_no: 'A6' });
  assert.deepEqual([r.ok, r.paid, r.data], [true, true, fields]);
  assert.deepEqual([innerResult.ok, innerResult.paid, innerResult.data], [true, true, inner]);
});

test('verifyNotify: the same results and errors as the regular export, as an object and as a query string', () => {
  const signed = notify(1);
  const inputs = [
    signed,
    notify(2, KEY, { param: '', extra: '中文 & = +' }),
    notify(3, KEY, { trade_status: 'WAIT_BUYER_PAY' }),
    { ...signed, money: '2.00' },
    { ...signed, sign: signed.sign.toUpperCase() },
    { ...signed, sign_type: 'RSA' },
    { ...signed, sign: '' },
    { ...signed, sign: undefined },
    { ...signed, name: 'x\uD800' },
    { ...signed, 'a b': '1' },
    { ...signed, name: '\uFFFD' },
    { ...signed, money: 1 },
    { ...signed, money: true },
    { ...signed, trade_no: null },
    { ...signed, big: 'b'.repeat(100_000) },
    Object.fromEntries(Object.entries(signed).reverse()),
    Object.assign(Object.create(null), signed),
    Object.fromEntries([['__proto__', 'x'], ['constructor', 'y'], ['sign', '0'.repeat(32)]]),
    Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`f${i}`, `${i}`])),
    {},
  ];
  const expectations = [
    undefined, null, {}, { pid: 1005 }, { pid: '1006' }, { out_trade_no: 'A1' }, { out_trade_no: 'A9' },
    { money: 1 }, { money: '1.01' }, { pid: 1005n, out_trade_no: 'A1', money: '1.0' }, { pid: 'abc' },
    { money: '1.234' }, { out_trade_no: 'A1\uD800' }, { pid: null, money: undefined }, { pid: {} },
    { unknown: 1 }, { pid: 1005, amount: '1.00' }, new URLSearchParams('pid=1005'), 'pid=1005',
  ];
  for (const input of inputs) {
    const query = new URLSearchParams(Object.entries(input).filter(([, v]) => v != null)).toString();
    for (const expected of expectations) {
      for (const key of [KEY, 'k2', 'ключ', '', ` ${KEY}`, 7]) {
        sameAsRegular('verifyNotify', input, key, expected);
        sameAsRegular('verifyNotify', query, key, expected);
      }
    }
  }
  for (const input of [`${new URLSearchParams(signed)}\uD800`, new URLSearchParams(signed), 7, null, undefined, [['pid', '1']]]) {
    sameAsRegular('verifyNotify', input, KEY);
  }
});

test('verifyNotify: `data` keeps __proto__ as an own field and builds nothing from the prototype', () => {
  const object = Object.defineProperty({ sign: '0'.repeat(32) }, '__proto__', { value: 'x', enumerable: true });
  for (const input of [object, `__proto__=x&sign=${'0'.repeat(32)}`]) {
    const r = epay.verifyNotify(input, KEY);
    assert.equal(r.reason, 'bad_sign');
    assert.equal(Object.getPrototypeOf(r.data), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(r.data, '__proto__'), { value: 'x', enumerable: true, writable: true, configurable: true });
  }
});

test('sign and verifyNotify in turn agree with node:crypto', () => {
  for (let i = 0; i < 50; i++) {
    const fields = notify(i);
    const query = new URLSearchParams(fields).toString();
    for (const input of [fields, query]) {
      const v = epay.verifyNotify(input, KEY, { pid: 1005, out_trade_no: `A${i}`, money: 1 });
      assert.deepEqual([v.ok, v.paid, v.reason, v.data], [true, true, null, fields]);
    }
    assert.equal(epay.sign(order(i), KEY), md5Sign(order(i), KEY));
  }
});
