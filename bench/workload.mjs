// The benchmark's workload and the plain-JS code a merchant would write
// instead of using epay-wasm, shared by the Node run and the Chromium page.

export const KEY = '80TWQztHqTVvV440KTKVqVPQh11AkfpF';
export const GATEWAY = 'https://papi.payqqpay.cn/';
/** Distinct orders and notifies, cycled through, so no call repeats the last one's text. */
export const POOL = 64;

/** The seed document's order: 11 fields with a Chinese name, plus sign_type. */
export function order(i) {
  return {
    pid: 1005,
    type: 'alipay',
    out_trade_no: `20160806151343${String(349 + i).padStart(3, '0')}`,
    notify_url: 'http://www.pay.com/notify_url.php',
    return_url: 'http://www.pay.com/return_url.php',
    name: 'VIP会员',
    money: '1.00',
    clientip: '192.168.1.100',
    device: 'jump',
    param: `uid=${1000 + i}`,
    sign_type: 'MD5',
  };
}

/** A notify of the same size, signed with `md5hex`: its fields as received. */
export function notifyFields(i, md5hex) {
  const fields = {
    pid: '1005',
    trade_no: `2016080622555342651${String(i).padStart(2, '0')}`,
    out_trade_no: `20160806151343${String(349 + i).padStart(3, '0')}`,
    type: 'alipay',
    name: 'VIP会员',
    money: '1.00',
    trade_status: 'TRADE_SUCCESS',
    param: `uid=${1000 + i}`,
    buyer: '2088102175932553',
    addtime: '2016-08-06 15:13:43',
    endtime: '2016-08-06 15:13:52',
  };
  fields.sign = md5hex(canonical(fields) + KEY);
  fields.sign_type = 'MD5';
  return fields;
}

/** The canonical string: non-empty fields but sign/sign_type, sorted, `k=v` joined with `&`. */
function canonical(p) {
  return Object.keys(p)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && p[k] !== '' && p[k] != null)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join('&');
}

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\r': '&#13;' };
const escape = (s) => String(s).replace(/[&<>"'\r]/g, (c) => ENTITIES[c]);

/**
 * What a merchant writes in ten lines around an MD5 function `md5hex`
 * (string in, lowercase hex out): the same three operations, without the
 * field validation epay-wasm does on top. A notify comes as an object (the
 * framework parsed it: Express's `req.query`), kept as `data`, or as a
 * query string (a raw body), parsed with URLSearchParams.
 */
export function plainJs(md5hex) {
  const sign = (params, key) => md5hex(canonical(params) + key);
  return {
    sign,
    verifyNotify(input, key) {
      const data = typeof input === 'string' ? Object.fromEntries(new URLSearchParams(input)) : input;
      const ok = typeof data.sign === 'string' && sign(data, key) === data.sign.toLowerCase();
      return { ok, paid: ok && data.trade_status === 'TRADE_SUCCESS', reason: ok ? null : 'bad_sign', data };
    },
    buildSubmitForm(params, { gateway, key }) {
      const fields = { ...params, sign: sign(params, key), sign_type: 'MD5' };
      let html = `<form method="post" accept-charset="utf-8" action="${escape(gateway + 'submit.php')}">\n`;
      for (const k of Object.keys(fields).sort()) {
        if (fields[k] !== '' && fields[k] != null) html += `<input type="hidden" name="${escape(k)}" value="${escape(fields[k])}">\n`;
      }
      return `${html}<noscript><button type="submit">Continue to payment</button></noscript>\n</form>\n`
        + '<script>HTMLFormElement.prototype.submit.call(document.currentScript.previousElementSibling)</script>';
    },
  };
}

/** epay-wasm's exports as the same three operations. */
export function ours(epay) {
  return {
    sign: epay.sign,
    verifyNotify: (input, key) => epay.verifyNotify(input, key),
    buildSubmitForm: epay.buildSubmitForm,
  };
}

/** The operations measured, by the name the results give them. */
export const OPS = {
  sign: (impl, w, i) => impl.sign(w.orders[i], KEY),
  'verifyNotify (object)': (impl, w, i) => impl.verifyNotify(w.notifyObjects[i], KEY),
  'verifyNotify (query string)': (impl, w, i) => impl.verifyNotify(w.notifyQueries[i], KEY),
  buildSubmitForm: (impl, w, i) => impl.buildSubmitForm(w.orders[i], w.formOptions),
};

/** Checks that every implementation gives the same answers as epay-wasm. */
export function check(impls, w) {
  const [first, ...rest] = Object.entries(impls);
  for (const [name, impl] of rest) {
    for (const i of [0, 1, POOL - 1]) {
      const want = first[1].sign(w.orders[i], KEY);
      const got = impl.sign(w.orders[i], KEY);
      if (got !== want) throw new Error(`${name}: sign ${got} != ${want}`);
      for (const input of [w.notifyObjects[i], w.notifyQueries[i]]) {
        const ours = first[1].verifyNotify(input, KEY);
        const v = impl.verifyNotify(input, KEY);
        const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
        if (!v.ok || !v.paid || v.reason !== null || !ours.ok || !ours.paid || !same(v.data, ours.data)) {
          throw new Error(`${name}: verifyNotify ${JSON.stringify(v)} against ${JSON.stringify(ours)}`);
        }
      }
      const form = impl.buildSubmitForm(w.orders[i], w.formOptions);
      if (!form.includes(`name="sign" value="${want}"`)) throw new Error(`${name}: buildSubmitForm lacks the signature`);
    }
  }
}

export function workload(md5hex) {
  const orders = Array.from({ length: POOL }, (_, i) => order(i));
  const notifyObjects = Array.from({ length: POOL }, (_, i) => notifyFields(i, md5hex));
  const notifyQueries = notifyObjects.map((fields) => new URLSearchParams(fields).toString());
  return { orders, notifyObjects, notifyQueries, formOptions: { gateway: GATEWAY, key: KEY } };
}

/** Calls per second of `op` on `impl` over about `ms` milliseconds. */
function measure(op, impl, w, ms, now) {
  let calls = 0;
  let sink;
  const start = now();
  let elapsed = 0;
  do {
    for (let i = 0; i < POOL; i++) sink = op(impl, w, i);
    calls += POOL;
    elapsed = now() - start;
  } while (elapsed < ms);
  if (sink === undefined) throw new Error('no result');
  return (calls * 1000) / elapsed;
}

/**
 * For each operation, `rounds` rounds in which every implementation runs
 * in turn (the order rotating), after a warm-up. Returns, per operation,
 * the median ops/s of each implementation and the median per-round ratio
 * of `ours` to each other one.
 */
export function runSuite(impls, w, { rounds = 7, ms = 300, now = () => performance.now(), ops = Object.keys(OPS) } = {}) {
  const names = Object.keys(impls);
  const results = {};
  for (const opName of ops) {
    const op = OPS[opName];
    for (const name of names) measure(op, impls[name], w, ms, now); // warm-up
    const perRound = [];
    for (let r = 0; r < rounds; r++) {
      const row = {};
      for (let j = 0; j < names.length; j++) {
        const name = names[(r + j) % names.length];
        row[name] = measure(op, impls[name], w, ms, now);
      }
      perRound.push(row);
    }
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    results[opName] = {
      opsPerSec: Object.fromEntries(names.map((n) => [n, median(perRound.map((row) => row[n]))])),
      ratio: Object.fromEntries(names.filter((n) => n !== 'ours').map((n) => [n, median(perRound.map((row) => row.ours / row[n]))])),
    };
  }
  return results;
}
