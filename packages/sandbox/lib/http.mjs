// HTTP plumbing: reading request fields the way PHP does, writing responses.

/** Largest request body read, in bytes. */
export const MAX_BODY = 1024 * 1024;

/** An error that becomes a plain HTTP status answer. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Reads the whole request body as a Buffer (413 HttpError over MAX_BODY). */
export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A request field's name as PHP stores it in $_GET/$_POST, or null when
 * PHP drops the field: leading spaces removed, the name ends at a NUL,
 * " " and "." become "_" up to the first "["; a "[" with a "]" after it
 * makes an array field (of the name before it), a "[" without one becomes
 * "_" (the rest kept as is).
 */
function phpName(raw) {
  const name = raw.replace(/^ +/, '').split('\0')[0];
  const bracket = name.indexOf('[');
  const head = (bracket < 0 ? name : name.slice(0, bracket)).replace(/[ .]/g, '_');
  if (head === '') return null;
  if (bracket < 0) return { name: head, array: false };
  const array = name.includes(']', bracket + 1);
  return array ? { name: head, array } : { name: `${head}_${name.slice(bracket + 1)}`, array };
}

/**
 * Name/value pairs as PHP's $_GET/$_POST: names as phpName() makes them,
 * the last duplicate wins, and an array field holds "Array" — what PHP
 * signs and prints for an array.
 */
export function phpFields(pairs) {
  const fields = new Map(); // then own properties, "__proto__" included
  for (const [raw, value] of pairs) {
    const php = phpName(raw);
    if (php) fields.set(php.name, php.array ? 'Array' : value);
  }
  return Object.fromEntries(fields);
}

/** Text fields of a multipart/form-data body (file parts are skipped, like a merchant API needs). */
function multipartPairs(body, boundary) {
  const pairs = [];
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined || /filename=/i.test(head)) continue;
    pairs.push([name, part.slice(sep + 4).replace(/\r\n$/, '')]);
  }
  return pairs;
}

/**
 * The form fields of a request body, as PHP's $_POST would have them:
 * urlencoded and multipart bodies are parsed, anything else (JSON, no
 * Content-Type) gives no fields.
 */
export function parseForm(req, body) {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return phpFields(new URLSearchParams(body.toString('utf8')));
  }
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
  return boundary ? phpFields(multipartPairs(body, boundary)) : {};
}

/** Query string fields, as PHP's $_GET would have them. */
export function parseQuery(url) {
  return phpFields(url.searchParams);
}

/** The Content-Type of JSON answers, spelled as PHP gateways send it. */
export const JSON_TYPE = 'application/json; charset=UTF-8';
/** The Content-Type of HTML pages (and of a created order's JSON on mapi.php). */
export const HTML_TYPE = 'text/html; charset=UTF-8';

/** Sends `body` (string or Buffer) with a Content-Type and Content-Length. */
export function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const escapeUnit = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `value` as PHP's json_encode() writes it: "/" as "\/", and every
 * non-ASCII character as \uXXXX (lowercase hex, UTF-16 units) — or with
 * `unescapedUnicode` (JSON_UNESCAPED_UNICODE) only U+2028 and U+2029.
 */
export function phpJson(value, { unescapedUnicode = false } = {}) {
  const text = JSON.stringify(value).replaceAll('/', '\\/');
  return text.replace(unescapedUnicode ? /[\u2028\u2029]/g : /[^\x00-\x7f]/g, escapeUnit);
}

/** Sends a gateway answer: `value` as PHP's json_encode() writes it, HTTP 200. */
export function sendPhpJson(res, value, { type = JSON_TYPE, unescapedUnicode = false } = {}) {
  send(res, 200, type, phpJson(value, { unescapedUnicode }));
}

/** Sends `value` as plain JSON (the control API). */
export function sendJson(res, status, value) {
  send(res, status, JSON_TYPE, JSON.stringify(value));
}

/** Sends an HTML page. */
export function sendHtml(res, status, html) {
  send(res, status, HTML_TYPE, html);
}

/** 302 redirect. */
export function redirect(res, location) {
  send(res, 302, HTML_TYPE, '', { Location: location });
}
