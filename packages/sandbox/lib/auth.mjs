// Who signed a request, checked as a v3096 server's api_verify() does:
// the merchant's MD5 KEY or its RSA public key, and for V2 the timestamp.
// Shared by V1 (mapi.php, submit.php) and V2 (/api/...).

import { signatureMatches } from './signature.mjs';
import { rsaVerify } from './rsa.mjs';

/** The refusal of anything but sign_type=RSA from an "RSA only" merchant (code -3), V1 included. */
export const RSA_ONLY = '该商户只能使用RSA签名类型';
/** How far a V2 request's timestamp may be from the sandbox clock, in seconds. */
export const TIMESTAMP_WINDOW_SEC = 300;

/** An error a V2 handler throws: answered unsigned as `{code, msg}`, as v3096 answers its exceptions. */
export class GatewayError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** A V2 timestamp's problem: missing (or "0", empty to PHP), not digits, or more than the window from `now`; else null. */
function timestampError(timestamp, now) {
  if (!timestamp || timestamp === '0') return '时间戳(timestamp)字段不能为空';
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > TIMESTAMP_WINDOW_SEC) return '时间戳字段不正确，请检查服务器时间';
  return null;
}

/**
 * The problem with a request's signature, or null if `merchant` signed it.
 * An "RSA only" merchant's request without sign_type=RSA is refused first.
 * - V1 (`now` undefined): `sign` required (缺少签名参数); sign_type MD5 (any
 *   case, the default) or RSA, nothing else (签名类型(sign_type)不支持).
 * - V2 (`now`: the sandbox's Unix seconds): the timestamp must be within
 *   the window; then sign_type RSA is checked with the merchant's public key
 *   and anything else as MD5, the failure named after the sign_type given
 *   (`RSA签名校验失败`, `MD5签名校验失败`).
 */
export function signatureError(store, merchant, fields, now) {
  const type = fields.sign_type || 'MD5';
  if (merchant.keyType === 'RSA' && type !== 'RSA') return RSA_ONLY;
  if (now !== undefined) {
    const stale = timestampError(fields.timestamp, now);
    if (stale) return stale;
  } else {
    if (!fields.sign) return '缺少签名参数';
    if (type !== 'RSA' && type.toUpperCase() !== 'MD5') return '签名类型(sign_type)不支持';
  }
  if (type === 'RSA') {
    const key = store.publicKey(merchant.pid);
    return key && rsaVerify(fields, key, fields.sign) ? null : 'RSA签名校验失败';
  }
  if (signatureMatches(fields, merchant.key, fields.sign ?? '')) return null;
  return `${now === undefined ? 'MD5' : type}签名校验失败`;
}

/**
 * The merchant a V2 request comes from, checked in v3096's order (throws a
 * GatewayError): no `pid` field -4 `未传入任何参数`; an empty or zero pid
 * -1 `商户ID不能为空`; unknown -1 `商户不存在！`; then the signature (-3,
 * see signatureError). A banned merchant (active 0) is -1 `商户已被封禁`
 * before the signature check, or with `payment` (pay/create, pay/submit)
 * `商户已被封禁，无法支付！` after it.
 */
export function authenticateV2(ctx, fields, { payment = false } = {}) {
  if (!Object.hasOwn(fields, 'pid')) throw new GatewayError(-4, '未传入任何参数');
  if (!/^\d+$/.test(fields.pid) || Number(fields.pid) === 0) throw new GatewayError(-1, '商户ID不能为空');
  const merchant = ctx.store.merchant(fields.pid);
  if (!merchant) throw new GatewayError(-1, '商户不存在！');
  const banned = Number(merchant.active) === 0;
  if (banned && !payment) throw new GatewayError(-1, '商户已被封禁');
  const problem = signatureError(ctx.store, merchant, fields, ctx.now());
  if (problem) throw new GatewayError(-3, problem);
  if (banned) throw new GatewayError(-1, '商户已被封禁，无法支付！');
  return merchant;
}
