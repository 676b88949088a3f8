// Merchants and orders: in memory, optionally persisted to a JSON file
// (written atomically on every change, loaded at start).

import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { compactStamp } from './values.mjs';
import { TEST_KEY_FILES, loadPublicKey } from './rsa.mjs';

/**
 * The seed document's public test account, with the published TEST RSA
 * key pair of keys/ (its private half: keys/merchant-1005.pem).
 */
export const DEFAULT_MERCHANTS = Object.freeze([
  Object.freeze({
    pid: 1005, key: '80TWQztHqTVvV440KTKVqVPQh11AkfpF', name: 'Test merchant',
    publicKey: readFileSync(TEST_KEY_FILES.merchant1005PublicKey, 'utf8'),
  }),
]);

const FILE_VERSION = 1;
/** How act=query spells its day counters: v3096's orders_today/orders_lastday, or the seed's order_today/order_lastday. */
const DAY_COUNTERS = ['v3096', 'seed'];
/** A merchant's key type, as the panel sets it: MD5 and RSA signatures, or RSA only. */
const KEY_TYPES = ['MD5+RSA', 'RSA'];

const choices = (list) => list.map((d) => `"${d}"`).join(' or ');

/** Checks one merchant's options; returns its public key (a KeyObject) or null. Throws naming the merchant, never printing a key. */
function checkMerchant(m, pid) {
  if (typeof m.key !== 'string' || m.key === '') throw new Error(`merchants: merchant ${pid} needs a non-empty string key`);
  if (m.dayCounters !== undefined && !DAY_COUNTERS.includes(m.dayCounters)) {
    throw new Error(`merchants: merchant ${pid}: dayCounters must be ${choices(DAY_COUNTERS)}`);
  }
  if (m.keyType !== undefined && !KEY_TYPES.includes(m.keyType)) {
    throw new Error(`merchants: merchant ${pid}: keyType must be ${choices(KEY_TYPES)}`);
  }
  if (m.publicKey === undefined) {
    if (m.keyType === 'RSA') throw new Error(`merchants: merchant ${pid}: keyType "RSA" needs a publicKey`);
    return null;
  }
  return loadPublicKey(m.publicKey, `merchants: merchant ${pid}: publicKey`);
}

/**
 * Checks and normalises the merchant list; throws on bad entries (never
 * printing a key). Returns pid → merchant (defaults filled in) and
 * pid → RSA public key (KeyObject) for the merchants that have one.
 */
export function normalizeMerchants(list = DEFAULT_MERCHANTS) {
  if (!Array.isArray(list) || list.length === 0) throw new Error('merchants: a non-empty array is required');
  const byPid = new Map();
  const publicKeys = new Map();
  for (const m of list) {
    const pid = Number(m?.pid);
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`merchants: pid ${JSON.stringify(m?.pid)} is not a positive integer`);
    if (byPid.has(pid)) throw new Error(`merchants: pid ${pid} is listed twice`);
    const publicKey = checkMerchant(m, pid);
    if (publicKey) publicKeys.set(pid, publicKey);
    byPid.set(pid, { active: 1, name: `Merchant ${pid}`, dayCounters: 'v3096', keyType: 'MD5+RSA', ...m, pid });
  }
  return { byPid, publicKeys };
}

/**
 * The sandbox's data. `orders` maps trade_no → order record (plain JSON
 * objects; mutate them, then call `save()`).
 */
export class Store {
  /** pid → out_trade_no → the first order added with them: findByOut in O(1), not a scan of every order. */
  #byOut = new Map();
  /** refund_no → { order, refund }. */
  #refunds = new Map();
  /** pid → out_refund_no → the first { order, refund } recorded with them. */
  #byOutRefund = new Map();
  /** pid → RSA public key (KeyObject). */
  #publicKeys;

  /** @param {{ merchants?: object[], persist?: string }} options */
  constructor({ merchants, persist } = {}) {
    const { byPid, publicKeys } = normalizeMerchants(merchants);
    this.merchants = byPid;
    this.#publicKeys = publicKeys;
    this.persist = persist || null;
    this.orders = new Map();
    this.seq = randomInt(0, 90000);
    if (this.persist && existsSync(this.persist)) this.#load();
  }

  /** The merchant with this pid (number or digit string), or undefined. */
  merchant(pid) {
    return /^\d+$/.test(String(pid ?? '')) ? this.merchants.get(Number(pid)) : undefined;
  }

  /** The RSA public key (KeyObject) of merchant `pid`, or null if it has none. */
  publicKey(pid) {
    return this.#publicKeys.get(pid) ?? null;
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

  /** A new number (19 digits: local time + counter) that `taken` does not have, as trade_no and refund_no are made. */
  #newNumber(taken) {
    let number;
    do {
      this.seq = (this.seq + 1) % 90000;
      number = compactStamp() + String(10000 + this.seq);
    } while (taken.has(number));
    return number;
  }

  /** Adds a new order, giving it a trade_no. */
  add(fields) {
    const order = { trade_no: this.#newNumber(this.orders), ...fields };
    this.orders.set(order.trade_no, order);
    this.#index(order);
    this.save();
    return order;
  }

  /**
   * Records a refund of `order` (pushed on `order.refunds`), giving it a
   * refund_no; `out_refund_no` defaults to the refund_no, as real servers do.
   */
  addRefund(order, fields) {
    const refundNo = this.#newNumber(this.#refunds);
    const refund = { refund_no: refundNo, ...fields, out_refund_no: fields.out_refund_no || refundNo };
    order.refunds.push(refund);
    this.#indexRefund(order, refund);
    this.save();
    return refund;
  }

  /** Merchant `pid`'s refund with this refund_no (wins) or out_refund_no, as { order, refund }; or undefined. */
  findRefund(pid, { refund_no, out_refund_no }) {
    const found = refund_no ? this.#refunds.get(refund_no) : this.#byOutRefund.get(pid)?.get(out_refund_no);
    return found?.order.pid === pid && this.orders.get(found.order.trade_no) === found.order ? found : undefined;
  }

  /** Forgets every order. */
  reset() {
    this.orders.clear();
    this.#byOut.clear();
    this.#refunds.clear();
    this.#byOutRefund.clear();
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
    firstIn(this.#byOut, order.pid, order.out_trade_no, order);
    for (const refund of order.refunds ?? []) {
      if (refund.refund_no) this.#indexRefund(order, refund); // refunds of files from 0.2 have no numbers
    }
  }

  #indexRefund(order, refund) {
    this.#refunds.set(refund.refund_no, { order, refund });
    firstIn(this.#byOutRefund, order.pid, refund.out_refund_no, { order, refund });
  }
}

/** Sets map.get(pid).get(key) to `value` unless it is already set. */
function firstIn(map, pid, key, value) {
  if (!map.has(pid)) map.set(pid, new Map());
  const inner = map.get(pid);
  if (!inner.has(key)) inner.set(key, value);
}
