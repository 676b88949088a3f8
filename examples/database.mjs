// A shop on a database: orders in PostgreSQL-compatible SQL, fulfilled
// exactly once however many notifies arrive and however many instances of
// this server share the database, and reconciled with the gateway when a
// notify never comes. Express for the routes (any framework mounts the same
// handler). Runs on an embedded PGlite database (in memory; DATA_DIR=folder
// keeps it) or, with DATABASE_URL=postgres://..., on a PostgreSQL server every
// instance shares. EPAY_GATEWAY, EPAY_PID and EPAY_KEY name the gateway and
// merchant (default: epay-sandbox's, `npx epay-sandbox`); HOST the address to
// listen on (default 127.0.0.1: this machine only; 0.0.0.0 behind a load
// balancer on another machine), PORT the port (0: any), PUBLIC_URL the URL
// the gateway reaches this server at (default: from the Host header);
// RECONCILE_EVERY_SEC (60) and RECONCILE_AFTER_SEC (300) the reconciliation.
import { randomUUID } from 'node:crypto';
import express from 'express';
import { EpayClient, createNodeNotifyHandler } from 'epay-wasm';

// The sandbox's test merchant, unless EPAY_GATEWAY names another gateway:
// then EPAY_PID and EPAY_KEY are its own (no test KEY beside a real gateway).
const env = process.env.EPAY_GATEWAY ? process.env : { EPAY_GATEWAY: 'http://127.0.0.1:8787/', EPAY_PID: '1005', EPAY_KEY: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' };
const pid = Number(env.EPAY_PID);
const key = env.EPAY_KEY;
const client = new EpayClient({ gateway: env.EPAY_GATEWAY, pid, key });

// pg's Pool and PGlite both answer query(sql, params) with { rows }.
const db = process.env.DATABASE_URL
  ? new (await import('pg')).default.Pool({ connectionString: process.env.DATABASE_URL })
  : new (await import('@electric-sql/pglite')).PGlite(process.env.DATA_DIR);
// #region schema
await db.query(`CREATE TABLE IF NOT EXISTS orders (
  out_trade_no text PRIMARY KEY,
  money numeric(12, 2) NOT NULL,
  status text NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'paid')),
  trade_no text,
  created_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz
)`);
// What a paid order buys (in a shop: the account credited, the goods to ship). No unique
// constraint: exactly once comes from the UPDATE below, and a second row would show a failure.
await db.query(`CREATE TABLE IF NOT EXISTS fulfilments (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  out_trade_no text NOT NULL REFERENCES orders,
  trade_no text NOT NULL,
  via text NOT NULL
)`);
// #endregion

// #region fulfil
/**
 * Marks the order paid and fulfils it, exactly once, in one statement: of all
 * the notifies and reconciliations racing for one order, on any instance,
 * only one UPDATE finds it unpaid (and for the amount paid, `money`) and
 * returns it, and only for that row is the fulfilment written.
 */
async function markPaid(out_trade_no, trade_no, money, via) {
  const { rows } = await db.query(
    `WITH paid AS (
       UPDATE orders SET status = 'paid', trade_no = $2, paid_at = now()
        WHERE out_trade_no = $1 AND status = 'unpaid' AND money = $3::numeric
       RETURNING out_trade_no, trade_no, money
     )
     INSERT INTO fulfilments (out_trade_no, trade_no, via) SELECT out_trade_no, trade_no, $4 FROM paid
     RETURNING out_trade_no`,
    [out_trade_no, trade_no, money, via],
  );
  // An effect outside the database (an e-mail) goes here, after the commit, or in a worker reading fulfilments.
  if (rows.length) console.log(`fulfilled ${out_trade_no}: trade_no ${trade_no}, ¥${money}, by ${via}`);
  return rows.length > 0;
}

const notify = createNodeNotifyHandler({
  pid, key,
  async loadOrder(out_trade_no) {
    const { rows } = await db.query(
      `SELECT money::text AS money, status = 'paid' AS paid FROM orders WHERE out_trade_no = $1`, [out_trade_no]);
    return rows[0] ?? null; // { money, paid }: a paid order is answered `success` at once
  },
  onPaid: (data) => markPaid(data.out_trade_no, data.trade_no, data.money, 'notify'), // `success` once it resolved
  // Refused (400, `error.reason` says why) or failed (500: the gateway retries).
  onError: (error) => (error?.code === 'NOTIFY_REFUSED' ? console.warn(error.message) : console.error('notify failed:', error)),
});
// #endregion

// #region reconcile
/**
 * Asks the gateway about the orders still unpaid RECONCILE_AFTER_SEC after
 * they were created (up to a day old): a gateway retries a notify only from
 * a cron job, some never do, and a notify can be lost on the way.
 */
async function reconcile() {
  const { rows } = await db.query(
    `SELECT out_trade_no FROM orders
      WHERE status = 'unpaid' AND created_at < now() - make_interval(secs => $1)
        AND created_at > now() - interval '1 day'`,
    [Number(process.env.RECONCILE_AFTER_SEC ?? 300)],
  );
  for (const order of rows) {
    try {
      const found = await client.queryOrder({ out_trade_no: order.out_trade_no });
      if (found.out_trade_no !== order.out_trade_no) throw new Error(`the gateway answered about ${found.out_trade_no}`);
      // `paid` is true of an order refunded since, too (status 2): nothing to deliver then.
      if (found.paid && !found.refunded && !(await markPaid(order.out_trade_no, found.trade_no, found.money, 'reconciliation'))) {
        console.warn(`reconcile ${order.out_trade_no}: paid at the gateway (¥${found.money}), not fulfilled here: another amount?`);
      }
    } catch (error) {
      console.error(`reconcile ${order.out_trade_no}:`, error.code ?? error.message); // e.g. never created at the gateway
    }
  }
}
// Every RECONCILE_EVERY_SEC seconds (0: never), a pass at a time.
const every = Number(process.env.RECONCILE_EVERY_SEC ?? 60) * 1000;
const pass = () => reconcile().catch((error) => console.error('reconciliation failed:', error)).finally(() => setTimeout(pass, every).unref());
if (every > 0) setTimeout(pass, every).unref();
// #endregion

const app = express();
app.all('/epay/notify', notify);
app.post('/checkout', async (req, res) => {
  const base = process.env.PUBLIC_URL ?? `http://${req.get('host')}/`;
  const out_trade_no = `D${randomUUID().replaceAll('-', '')}`;
  await db.query(`INSERT INTO orders (out_trade_no, money) VALUES ($1, $2)`, [out_trade_no, '0.01']);
  const { payurl } = await client.createOrder({
    type: 'alipay', out_trade_no, name: 'VIP会员', money: '0.01',
    notify_url: `${base}epay/notify`, return_url: base, clientip: req.ip,
  });
  res.json({ out_trade_no, payurl });
});

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`listening on http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}/`);
});
