// Value rules shared by the sandbox endpoints: money, byte-length cuts,
// order numbers, timestamps. Pure functions, no I/O.

/** Merchant order numbers real servers accept. */
export const OUT_TRADE_NO_RE = /^[a-zA-Z0-9._\-|]+$/;

/** Payment types the sandbox knows (the document's list). */
export const PAY_TYPES = Object.freeze({ alipay: '支付宝', wxpay: '微信支付', qqpay: 'QQ钱包' });

/** Whether `type` is one of PAY_TYPES. */
export const isPayType = (type) => Object.hasOwn(PAY_TYPES, type);

const MONEY_RE = /^(\d{1,8})(?:\.(\d{1,2}))?$/;

/**
 * Parses a money string ("1", "1.5", "1.00") into integer cents.
 * Returns null unless it is digits with at most one dot and two decimals,
 * at most 99999999.99 (a decimal(10,2) column).
 */
export function parseCents(text) {
  const m = MONEY_RE.exec(String(text ?? ''));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Formats cents the way the server stores money: "1.00". */
export function formatCents(cents) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** Money as real servers echo it in notifies: trailing zeros dropped ("1.00" → "1", "9.90" → "9.9"). */
export function notifyMoney(stored) {
  return stored.includes('.') ? stored.replace(/0+$/, '').replace(/\.$/, '') : stored;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cutBytes(text, maxBytes) {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** Whether a received field is empty to PHP's empty(): absent, "" or "0". */
export const isEmptyPhp = (v) => v === undefined || v === null || v === '' || v === '0';

const pad = (n, w = 2) => String(n).padStart(w, '0');
const DAY_MS = 24 * 60 * 60 * 1000;

/** Local time as the server's database shows it: "2024-11-28 07:31:05". */
export function dateTime(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The local date `daysAgo` days ago (0: today), as addtime starts: "2024-11-28". */
export function day(daysAgo = 0) {
  return dateTime(new Date(Date.now() - daysAgo * DAY_MS)).slice(0, 10);
}

/** Compact local timestamp used as a trade_no prefix: "20241128073105" (14 digits). */
export function compactStamp(d = new Date()) {
  return dateTime(d).replace(/\D/g, '');
}
