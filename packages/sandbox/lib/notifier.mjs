// Payment notifies: a signed GET to notify_url, redirects not followed,
// acknowledged only by the body "success", retried on a schedule, signed
// anew at every attempt. Every attempt is recorded on the order
// ({ at, status, body, error }).

import http from 'node:http';
import https from 'node:https';
import { delayFault } from './faults.mjs';
import { resultParams, withQuery } from './payments.mjs';

/** Default pause before each retry, in ms (short, for tests). */
export const DEFAULT_RETRY_DELAYS_MS = Object.freeze([200, 500, 1000, 2000, 5000]);
const BODY_LIMIT = 4096;
/** Most notifies in flight at once; the rest queue (as a real server's workers do). */
export const MAX_PARALLEL_NOTIFIES = 32;

export class Notifier {
  #timers = new Map();
  #inflight = new Set();
  #closed = false;
  #active = 0;
  #waiting = [];

  /**
   * @param {{ ctx: { store: import('./store.mjs').Store, faults: import('./faults.mjs').Faults },
   *   delays?: number[], timeoutMs?: number, log?: (line: string) => void }} options
   *   `ctx` is what resultParams() signs with (the store's merchants, the platform key, the clock).
   */
  constructor({ ctx, delays = DEFAULT_RETRY_DELAYS_MS, timeoutMs = 5000, log }) {
    Object.assign(this, { ctx, store: ctx.store, faults: ctx.faults, delays, timeoutMs, log: log ?? (() => {}) });
  }

  /** Starts a new round of notifies for a paid order (cancelling any round in progress). */
  start(order) {
    this.#stop(order.trade_no);
    Object.assign(order.notify, { status: 'pending', round: (order.notify.round ?? 0) + 1, tries: 0, url: this.#signedUrl(order) });
    this.store.save();
    this.#schedule(order, 0);
  }

  /** The notify URL, signed now: a V2 order's carries a fresh timestamp at every attempt. */
  #signedUrl(order) {
    return withQuery(order.notify_url, resultParams(this.ctx, order));
  }

  /** Continues rounds left pending by a previous run (persisted state). */
  resumePending() {
    for (const order of this.store.orders.values()) {
      if (order.notify?.status === 'pending') this.#schedule(order, 0);
    }
  }

  /** Cancels every scheduled and running attempt (after a reset). */
  cancelAll() {
    for (const tradeNo of [...this.#timers.keys()]) this.#stop(tradeNo);
    for (const req of this.#inflight) req.destroy(new Error('sandbox reset'));
  }

  /** Cancels everything for good (server shutdown). */
  close() {
    this.#closed = true;
    this.cancelAll();
  }

  #stop(tradeNo) {
    clearTimeout(this.#timers.get(tradeNo));
    this.#timers.delete(tradeNo);
  }

  #schedule(order, ms) {
    if (this.#closed) return;
    this.#timers.set(order.trade_no, setTimeout(() => this.#attempt(order), ms));
  }

  async #attempt(order) {
    this.#timers.delete(order.trade_no);
    const { round } = order.notify;
    const at = new Date().toISOString();
    // Signed anew, unless its merchant is not configured any more (a persisted order): then as last signed.
    if (this.store.merchant(order.pid)) order.notify.url = this.#signedUrl(order);
    const result = await this.#deliver(order.notify.url);
    // Dropped if the sandbox closed, was reset, or a new round started meanwhile.
    if (this.#closed || this.store.get(order.trade_no) !== order || order.notify.round !== round) return;
    const n = order.notify;
    n.attempts.push({ at, status: result.status, body: result.body.slice(0, 200), error: result.error });
    n.tries += 1;
    const acked = result.body.trim() === 'success';
    if (acked) n.status = 'success';
    else if (n.tries > this.delays.length) n.status = 'failed';
    else this.#schedule(order, this.delays[n.tries - 1]);
    this.store.save();
    this.log(`NOTIFY ${order.trade_no} attempt ${n.tries}: ${result.status ?? result.error}${acked ? ' success' : ''}`);
  }

  async #deliver(url) {
    const fault = this.faults.take('notify');
    if (fault && !(await delayFault(fault)) && fault.kind !== 'lose_answer') {
      return { status: null, body: '', error: `fault injected: ${fault.kind}` };
    }
    if (this.#active >= MAX_PARALLEL_NOTIFIES) await new Promise((go) => this.#waiting.push(go));
    this.#active += 1;
    try {
      const result = await this.#get(url);
      return fault?.kind === 'lose_answer' ? { status: null, body: '', error: 'fault injected: lose_answer (sent, answer lost)' } : result;
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }

  /** One GET with a total timeout; never follows redirects. Resolves { status, body, error }. */
  #get(url) {
    let target;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({ status: null, body: '', error: 'notify_url is not a valid URL' });
    }
    const mod = { 'http:': http, 'https:': https }[target.protocol];
    if (!mod) return Promise.resolve({ status: null, body: '', error: `unsupported protocol ${target.protocol}` });
    return new Promise((resolve) => {
      const req = mod.request(target, {
        method: 'GET', agent: false, headers: { 'User-Agent': 'epay-sandbox notify', Accept: '*/*' },
      });
      let status = null;
      let body = '';
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; req.destroy(); }, this.timeoutMs);
      const finish = (error) => {
        if (!this.#inflight.delete(req)) return; // already finished
        clearTimeout(timer);
        resolve({ status, body, error: timedOut ? `timeout after ${this.timeoutMs} ms` : error });
      };
      this.#inflight.add(req);
      req.on('error', (e) => finish(e.message));
      req.on('response', (res) => {
        status = res.statusCode;
        res.setEncoding('utf8');
        res.on('data', (chunk) => { if (body.length < BODY_LIMIT) body += chunk; });
        res.on('end', () => finish(null));
        res.on('close', () => finish(res.complete ? null : 'connection closed mid-body'));
      });
      req.on('close', () => finish(status === null ? 'connection closed before an answer' : 'connection closed mid-body'));
      req.end();
    });
  }
}
