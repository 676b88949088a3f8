// Merchants and orders: in memory, optionally persisted to a JSON file
// (written atomically on every change, loaded at start).

import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { compactStamp } from './values.mjs';

/** The seed document's public test account. */
export const DEFAULT_MERCHANTS = Object.freeze([
  Object.freeze({ pid: 1005, key: '80TWQztHqTVvV440KTKVqVPQh11AkfpF', name: 'Test merchant' }),
]);

const FILE_VERSION = 1;
/** How act=query spells its day counters: v3096's orders_today/orders_lastday, or the seed's order_today/order_lastday. */
const DAY_COUNTERS = ['v3096', 'seed'];

/** Checks and normalises the merchant list; throws on bad entries (never printing a key). */
export function normalizeMerchants(list = DEFAULT_MERCHANTS) {
  if (!Array.isArray(list) || list.length === 0) throw new Error('merchants: a non-empty array is required');
  const byPid = new Map();
  for (const m of list) {
    const pid = Number(m?.pid);
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`merchants: pid ${JSON.stringify(m?.pid)} is not a positive integer`);
    if (typeof m.key !== 'string' || m.key === '') throw new Error(`merchants: merchant ${pid} needs a non-empty string key`);
    if (byPid.has(pid)) throw new Error(`merchants: pid ${pid} is listed twice`);
    if (m.dayCounters !== undefined && !DAY_COUNTERS.includes(m.dayCounters)) {
      throw new Error(`merchants: merchant ${pid}: dayCounters must be ${DAY_COUNTERS.map((d) => `"${d}"`).join(' or ')}`);
    }
    byPid.set(pid, { active: 1, name: `Merchant ${pid}`, dayCounters: 'v3096', ...m, pid });
  }
  return byPid;
}

/**
 * The sandbox's data. `orders` maps trade_no → order record (plain JSON
 * objects; mutate them, then call `save()`).
 */
export class Store {
  /** pid → out_trade_no → the first order added with them: findByOut in O(1), not a scan of every order. */
  #byOut = new Map();

  /** @param {{ merchants?: object[], persist?: string }} options */
  constructor({ merchants, persist } = {}) {
    this.merchants = normalizeMerchants(merchants);
    this.persist = persist || null;
    this.orders = new Map();
    this.seq = randomInt(0, 90000);
    if (this.persist && existsSync(this.persist)) this.#load();
  }

  /** The merchant with this pid (number or digit string), or undefined. */
  merchant(pid) {
    return /^\d+$/.test(String(pid ?? '')) ? this.merchants.get(Number(pid)) : undefined;
  }

  /** The order with this trade_no, or undefined. */
  get(tradeNo) {
    return this.orders.get(String(tradeNo ?? ''));
  }

  /** The order of merchant `pid` with this out_trade_no, or undefined. */
  findByOut(pid, outTradeNo) {
    const o = this.#byOut.get(pid)?.get(outTradeNo);
    return o && this.orders.get(o.trade_no) === o ? o : undefined;
  }

  /** Orders, newest first; only merchant `pid`'s if given. */
  list(pid) {
    const all = [...this.orders.values()].filter((o) => pid === undefined || o.pid === pid);
    return all.sort((a, b) => (a.trade_no < b.trade_no ? 1 : -1));
  }

  /** Adds a new order, giving it a trade_no (19 digits: local time + counter). */
  add(fields) {
    let tradeNo;
    do {
      this.seq = (this.seq + 1) % 90000;
      tradeNo = compactStamp() + String(10000 + this.seq);
    } while (this.orders.has(tradeNo));
    const order = { trade_no: tradeNo, ...fields };
    this.orders.set(tradeNo, order);
    this.#index(order);
    this.save();
    return order;
  }

  /** Forgets every order. */
  reset() {
    this.orders.clear();
    this.#byOut.clear();
    this.save();
  }

  /** Writes the persist file (tmp file + rename), if persisting. */
  save() {
    if (!this.persist) return;
    const data = { version: FILE_VERSION, seq: this.seq, orders: [...this.orders.values()] };
    const tmp = `${this.persist}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 1));
    renameSync(tmp, this.persist);
  }

  #load() {
    let data;
    try {
      data = JSON.parse(readFileSync(this.persist, 'utf8'));
    } catch (e) {
      throw new Error(`persist file ${this.persist} is not valid JSON: ${e.message}`);
    }
    if (data?.version !== FILE_VERSION || !Array.isArray(data.orders)) {
      throw new Error(`persist file ${this.persist} is not an epay-sandbox file (version ${FILE_VERSION})`);
    }
    this.seq = Number(data.seq) || 0;
    for (const o of data.orders) {
      this.orders.set(o.trade_no, o);
      this.#index(o);
    }
  }

  #index(order) {
    if (!this.#byOut.has(order.pid)) this.#byOut.set(order.pid, new Map());
    const byOut = this.#byOut.get(order.pid);
    if (!byOut.has(order.out_trade_no)) byOut.set(order.out_trade_no, order);
  }
}
