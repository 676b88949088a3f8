// Load: the sandbox gateway and the demo merchant server under concurrent
// load on loopback, both in this process on free ports. Orders are created
// through the merchant's checkout API (POST /api/orders in API mode, which
// calls EpayClient.createOrder → mapi.php), paid through the sandbox's
// control API, and every notify must reach the merchant's notify handler,
// verify, be acknowledged with `success` and fulfil its order exactly once
// (the merchant's orders are in its default in-memory PGlite database; its
// notify handler answers `success` only once the fulfilment is committed).
// A sample of delivered notifies is then sent again: acknowledged, never
// fulfilled twice. Counts, throughput and latencies are printed as test
// diagnostics.
//
//   bash scripts/build.sh && node --test tests/js/load.test.mjs
//   ORDERS=20000 scripts/load.sh          # a bigger run (see there)
//
// Knobs (environment; scripts/load.sh sets them from ORDERS etc.):
// LOAD_ORDERS (default 2000), LOAD_CONCURRENCY (default 64: checkout
// requests in flight, then orders in flight from pay to fulfilment),
// LOAD_REPLAYS (default 100), LOAD_DEADLINE_MS (the whole run once the
// servers are up, default 120000, room for a busy 2-core machine: the
// embedded database runs in this process; the test fails rather than
// hangs), LOAD_BURST=1 (pay without
// waiting for fulfilments: only the pay calls are bounded, not the
// notifies they start; see scripts/load.sh for where that breaks).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startSandbox, DEFAULT_MERCHANTS } from 'epay-sandbox';
import { startMerchant } from '../../demo/merchant.mjs';

const positive = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const ORDERS = positive('LOAD_ORDERS', 2000);
const CONCURRENCY = positive('LOAD_CONCURRENCY', 64);
const REPLAYS = Math.min(positive('LOAD_REPLAYS', 100), ORDERS);
const DEADLINE_MS = positive('LOAD_DEADLINE_MS', 120_000);
const BURST = process.env.LOAD_BURST === '1';
const { pid: PID, key: KEY } = DEFAULT_MERCHANTS[0];

/** Runs `fn(item, index)` over `items` with at most `limit` calls in flight; stops and rejects on the first failure. */
async function pool(items, limit, fn) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Percentiles of a list of milliseconds, as "p50 1.2 / p95 3.4 / p99 5.6 / max 7.8 ms". */
function percentiles(ms) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return `p50 ${at(50).toFixed(1)} / p95 ${at(95).toFixed(1)} / p99 ${at(99).toFixed(1)} / max ${sorted.at(-1).toFixed(1)} ms`;
}

const rate = (n, ms) => `${Math.round((n * 1000) / ms)}/s`;

