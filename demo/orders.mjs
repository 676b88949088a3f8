// The merchant's order records, in SQL (demo/db.mjs: embedded PGlite or a
// PostgreSQL server). Every state change is one conditional statement, so
// any number of merchant instances can share one database:
//   - unpaid → paid:   `fulfil`, exactly once whoever calls it and however often;
//   - paid → refunding → refunded (or back to paid): `claimRefund` and its two
//     ends, or `settleStaleRefund` for a claim its process left behind.
// The state lives in the database only: nothing is cached in the process.

import { EventEmitter } from 'node:events';

/** An order record as the API answers it: the row plus its number of fulfilments. */
const RECORD = `SELECT o.*, (SELECT count(*) FROM fulfilments f WHERE f.out_trade_no = o.out_trade_no)::integer AS fulfilments
                FROM orders o`;

/**
 * THE EXACTLY-ONCE FULFILMENT. One statement: the UPDATE flips the order
 * from unpaid to paid only if it is still unpaid (and the amount is ours);
 * the INSERT, the fulfilment itself, runs only for the row the UPDATE
 * returned. Two instances handling the same notify at the same moment:
 * PostgreSQL makes the second UPDATE wait for the first to commit, then
 * re-checks `status = 'unpaid'` on the new row, finds it paid and returns
 * nothing, so the second fulfils nothing. A notify replayed later, or
 * reconciliation finding the order paid, likewise.
 *
 * In a shop the INSERT is the delivery (credit the account, mark the goods
 * to ship) in this same statement or transaction. An effect outside the
 * database (an e-mail, a call to a warehouse) goes after a row came back,
 * or better, in a worker reading `fulfilments`, so it cannot be lost
 * between the commit and the effect.
 *
 * $1 out_trade_no, $2 the gateway's trade_no, $3 the amount the gateway
 * says was paid (compared as numeric: '9.9' = 9.90), $4 'notify' or
 * 'reconcile', $5 the instance.
 */
const FULFIL = `
  WITH paid AS (
    UPDATE orders
       SET status = 'paid', paid_at = now(), paid_via = $4, trade_no = coalesce(trade_no, $2)
     WHERE out_trade_no = $1 AND status = 'unpaid' AND money = $3::numeric
    RETURNING out_trade_no, trade_no
  )
  INSERT INTO fulfilments (out_trade_no, trade_no, via, instance)
  SELECT out_trade_no, trade_no, $4, $5 FROM paid
  RETURNING id`;

const pad = (n, width = 2) => String(n).padStart(width, '0');

/**
 * Order records in the database. Emits `change` (with the out_trade_no)
 * whenever an order changes, in this instance or another one sharing the
 * database (the `orders_changed` trigger's NOTIFY); `change` with `null`
 * when changes may have been missed (the database connection that hears
 * them was dropped and made again).
 *
 * A record: `{ out_trade_no, api, name, money, type, mode, status,
 * trade_no, payurl, created_at, paid_at, paid_via, refunded_at, refund_no,
 * out_refund_no, notifies, rejected_notifies, returned, fulfilments }`
 * where api is `v1` or `v2` (the API it was created through), money a
 * string with two decimals and status `unpaid`, `paid`, `refunding` or
 * `refunded`.
 */
export class Orders extends EventEmitter {
  #db;
  #instance;

  /** Use {@link Orders.open}. */
  constructor(db, instance) {
    super();
    this.#db = db;
    this.#instance = instance;
  }

  /**
   * The orders of `db` (see demo/db.mjs), changed by this process under
   * the name `instance` (recorded on its fulfilments).
   */
  static async open(db, instance) {
    const orders = new Orders(db, instance);
    await db.listen('orders', (outTradeNo) => orders.emit('change', outTradeNo));
    return orders;
  }

