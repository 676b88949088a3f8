// The demo merchant on a database (not a test file itself: the suite that
// demo-db-postgres.test.mjs and demo-db-pglite.test.mjs run on their
// database). Sandbox gateway and merchant instances run in this process.
//
//  - exactly once: 500 orders (V1 and V2) paid through the sandbox, whose
//    notifies go to a capturing receiver; every captured notify is then
//    replayed to EVERY instance at the same time, and once more: each order
//    is fulfilled once (the fulfilments table has no unique constraint:
//    a double fulfilment would be a second row), none is lost;
//  - the notify route refuses what the handler refuses (a body over 64 KB,
//    not UTF-8); the fulfil statement raced directly; refunds claimed in the
//    database (one refused: paid again; one unanswered: left claimed);
//  - reconciliation: the sandbox drops every notify; one pass of the Orders
//    page's button asks the gateway and fulfils them all, and nothing the
//    gateway does not report paid for our amount (unpaid, refunded, another
//    amount); it backs off (orders never submitted to the gateway are asked
//    about on a doubling schedule, simulated over a day by moving their
//    timestamps back), yet finds one paid after a few failed checks;
//  - a refund left `refunding` by a process that died (made in the
//    database) is settled by a later pass as the gateway reports it, and no
//    refund is sent.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_MERCHANTS, TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import { EpayClientV2 } from '../../pkg/index.mjs';
import { startMerchant } from '../../demo/merchant.mjs';
import { startReceiver, waitFor } from './support.mjs';

const ORDERS = 500;
/** Requests in flight at a time: enough to race, few enough for a 2-core machine. */
const CONCURRENCY = 16;
const RECONCILED_ORDERS = 40;
const WAIT_MS = 60_000;