test(`load: ${ORDERS} orders created, paid${BURST ? ' (burst)' : ''} and fulfilled concurrently; ${REPLAYS} notifies replayed`, { timeout: DEADLINE_MS + 60_000 }, async (t) => {
  const errors = [];
  const logError = (who) => (line) => { if (/ERROR|answered fail|refused/.test(line)) errors.push(`${who}: ${line}`); };
  const sandbox = await startSandbox({ port: 0, log: logError('sandbox') });
  const merchant = await startMerchant({
    gateway: sandbox.url, pid: PID, key: KEY, port: 0, sandbox: true, reconcileEverySec: 0, log: logError('merchant'),
  });
  const deadline = AbortSignal.timeout(DEADLINE_MS); // from here: creating the embedded database takes seconds on a busy machine

  // What the merchant's notify handler was sent and answered, seen from its own HTTP server; an order
  // is fulfilled (committed) when its first notify is answered success.
  const received = { requests: 0, success: 0, other: [] };
  const fulfilledAt = new Map();
  const waiters = new Map(); // out_trade_no → resolves when it is fulfilled
  merchant.server.prependListener('request', (req, res) => {
    if (!req.url.startsWith('/epay/notify?')) return;
    received.requests += 1;
    const out = new URL(req.url, 'http://x').searchParams.get('out_trade_no');
    const end = res.end;
    res.end = function (body, ...rest) {
      if (res.statusCode === 200 && String(body) === 'success') {
        received.success += 1;
        if (!fulfilledAt.has(out)) fulfilledAt.set(out, performance.now());
        waiters.get(out)?.();
        waiters.delete(out);
      } else {
        received.other.push(`${res.statusCode} ${String(body ?? '').slice(0, 80)}`);
      }
      return end.call(this, body, ...rest);
    };
  });
  /** The merchant's records of these orders, from its database. */
  const records = async (outs) => merchant.db.query('SELECT *, (SELECT count(*) FROM fulfilments f WHERE f.out_trade_no = o.out_trade_no)::integer AS fulfilments FROM orders o WHERE out_trade_no = ANY($1)', [outs]);
  const expired = new Promise((resolve) => deadline.addEventListener('abort', () => resolve(true), { once: true }));

  /** fetch, aborted at the run's deadline: the JSON answer, or a failure with the status. */
  const call = async (url, init = {}) => {
    let res;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.any([deadline]) }); // one signal per call: undici leaves listeners on a shared one
    } catch (e) {
      if (deadline.aborted) assert.fail(`deadline of ${DEADLINE_MS} ms passed: ${init.method ?? 'GET'} ${url} unanswered`);
      throw e;
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  /** Resolves once `check()` is true, polling; fails at the deadline with `what()`. */
  const waitUntil = async (check, what) => {
    while (!check()) {
      if (deadline.aborted) assert.fail(`deadline of ${DEADLINE_MS} ms passed waiting for ${what()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const gatewayOrder = (tradeNo) => sandbox.state.store.get(tradeNo);
  /** The notify attempts' outcomes at the gateway, counted: e.g. "200 success ×1990, timeout after 5000 ms ×10". */
  const outcomes = (orders) => {
    const counts = new Map();
    for (const g of orders) {
      for (const a of g.notify.attempts) {
        const what = a.error ?? `${a.status} ${a.body.trim().slice(0, 40)}`;
        counts.set(what, (counts.get(what) ?? 0) + 1);
      }
    }
    return [...counts].map(([what, n]) => `${what} ×${n}`).join(', ') || 'none';
  };
  const sum = (orders, f) => orders.reduce((n, o) => n + f(o), 0);

  try {
    // 1. Checkout: ORDERS orders through the merchant server, CONCURRENCY in flight.
    const created = new Array(ORDERS);
    const createMs = [];
    const t0 = performance.now();
    await pool(created, CONCURRENCY, async (_, i) => {
      const started = performance.now();
      const { order } = await call(`${merchant.url}api/orders`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ product: 'vip', type: 'alipay', mode: 'api' }),
      });
      createMs.push(performance.now() - started);
      created[i] = order;
    });
    const createdIn = performance.now() - t0;
    const tradeNos = created.map((o) => o.trade_no);
    const outs = created.map((o) => o.out_trade_no);
    assert.equal(new Set(outs).size, ORDERS, 'every checkout got its own out_trade_no');
    assert.equal(new Set(tradeNos).size, ORDERS, 'every checkout got its own trade_no');
    assert.equal(sandbox.state.store.orders.size, ORDERS, 'orders in the sandbox');
    assert.equal(sandbox.state.requests['mapi.php'], ORDERS, 'mapi.php calls (no client retries)');
    const stored = new Map((await records(outs)).map((r) => [r.out_trade_no, r.trade_no]));
    for (const o of created) assert.equal(stored.get(o.out_trade_no), o.trade_no);

    // 2. Pay every order through the sandbox's control API (the notify goes out at once), CONCURRENCY
    //    workers: each pays an order and waits for the merchant to fulfil it before paying the next
    //    (with BURST=1 it pays the next at once).
    const gatewayOrders = tradeNos.map(gatewayOrder);
    const progress = () => `notifies: ${fulfilledAt.size}/${ORDERS} fulfilled, ` +
      `${gatewayOrders.filter((g) => g.notify.status === 'success').length}/${ORDERS} acknowledged at the gateway; ` +
      `attempts: ${outcomes(gatewayOrders)}; merchant received ${received.requests}, answered success ${received.success}`;
    const paidAt = new Map();
    const payMs = [];
    const t1 = performance.now();
    await pool(created, CONCURRENCY, async (o) => {
      const fulfilled = new Promise((resolve) => waiters.set(o.out_trade_no, () => resolve(false)));
      const started = performance.now();
      paidAt.set(o.out_trade_no, started);
      const { order } = await call(`${sandbox.url}_sandbox/orders/${o.trade_no}/pay`, { method: 'POST' });
      payMs.push(performance.now() - started);
      assert.equal(order.state, 'paid', `sandbox order ${o.trade_no}`);
      if (!BURST && await Promise.race([fulfilled, expired])) assert.fail(`deadline of ${DEADLINE_MS} ms passed: ${progress()}`);
    });
    const paidIn = performance.now() - t1;

    // 3. Every notify acknowledged at the gateway and every order fulfilled at the merchant.
    await waitUntil(() => fulfilledAt.size === ORDERS && gatewayOrders.every((g) => g.notify.status === 'success'), progress);
    const doneIn = performance.now() - t1;
    const notifyMs = outs.map((out) => fulfilledAt.get(out) - paidAt.get(out));
    await new Promise((r) => setTimeout(r, 300)); // longer than the first retry delay: nothing more may arrive

    const attempts = sum(gatewayOrders, (g) => g.notify.attempts.length);
    const acked = sum(gatewayOrders, (g) => g.notify.attempts.filter((a) => a.body.trim() === 'success').length);
    const shopOrders = await records(outs);
    const verified = sum(shopOrders, (o) => o.notifies);
    const rejected = sum(shopOrders, (o) => o.rejected_notifies);
    const fulfilments = sum(shopOrders, (o) => o.fulfilments);
    t.diagnostic(`orders created ${ORDERS} in ${createdIn.toFixed(0)} ms (${rate(ORDERS, createdIn)}, ${CONCURRENCY} in flight); ` +
      `checkout latency ${percentiles(createMs)}`);
    t.diagnostic(`orders paid ${ORDERS} in ${paidIn.toFixed(0)} ms (${rate(ORDERS, paidIn)}, ` +
      `${BURST ? `burst: ${CONCURRENCY} pay calls` : `${CONCURRENCY} orders`} in flight); pay call latency ${percentiles(payMs)}`);
    t.diagnostic(`all fulfilled and acknowledged ${doneIn.toFixed(0)} ms after the first pay (${rate(ORDERS, doneIn)}); ` +
      `pay → fulfilled ${percentiles(notifyMs)}`);
    t.diagnostic(`sandbox notifies: sent ${attempts}, acknowledged (success) ${acked}; ` +
      `merchant notifies: received ${received.requests}, answered success ${received.success}, ` +
      `verified ${verified}, rejected ${rejected}, fulfilled ${fulfilments} (orders fulfilled ${fulfilledAt.size})`);
    assert.deepEqual(errors, [], 'no internal errors logged');
    assert.deepEqual(received.other, [], 'no notify answered other than 200 success');
    assert.equal(attempts, ORDERS, 'one notify attempt per order (no retry was needed)');
    assert.equal(acked, ORDERS, 'every notify acknowledged');
    assert.equal(received.requests, ORDERS, 'every notify sent was received');
    assert.equal(received.success, ORDERS, 'every notify received was answered success');
    assert.equal(verified, ORDERS, 'every notify verified');
    assert.equal(rejected, 0, 'no failed verification');
    assert.equal(fulfilments, ORDERS, 'fulfilments');
    for (const o of shopOrders) {
      assert.equal(o.status, 'paid', o.out_trade_no);
      assert.equal(o.fulfilments, 1, `${o.out_trade_no} fulfilled exactly once`);
      assert.equal(o.notifies, 1, `${o.out_trade_no} notified once`);
    }

    // 4. Replays: a sample of delivered notifies sent again (a new round each): acknowledged, not fulfilled again.
    const step = Math.floor(ORDERS / REPLAYS);
    const sample = Array.from({ length: REPLAYS }, (_, i) => created[i * step]);
    const t2 = performance.now();
    await pool(sample, CONCURRENCY, async (o) => {
      const { order } = await call(`${sandbox.url}_sandbox/orders/${o.trade_no}/notify`, { method: 'POST' });
      assert.equal(order.notify.round, 2, `${o.trade_no}: a second notify round`);
    });
    const sampleGateway = sample.map((o) => gatewayOrder(o.trade_no));
    await waitUntil(
      () => sampleGateway.every((g) => g.notify.status === 'success'),
      () => `replays: ${sampleGateway.filter((g) => g.notify.status === 'success').length}/${REPLAYS} acknowledged`,
    );
    const replayedIn = performance.now() - t2;
    await new Promise((r) => setTimeout(r, 300));
    const replayAttempts = sum(gatewayOrders, (g) => g.notify.attempts.length) - attempts;
    const replayAcked = sum(gatewayOrders, (g) => g.notify.attempts.filter((a) => a.body.trim() === 'success').length) - acked;
    const afterReplays = await records(outs);
    const fulfilmentsAfter = sum(afterReplays, (o) => o.fulfilments);
    t.diagnostic(`replays: ${REPLAYS} re-sent in ${replayedIn.toFixed(0)} ms; sandbox sent ${replayAttempts}, acknowledged ${replayAcked}; ` +
      `merchant received ${received.requests - ORDERS}, answered success ${received.success - ORDERS}, ` +
      `verified ${sum(afterReplays, (o) => o.notifies) - verified}, fulfilled again ${fulfilmentsAfter - fulfilments}`);
    assert.deepEqual(errors, [], 'no internal errors logged');
    assert.deepEqual(received.other, [], 'no replay answered other than 200 success');
    assert.equal(replayAttempts, REPLAYS, 'one attempt per replay');
    assert.equal(replayAcked, REPLAYS, 'every replay acknowledged');
    assert.equal(received.requests, ORDERS + REPLAYS, 'every replay received');
    assert.equal(received.success, ORDERS + REPLAYS, 'every replay answered success');
    assert.equal(sum(afterReplays, (o) => o.rejected_notifies), 0, 'no failed verification');
    assert.equal(fulfilmentsAfter, ORDERS, 'no order fulfilled a second time');
    const byOut = new Map(afterReplays.map((r) => [r.out_trade_no, r]));
    for (const o of sample) {
      const record = byOut.get(o.out_trade_no);
      assert.equal(record.notifies, 2, `${o.out_trade_no}: the replay was verified and counted`);
      assert.equal(record.fulfilments, 1, `${o.out_trade_no}: still fulfilled once`);
    }
    t.diagnostic(`total ${(performance.now() - t0).toFixed(0)} ms for ${ORDERS} orders and ${REPLAYS} replays`);
  } finally {
    await merchant.close();
    await sandbox.close();
  }
});
