// The demo merchant on its default database: embedded PGlite persisted in
// a folder, one instance (see demo-db-cases.mjs for the suite); then the
// orders survive a restart of the merchant on that folder.
//
//   bash scripts/build.sh && node --test tests/js/demo-db-pglite.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMerchant } from '../../demo/merchant.mjs';
import { demoDbSuite } from './demo-db-cases.mjs';

const dir = mkdtempSync(join(tmpdir(), 'epay-pglite-'));

const suite = demoDbSuite({
  databases: async () => ({ options: [{ dir }], close: async () => rmSync(dir, { recursive: true, force: true }) }),
});

test('the orders survive a restart on the same folder, and order numbers go on from where they were', async () => {
  const [first] = suite.instances;
  const count = async (db) => (await db.query(`SELECT (SELECT count(*) FROM orders)::integer AS orders,
    (SELECT count(*) FROM fulfilments)::integer AS fulfilments, (SELECT max(out_trade_no) FROM orders) AS last`))[0];
  const before = await count(first.db);
  assert.ok(before.orders > 500);
  await first.close(); // one process per PGlite folder: the first lets go before the second opens it
  suite.instances.length = 0;
  const again = await startMerchant({ ...suite.account, database: { dir }, port: 0, reconcileEverySec: 0 });
  try {
    assert.deepEqual(await count(again.db), before);
    const last = Number(before.last.slice(15)); // D + 14 digits of time + the sequence
    const next = await again.orders.newOutTradeNo();
    assert.ok(Number(next.slice(15)) > last, `${next} follows ${before.last}`);
  } finally {
    await again.close();
  }
});
