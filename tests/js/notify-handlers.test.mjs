// createNodeNotifyHandler and createNotifyHandler mounted in real servers
// (Express, Fastify + @fastify/formbody, Hono on @hono/node-server, plain
// node:http, and the bare Web handler on @hono/node-server), each receiving
// real notifies, V1 (MD5) and V2 (RSA), from the sandbox gateway; forged
// notifies are signed here with node:crypto (support.mjs).
//
//   bash scripts/build.sh && node --test tests/js/notify-handlers.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import express from 'express';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import { DEFAULT_MERCHANTS, TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import {
  EpayClient, EpayClientV2, EpayError, createNodeNotifyHandler, createNotifyHandler, verifyNotifyV2,
} from '../../pkg/index.mjs';
import { TEST_KEY, TEST_PID, failsWith, fetchAnswer, md5Sign, rsaSign, waitFor, sandboxControl } from './support.mjs';

const PLATFORM_PRIVATE_KEY = readFileSync(TEST_KEY_FILES.platformPrivateKey, 'utf8');
const PLATFORM_PUBLIC_KEY = readFileSync(TEST_KEY_FILES.platformPublicKey, 'utf8');
const MERCHANT_PRIVATE_KEY = readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8');
/** Another merchant of the same gateway, with the same KEY and RSA key: only its pid tells its notifies apart. */
const OTHER_PID = 1006;
/** The routes of each server: one handler per way of verifying. */
const ROUTES = ['v1', 'v2', 'both'];
const MAX_BODY = 64 * 1024;

let sandbox;
let seq = 0;

before(async () => {
  sandbox = await startSandbox({
    merchants: [...DEFAULT_MERCHANTS, { ...DEFAULT_MERCHANTS[0], pid: OTHER_PID }],
    notifyRetryDelaysMs: [50, 50],
    notifyTimeoutMs: 3000,
  });
});
after(() => sandbox.close());

// ------------------------------------------------------------- the merchant

/**
 * The merchant's orders: out_trade_no → { money, paid, failLoad, failPaid,
 * tellPaid, onErrorThrows }, and what the handlers did with them.
 */
const shop = { orders: new Map(), loads: [], paid: [], errors: [], settled: { resolved: 0, rejected: [] } };

/** Handler options on `shop`, for `route`'s keys. */
function shopOptions(route) {
  const keys = {
    v1: { key: TEST_KEY },
    v2: { platformPublicKey: sandbox.platformPublicKey },
    both: { key: TEST_KEY, platformPublicKey: [OLD_PLATFORM_KEY, sandbox.platformPublicKey] },
  }[route];
  return {
    pid: TEST_PID,
    ...keys,
    async loadOrder(no) {
      shop.loads.push(no);
      const o = shop.orders.get(no);
      if (o === undefined) return null;
      if (o.failLoad > 0) {
        o.failLoad -= 1;
        throw new Error('database unavailable');
      }
      return o.tellPaid === false ? { money: o.money } : { money: o.money, paid: o.paid };
    },
    async onPaid(data) {
      const o = shop.orders.get(data.out_trade_no);
      await new Promise((r) => setTimeout(r, 5)); // the order is saved before `success`
      if (o.failPaid > 0) {
        o.failPaid -= 1;
        throw new Error('disk full');
      }
      o.paid = true;
      shop.paid.push(data);
    },
    onError(error, data) {
      shop.errors.push({ error, data });
      const o = shop.orders.get(data?.out_trade_no);
      if (o?.onErrorThrows) throw new Error('the logger broke too');
      if (o?.onErrorRejects) return Promise.reject(new Error('the async logger broke too'));
      return undefined;
    },
  };
}

/** An RSA public key (PEM) that signed nothing: a platform key of before a rotation. */
const OLD_PLATFORM_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });

/** Counts how the handler's promise settled: it must never reject. */
function watch(promise) {
  return promise.then(
    (value) => {
      shop.settled.resolved += 1;
      return value;
    },
    (error) => {
      shop.settled.rejected.push(error);
      throw error;
    },
  );
}

// ------------------------------------------------------------- the servers

