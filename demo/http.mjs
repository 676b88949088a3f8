// HTTP plumbing for the demo merchant server: JSON in and out, plain
// text, and static files from a flat directory with the right types.

import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Content types of the files the demo serves; other extensions are not served. */
export const CONTENT_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
});

/**
 * Pages may run only this origin's scripts and the wasm module: the
 * gateway's auto-submit `<script>` in `buildSubmitForm`'s output, or any
 * markup smuggled in through a product name, does not execute.
 */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const MAX_BODY = 64 * 1024;

/** An error answered as `{ error }` JSON (or plain text) with this status. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Sends `body` with a Content-Type, Content-Length and the demo's security headers. */
export function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': CSP } : {}),
    ...headers,
  });
  res.end(body);
}

/** Sends `value` as JSON. */
export const sendJson = (res, status, value) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** Sends plain text (e.g. `success` to the gateway). */
export const sendText = (res, status, text) => send(res, status, 'text/plain; charset=utf-8', text);

/** Reads the request body as UTF-8 text (413 above 64 KiB). */
export async function readText(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The request body's bytes, at most `limit` + 1 of them (the rest is read
 * and dropped): for a reader that refuses a body over `limit` itself, as
 * the notify handler does.
 */
export async function readBytes(req, limit = MAX_BODY) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    if (size > limit) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, limit + 1);
}

/**
 * Reads a JSON object body. Requires `Content-Type: application/json`,
 * which a cross-site HTML form cannot send: a cheap guard against CSRF.
 */
export async function readJson(req) {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'send JSON (Content-Type: application/json)');
  }
  const text = await readText(req);
  let value;
  try {
    value = text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value;
}

/**
 * Sends the file `name` from directory `dir`. Only plain names (no
 * slashes, no leading dot) with a known extension are served, so a request
 * cannot leave `dir`. 404 otherwise.
 */
export async function sendFile(res, dir, name) {
  const type = CONTENT_TYPES[extname(name)];
  if (!type || !/^[\w-][\w.-]*$/.test(name)) throw new HttpError(404, 'not found');
  let body;
  try {
    body = await readFile(join(dir, name));
  } catch {
    throw new HttpError(404, 'not found');
  }
  send(res, 200, type, body);
}
