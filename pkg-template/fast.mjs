// The fast path of sign, verifyNotify and buildSubmitForm, shared by the
// Node entry (index.cjs loads fast.cjs, which the build makes from this
// file) and the browser entry (web.mjs).
//
// Going through wasm-bindgen field by field costs several times the MD5
// itself, so the fields cross as one UTF-8 text written straight into wasm
// memory (TextEncoder.encodeInto), with their UTF-16 lengths, in one call
// (src/wasm/fast.rs). Anything unusual (URLSearchParams, other value
// types, a non-ASCII KEY, nested calls) and every error goes to the
// regular wasm-bindgen export, which returns the same result or throws the
// same EpayError it always did.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const SLOW = 0xffffffff;
const NO_KEY = 0xffffffff;
const NOTIFY_OBJECT = 1 << 8;
const REASONS = [null, 'malformed', 'missing_sign', 'bad_sign', 'pid_mismatch', 'out_trade_no_mismatch', 'money_mismatch'];
// Header layout (src/wasm/fast.rs `Header`), in u32 slots.
const H_TEXT = 0, H_CAP = 1, H_OUT = 2, H_OUT_LEN = 3, H_OUT_LENS = 4, H_OUT_COUNT = 5, H_LENS = 6;
const MAX_SEGMENTS = 256;
const KEY_CAP = 256;

/**
 * `slow`: the wasm-bindgen exports; `exportsOf()`: the raw wasm exports,
 * or undefined before the module is initialised.
 */
