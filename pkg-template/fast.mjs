// The fast path of sign and verifyNotify, shared by the Node entry
// (index.cjs loads fast.cjs, which the build makes from this file) and the
// browser entry (web.mjs).
//
// Going through wasm-bindgen field by field costs several times the MD5
// itself, so the KEY and the fields cross as one UTF-8 text written
// straight into wasm memory (TextEncoder.encodeInto), their UTF-16 lengths
// in a header, in one call of a number-only export (src/wasm/fast.rs).
// Anything unusual (URLSearchParams, other value types, a lone surrogate,
// an option it does not know, a call from inside a getter, a getter that
// grows wasm memory) and every error goes to the regular wasm-bindgen
// export, which returns the same result or throws the same EpayError.

/**
 * The header's layout in u32 slots, and the codes, of src/wasm/fast.rs
 * (tests/js/fast-path.test.mjs compares them with its `fastLayout()`).
 */
export const LAYOUT = {
  H_TEXT: 0,
  H_TEXT_CAP: 1,
  H_OUT: 2,
  H_OUT_LEN: 3,
  H_OUT_U32: 4,
  H_OUT_COUNT: 5,
  H_SIGNATURE: 6,
  H_LENS: 14,
  MAX_SEGMENTS: 256,
  SLOW: 0xffffffff,
  EXPECT_PID: 1,
  EXPECT_OUT_TRADE_NO: 2,
  EXPECT_MONEY: 4,
  NOTIFY_OBJECT: 8,
  PAID: 8,
  REASONS: [null, 'malformed', 'missing_sign', 'bad_sign', 'pid_mismatch', 'out_trade_no_mismatch', 'money_mismatch'],
  /** Segments before a notify's own: the KEY and the three expected values. */
  NOTIFY_FIRST: 4,
  /** verifyNotify's `expected` keys, in the order of their segments and flags. */
  EXPECTED_KEYS: ['pid', 'out_trade_no', 'money'],
};
const {
  H_TEXT, H_TEXT_CAP, H_OUT, H_OUT_LEN, H_OUT_U32, H_OUT_COUNT, H_SIGNATURE, H_LENS, MAX_SEGMENTS, SLOW,
  EXPECT_PID, EXPECT_OUT_TRADE_NO, EXPECT_MONEY, NOTIFY_OBJECT, PAID, REASONS, NOTIFY_FIRST, EXPECTED_KEYS,
} = LAYOUT;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * `wasm`: the wasm-bindgen module (its regular `sign` and `verifyNotify`,
 * and the fast path's `fastMemory`, `fastReserve`, `fastSign`,
 * `fastVerify`); `isReady()`: whether it is initialised.
 */