/** Runs `fn(item, index)` on every item, `limit` at a time; resolves the results in order. */
async function inBatches(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The suite, on merchant instances started with `databases()`'s options
 * (one `database` option of startMerchant per instance, all on one
 * database), closed by its `close()` after the instances. Returns the
 * suite's state, filled in by its `before`: `{ sandbox, account,
 * instances, ... }`, for tests of the file's own that run after it.
 * @param {{ databases: () => Promise<{ options: object[], close: () => Promise<void> }> }} setup
 */
export function demoDbSuite({ databases }) {
  const state = {};
  const logs = [];

  before(async () => {
    state.sandbox = await startSandbox({ notifyRetryDelaysMs: [], log: () => {} });
    state.receiver = await startReceiver();
    state.db = await databases();
    const [merchant] = DEFAULT_MERCHANTS; // 1005: its KEY (V1) and the TEST RSA pair (V2)
    const account = {
      gateway: state.sandbox.url, pid: merchant.pid, key: merchant.key,
      privateKey: readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'), platformPublicKey: state.sandbox.platformPublicKey,
    };
    state.account = account;
    // Sequentially: instances starting at once on one server would migrate once too (advisory lock), but one at a time is enough here.
    state.instances = [];
    for (const [i, database] of state.db.options.entries()) {
      state.instances.push(await startMerchant({
        ...account, database, port: 0, publicUrl: state.receiver.url, reconcileEverySec: 0,
        instance: `instance-${'AB'[i]}`, log: (line) => logs.push(line),
      }));
    }
  });

  after(async () => {
    for (const each of state.instances ?? []) await each.close();
    await state.db?.close();
    await state.receiver?.close();
    await state.sandbox?.close();
  });

  const control = async (path, init) => {
    const res = await fetch(`${state.sandbox.url}_sandbox/${path}`, init);
    assert.ok(res.ok, `${path}: HTTP ${res.status}`);
    return res.json();
  };
  const sql = (text, params) => state.instances[0].db.query(text, params);

  /** Creates `n` API-mode orders, V1 and V2 alternately, through the instances in turn; resolves their records. */
  const createOrders = (n, product = 'vip') => inBatches(Array.from({ length: n }), CONCURRENCY, async (_, i) => {
    const instance = state.instances[i % state.instances.length];
    const res = await fetch(`${instance.url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product, mode: 'api', api: i % 2 ? 'v2' : 'v1' }),
    });
    assert.equal(res.status, 201);
    return (await res.json()).order;
  });
  /** The shopper pays each order at the gateway (the sandbox then sends its notify). */
  const payAll = (orders) => inBatches(orders, CONCURRENCY, (o) => control(`orders/${o.trade_no}/pay`, { method: 'POST' }));

  test(`exactly once: ${ORDERS} orders, every signed notify replayed to every instance at once, then again`, async () => {
    const orders = await createOrders(ORDERS);
    await payAll(orders);
    const captured = await waitFor(() => {
      const hits = state.receiver.hits('/epay/notify');
      return hits.length >= ORDERS && hits;
    }, `${ORDERS} notifies`, WAIT_MS);
    assert.deepEqual(new Set(captured.map((h) => h.fields.out_trade_no)), new Set(orders.map((o) => o.out_trade_no)), 'one notify per order');
    assert.equal(captured.filter((h) => h.fields.sign_type === 'RSA').length, ORDERS / 2, 'half of them V2 (RSA)');
    const [{ count: before }] = await sql('SELECT count(*)::integer AS count FROM fulfilments');
    assert.equal(before, 0, 'the notifies went to the receiver only');

    for (const round of [1, 2]) {
      const answers = await inBatches(captured, CONCURRENCY, (hit) => Promise.all(state.instances.map(async (instance) => {
        const res = await fetch(`${instance.url}epay/notify?${hit.query}`);
        return `${res.status} ${await res.text()}`;
      })));
      assert.deepEqual(new Set(answers.flat()), new Set(['200 success']), `round ${round}: every delivery acknowledged`);
    }

    const fulfilled = await sql('SELECT out_trade_no, count(*)::integer AS times FROM fulfilments GROUP BY out_trade_no');
    assert.equal(fulfilled.length, ORDERS, 'none lost');
    assert.deepEqual(fulfilled.filter((r) => r.times !== 1), [], 'none fulfilled twice');
    const [{ count }] = await sql('SELECT count(*)::integer AS count FROM fulfilments');
    assert.equal(count, ORDERS);
    const rows = await sql('SELECT status, paid_via, notifies, count(*)::integer AS n FROM orders GROUP BY 1, 2, 3');
    assert.deepEqual(rows, [{ status: 'paid', paid_via: 'notify', notifies: 2 * state.instances.length, n: ORDERS }],
      'every order paid by a notify, every delivery counted');
    if (state.instances.length > 1) {
      const by = await sql('SELECT instance, count(*)::integer AS n FROM fulfilments GROUP BY instance ORDER BY instance');
      assert.deepEqual(by.map((r) => r.instance), ['instance-A', 'instance-B'], 'both instances won some of the races');
    }
    assert.ok(!logs.some((line) => /answered fail|refused/.test(line)), logs.find((line) => /answered fail|refused/.test(line)));
  });

  test('the notify route refuses as the handler does: a body over 64 KB (declared or streamed) or not UTF-8 is answered 400 fail, its reason logged', async () => {
    const url = `${state.instances[0].url}epay/notify`;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const post = async (body, extra = {}) => {
      const res = await fetch(url, { method: 'POST', headers: form, body, ...extra });
      return `${res.status} ${await res.text()}`;
    };
    const mark = logs.length;
    const big = `out_trade_no=D1&name=${'x'.repeat(64 * 1024)}`;
    assert.equal(await post(big), '400 fail', 'Content-Length over 64 KB');
    assert.equal(await post(new Blob([big]).stream(), { duplex: 'half' }), '400 fail', 'chunked, over 64 KB');
    assert.equal(await post(Buffer.from([...Buffer.from('out_trade_no=D1&name='), 0xff, 0xfe])), '400 fail', 'not UTF-8');
    assert.deepEqual(logs.slice(mark).map((line) => line.match(/refused \((\w+)\)/)?.[1]), ['body_too_large', 'body_too_large', 'not_utf8']);
  });

  test('the fulfil statement itself: 20 concurrent calls on one order, spread over the instances, fulfil it once', async () => {
    const [order] = await createOrders(1, 'coffee');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => state.instances[i % state.instances.length].orders
      .fulfil(order.out_trade_no, { trade_no: order.trade_no, money: '1', via: 'notify' })));
    assert.equal(results.filter(Boolean).length, 1);
    const [{ times }] = await sql('SELECT count(*)::integer AS times FROM fulfilments WHERE out_trade_no = $1', [order.out_trade_no]);
    assert.equal(times, 1);
    const [other] = await createOrders(1, 'coffee');
    const fulfil = (money) => state.instances[0].orders.fulfil(other.out_trade_no, { trade_no: other.trade_no, money, via: 'notify' });
    assert.equal(await fulfil('1.01'), false, 'another amount fulfils nothing');
    assert.equal((await state.instances[0].orders.get(other.out_trade_no)).status, 'unpaid');
    assert.equal(await fulfil('1.00'), true, 'the amount, compared as a number');
  });

  test('refunds: claimed in the database, so two at once (on every instance) refund once; one refused leaves the order paid, one unanswered refunding until a pass asks the gateway', async () => {
    const [order] = await createOrders(1, 'coffee'); // V1 (the first of a batch): api.php?act=refund, never retried
    const [lostOrder] = await createOrders(1, 'coffee');
    await payAll([order, lostOrder]);
    for (const each of [order, lostOrder]) {
      const hit = await waitFor(() => state.receiver.hits('/epay/notify').find((h) => h.fields.out_trade_no === each.out_trade_no), 'its notify');
      assert.equal((await fetch(`${state.instances[0].url}epay/notify?${hit.query}`)).status, 200);
    }
    const refund = (instance, which = order) => fetch(`${instance.url}api/orders/${which.out_trade_no}/refund`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    const refunds = async () => (await control('requests'))['api.php?act=refund'] ?? 0;
    const status = async (which) => (await state.instances[0].orders.get(which.out_trade_no)).status;

    // Refused by the gateway (our record says ¥2.00, it was paid ¥1.00): certainly not refunded, paid again.
    await sql('UPDATE orders SET money = 2.00 WHERE out_trade_no = $1', [order.out_trade_no]);
    const before = await refunds();
    assert.equal((await refund(state.instances[0])).status, 502, 'the gateway refused');
    assert.equal(await refunds(), before + 1, 'sent once, not retried');
    assert.equal(await status(order), 'paid', 'back to paid: a person may try again');
    await sql('UPDATE orders SET money = 1.00 WHERE out_trade_no = $1', [order.out_trade_no]);

    const answers = await Promise.all([...state.instances, ...state.instances].map(async (instance) => (await refund(instance)).status));
    assert.deepEqual(answers.toSorted(), [200, ...Array(answers.length - 1).fill(409)], 'one refund, the others refused');
    assert.equal(await refunds(), before + 2, 'one more refund sent to the gateway');
    assert.equal((await state.instances.at(-1).orders.get(order.out_trade_no)).status, 'refunded');
    assert.equal((await refund(state.instances[0])).status, 409, 'a refunded order is not refunded again');

    // Refunded by the gateway, its answer lost: the outcome is unknown, the order stays claimed and a click sends nothing.
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'api.php?act=refund', kind: 'lose_answer' }) });
    const lost = await refund(state.instances[0], lostOrder);
    assert.equal(lost.status, 502);
    assert.match((await lost.json()).error, /whether it refunded is not known: the order stays refunding/);
    assert.equal(await refunds(), before + 3, 'sent once, not retried');
    assert.equal(await status(lostOrder), 'refunding');
    assert.equal((await refund(state.instances.at(-1), lostOrder)).status, 409, 'a second click sends no second V1 refund');
    assert.equal(await refunds(), before + 3);
    await sql("UPDATE orders SET refund_claimed_at = refund_claimed_at - interval '5 minutes' WHERE out_trade_no = $1", [lostOrder.out_trade_no]);
    await state.instances[0].reconcile(300);
    assert.equal(await status(lostOrder), 'refunded', 'a pass asked the gateway: refunded');
    assert.equal(await refunds(), before + 3, 'and sent nothing');
  });

  test(`reconciliation: the gateway drops every notify; one pass (the Orders page's button) fulfils all ${RECONCILED_ORDERS} orders`, async () => {
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'notify', kind: 'notify_fail', times: 0 }) });
    try {
      const orders = await createOrders(RECONCILED_ORDERS, 'ebook');
      const hitsBefore = state.receiver.hits('/epay/notify').length;
      await payAll(orders);
      await waitFor(async () => {
        const placed = (await control('orders')).orders.filter((o) => orders.some((x) => x.trade_no === o.trade_no));
        return placed.every((o) => o.notify.status === 'failed');
      }, 'the dropped notifies', WAIT_MS);
      assert.equal(state.receiver.hits('/epay/notify').length, hitsBefore, 'no notify was sent');
      const outs = orders.map((o) => o.out_trade_no);
      const unpaid = () => sql("SELECT count(*)::integer AS n FROM orders WHERE status = 'unpaid' AND out_trade_no = ANY($1)", [outs]);
      assert.equal((await unpaid())[0].n, RECONCILED_ORDERS);

      const young = await state.instances[0].reconcile(3600);
      assert.deepEqual(young, { checked: 0, fulfilled: 0, failed: 0 }, 'a periodic pass leaves orders younger than its age alone');

      const before = await control('requests');
      const click = async () => {
        const res = await fetch(`${state.instances.at(-1).url}api/reconcile`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
        assert.equal(res.status, 200);
        return res.json();
      };
      // The earlier tests' orders are all paid: this pass sees only these. A second click during the pass shares it.
      const pass = { checked: RECONCILED_ORDERS, fulfilled: RECONCILED_ORDERS, failed: 0 };
      assert.deepEqual(await Promise.all([click(), click()]), [pass, pass]);
      const now = await control('requests');
      const sent = (endpoint) => (now[endpoint] ?? 0) - (before[endpoint] ?? 0);
      assert.deepEqual([sent('api.php?act=order'), sent('api/pay/query')], [RECONCILED_ORDERS / 2, RECONCILED_ORDERS / 2],
        'each order queried once (one pass for both clicks), through its own API');

      assert.equal((await unpaid())[0].n, 0, 'all paid after one pass');
      const rows = await sql('SELECT o.paid_via, count(f.id)::integer AS times FROM orders o LEFT JOIN fulfilments f USING (out_trade_no) WHERE o.out_trade_no = ANY($1) GROUP BY o.out_trade_no, o.paid_via', [outs]);
      assert.deepEqual(new Set(rows.map((r) => `${r.paid_via} ${r.times}`)), new Set(['reconcile 1']), 'each fulfilled once, by reconciliation');
      const again = await state.instances[0].reconcile(0);
      assert.equal(again.fulfilled, 0, 'a second pass finds nothing more to fulfil');
    } finally {
      await control('faults', { method: 'DELETE' });
    }
  });

  test('reconciliation fulfils nothing the gateway does not report paid for our amount: unpaid, refunded, or another amount', async () => {
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'notify', kind: 'notify_fail', times: 0 }) });
    try {
      const [refunded, unpaid, otherAmount] = await createOrders(3, 'coffee'); // ¥1.00 each: V1, V2, V1
      await payAll([refunded, otherAmount]);
      await waitFor(async () => {
        const placed = await Promise.all([refunded, otherAmount].map((o) => control(`orders/${o.trade_no}`)));
        return placed.every((o) => o.notify.status === 'failed');
      }, 'the dropped notifies', WAIT_MS);
      // Refunded at the gateway (api.php, V1) before any notify reached us: paid, then refunded.
      const refund = await fetch(`${state.sandbox.url}api.php?act=refund`, {
        method: 'POST',
        body: new URLSearchParams({ pid: String(state.account.pid), key: state.account.key, trade_no: refunded.trade_no, money: '1.00' }),
      });
      assert.equal((await refund.json()).code, 0);
      assert.equal((await control(`orders/${refunded.trade_no}`)).state, 'refunded');
      // Our record says ¥2.00 where the gateway was paid ¥1.00: the pass must compare the gateway's amount, not copy ours.
      await sql("UPDATE orders SET money = 2.00 WHERE out_trade_no = $1", [otherAmount.out_trade_no]);

      const mine = [unpaid, refunded, otherAmount].map((o) => o.out_trade_no);
      const result = await state.instances.at(-1).reconcile(0);
      assert.deepEqual(result, { checked: 3, fulfilled: 0, failed: 0 });
      const rows = await sql('SELECT o.status, count(f.id)::integer AS times FROM orders o LEFT JOIN fulfilments f USING (out_trade_no) WHERE o.out_trade_no = ANY($1) GROUP BY o.out_trade_no, o.status', [mine]);
      assert.deepEqual(rows.map((r) => `${r.status} ${r.times}`), ['unpaid 0', 'unpaid 0', 'unpaid 0']);
      assert.ok(logs.some((line) => line.includes(`reconcile ${otherAmount.out_trade_no}: paid at the gateway, not fulfilled here`)), 'the amount told');
    } finally {
      await control('faults', { method: 'DELETE' });
    }
  });

  /** Creates page-jump orders (signed fields, not submitted to the gateway), V1 then V2; resolves `{ order, gateway, fields }` each. */
  const pageOrders = () => Promise.all(['v1', 'v2'].map(async (api) => {
    const res = await fetch(`${state.instances[0].url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'coffee', mode: 'page', api }),
    });
    assert.equal(res.status, 201);
    return res.json();
  }));
  /** Time passes for these orders: their created_at and next_check_at move `sec` seconds into the past. */
  const age = (outs, sec) => sql(`UPDATE orders SET created_at = created_at - make_interval(secs => $2),
    next_check_at = next_check_at - make_interval(secs => $2) WHERE out_trade_no = ANY($1)`, [outs, sec]);
  const queries = async () => {
    const now = await control('requests');
    return [now['api.php?act=order'] ?? 0, now['api/pay/query'] ?? 0];
  };

  test('reconciliation backs off: page-jump orders never submitted to the gateway are asked about a dozen times in their day, not every pass', async () => {
    const outs = (await pageOrders()).map((p) => p.order.out_trade_no);
    // Earlier tests' unpaid orders out of the window: the counts below are these two orders' own.
    await sql("UPDATE orders SET created_at = created_at - interval '2 days' WHERE status = 'unpaid' AND NOT (out_trade_no = ANY($1))", [outs]);
    // The rule, from its description: first check at 300 s, then waits of 60 s doubling, at most 4 h, while younger than a day.
    const expected = [];
    for (let at = 300, wait = 60; at < 86_400; at += wait, wait = Math.min(wait * 2, 4 * 3600)) expected.push(at);
    const before = await queries();
    const checkedAt = [];
    for (let minute = 1; minute <= 24 * 60 + 10; minute += 1) { // a pass a minute for a day and 10 minutes
      await age(outs, 60);
      const pass = await state.instances[0].reconcile(300);
      if (pass.checked) {
        assert.deepEqual(pass, { checked: 2, fulfilled: 0, failed: 2 }, `minute ${minute}: no such order at the gateway`);
        checkedAt.push(minute * 60);
      }
    }
    const after = await queries();
    assert.deepEqual(checkedAt, expected, 'checked on the backoff schedule');
    assert.deepEqual([after[0] - before[0], after[1] - before[1]], [expected.length, expected.length],
      `${expected.length} queries each (V1, V2), where a query every pass would be ${24 * 60 - 4}`);
    const rows = await sql('SELECT checks FROM orders WHERE out_trade_no = ANY($1)', [outs]);
    assert.deepEqual(rows.map((r) => r.checks), [expected.length, expected.length]);
  });

  test('reconciliation backs off, yet an order paid after a few failed checks is fulfilled by a later pass; the button ignores the backoff', async () => {
    const pages = await pageOrders();
    const outs = pages.map((p) => p.order.out_trade_no);
    const pass = () => state.instances.at(-1).reconcile(300);
    for (const wait of [300, 60, 120]) { // three checks, the gateway knows neither order
      await age(outs, wait);
      assert.deepEqual(await pass(), { checked: 2, fulfilled: 0, failed: 2 });
    }
    // Now the shopper submits the page (V1 submit.php, V2 api/pay/submit) and pays; the notify goes elsewhere (the receiver).
    for (const { gateway, fields } of pages) {
      const endpoint = fields.sign_type === 'RSA' ? 'api/pay/submit' : 'submit.php';
      const res = await fetch(`${gateway}${endpoint}`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
      assert.equal(res.status, 302, endpoint);
      const placed = (await control('orders')).orders.find((o) => o.out_trade_no === fields.out_trade_no);
      await control(`orders/${placed.trade_no}/pay`, { method: 'POST' });
    }
    assert.deepEqual(await pass(), { checked: 0, fulfilled: 0, failed: 0 }, 'backing off: the next check is 240 s after the third');
    await age(outs, 240);
    assert.deepEqual(await pass(), { checked: 2, fulfilled: 2, failed: 0 }, 'found paid by the next check');
    const rows = await sql('SELECT status, paid_via, checks FROM orders WHERE out_trade_no = ANY($1) ORDER BY out_trade_no', [outs]);
    assert.deepEqual(rows, [{ status: 'paid', paid_via: 'reconcile', checks: 3 }, { status: 'paid', paid_via: 'reconcile', checks: 3 }]);

    // The Orders page's button asks about an order in its backoff all the same.
    const fresh = (await pageOrders()).map((p) => p.order.out_trade_no);
    await age(fresh, 300);
    assert.equal((await pass()).checked, 2);
    assert.equal((await pass()).checked, 0, 'backing off');
    const res = await fetch(`${state.instances[0].url}api/reconcile`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.deepEqual(await res.json(), { checked: 2, fulfilled: 0, failed: 2 });
  });

  test('a refund left refunding by a process that died is settled by a later pass from what the gateway says, never refunded again', async () => {
    // Four paid orders, V1, V2, V1, V2; two of them refunded at the gateway by the "dead" process before it could record it.
    const orders = await createOrders(4, 'coffee');
    await payAll(orders);
    const [v1Refunded, v2Refunded, v1Not, v2Not] = orders;
    const v1 = await fetch(`${state.sandbox.url}api.php?act=refund`, {
      method: 'POST',
      body: new URLSearchParams({ pid: String(state.account.pid), key: state.account.key, trade_no: v1Refunded.trade_no, money: '1.00' }),
    });
    assert.equal((await v1.json()).code, 0);
    const { gateway, pid, privateKey, platformPublicKey } = state.account;
    const client = new EpayClientV2({ gateway, pid, privateKey, platformPublicKey }); // as the demo's V2 API refunds: under R + out_trade_no
    const v2 = await client.refund({ trade_no: v2Refunded.trade_no }, '1.00', { out_refund_no: `R${v2Refunded.out_trade_no}` });
    client.free();
    const outs = orders.map((o) => o.out_trade_no);
    const claim = (list, ago) => sql(`UPDATE orders SET status = 'refunding', refund_claimed_at = now() - make_interval(secs => $2)
      WHERE out_trade_no = ANY($1)`, [list, ago]);
    const statuses = async () => (await sql('SELECT out_trade_no, status, refund_no, out_refund_no FROM orders WHERE out_trade_no = ANY($1)', [outs]))
      .toSorted((a, b) => outs.indexOf(a.out_trade_no) - outs.indexOf(b.out_trade_no));
    const refundsSent = async () => {
      const now = await control('requests');
      return (now['api.php?act=refund'] ?? 0) + (now['api/pay/refund'] ?? 0);
    };
    const sent = await refundsSent();

    await claim(outs, 60); // claimed a minute ago: maybe still running somewhere, left alone
    await state.instances[0].reconcile(300);
    assert.deepEqual((await statuses()).map((r) => r.status), Array(4).fill('refunding'));

    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'api.php?act=order', kind: 'http500', times: 0 }) });
    try {
      await claim(outs, 600); // ten minutes ago: left behind
      await state.instances[0].reconcile(300);
      assert.deepEqual((await statuses()).map((r) => r.status), ['refunding', 'refunded', 'refunding', 'paid'],
        'V1 cannot be asked (the gateway fails): left for the next pass');
    } finally {
      await control('faults', { method: 'DELETE' });
    }
    await state.instances.at(-1).reconcile(300);
    assert.deepEqual(await statuses(), [
      { out_trade_no: v1Refunded.out_trade_no, status: 'refunded', refund_no: null, out_refund_no: null },
      { out_trade_no: v2Refunded.out_trade_no, status: 'refunded', refund_no: v2.refund_no, out_refund_no: `R${v2Refunded.out_trade_no}` },
      { out_trade_no: v1Not.out_trade_no, status: 'paid', refund_no: null, out_refund_no: null },
      { out_trade_no: v2Not.out_trade_no, status: 'paid', refund_no: null, out_refund_no: null },
    ]);
    assert.equal(await refundsSent(), sent, 'no refund sent by reconciliation');
    assert.deepEqual(await Promise.all(orders.map(async (o) => (await control(`orders/${o.trade_no}`)).state)),
      ['refunded', 'refunded', 'paid', 'paid'], 'the gateway refunded each once, and only those');
    const refund = await fetch(`${state.instances[0].url}api/orders/${v1Not.out_trade_no}/refund`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    assert.equal(refund.status, 200, 'paid again: a person may refund it');
    assert.equal((await refund.json()).order.status, 'refunded');
  });

  return state;
}