/** Listens on a free loopback port: { url, close }. */
async function listen(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Each framework, mounting one handler per route at `/<route>/epay/notify`, as the README shows. */
const TARGETS = {
  async express() {
    const app = express();
    app.use(express.urlencoded());
    for (const route of ROUTES) {
      const handler = createNodeNotifyHandler(shopOptions(route));
      app.all(`/${route}/epay/notify`, (req, res, next) => watch(handler(req, res, next)));
    }
    // Reached only if the handler called `next`.
    app.use((req, res) => res.status(404).send('next called'));
    return listen(http.createServer(app));
  },
  async fastify() {
    const app = Fastify();
    await app.register(formbody);
    for (const route of ROUTES) {
      const handler = createNodeNotifyHandler(shopOptions(route));
      app.all(`/${route}/epay/notify`, (request, reply) => {
        reply.hijack();
        watch(handler(request.raw, reply.raw, request.body));
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${app.server.address().port}/`, close: () => app.close() };
  },
  async hono() {
    const app = new Hono();
    for (const route of ROUTES) {
      const handler = createNotifyHandler(shopOptions(route));
      app.all(`/${route}/epay/notify`, (c) => watch(handler(c.req.raw)));
    }
    return listen(createAdaptorServer({ fetch: app.fetch }));
  },
  async node() {
    const handlers = Object.fromEntries(ROUTES.map((r) => [`/${r}/epay/notify`, createNodeNotifyHandler(shopOptions(r))]));
    return listen(http.createServer((req, res) => {
      const handler = handlers[req.url.split('?')[0]];
      if (handler) watch(handler(req, res));
      else res.writeHead(404).end();
    }));
  },
  /** The Web handler as a server's whole fetch function. */
  async web() {
    const handlers = Object.fromEntries(ROUTES.map((r) => [`/${r}/epay/notify`, createNotifyHandler(shopOptions(r))]));
    return listen(createAdaptorServer({
      fetch: (request) => {
        const handler = handlers[new URL(request.url).pathname];
        return handler ? watch(handler(request)) : new Response('', { status: 404 });
      },
    }));
  },
};
/** The targets that read the body stream themselves (the others get a parser's object). */
const STREAM_READERS = ['hono', 'node', 'web'];

// ------------------------------------------------------------- the gateway

const control = sandboxControl(() => sandbox.url);

/**
 * An order created at the sandbox through the V1 or V2 API, notifying
 * `<server>/<route>/epay/notify`, and known to the shop (unless `known` is
 * false) with `shopMoney` (default its own money) and `behaviour`.
 */
async function createOrder(server, api, { route = api, pid = TEST_PID, money = '2.50', shopMoney = money, known = true, ...behaviour } = {}) {
  const out = `NH${Date.now()}${++seq}`;
  const order = {
    type: 'alipay', out_trade_no: out, notify_url: `${server.url}${route}/epay/notify`,
    return_url: 'https://shop.example/return', name: '会员', money, clientip: '192.168.1.100',
  };
  const client = api === 'v1'
    ? new EpayClient({ gateway: sandbox.url, pid, key: TEST_KEY, retries: 0 })
    : new EpayClientV2({
      gateway: sandbox.url, pid, privateKey: MERCHANT_PRIVATE_KEY, platformPublicKey: sandbox.platformPublicKey, retries: 0,
    });
  const { trade_no } = await client.createOrder(order);
  if (known) shop.orders.set(out, { money: shopMoney, paid: false, ...behaviour });
  return { out, trade_no, url: order.notify_url };
}

/** Pays the order at the sandbox and waits for its notify round to end: the sandbox order. */
async function pay(order) {
  await control('POST', `orders/${order.trade_no}/pay`);
  return notifyRound(order);
}

/** Waits until the order's notify round ended (acknowledged, or every retry failed): the sandbox order. */
function notifyRound(order) {
  return waitFor(async () => {
    const o = await control('GET', `orders/${order.trade_no}`);
    return o.notify.status !== 'pending' && o;
  }, `the notify round of ${order.out}`);
}

/** The answers the gateway got, as "status body". */
const answers = (sandboxOrder) => sandboxOrder.notify.attempts.map((a) => `${a.status} ${a.body}`);

/** Whether an onError call is about a refused notify (400), not a failure (500). */
const isRefusal = ({ error }) => error instanceof EpayError && error.code === 'NOTIFY_REFUSED';

/** What the shop saw of an order: onError calls split into failures (`errors`) and the reasons of refusals. */
const seen = (out) => {
  const told = shop.errors.filter((e) => e.data?.out_trade_no === out);
  return {
    loads: shop.loads.filter((n) => n === out).length,
    paid: shop.paid.filter((d) => d.out_trade_no === out).length,
    errors: told.filter((e) => !isRefusal(e)).length,
    refused: told.filter(isRefusal).map((e) => e.error.reason),
  };
};

/** The onError calls from the `mark`-th on (`mark` = shop.errors.length before), each a refusal: their reasons. */
function refusedSince(mark) {
  const told = shop.errors.slice(mark);
  assert.ok(told.every(isRefusal), inspect(told));
  return told.map((e) => e.error.reason);
}

/**
 * Checks the shop's refusals of the order: each an EpayError NOTIFY_REFUSED
 * of `reason` naming `field`, the last one with the fields of the order's
 * last notify as data.
 */
function assertRefusals(sandboxOrder, reason, field) {
  const fields = notifyFields(sandboxOrder);
  const told = shop.errors.filter((e) => e.data?.out_trade_no === fields.out_trade_no && isRefusal(e));
  assert.ok(told.length > 0);
  for (const { error } of told) {
    assert.equal(error.name, 'EpayError');
    assert.equal(error.reason, reason);
    assert.equal(error.field, field);
    assert.match(error.message, new RegExp(`^notify refused \\(${reason}\\): `));
  }
  assert.deepEqual(told.at(-1).data, fields);
}

/** The signed fields of the order's last notify, as the sandbox sent them. */
const notifyFields = (sandboxOrder) => Object.fromEntries(new URL(sandboxOrder.notify.url).searchParams);

/** `fields` signed anew: V1 with the KEY, V2 with the platform key and a fresh timestamp (node:crypto). */
function resign(fields, { key = TEST_KEY, platformKey = PLATFORM_PRIVATE_KEY } = {}) {
  const { sign, sign_type, ...rest } = fields;
  if (sign_type !== 'RSA') return { ...rest, sign: md5Sign(rest, key), sign_type: 'MD5' };
  const v2 = { ...rest, timestamp: String(Math.floor(Date.now() / 1000)) };
  return { ...v2, sign: rsaSign(v2, platformKey), sign_type: 'RSA' };
}

/** Sends `fields` to the notify URL: GET with a query string, or POST as a form. */
function send(url, fields, method = 'GET') {
  const query = new URLSearchParams(fields).toString();
  return method === 'GET'
    ? fetchAnswer(`${url}?${query}`)
    : fetchAnswer(url, { method: 'POST', form: fields });
}

const SUCCESS = '200 success';
const FAIL = '400 fail';
const answer = (r) => `${r.status} ${r.text}`;

// ------------------------------------------------------------- the suites

for (const [name, start] of Object.entries(TARGETS)) {
  describe(name, () => {
    let server;
    before(async () => { server = await start(); });
    after(() => server.close());

    for (const api of ['v1', 'v2']) {
      describe(api, () => {
        test('a paid order: onPaid once, with the verified fields, then success', async () => {
          const order = await createOrder(server, api);
          const paid = await pay(order);
          assert.deepEqual(answers(paid), [SUCCESS]);
          assert.deepEqual(seen(order.out), { loads: 1, paid: 1, errors: 0, refused: [] });
          const data = shop.paid.find((d) => d.out_trade_no === order.out);
          assert.deepEqual(data, notifyFields(paid), 'onPaid gets every field as received');
          assert.equal(data.trade_status, 'TRADE_SUCCESS');
          assert.equal(data.pid, String(TEST_PID));
        });

        test('duplicate notifies: success at once when loadOrder says paid, onPaid again when not', async () => {
          const order = await createOrder(server, api);
          await pay(order);
          await control('POST', `orders/${order.trade_no}/notify`);
          assert.deepEqual(answers(await notifyRound(order)), [SUCCESS, SUCCESS]);
          assert.deepEqual(seen(order.out), { loads: 2, paid: 1, errors: 0, refused: [] });

          const other = await createOrder(server, api, { tellPaid: false });
          await pay(other);
          await control('POST', `orders/${other.trade_no}/notify`);
          assert.deepEqual(answers(await notifyRound(other)), [SUCCESS, SUCCESS]);
          assert.deepEqual(seen(other.out), { loads: 2, paid: 2, errors: 0, refused: [] });
        });

        test('an onPaid failure answers 500 fail and tells onError; the gateway retry then succeeds', async () => {
          const order = await createOrder(server, api, { failPaid: 1 });
          assert.deepEqual(answers(await pay(order)), ['500 fail', SUCCESS]);
          assert.deepEqual(seen(order.out), { loads: 2, paid: 1, errors: 1, refused: [] });
          const { error, data } = shop.errors.find((e) => e.data?.out_trade_no === order.out);
          assert.equal(error.message, 'disk full');
          assert.equal(data.trade_status, 'TRADE_SUCCESS');
        });

        test('a loadOrder failure answers 500 fail and tells onError; the gateway retry then succeeds', async () => {
          const order = await createOrder(server, api, { failLoad: 1 });
          assert.deepEqual(answers(await pay(order)), ['500 fail', SUCCESS]);
          assert.deepEqual(seen(order.out), { loads: 2, paid: 1, errors: 1, refused: [] });
        });

        test('onError throwing or rejecting too: still 500 fail, and the handler does not reject', async () => {
          const throws = await createOrder(server, api, { failPaid: 1, onErrorThrows: true });
          assert.deepEqual(answers(await pay(throws)), ['500 fail', SUCCESS]);
          const rejects = await createOrder(server, api, { failPaid: 1, onErrorRejects: true });
          assert.deepEqual(answers(await pay(rejects)), ['500 fail', SUCCESS]);
          assert.deepEqual(shop.settled.rejected, []);
        });

        test('loadOrder without money: 500 fail, onError gets an EpayError naming loadOrder', async () => {
          const order = await createOrder(server, api);
          shop.orders.get(order.out).money = undefined;
          const paid = await pay(order);
          assert.deepEqual(answers(paid), ['500 fail', '500 fail', '500 fail']);
          const { error } = shop.errors.find((e) => e.data?.out_trade_no === order.out);
          assert.ok(error instanceof EpayError);
          assert.equal(error.code, 'INVALID_PARAM');
          assert.equal(error.field, 'loadOrder');
        });

        test('a wrong amount is refused (400 fail), however often the gateway retries; onError told money_mismatch', async () => {
          const order = await createOrder(server, api, { shopMoney: '25.00' });
          const paid = await pay(order);
          assert.deepEqual(answers(paid), [FAIL, FAIL, FAIL]);
          assert.deepEqual(seen(order.out), { loads: 3, paid: 0, errors: 0, refused: Array(3).fill('money_mismatch') });
          assertRefusals(paid, 'money_mismatch', 'money');
        });

        test('amounts are compared in cents: an order of 3 matches a notify of 3.00', async () => {
          const order = await createOrder(server, api, { money: '3.00', shopMoney: 3 });
          assert.deepEqual(answers(await pay(order)), [SUCCESS]);
          assert.equal(seen(order.out).paid, 1);
        });

        test('an unknown order (loadOrder → null) is refused; onError told unknown_order', async () => {
          const order = await createOrder(server, api, { known: false });
          const paid = await pay(order);
          assert.deepEqual(answers(paid), [FAIL, FAIL, FAIL]);
          assert.deepEqual(seen(order.out), { loads: 3, paid: 0, errors: 0, refused: Array(3).fill('unknown_order') });
          assertRefusals(paid, 'unknown_order', 'out_trade_no');
        });

        test('a notify for another merchant (pid) is refused before loadOrder', async () => {
          const order = await createOrder(server, api, { pid: OTHER_PID });
          const paid = await pay(order);
          assert.equal(notifyFields(paid).pid, String(OTHER_PID));
          assert.deepEqual(answers(paid), [FAIL, FAIL, FAIL]);
          assert.deepEqual(seen(order.out), { loads: 0, paid: 0, errors: 0, refused: Array(3).fill('pid_mismatch') });
          assertRefusals(paid, 'pid_mismatch', 'pid');
        });

        test('forged and tampered notifies are refused before loadOrder', async () => {
          const order = await createOrder(server, api);
          const fields = notifyFields(await pay(order));
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const forged = resign(fields, { key: randomBytes(16).toString('hex'), platformKey: privateKey });
          // Each case, and the reason onError is told.
          const cases = {
            forged: [forged, 'bad_sign'],
            'money changed': [{ ...fields, money: '0.01' }, 'bad_sign'],
            'trade_status changed': [{ ...fields, trade_status: 'TRADE_SUCCESS ' }, 'bad_sign'],
            'a field added': [{ ...fields, extra: '1' }, 'bad_sign'],
            'sign removed': [{ ...fields, sign: '' }, 'missing_sign'],
            'sign_type swapped': [{ ...fields, sign_type: api === 'v1' ? 'RSA' : 'MD5' }, 'bad_sign'],
          };
          for (const [what, [notify, reason]] of Object.entries(cases)) {
            for (const method of ['GET', 'POST']) {
              const mark = shop.errors.length;
              assert.equal(answer(await send(order.url, notify, method)), FAIL, `${what} (${method})`);
              assert.deepEqual(refusedSince(mark), [reason], `${what} (${method})`);
              assert.deepEqual(shop.errors.at(-1).data, notify, `${what} (${method}): the fields as received`);
            }
          }
          const malformed = { '': 'missing_sign', '?a=1&a=2': 'malformed', '?%zz': 'malformed', [`?${'x'.repeat(10)}`]: 'missing_sign' };
          for (const [query, reason] of Object.entries(malformed)) {
            const mark = shop.errors.length;
            assert.equal(answer(await fetchAnswer(`${order.url}${query}`)), FAIL, `malformed ${query}`);
            assert.deepEqual(refusedSince(mark), [reason], `malformed ${query}`);
          }
          assert.deepEqual(shop.errors.at(-1).data, { ['x'.repeat(10)]: '' }, 'the fields, unsigned, as they parsed');
          assert.equal(shop.errors.at(-2).data, undefined, 'no fields when they did not parse');
          const { loads, paid, errors } = seen(order.out);
          assert.deepEqual({ loads, paid, errors }, { loads: 1, paid: 1, errors: 0 }, 'only the real notify reached loadOrder');
        });

        test('a verified notify of another trade_status is acknowledged without onPaid', async () => {
          const order = await createOrder(server, api);
          const fields = notifyFields(await pay(order));
          shop.orders.get(order.out).paid = false;
          const closed = resign({ ...fields, trade_status: 'TRADE_CLOSED' });
          assert.equal(answer(await send(order.url, closed)), SUCCESS);
          assert.equal(seen(order.out).paid, 1, 'only the TRADE_SUCCESS notify paid');
        });

        test('paid: true from loadOrder answers success without onPaid', async () => {
          const order = await createOrder(server, api);
          shop.orders.get(order.out).paid = true;
          assert.deepEqual(answers(await pay(order)), [SUCCESS]);
          assert.deepEqual(seen(order.out), { loads: 1, paid: 0, errors: 0, refused: [] });
        });

        test('a notify POSTed as a form is verified as a GET one', async () => {
          const order = await createOrder(server, api);
          await control('POST', 'faults', { target: 'notify', kind: 'notify_fail', times: 3 });
          const fields = notifyFields(await pay(order));
          assert.equal(seen(order.out).loads, 0, 'the sandbox sent nothing');
          assert.equal(answer(await send(order.url, fields, 'POST')), SUCCESS);
          assert.deepEqual(seen(order.out), { loads: 1, paid: 1, errors: 0, refused: [] });
        });

        test('a body over 64 KB is refused; one under it is read', async () => {
          const order = await createOrder(server, api);
          await control('POST', 'faults', { target: 'notify', kind: 'notify_fail', times: 3 });
          const fields = notifyFields(await pay(order));
          /**
           * The notify with a `param` making its form exactly `bytes` long. An RSA signature's
           * length varies once encoded (+ and / take 3 bytes): each try sets the padding's length
           * from the last signature's, and changes its content, until two signatures in a row
           * encode to the same length (about one try in ten).
           */
          const padded = (bytes) => {
            let n = bytes - new URLSearchParams(fields).toString().length;
            for (let i = 0; i < 1000; i++) {
              const notify = resign({ ...fields, param: String(i).padStart(n, 'p') });
              const length = new URLSearchParams(notify).toString().length;
              if (length === bytes) return notify;
              n += bytes - length;
            }
            throw new Error(`no padding makes ${bytes} bytes`);
          };
          const over = padded(MAX_BODY + 1);
          assert.equal(new URLSearchParams(over).toString().length, MAX_BODY + 1);
          const mark = shop.errors.length;
          assert.equal(answer(await send(order.url, over, 'POST')), FAIL);
          if (STREAM_READERS.includes(name)) {
            // Without Content-Length: the stream is counted.
            const r = await fetch(order.url, {
              method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, duplex: 'half',
              body: new Blob([new URLSearchParams(over).toString()]).stream(),
            });
            assert.equal(`${r.status} ${await r.text()}`, FAIL, 'chunked');
          }
          assert.deepEqual(refusedSince(mark), Array(STREAM_READERS.includes(name) ? 2 : 1).fill('body_too_large'));
          assert.ok(shop.errors.slice(mark).every((e) => e.data === undefined), 'no fields: the body was not read');
          assert.equal(seen(order.out).loads, 0);
          assert.equal(answer(await send(order.url, padded(MAX_BODY), 'POST')), SUCCESS);
          assert.deepEqual(seen(order.out), { loads: 1, paid: 1, errors: 0, refused: [] });
        });

        test('other methods and bodies that are not forms are refused', async () => {
          const order = await createOrder(server, api);
          const fields = notifyFields(await pay(order));
          const query = new URLSearchParams(fields).toString();
          const mark = shop.errors.length;
          assert.equal(answer(await fetchAnswer(`${order.url}?${query}`, { method: 'PUT' })), FAIL);
          assert.equal(answer(await fetchAnswer(order.url, { method: 'POST', json: fields })), FAIL);
          assert.deepEqual(refusedSince(mark), ['bad_method', 'not_form']);
          assert.equal(seen(order.out).loads, 1);
        });
      });
    }

    test('v2: a stale timestamp is refused; onError told stale_timestamp', async () => {
      const order = await createOrder(server, 'v2');
      await control('POST', 'clock', { offsetSec: -1000 });
      let paid;
      try {
        paid = await pay(order);
      } finally {
        await control('POST', 'clock', { offsetSec: 0 });
      }
      assert.deepEqual(answers(paid), [FAIL, FAIL, FAIL]);
      assert.deepEqual(seen(order.out), { loads: 0, paid: 0, errors: 0, refused: Array(3).fill('stale_timestamp') });
      assertRefusals(paid, 'stale_timestamp', 'timestamp');
    });

    test('both keys given: each notify\'s sign_type chooses V1 or V2', async () => {
      const v1 = await createOrder(server, 'v1', { route: 'both' });
      const v2 = await createOrder(server, 'v2', { route: 'both' });
      assert.deepEqual(answers(await pay(v1)), [SUCCESS]);
      assert.deepEqual(answers(await pay(v2)), [SUCCESS]);
      assert.equal(seen(v1.out).paid, 1);
      assert.equal(seen(v2.out).paid, 1);
      // An MD5 notify is not verified with the RSA keys, nor an RSA one with the KEY.
      const fields = notifyFields(await control('GET', `orders/${v2.trade_no}`));
      const { sign, sign_type, ...rest } = fields;
      assert.equal(answer(await send(v2.url, { ...rest, sign: md5Sign(rest, TEST_KEY), sign_type: 'MD5' })), SUCCESS);
      const mark = shop.errors.length;
      assert.equal(answer(await send(v2.url, { ...rest, sign, sign_type: 'MD5' })), FAIL);
      assert.deepEqual(refusedSince(mark), ['bad_sign']);
    });
  });
}

// ------------------------------------------------------------- without a server

describe('options', () => {
  const errors = [];
  const fails = (fn, field) => failsWith(errors, fn, 'INVALID_PARAM', { field });
  const valid = { pid: TEST_PID, key: TEST_KEY, loadOrder: () => null, onPaid: () => {} };

  test("clockSkewSec's bound is verifyNotifyV2's", async () => {
    const skew = (clockSkewSec) => verifyNotifyV2('a=1', PLATFORM_PUBLIC_KEY, {}, { clockSkewSec });
    assert.equal((await skew(86_400)).reason, 'missing_sign');
    await fails(() => skew(86_401), 'clockSkewSec');
  });

  test('bad options are refused at creation, naming the option', async () => {
    for (const create of [createNotifyHandler, createNodeNotifyHandler]) {
      await fails(() => create(), 'options');
      await fails(() => create({ ...valid, secret: TEST_KEY }), 'secret');
      await fails(() => create({ ...valid, notify_url: 'x' }), 'notify_url');
      for (const pid of [undefined, 0, -1, 1.5, '', '01', 'abc', '1'.repeat(19), null, {}]) await fails(() => create({ ...valid, pid }), 'pid');
      for (const key of ['', ` ${TEST_KEY}`, 42, null]) await fails(() => create({ ...valid, key }), 'key');
      await fails(() => create({ ...valid, key: undefined }), 'key');
      for (const platformPublicKey of ['', [], [''], [42], 42, null]) {
        await fails(() => create({ ...valid, platformPublicKey }), 'platformPublicKey');
      }
      for (const clockSkewSec of [-1, 1.5, 86_401, '300', null]) await fails(() => create({ ...valid, clockSkewSec }), 'clockSkewSec');
      create({ ...valid, clockSkewSec: 86_400 }); // a day: the largest verifyNotifyV2 takes too
      for (const name of ['loadOrder', 'onPaid']) {
        await fails(() => create({ ...valid, [name]: undefined }), name);
        await fails(() => create({ ...valid, [name]: 'x' }), name);
      }
      await fails(() => create({ ...valid, onError: 'x' }), 'onError');
      assert.equal(typeof create(valid), 'function');
      assert.equal(typeof create({ ...valid, pid: '1005', key: undefined, platformPublicKey: ['a', 'b'], clockSkewSec: 0 }), 'function');
    }
  });

  test('no key in any error', () => {
    assert.ok(errors.length > 0);
    for (const e of errors) assert.ok(!inspect(e).includes(TEST_KEY), inspect(e));
  });
});

describe('the handlers, called directly', () => {
  const direct = resign({
    pid: String(TEST_PID), trade_no: '1', out_trade_no: 'direct1', type: 'alipay', name: 'x', money: '1', trade_status: 'TRADE_SUCCESS',
  });
  const form = new URLSearchParams(direct).toString();

  /** A Node handler whose onPaid and onError calls are recorded, served by node:http through `serve(handler, req, res)`. */
  async function nodeServer(serve, options = {}) {
    const paid = [];
    const errors = [];
    const handler = createNodeNotifyHandler({
      pid: TEST_PID, key: TEST_KEY, loadOrder: () => ({ money: '1.00' }), onPaid: (d) => { paid.push(d); },
      onError: (e) => { errors.push(e); }, ...options,
    });
    const { url, close } = await listen(http.createServer((req, res) => watch(serve(handler, req, res))));
    return { url, close, paid, errors };
  }

  test('a function as third argument (Express\'s next) is ignored', async () => {
    let nextCalls = 0;
    const s = await nodeServer((handler, req, res) => handler(req, res, () => { nextCalls += 1; }));
    try {
      assert.equal(answer(await send(s.url, direct, 'POST')), SUCCESS);
      assert.equal(answer(await send(s.url, direct)), SUCCESS);
      assert.equal(nextCalls, 0);
      assert.equal(s.paid.length, 2);
    } finally {
      await s.close();
    }
  });

  test('the body: given (string, Buffer, object) wins, then req.body once the stream was read, then the stream', async () => {
    /** Reads the whole stream as a parser would. */
    const drain = async (req) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      return Buffer.concat(chunks);
    };
    const bodies = {
      string: (handler, req, res) => handler(req, res, form), // the stream is left unread
      buffer: async (handler, req, res) => handler(req, res, await drain(req)),
      object: async (handler, req, res) => handler(req, res, Object.fromEntries(new URLSearchParams((await drain(req)).toString()))),
      'req.body': async (handler, req, res) => {
        req.body = Object.fromEntries(new URLSearchParams((await drain(req)).toString()));
        return handler(req, res);
      },
      // Express 4's body parsers set req.body = {} for a type they do not parse, leaving the stream unread.
      'req.body {} over an unread stream': (handler, req, res) => {
        req.body = {};
        return handler(req, res);
      },
      stream: (handler, req, res) => handler(req, res),
    };
    for (const [what, serve] of Object.entries(bodies)) {
      const s = await nodeServer(serve);
      try {
        const sent = what === 'string' ? { junk: '1' } : direct;
        assert.equal(answer(await send(s.url, sent, 'POST')), SUCCESS, what);
        assert.deepEqual(s.paid, [direct], what);
        assert.deepEqual(s.errors, [], what);
      } finally {
        await s.close();
      }
    }
    // A stream someone read without setting req.body: nothing to read, refused.
    const s = await nodeServer(async (handler, req, res) => {
      await drain(req);
      return handler(req, res);
    });
    try {
      assert.equal(answer(await send(s.url, direct, 'POST')), FAIL);
      assert.deepEqual(s.errors.map((e) => [e.code, e.reason]), [['NOTIFY_REFUSED', 'no_body']]);
    } finally {
      await s.close();
    }
  });

  test('a parser\'s body that is neither string, Buffer nor object is refused as not_form', async () => {
    const s = await nodeServer((handler, req, res) => handler(req, res, 42));
    try {
      assert.equal(answer(await send(s.url, direct, 'POST')), FAIL);
      assert.deepEqual(s.errors.map((e) => [e.code, e.reason]), [['NOTIFY_REFUSED', 'not_form']]);
    } finally {
      await s.close();
    }
  });

  test('a verified notify without out_trade_no is refused as missing_out_trade_no, before loadOrder', async () => {
    const { out_trade_no, ...rest } = direct;
    const loads = [];
    const s = await nodeServer((handler, req, res) => handler(req, res), { loadOrder: (no) => { loads.push(no); return null; } });
    try {
      const notify = resign(rest);
      assert.equal(answer(await send(s.url, notify)), FAIL);
      assert.deepEqual(s.errors.map((e) => [e.code, e.reason, e.field]), [['NOTIFY_REFUSED', 'missing_out_trade_no', 'out_trade_no']]);
      assert.deepEqual(loads, []);
    } finally {
      await s.close();
    }
  });

  test('a request that breaks off mid-body is refused as body_aborted', async () => {
    const s = await nodeServer((handler, req, res) => handler(req, res));
    try {
      const { port } = new URL(s.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n${form.slice(0, 10)}`);
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      await waitFor(() => s.errors.length === 1, 'onError');
      assert.deepEqual(s.errors.map((e) => [e.code, e.reason]), [['NOTIFY_REFUSED', 'body_aborted']]);
      assert.deepEqual(s.paid, []);
    } finally {
      await s.close();
    }
  });

  test('a body that is not UTF-8 is refused', async () => {
    const bad = Buffer.concat([Buffer.from(`${form}&name=`), Buffer.from([0xff, 0xfe])]);
    const s = await nodeServer((handler, req, res) => handler(req, res));
    const webErrors = [];
    const web = createNotifyHandler({
      pid: TEST_PID, key: TEST_KEY, loadOrder: () => ({ money: 1 }), onPaid: () => {}, onError: (e, data) => { webErrors.push([e.reason, data]); },
    });
    try {
      const r = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: bad });
      assert.equal(`${r.status} ${await r.text()}`, FAIL);
      const w = await web(new Request('https://shop.example/n', { method: 'POST', body: bad }));
      assert.equal(`${w.status} ${await w.text()}`, FAIL);
      assert.deepEqual(s.paid, []);
      assert.deepEqual(s.errors.map((e) => [e.code, e.reason]), [['NOTIFY_REFUSED', 'not_utf8']]);
      assert.deepEqual(webErrors, [['not_utf8', undefined]]);
    } finally {
      await s.close();
    }
  });

  test('v2: the timestamp is judged when the notify arrived, not after a slow loadOrder', async () => {
    const errors = [];
    const paid = [];
    const handler = createNotifyHandler({
      pid: TEST_PID, platformPublicKey: PLATFORM_PUBLIC_KEY, clockSkewSec: 1,
      loadOrder: async () => { await new Promise((r) => setTimeout(r, 2200)); return { money: '1.00' }; },
      onPaid: (d) => { paid.push(d.out_trade_no); }, onError: (e) => { errors.push(e.reason ?? e.code); },
    });
    const v2 = resign({ ...direct, sign_type: 'RSA' });
    const r = await handler(new Request(`https://shop.example/n?${new URLSearchParams(v2)}`));
    assert.equal(`${r.status} ${await r.text()}`, SUCCESS);
    assert.deepEqual([paid, errors], [['direct1'], []]);
  });

  test('a platform key that does not parse: 500 fail and onError, naming platformPublicKey', async () => {
    const s = await nodeServer((handler, req, res) => handler(req, res), { key: undefined, platformPublicKey: 'not a key' });
    try {
      const v2 = resign({ ...direct, sign_type: 'RSA' });
      assert.equal(answer(await send(s.url, v2)), '500 fail');
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0].code, 'INVALID_PARAM');
      assert.equal(s.errors[0].field, 'platformPublicKey');
    } finally {
      await s.close();
    }
  });

  test('it answers nothing when the response was sent already, and tells onError if res is no response', async () => {
    const s = await nodeServer(async (handler, req, res) => {
      res.end('earlier');
      await handler(req, res);
      await handler(req, {}); // not a response: reported, not thrown
    });
    try {
      assert.equal(answer(await fetchAnswer(`${s.url}?${form}`)), '200 earlier');
      await waitFor(() => s.errors.length === 1, 'onError');
      assert.ok(s.errors[0] instanceof TypeError);
      assert.equal(s.paid.length, 2);
    } finally {
      await s.close();
    }
  });

  test('the Web handler given something else than a Request: 500 fail, onError, no rejection', async () => {
    const errors = [];
    const web = createNotifyHandler({ pid: TEST_PID, key: TEST_KEY, loadOrder: () => null, onPaid: () => {}, onError: (e) => { errors.push(e); } });
    const r = await watch(web('https://shop.example/n'));
    assert.equal(`${r.status} ${await r.text()}`, '500 fail');
    assert.equal(errors.length, 1);
  });
});

test('every handler promise resolved', () => {
  assert.ok(shop.settled.resolved > 100, `${shop.settled.resolved} resolved`);
  assert.deepEqual(shop.settled.rejected, []);
});

test('onError never received a key', () => {
  assert.ok(shop.errors.filter(isRefusal).length > 100, 'refusals were among them');
  const privateLines = MERCHANT_PRIVATE_KEY.split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const { error, data } of shop.errors) {
    const text = inspect({ error, data }, { depth: 5 });
    assert.ok(!text.includes(TEST_KEY), text);
    assert.ok(!privateLines.some((l) => text.includes(l)), text);
  }
});