export function makeFast(slow, exportsOf) {
  let raw; // raw wasm exports
  let u8, u32; // views of wasm memory
  let hdr = 0; // header address / 4
  let textView; // u8 over the input buffer
  let lastKey, keyLen = 0; // the KEY now in the header
  let busy = false; // a getter calling back in takes the regular path
  let text = ''; // the fields' text of the call in progress
  let count = 0; // its fields

  function views() {
    const buffer = raw.memory.buffer;
    u8 = new Uint8Array(buffer);
    u32 = new Uint32Array(buffer);
    textView = u8.subarray(u32[hdr + H_TEXT], u32[hdr + H_TEXT] + u32[hdr + H_CAP]);
  }

  function ready() {
    if (raw === undefined) {
      // Once initialised, a module's exports never change.
      const r = exportsOf();
      if (r === undefined || typeof r.epay_header !== 'function') return false;
      raw = r;
      hdr = r.epay_header() >>> 2;
      r.epay_reserve(4096);
      views();
    }
    if (busy) return false;
    if (u8.byteLength === 0) views(); // memory grew
    return true;
  }

  /** Reads the fields of a plain object into `text` and the length slots from `slot` on; false for anything unusual. */
  function gather(params, slot) {
    text = '';
    count = 0;
    if (typeof params !== 'object' || params === null) return false;
    const proto = Object.getPrototypeOf(params);
    if (proto !== Object.prototype && proto !== null) return false;
    const keys = Object.keys(params);
    if (slot + 2 * keys.length > MAX_SEGMENTS) return false;
    const lens = u32;
    const first = hdr + H_LENS + slot;
    let at = first;
    let t = ''; // a local, not the closure's `text`: no write barrier per piece
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let v = params[k];
      if (typeof v !== 'string') {
        if (v === undefined || v === null) continue;
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'bigint') return false;
        v = String(v);
      }
      lens[at++] = k.length;
      lens[at++] = v.length;
      t += k;
      t += v;
    }
    text = t;
    count = (at - first) >> 1;
    return !detached();
  }

  /** Whether a getter grew wasm memory: the length slots written since are lost, and the views unusable. */
  function detached() {
    return u8.byteLength === 0;
  }

  /** Writes `text` into the input buffer: its UTF-8 length, or -1. */
  function writeText() {
    if (text.length * 3 > textView.length) {
      raw.epay_reserve(text.length * 3);
      views();
    }
    const done = encoder.encodeInto(text, textView);
    return done.read === text.length ? done.written : -1;
  }

  /** Puts the KEY in the header unless it is there already; false for a KEY the fast path does not take. */
  function putKey(key) {
    if (key === lastKey) return true;
    if (key.length > KEY_CAP) return false;
    lastKey = undefined;
    const start = (hdr + H_LENS + MAX_SEGMENTS) * 4;
    const { read, written } = encoder.encodeInto(key, u8.subarray(start, start + KEY_CAP));
    if (read !== key.length || written !== key.length) return false; // ASCII only
    lastKey = key;
    keyLen = written;
    return true;
  }

  function output() {
    if (u8.byteLength === 0) views();
    const p = u32[hdr + H_OUT];
    return u8.subarray(p, p + u32[hdr + H_OUT_LEN]);
  }

  /** One expected value as the slow path reads it: null when absent, undefined for one it would refuse. */
  function expectedText(value) {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'bigint') return String(value);
    return undefined;
  }

  function sign(params, key) {
    if (typeof key === 'string' && ready()) {
      busy = true;
      try {
        if (gatherSign(params) && putKey(key)) {
          // Same names as the last call: only the values cross.
          if (signedNames !== undefined) {
            text = values;
            const n = writeText();
            if (n >= 0 && raw.epay_sign_values(count, n, keyLen) === 0) return hex();
            signedNames = undefined;
            text = full;
          }
          const n = writeText();
          if (n >= 0 && raw.epay_sign(count, n, keyLen) === 0) {
            signedNames = sent; // what the wasm now remembers
            return hex();
          }
          signedNames = undefined;
        }
      } finally {
        busy = false;
      }
    }
    return slow.sign(params, key);
  }

  // sign's gather: the fields' full text (names and values) in `full`,
  // the values alone in `values` while the names are those of the last
  // signed call (`signedNames`, which it clears otherwise), and in `sent`
  // the names sent (undefined if a null value was left out: not cached).
  let signedNames, full = '', values = '', sent;
  function gatherSign(params) {
    if (typeof params !== 'object' || params === null) return false;
    const proto = Object.getPrototypeOf(params);
    if (proto !== Object.prototype && proto !== null) return false;
    const keys = Object.keys(params);
    if (2 * keys.length > MAX_SEGMENTS) return false;
    const lens = u32;
    const first = hdr + H_LENS;
    let at = first;
    let t = '';
    let vt = '';
    let same = signedNames !== undefined;
    let skipped = false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let v = params[k];
      if (typeof v !== 'string') {
        if (v === undefined || v === null) {
          skipped = true;
          continue;
        }
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'bigint') return false;
        v = String(v);
      }
      if (same) {
        same = signedNames[(at - first) >> 1] === k;
        vt += v;
      }
      lens[at++] = k.length;
      lens[at++] = v.length;
      t += k;
      t += v;
    }
    count = (at - first) >> 1;
    if (!same || count !== signedNames.length) signedNames = undefined;
    full = t;
    values = vt;
    text = t;
    sent = skipped ? undefined : keys;
    return !detached();
  }

  /** The 32 hex characters the wasm left in `out`. */
  function hex() {
    if (u8.byteLength === 0) views();
    const m = u8;
    const p = u32[hdr + H_OUT];
    return String.fromCharCode(
      m[p], m[p + 1], m[p + 2], m[p + 3], m[p + 4], m[p + 5], m[p + 6], m[p + 7],
      m[p + 8], m[p + 9], m[p + 10], m[p + 11], m[p + 12], m[p + 13], m[p + 14], m[p + 15],
      m[p + 16], m[p + 17], m[p + 18], m[p + 19], m[p + 20], m[p + 21], m[p + 22], m[p + 23],
      m[p + 24], m[p + 25], m[p + 26], m[p + 27], m[p + 28], m[p + 29], m[p + 30], m[p + 31],
    );
  }

  function buildSubmitForm(params, options) {
    if (typeof options === 'object' && options !== null && ready()) {
      busy = true;
      try {
        const gateway = options.gateway;
        const key = options.key;
        if (typeof gateway === 'string' && (key === undefined || typeof key === 'string') && gather(params, 0)
          && 2 * count < MAX_SEGMENTS) {
          u32[hdr + H_LENS + 2 * count] = gateway.length;
          text += gateway;
          const n = writeText();
          if (n >= 0 && (key === undefined || putKey(key))
            && raw.epay_form(count, n, key === undefined ? NO_KEY : keyLen) === 0) {
            return decoder.decode(output());
          }
        }
      } finally {
        busy = false;
      }
    }
    return slow.buildSubmitForm(params, options);
  }

  function verifyNotify(input, key, expected) {
    if (typeof key === 'string' && (expected === undefined || expected === null || typeof expected === 'object') && ready()) {
      busy = true;
      try {
        const e = expected ?? {};
        const pid = expectedText(e.pid);
        const no = expectedText(e.out_trade_no);
        const money = expectedText(e.money);
        if (pid !== undefined && no !== undefined && money !== undefined) {
          const flags = (pid !== null ? 1 : 0) | (no !== null ? 2 : 0) | (money !== null ? 4 : 0);
          let ok;
          if (typeof input === 'string') {
            text = '';
            count = 0;
            ok = !detached(); // the getters of `expected` ran
            u32[hdr + H_LENS + 3] = input.length;
          } else {
            ok = gather(input, 3);
          }
          if (ok) {
            const at = hdr + H_LENS;
            const head = (pid ?? '') + (no ?? '') + (money ?? '');
            u32[at] = pid === null ? 0 : pid.length;
            u32[at + 1] = no === null ? 0 : no.length;
            u32[at + 2] = money === null ? 0 : money.length;
            text = head + (typeof input === 'string' ? input : text);
            const n = writeText();
            const r = n >= 0 && putKey(key)
              ? raw.epay_verify(flags | (typeof input === 'string' ? 0 : NOTIFY_OBJECT), count, n, keyLen) >>> 0
              : SLOW;
            if (r !== SLOW) return notifyResult(r);
          }
        }
      } finally {
        busy = false;
      }
    }
    return slow.verifyNotify(input, key, expected);
  }

  function notifyResult(code) {
    const all = decoder.decode(output());
    const lens = u32;
    const first = u32[hdr + H_OUT_LENS] >>> 2;
    const end = first + u32[hdr + H_OUT_COUNT];
    const data = {};
    for (let i = first, at = 0; i < end; i += 2) {
      const k = all.slice(at, (at += lens[i]));
      const v = all.slice(at, (at += lens[i + 1]));
      if (k === '__proto__') Object.defineProperty(data, k, { value: v, enumerable: true, writable: true, configurable: true });
      else data[k] = v;
    }
    const reason = REASONS[code & 7];
    return { ok: reason === null, paid: (code & 8) !== 0, reason, data };
  }

  return { sign, verifyNotify, buildSubmitForm };
}
