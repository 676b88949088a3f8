// The demo's database: PostgreSQL-compatible SQL through one tiny interface
// over two drivers, and the schema's migrations (all of them, here).
//   - embedded PGlite (PostgreSQL compiled to wasm, in this process),
//     persisted in a folder or in memory: nothing to install;
//   - a PostgreSQL server through `pg` (DATABASE_URL=postgres://...): what
//     several merchant instances behind a load balancer share.
// The same schema and the same queries run on both.

/**
 * The schema, one migration per entry, applied in order and never edited
 * once released (add a new entry instead). `openDatabase` records the
 * applied ones in `schema_migrations`.
 */
const MIGRATIONS = [
  // 1: orders, their numbers and the fulfilment log.
  `-- Shared by every instance: two never hand out the same out_trade_no.
   CREATE SEQUENCE out_trade_no_seq;

   CREATE TABLE orders (
     out_trade_no  text PRIMARY KEY,                 -- our order number, sent to the gateway
     api           text NOT NULL CHECK (api IN ('v1', 'v2')),  -- the API it was created through: queried, refunded, verified through it
     name          text NOT NULL,
     money         numeric(12, 2) NOT NULL CHECK (money > 0),  -- the amount to expect, ours (never the browser's)
     type          text NOT NULL,                    -- alipay, wxpay, qqpay
     mode          text NOT NULL CHECK (mode IN ('page', 'api')),
     status        text NOT NULL DEFAULT 'unpaid'
                   CHECK (status IN ('unpaid', 'paid', 'refunding', 'refunded')),
     trade_no      text,                             -- the gateway's number: from createOrder (API mode) or the payment
     payurl        text,
     created_at    timestamptz NOT NULL DEFAULT now(),
     paid_at       timestamptz,
     paid_via      text CHECK (paid_via IN ('notify', 'reconcile')),
     refunded_at   timestamptz,
     refund_no     text,
     out_refund_no text,
     notifies          integer NOT NULL DEFAULT 0,   -- verified notify deliveries (replays included)
     rejected_notifies integer NOT NULL DEFAULT 0,   -- notifies that failed verification
     returned      text                              -- what the return redirect's check said
   );
   -- What reconciliation scans: the unpaid orders, oldest first.
   CREATE INDEX orders_unpaid ON orders (created_at) WHERE status = 'unpaid';

   -- One row per fulfilment (in a shop: the goods delivered, the account
   -- credited). Deliberately NO unique constraint on out_trade_no: exactly
   -- once comes from the conditional UPDATE in orders.mjs, and a second
   -- fulfilment of an order would show here as a second row.
   CREATE TABLE fulfilments (
     id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     out_trade_no text NOT NULL REFERENCES orders,
     trade_no     text,
     via          text NOT NULL,                     -- notify or reconcile
     instance     text NOT NULL,                     -- which merchant process did it
     created_at   timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX fulfilments_out_trade_no ON fulfilments (out_trade_no);`,
  // 2: every change to an order is announced on channel 'orders' (payload:
  // its out_trade_no), so each instance's live order list also shows what
  // the other instances did.
  `CREATE FUNCTION orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('orders', NEW.out_trade_no);
     RETURN NULL;
   END $$;
   CREATE TRIGGER orders_changed AFTER INSERT OR UPDATE ON orders
     FOR EACH ROW EXECUTE FUNCTION orders_changed();`,
  // 3: reconciliation's backoff (an order asked about and still unpaid is
  // asked again later and later), and when a refund was claimed (a claim
  // left by a process that died is recovered by a later pass).
  `ALTER TABLE orders
     ADD COLUMN checks          integer NOT NULL DEFAULT 0,  -- reconciliation queries that left it unpaid
     ADD COLUMN next_check_at   timestamptz,                 -- not asked about again before (NULL: at once)
     ADD COLUMN refund_claimed_at timestamptz;               -- when it became 'refunding'`,
];

import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Any number, the same in every instance: the advisory lock held while migrating. */
const MIGRATION_LOCK = 2026_1111;

/**
 * @typedef {object} Queryable
 * @property {(sql: string, params?: unknown[]) => Promise<object[]>} query One statement with `$1`... parameters; resolves its rows.
 * @property {(sql: string) => Promise<void>} exec Statements without parameters, `;`-separated.
 */

/**
 * @typedef {Queryable & {
 *   kind: 'pglite' | 'postgres',
 *   transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
 *   listen: (channel: string, onPayload: (payload: string) => void) => Promise<void>,
 *   close: () => Promise<void>,
 * }} Db The demo's database: `query`/`exec`, a transaction (committed when
 *   `fn` resolves, rolled back when it throws), LISTEN, and close.
 */

/** Whether the process `pid` is running. */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Takes the PGlite folder `dir` for this process (the file `<dir>.lock`,
 * holding the pid) and returns the function that lets it go. PGlite has no
 * lock of its own: a second process (or a second PGlite in this one) on the
 * same folder reads and writes it behind the first's back, and orders are
 * lost, numbers handed out twice, the folder left corrupt. A lock whose
 * process has died is taken over (not guarded: two processes taking over
 * one dead lock at the same instant).
 */
/** The lock files this process holds. */
const heldLocks = new Set();

