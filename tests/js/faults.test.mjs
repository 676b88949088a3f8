// Gateway faults (issue: hardening): every fault the sandbox can inject, and
// a connection dropped in the middle of a body, maps to its typed error
// within the timeout — for a query (retried) and for a refund (sent exactly
// once in every case).  Run after scripts/build.sh.

import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startSandbox } from 'epay-sandbox';
import { EpayClient } from '../../pkg/index.mjs';
import { TEST_KEY as KEY, TEST_PID as PID } from './support.mjs';

const TIMEOUT_MS = 800;
const RETRIES = 1;
// One attempt per try, the backoff between them, and slack for a busy machine.
const DEADLINE_MS = TIMEOUT_MS * (RETRIES + 1) + 100 * RETRIES + 1500;

/** Fault kind → the error code the client must reject with. */
const EXPECTED = {
  delay: 'TIMEOUT',
  http500: 'HTTP_ERROR',
  redirect: 'HTTP_ERROR',
  non_json: 'BAD_RESPONSE',
  truncated_json: 'BAD_RESPONSE',
  html_error: 'BAD_RESPONSE',
  huge_body: 'BAD_RESPONSE',
  drop: 'NETWORK',
};

let sandbox;
let client;

async function control(path, init) {
  const res = await fetch(`${sandbox.url}_sandbox/${path}`, init);
  return res.json();
}

const fault = (target, kind) =>
  control('faults', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ target, kind, times: 0, ...(kind === 'delay' ? { ms: TIMEOUT_MS * 3 } : {}) }),
  });

/** Runs `call`, returns the rejection and how long it took. */
async function rejection(call) {
  const started = Date.now();
  try {
    await call();
  } catch (err) {
    return { err, ms: Date.now() - started };
  }
  assert.fail('expected a rejection');
}

/** A paid order to query and refund. */
async function paidOrder(n) {
  const out_trade_no = `FAULT${Date.now()}${n}`;
  const { trade_no } = await client.createOrder({
    type: 'alipay', out_trade_no, name: 'fault test', money: '2.00', clientip: '127.0.0.1',
    notify_url: `${sandbox.url}_sandbox/ignored`, return_url: `${sandbox.url}_sandbox/ignored`,
  });
  await control(`orders/${trade_no}/pay`, { method: 'POST' });
  return { trade_no, out_trade_no };
}

before(async () => {
  sandbox = await startSandbox({ port: 0, notifyRetryDelaysMs: [] });
  client = new EpayClient({ gateway: sandbox.url, pid: PID, key: KEY, timeoutMs: TIMEOUT_MS, retries: RETRIES });
});
after(() => sandbox.close());
beforeEach(() => control('faults', { method: 'DELETE' }));

describe('every injected fault maps to its typed error within the timeout', () => {
  let n = 0;
  for (const [kind, code] of Object.entries(EXPECTED)) {
    it(`${kind} → ${code} (queryOrder, retried)`, async () => {
      const { trade_no } = await paidOrder(n++);
      await fault('api.php', kind);
      const { err, ms } = await rejection(() => client.queryOrder({ trade_no }));
      assert.equal(err.code, code, err.message);
      assert.ok(ms < DEADLINE_MS, `${ms} ms`);
      assert.ok(!JSON.stringify({ ...err, message: err.message }).includes(KEY));
    });

    it(`${kind} → ${code} (refund, sent exactly once)`, async () => {
      const { trade_no } = await paidOrder(n++);
      const before = (await control('requests'))['api.php?act=refund'] ?? 0;
      await fault('api.php?act=refund', kind);
      const { err, ms } = await rejection(() => client.refund({ trade_no }, '1.00'));
      assert.equal(err.code, code, err.message);
      assert.ok(ms < DEADLINE_MS, `${ms} ms`);
      const after = (await control('requests'))['api.php?act=refund'] ?? 0;
      assert.equal(after - before, 1, 'the refund reached the gateway exactly once');
    });
  }
});

describe('a connection dropped in the middle of a body', () => {
  let server;
  let requests = 0;
  before(async () => {
    // Headers and half a JSON body, then the socket is destroyed.
    server = net.createServer((socket) => {
      socket.once('data', () => {
        requests++;
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n{"code":1,"msg":"ok","tr');
        setTimeout(() => socket.destroy(), 50);
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise((r) => server.close(r)));

  it('is a NETWORK error, and a refund is still sent once', async () => {
    const gateway = `http://127.0.0.1:${server.address().port}/`;
    const c = new EpayClient({ gateway, pid: PID, key: KEY, timeoutMs: TIMEOUT_MS, retries: 2 });
    const query = await rejection(() => c.queryMerchant());
    assert.equal(query.err.code, 'NETWORK', query.err.message);
    assert.equal(requests, 3, 'a query is retried');
    requests = 0;
    const refund = await rejection(() => c.refund({ out_trade_no: 'A1' }, '1'));
    assert.equal(refund.err.code, 'NETWORK', refund.err.message);
    assert.equal(requests, 1, 'a refund is never retried');
    assert.ok(refund.ms < DEADLINE_MS, `${refund.ms} ms`);
  });
});