  /**
   * A fresh out_trade_no: `D` + local time + a number from the database's
   * sequence (6 digits or more), e.g. `D20261128153005000042`: unique
   * across instances, and across restarts of a persisted database.
   */
  async newOutTradeNo(d = new Date()) {
    const [{ n }] = await this.#db.query("SELECT nextval('out_trade_no_seq')::text AS n");
    const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
    return `D${stamp}${pad(n, 6)}`;
  }

  /**
   * Records a new unpaid order `{ out_trade_no, api, name, money, type,
   * mode, trade_no?, payurl? }` (money already checked by the package) and
   * resolves its record.
   */
  async add({ out_trade_no, api, name, money, type, mode, trade_no = null, payurl = null }) {
    const [record] = await this.#db.query(
      `INSERT INTO orders (out_trade_no, api, name, money, type, mode, trade_no, payurl) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING *, 0 AS fulfilments`,
      [out_trade_no, api, name, money, type, mode, trade_no, payurl],
    );
    return record;
  }

  /** The record of this out_trade_no, or undefined. */
  async get(outTradeNo) {
    return (await this.#db.query(`${RECORD} WHERE o.out_trade_no = $1`, [outTradeNo]))[0];
  }

  /** The newest `limit` records, newest first. */
  async list(limit = 100) {
    return this.#db.query(`${RECORD} ORDER BY o.created_at DESC, o.out_trade_no DESC LIMIT $1`, [limit]);
  }

  /** What a notify handler's `loadOrder` needs: `{ money, paid }` (paid: no longer unpaid), or null. */
  async forNotify(outTradeNo) {
    const [row] = await this.#db.query('SELECT money, status FROM orders WHERE out_trade_no = $1', [outTradeNo]);
    return row ? { money: row.money, paid: row.status !== 'unpaid' } : null;
  }

  /**
   * Marks the order paid and fulfils it, exactly once (see FULFIL above):
   * resolves true for the one call that did, false for every other (paid
   * already, refunded, unknown, or another amount).
   * @param {string} outTradeNo
   * @param {{ trade_no?: string, money: string, via: 'notify'|'reconcile' }} payment What the gateway said.
   */
  async fulfil(outTradeNo, { trade_no, money, via }) {
    const rows = await this.#db.query(FULFIL, [outTradeNo, trade_no ?? null, money, via, this.#instance]);
    return rows.length > 0;
  }

  /** Counts one notify delivery for the order: `verified` (acknowledged with `success`) or rejected. */
  async countNotify(outTradeNo, verified) {
    await this.#db.query(
      `UPDATE orders SET notifies = notifies + CASE WHEN $2 THEN 1 ELSE 0 END,
                         rejected_notifies = rejected_notifies + CASE WHEN $2 THEN 0 ELSE 1 END
        WHERE out_trade_no = $1`,
      [outTradeNo, verified],
    );
  }

  /** Records what the check of the shopper's return redirect said. */
  async setReturned(outTradeNo, text) {
    await this.#db.query('UPDATE orders SET returned = $2 WHERE out_trade_no = $1', [outTradeNo, text]);
  }

  /**
   * Takes a paid order for refunding (status `refunding`): resolves its
   * record, or undefined when it is not paid (unpaid, refunded, or being
   * refunded by another request or instance). Then exactly one of
   * `refunded` or `refundFailed`.
   */
  async claimRefund(outTradeNo) {
    const [row] = await this.#db.query(
      "UPDATE orders SET status = 'refunding', refund_claimed_at = now() WHERE out_trade_no = $1 AND status = 'paid' RETURNING out_trade_no",
      [outTradeNo],
    );
    return row && this.get(outTradeNo);
  }

  /** The gateway refunded the claimed order, with the refund numbers its API gave (V2: `refund_no`, `out_refund_no`; V1: none). */
  async refunded(outTradeNo, { refund_no = null, out_refund_no = null }) {
    await this.#db.query(
      `UPDATE orders SET status = 'refunded', refunded_at = now(), refund_no = $2, out_refund_no = $3
        WHERE out_trade_no = $1 AND status = 'refunding'`,
      [outTradeNo, refund_no, out_refund_no],
    );
  }

  /** The refund of the claimed order failed: paid again (a person decides whether to try again). */
  async refundFailed(outTradeNo) {
    await this.#db.query("UPDATE orders SET status = 'paid' WHERE out_trade_no = $1 AND status = 'refunding'", [outTradeNo]);
  }

  /**
   * Refund claims left behind: orders `refunding` since at least
   * `olderThanSec` seconds (or since before claims were timed), whose
   * claimer has surely died between claiming and recording the outcome (a
   * refund request takes well under a minute), at most `limit`.
   */
  async staleRefunds({ olderThanSec, limit }) {
    return this.#db.query(
      `SELECT out_trade_no, api, money, trade_no FROM orders
        WHERE status = 'refunding' AND (refund_claimed_at IS NULL OR refund_claimed_at <= now() - make_interval(secs => $1))
        ORDER BY refund_claimed_at NULLS FIRST LIMIT $2`,
      [olderThanSec, limit],
    );
  }

  /**
   * Ends a claim `staleRefunds` returned as the gateway reports it:
   * refunded (with the refund numbers it gave, if any) or, not refunded,
   * paid again. Only while the claim is still that old: a claim taken
   * meanwhile (the order went back to paid and was claimed afresh) is left
   * to its own request. Resolves whether it ended the claim.
   * @param {string} outTradeNo
   * @param {number} olderThanSec As given to `staleRefunds`.
   * @param {{ refunded: boolean, refund_no?: string|null, out_refund_no?: string|null }} outcome
   */
  async settleStaleRefund(outTradeNo, olderThanSec, { refunded, refund_no = null, out_refund_no = null }) {
    const rows = await this.#db.query(
      `UPDATE orders SET status = CASE WHEN $3 THEN 'refunded' ELSE 'paid' END,
              refunded_at = CASE WHEN $3 THEN now() END, refund_no = $4, out_refund_no = $5
        WHERE out_trade_no = $1 AND status = 'refunding'
          AND (refund_claimed_at IS NULL OR refund_claimed_at <= now() - make_interval(secs => $2))
       RETURNING out_trade_no`,
      [outTradeNo, olderThanSec, refunded, refund_no, out_refund_no],
    );
    return rows.length > 0;
  }

  /**
   * What reconciliation asks the gateway about: orders unpaid for at least
   * `olderThanSec` seconds but created within the last day (an abandoned
   * order is not asked about forever), and with `dueOnly` only those whose
   * `next_check_at` has come (see `checked`), oldest first, at most `limit`.
   */
  async unpaid({ olderThanSec, limit, dueOnly = true }) {
    return this.#db.query(
      `SELECT out_trade_no, api, money, trade_no FROM orders
        WHERE status = 'unpaid' AND created_at <= now() - make_interval(secs => $1)
          AND created_at > now() - interval '1 day'
          AND (NOT $3 OR next_check_at IS NULL OR next_check_at <= now())
        ORDER BY created_at LIMIT $2`,
      [olderThanSec, limit, dueOnly],
    );
  }

  /**
   * Reconciliation asked the gateway about the unpaid order and it stays
   * unpaid here (no such order at the gateway, unpaid there, or the query
   * failed): counts the check and puts the next one off by `firstSec`
   * seconds after the first check, doubling after each (2, 4, 8... times),
   * at most `maxSec`. An order abandoned before the gateway ever saw it
   * then costs a few queries, not one every pass for a day.
   */
  async checked(outTradeNo, { firstSec, maxSec }) {
    await this.#db.query(
      `UPDATE orders SET checks = checks + 1,
              next_check_at = now() + make_interval(secs => least($2 * power(2, least(checks, 30)), $3))
        WHERE out_trade_no = $1 AND status = 'unpaid'`,
      [outTradeNo, firstSec, maxSec],
    );
  }
}