function lockFolder(dir) {
  const file = `${dir.replace(/[\\/]+$/, '')}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  // Written whole, then linked to its name: the lock never exists without its pid.
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (;;) {
      try {
        linkSync(mine, file);
        heldLocks.add(file);
        return () => {
          heldLocks.delete(file);
          rmSync(file, { force: true });
        };
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
      let owner;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch (e) {
        if (e.code === 'ENOENT') continue; // let go meanwhile
        throw e;
      }
      // Our own pid on a lock we do not hold: left by an earlier process that had it (pid 1 in a container).
      const ours = owner === process.pid && !heldLocks.has(file);
      if (Number.isSafeInteger(owner) && owner > 0 && isRunning(owner) && !ours) {
        throw new Error(`the database folder ${dir} is in use by process ${owner}: one process per PGlite folder (stop it, or choose another folder, or PostgreSQL for several instances)`);
      }
      rmSync(file, { force: true }); // left by a process that died
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/** PGlite in `dir` (created if missing, and locked while open), or in memory without one. */
async function openPglite(dir) {
  const { PGlite } = await import('@electric-sql/pglite');
  const unlock = dir ? lockFolder(dir) : () => {};
  let pglite;
  try {
    pglite = await PGlite.create(dir);
  } catch (e) {
    unlock();
    throw e;
  }
  const wrap = (q) => ({
    query: async (sql, params) => (await q.query(sql, params)).rows,
    exec: async (sql) => { await q.exec(sql); },
  });
  return {
    kind: 'pglite',
    ...wrap(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(wrap(tx))),
    listen: async (channel, onPayload) => { await pglite.listen(channel, onPayload); },
    async close() {
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

/** Delays between tries to LISTEN again on a dropped connection: the first, doubled up to the last. */
const RELISTEN_FIRST_MS = 1000;
const RELISTEN_MAX_MS = 30_000;
/** How long the LISTEN connection may take to connect before a try fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Stops a LISTEN connection of `openPostgres` from being opened again. */
function stop(listener) {
  listener.closed = true;
  clearTimeout(listener.timer);
}

/** A pool of connections to the PostgreSQL server at `url`; `onError` hears of connections that fail while idle. */
async function openPostgres(url, onError) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', onError); // an idle connection dropped by the server: the pool replaces it
  const listeners = [];
  const wrap = (q) => ({
    query: async (sql, params) => (await q.query(sql, params)).rows,
    exec: async (sql) => { await q.query(sql); },
  });
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    /**
     * LISTEN holds a connection of its own, outside the pool. When the
     * server drops it (onError hears of it), it is opened again after 1 s,
     * then 2, 4… up to 30 s between tries; listening again, it calls
     * `onPayload(null)`: what changed meanwhile was not heard. The first
     * connection's failure is the caller's.
     */
    async listen(channel, onPayload) {
      const listener = { client: null, timer: null, closed: false };
      listeners.push(listener);
      let delay = RELISTEN_FIRST_MS;
      const retry = (error) => {
        if (listener.closed) return;
        listener.timer = setTimeout(reopen, delay);
        delay = Math.min(2 * delay, RELISTEN_MAX_MS);
        onError(error);
      };
      const open = async () => {
        // keepAlive: a connection that dies silently ends too.
        const client = new pg.Client({
          connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: 10_000,
        });
        listener.client = client;
        let listening = false;
        const lose = (error) => {
          if (!listening) return; // connecting: the rejection below tells
          listening = false;
          client.end().catch(() => {});
          retry(error);
        };
        client.on('error', lose);
        client.on('end', () => lose(new Error(`LISTEN ${channel}: the server closed the connection`)));
        client.on('notification', (n) => n.channel === channel && onPayload(n.payload));
        try {
          await client.connect();
          await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
        } catch (e) {
          client.end().catch(() => {});
          throw e;
        }
        listening = true;
        delay = RELISTEN_FIRST_MS;
      };
      const reopen = () => open().then(() => onPayload(null), retry).catch(onError);
      try {
        await open();
      } catch (e) {
        stop(listener);
        throw e;
      }
    },
    async close() {
      listeners.forEach(stop);
      await Promise.all(listeners.map((l) => l.client.end().catch(() => {})));
      await pool.end();
    },
  };
}

/**
 * Applies the migrations not applied yet, in one transaction under an
 * advisory lock: instances starting together on one server migrate once.
 */
async function migrate(db) {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await tx.query('SELECT version FROM schema_migrations')).map((r) => r.version));
    for (const [i, sql] of MIGRATIONS.entries()) {
      if (applied.has(i + 1)) continue;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1]);
    }
  });
}

/**
 * Opens the demo's database and brings its schema up to date.
 * @param {object} options
 * @param {string} [options.url] `postgres://...`: a PostgreSQL server (through `pg`).
 * @param {string} [options.dir] Without `url`: the folder of an embedded PGlite database; none = in memory.
 * @param {(error: Error) => void} [options.onError] Errors of idle server connections (PostgreSQL only).
 * @returns {Promise<Db>}
 */
export async function openDatabase({ url, dir, onError = () => {} } = {}) {
  if (url && !/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  const db = url ? await openPostgres(url, onError) : await openPglite(dir);
  try {
    await migrate(db);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return db;
}
