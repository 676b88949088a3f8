// The demo merchant on PostgreSQL: Debian's server started here in a
// temporary folder (tests/js/postgres.mjs), TWO merchant instances on it,
// as behind a load balancer. See demo-db-cases.mjs for the suite; then the
// periodic reconciliation job of a third instance, and one without the V2 keys.
//
//   bash scripts/build.sh && node --test tests/js/demo-db-postgres.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMerchant } from '../../demo/merchant.mjs';
import { startPostgres } from './postgres.mjs';
import { demoDbSuite } from './demo-db-cases.mjs';
import { waitFor } from './support.mjs';

const suite = demoDbSuite({
  async databases() {
    const server = await startPostgres();
    return { options: [{ url: server.url }, { url: server.url }], close: server.stop };
  },
});

test('the periodic job: orders unpaid for reconcileAfterSec are found paid at the gateway and fulfilled, without any notify', async () => {
  const control = (path, init) => fetch(`${suite.sandbox.url}_sandbox/${path}`, init).then((r) => r.json());
  const job = await startMerchant({
    ...suite.account, database: suite.db.options[0], port: 0, reconcileEverySec: 1, reconcileAfterSec: 2, instance: 'instance-C',
  });
  await control('faults', { method: 'POST', body: JSON.stringify({ target: 'notify', kind: 'notify_fail', times: 0 }) });
  try {
    const orders = [];
    for (const api of ['v1', 'v2']) {
      const res = await fetch(`${job.url}api/orders`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'coffee', mode: 'api', api }),
      });
      orders.push((await res.json()).order);
    }
    for (const o of orders) await control(`orders/${o.trade_no}/pay`, { method: 'POST' });
    const paid = await waitFor(async () => {
      const records = await Promise.all(orders.map((o) => job.orders.get(o.out_trade_no)));
      return records.every((r) => r.status === 'paid') && records;
    }, 'the job to find them paid', 30_000);
    for (const r of paid) {
      assert.deepEqual([r.paid_via, r.fulfilments], ['reconcile', 1]);
      assert.ok(r.paid_at - r.created_at >= 2000, `unpaid for ${r.paid_at - r.created_at} ms: at least reconcileAfterSec`);
    }
    const [{ instances }] = await job.db.query('SELECT array_agg(DISTINCT instance) AS instances FROM fulfilments WHERE out_trade_no = ANY($1)',
      [orders.map((o) => o.out_trade_no)]);
    assert.deepEqual(instances, ['instance-C'], 'fulfilled by the job');
  } finally {
    await control('faults', { method: 'DELETE' });
    await job.close();
  }
});

test('an instance without the V2 keys, on the shared database: a V2 order\'s query and refund answer 400 naming the API, the order left paid', async () => {
  const [a] = suite.instances;
  const v1Only = await startMerchant({
    gateway: suite.account.gateway, pid: suite.account.pid, key: suite.account.key, database: suite.db.options[0], port: 0, reconcileEverySec: 0,
  });
  try {
    const created = await fetch(`${a.url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'coffee', mode: 'api', api: 'v2' }),
    });
    const { order } = await created.json();
    await a.db.query("UPDATE orders SET status = 'paid' WHERE out_trade_no = $1", [order.out_trade_no]); // as a notify would
    const query = await fetch(`${v1Only.url}api/orders/${order.out_trade_no}/gateway`);
    assert.deepEqual([query.status, await query.json()], [400, { error: 'API v2 is not configured on this server' }]);
    const refund = await fetch(`${v1Only.url}api/orders/${order.out_trade_no}/refund`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    assert.deepEqual([refund.status, await refund.json()], [400, { error: 'API v2 is not configured on this server' }]);
    assert.equal((await v1Only.orders.get(order.out_trade_no)).status, 'paid', 'the claim let go: another instance may refund it');
  } finally {
    await v1Only.close();
  }
});

test('the live pages: a LISTEN connection the server drops is made again, the pages refreshed, and changes heard again', async () => {
  const [a, b] = suite.instances;
  const heard = [];
  const onChange = (outTradeNo) => heard.push(outTradeNo);
  a.orders.on('change', onChange);
  try {
    const [{ dropped }] = await b.db.query(
      "SELECT count(pg_terminate_backend(pid))::int AS dropped FROM pg_stat_activity WHERE query LIKE 'LISTEN %'",
    );
    assert.ok(dropped >= 2, `both instances' LISTEN connections dropped (${dropped})`);
    await waitFor(() => heard.includes(null), 'the connection made again and the pages told to refresh', 15_000);
    const created = await fetch(`${b.url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'coffee', mode: 'api', api: 'v1' }),
    });
    const { order } = await created.json();
    await waitFor(() => heard.includes(order.out_trade_no), 'an order made on the other instance');
  } finally {
    a.orders.off('change', onChange);
  }
});