export function makeFast(wasm, isReady) {
  let memory; // the WebAssembly.Memory
  let u8, u32; // views of it
  let inputView; // u8 over the input buffer
  let hdr = 0; // the header's address / 4
  let busy = false; // a getter calling back in takes the regular path
  let count = 0; // fields gathered
  const names = []; // their names and texts (for verifyNotify's `data`)
  const values = [];

  function views() {
    u8 = new Uint8Array(memory.buffer);
    u32 = new Uint32Array(memory.buffer);
    inputView = u8.subarray(u32[hdr + H_TEXT], u32[hdr + H_TEXT] + u32[hdr + H_TEXT_CAP]);
  }

  /** Whether the fast path can take a call now. */
  function ready() {
    if (busy || !isReady()) return false;
    if (memory === undefined) {
      memory = wasm.fastMemory();
      hdr = wasm.fastReserve(4096) >>> 2;
      views();
    } else if (detached()) {
      views();
    }
    return true;
  }

  /** Whether wasm memory grew (its old buffer is then detached) since the views were made. */
  function detached() {
    return u8.byteLength === 0;
  }

  /**
   * The fields of a plain object as one text, their UTF-16 lengths in the
   * length slots from `slot` on, `count` set; null for anything unusual.
   */
  function gather(params, slot) {
    if (!isPlainObject(params)) return null;
    const keys = Object.keys(params);
    if (slot + 2 * keys.length > MAX_SEGMENTS) return null;
    const lens = u32;
    let at = hdr + H_LENS + slot;
    let n = 0;
    let text = '';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let v = params[k];
      if (typeof v !== 'string') {
        if (v === undefined || v === null) continue;
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'bigint') return null;
        v = String(v);
      }
      lens[at++] = k.length;
      lens[at++] = v.length;
      names[n] = k;
      values[n++] = v;
      text += k;
      text += v;
    }
    count = n;
    // A getter that grew memory: the lengths written since are lost.
    return detached() ? null : text;
  }

  /** Writes `text` into the input buffer: its UTF-8 length, or -1. */
  function write(text) {
    if (text.length * 3 > inputView.length) {
      wasm.fastReserve(text.length * 3);
      views();
    }
    const done = encoder.encodeInto(text, inputView);
    return done.read === text.length ? done.written : -1;
  }

  function sign(params, key) {
    if (typeof key === 'string' && ready()) {
      busy = true;
      try {
        const text = gather(params, 1);
        if (text !== null) {
          u32[hdr + H_LENS] = key.length;
          const n = write(key + text);
          if (n >= 0 && wasm.fastSign(count, n) === 0) return signature();
        }
      } finally {
        busy = false;
      }
    }
    return wasm.sign(params, key);
  }

  /** The 32 hex characters of `Header::signature`. */
  function signature() {
    if (detached()) views();
    const m = u8;
    const p = (hdr + H_SIGNATURE) * 4;
    return String.fromCharCode(
      m[p], m[p + 1], m[p + 2], m[p + 3], m[p + 4], m[p + 5], m[p + 6], m[p + 7],
      m[p + 8], m[p + 9], m[p + 10], m[p + 11], m[p + 12], m[p + 13], m[p + 14], m[p + 15],
      m[p + 16], m[p + 17], m[p + 18], m[p + 19], m[p + 20], m[p + 21], m[p + 22], m[p + 23],
      m[p + 24], m[p + 25], m[p + 26], m[p + 27], m[p + 28], m[p + 29], m[p + 30], m[p + 31],
    );
  }

  /** One expected value as the regular export reads it: null when absent, undefined for one it would refuse. */
  function expectedText(value) {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'bigint') return String(value);
    return undefined;
  }

  /** `expected` as [pid, out_trade_no, money] texts (null when absent), or null when the regular export must read it. */
  function expectedTexts(expected) {
    if (expected === undefined || expected === null) return [null, null, null];
    if (!isPlainObject(expected)) return null;
    for (const k of Object.keys(expected)) if (!EXPECTED_KEYS.includes(k)) return null;
    const texts = EXPECTED_KEYS.map((k) => expectedText(expected[k]));
    return texts.includes(undefined) ? null : texts;
  }

  function verifyNotify(input, key, expected) {
    if (typeof key === 'string' && ready()) {
      busy = true;
      try {
        const e = expectedTexts(expected);
        const object = typeof input !== 'string';
        const text = e === null ? null : object ? gather(input, NOTIFY_FIRST) : detached() ? null : input;
        if (text !== null) {
          const lens = u32;
          const at = hdr + H_LENS;
          lens[at] = key.length;
          lens[at + 1] = e[0] === null ? 0 : e[0].length;
          lens[at + 2] = e[1] === null ? 0 : e[1].length;
          lens[at + 3] = e[2] === null ? 0 : e[2].length;
          if (!object) lens[at + NOTIFY_FIRST] = input.length;
          const flags = (e[0] !== null ? EXPECT_PID : 0) | (e[1] !== null ? EXPECT_OUT_TRADE_NO : 0)
            | (e[2] !== null ? EXPECT_MONEY : 0) | (object ? NOTIFY_OBJECT : 0);
          const n = write(key + (e[0] ?? '') + (e[1] ?? '') + (e[2] ?? '') + text);
          const code = n < 0 ? SLOW : wasm.fastVerify(flags, count, n);
          if (code !== SLOW) return notifyResult(code, object ? objectData() : queryData());
        }
      } finally {
        busy = false;
      }
    }
    return wasm.verifyNotify(input, key, expected);
  }

  /** `data` of an object notify: its own strings, in the order the wasm sorted them. */
  function objectData() {
    if (detached()) views();
    const data = {};
    const first = u32[hdr + H_OUT_U32] >>> 2;
    const end = first + u32[hdr + H_OUT_COUNT];
    for (let i = first; i < end; i++) put(data, names[u32[i]], values[u32[i]]);
    return data;
  }

  /** `data` of a query-string notify, decoded from the wasm's answer. */
  function queryData() {
    if (detached()) views();
    const p = u32[hdr + H_OUT];
    const all = decoder.decode(u8.subarray(p, p + u32[hdr + H_OUT_LEN]));
    const lens = u32;
    const first = u32[hdr + H_OUT_U32] >>> 2;
    const end = first + u32[hdr + H_OUT_COUNT];
    const data = {};
    for (let i = first, at = 0; i < end; i += 2) {
      const k = all.slice(at, (at += lens[i]));
      put(data, k, all.slice(at, (at += lens[i + 1])));
    }
    return data;
  }

  function notifyResult(code, data) {
    const reason = REASONS[code & ~PAID];
    return { ok: reason === null, paid: (code & PAID) !== 0, reason, data };
  }

  return { sign, verifyNotify };
}

/** `data[k] = v`, where `k` may be `__proto__`: a field like any other. */
function put(data, k, v) {
  if (k === '__proto__') Object.defineProperty(data, k, { value: v, enumerable: true, writable: true, configurable: true });
  else data[k] = v;
}

/**
 * `{...}` or `Object.create(null)` of this realm: no class instance, array or URLSearchParams.
 * Another realm's plain object (an iframe, `node:vm`) takes the regular export, which accepts it.
 */
function isPlainObject(value) {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
