// The demo merchant on its default database: embedded PGlite persisted in
// a folder, one instance (see demo-db-cases.mjs for the suite); then the
// orders survive a restart of the merchant on that folder.
//
//   bash scripts/build.sh && node --test tests/js/demo-db-pglite.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  assert.ok(!existsSync(`${dir}.lock`), 'closing lets the folder go');
  // A lock left by a process that died (killed before its close) is taken over.
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(`${dir}.lock`, String(dead));
  const again = await startMerchant({ ...suite.account, database: { dir }, port: 0, reconcileEverySec: 0 });
  try {
    assert.deepEqual(await count(again.db), before);
    const last = Number(before.last.slice(15)); // D + 14 digits of time + the sequence
    const next = await again.orders.newOutTradeNo();
    assert.ok(Number(next.slice(15)) > last, `${next} follows ${before.last}`);
  } finally {
    await again.close();
  }
  // One left with this process's own pid by an earlier process (pid 1 again in a container) is taken over too.
  writeFileSync(`${dir}.lock`, String(process.pid));
  const restarted = await startMerchant({ ...suite.account, database: { dir }, port: 0, reconcileEverySec: 0 });
  await restarted.close();
});

test('a second merchant on a PGlite folder in use is refused before it touches it, naming the process', async () => {
  const own = mkdtempSync(join(tmpdir(), 'epay-pglite-lock-'));
  const first = await startMerchant({ ...suite.account, database: { dir: own }, port: 0, reconcileEverySec: 0 });
  try {
    await first.orders.add({ out_trade_no: 'LOCK1', api: 'v1', name: 'x', money: '1.00', type: 'alipay', mode: 'page' });
    await assert.rejects(
      startMerchant({ ...suite.account, database: { dir: own }, port: 0, reconcileEverySec: 0 }),
      new RegExp(`the database folder ${own} is in use by process ${process.pid}: one process per PGlite folder`),
    );
    assert.equal((await first.orders.get('LOCK1')).status, 'unpaid', 'the first still has its order');
  } finally {
    await first.close();
  }
  const again = await startMerchant({ ...suite.account, database: { dir: own }, port: 0, reconcileEverySec: 0 });
  try {
    assert.equal((await again.orders.list()).length, 1, 'the folder as the first left it');
  } finally {
    await again.close();
    rmSync(own, { recursive: true, force: true });
  }
});
