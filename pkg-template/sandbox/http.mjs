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

/** Text fields of a multipart/form-data body (file parts are skipped, like a merchant API needs). */
function parseMultipart(body, boundary) {
  const fields = {};
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined || /filename=/i.test(head)) continue;
    fields[name] = part.slice(sep + 4).replace(/\r\n$/, '');
  }
  return fields;
}

/**
 * The form fields of a request body, as PHP's $_POST would have them:
 * urlencoded and multipart bodies are parsed, anything else (JSON, no
 * Content-Type) gives no fields. Duplicate names: the last one wins.
 */
export function parseForm(req, body) {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
  return boundary ? parseMultipart(body, boundary) : {};
}

/** Query string fields ($_GET), last duplicate wins. */
export function parseQuery(url) {
  return Object.fromEntries(url.searchParams);
}

/** Sends `body` (string or Buffer) with a Content-Type and Content-Length. */
export function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Sends `value` as JSON. `contentType` defaults to application/json. */
export function sendJson(res, status, value, contentType = 'application/json; charset=utf-8') {
  send(res, status, contentType, JSON.stringify(value));
}

/** Sends an HTML page. */
export function sendHtml(res, status, html) {
  send(res, status, 'text/html; charset=utf-8', html);
}

/** 302 redirect. */
export function redirect(res, location) {
  send(res, 302, 'text/html; charset=utf-8', '', { Location: location });
}
