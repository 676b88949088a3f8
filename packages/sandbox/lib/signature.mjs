// The V1 MD5 signature as a PHP gateway computes it, on node:crypto only:
// every field but sign/sign_type whose value is not empty, ordered like
// PHP's ksort(), joined as k=v with "&", the KEY appended, md5 in lowercase
// hex. Any field name is signed as received (see http.mjs for how PHP
// names request fields). This package never uses epay-wasm's signing: it
// is the independent gateway the library is tested against.

import { createHash, timingSafeEqual } from 'node:crypto';

/** PHP's is_numeric(): optional surrounding whitespace, sign, digits, fraction, exponent. */
const NUMERIC_RE = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
/** A name PHP stores as an integer array key: canonical decimal, within 64 bits. */
const INT_KEY_RE = /^(0|-?[1-9]\d{0,18})$/;

const isIntKey = (name) => INT_KEY_RE.test(name) && BigInt.asIntN(64, BigInt(name)) === BigInt(name);

/** strcmp over the UTF-8 bytes, as PHP compares strings. */
const byteCompare = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Two numeric names by value (exactly for integer keys, as doubles otherwise). */
function numberCompare(a, b) {
  if (isIntKey(a) && isIntKey(b)) return BigInt(a) < BigInt(b) ? -1 : Number(BigInt(a) > BigInt(b));
  return Math.sign(Number(a) - Number(b));
}

/**
 * The order of two field names under PHP (>= 8.2) ksort(): two numeric
 * names ("9", "10", "1e3") compare by value, anything else byte by byte
 * (an integer key against a non-numeric name compares as its decimal
 * text, which is the name itself). PHP keeps ties ("1" and "1.0") in the
 * received order; here they keep the object's order, which lists
 * integer-like names first.
 */
export function compareNames(a, b) {
  return NUMERIC_RE.test(a) && NUMERIC_RE.test(b) ? numberCompare(a, b) : byteCompare(a, b);
}

/**
 * The string that is signed: `k=v&...` over the fields but sign/sign_type
 * whose value is a non-empty scalar, PHP-ordered. Numbers are signed as
 * their decimal text (a V2 answer's `"pid":1000` as `pid=1000`); arrays and
 * objects (a V2 answer's `data` list) are skipped.
 */
export function signText(fields) {
  const signed = (v) => v !== '' && v != null && typeof v !== 'object';
  return Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && signed(fields[k]))
    .sort(compareNames)
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
}

/** The MD5 signature of `fields` under `key` (32 lowercase hex digits). */
export function md5Sign(fields, key) {
  return createHash('md5').update(signText(fields) + key, 'utf8').digest('hex');
}

/** `fields` (strings) plus their `sign` and `sign_type: "MD5"`, ready to send. */
export function signFields(fields, key) {
  return { ...fields, sign: md5Sign(fields, key), sign_type: 'MD5' };
}

const sha256 = (text) => createHash('sha256').update(String(text), 'utf8').digest();

/**
 * Whether two secrets (a KEY, a signature) are equal, in constant time:
 * crypto.timingSafeEqual over their SHA-256, so neither where they differ
 * nor their lengths show in the timing.
 */
export function sameSecret(a, b) {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Whether `sign` (any case) is the signature of `fields` under `key`. */
export function signatureMatches(fields, key, sign) {
  return sameSecret(md5Sign(fields, key), String(sign).toLowerCase());
}
