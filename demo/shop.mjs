// The merchant's own order records: what was sold, for how much, and what
// the gateway's verified notifies said. In memory for the demo; a real
// shop keeps them in its database and makes `fulfil` a transaction.

import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';

/** What the demo shop sells. Prices are the merchant's, never the browser's. */
export const PRODUCTS = Object.freeze([
  { id: 'vip', name: 'VIP会员 (1 month)', money: '0.01' },
  { id: 'ebook', name: 'Rust & WebAssembly e-book', money: '9.90' },
  { id: 'coffee', name: '一杯咖啡 Coffee', money: '1.00' },
].map(Object.freeze));

/** Payment types offered at checkout. */
export const PAY_TYPES = Object.freeze(['alipay', 'wxpay', 'qqpay']);

const pad = (n, width = 2) => String(n).padStart(width, '0');

let serial = randomInt(1e6);

/**
 * A fresh merchant order number: `D` + local time + 6 digits, e.g.
 * `D20261128153005123456`. The digits count up from a random start, so a
 * process repeats a number only after a million orders in one second
 * (random digits repeated a few times in 20 000 orders, and two checkouts
 * then shared one order).
 */
export function newOutTradeNo(d = new Date()) {
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  serial = (serial + 1) % 1e6;
  return `D${stamp}${pad(serial, 6)}`;
}

/**
 * Order records keyed by out_trade_no. Emits `change` (with the order)
 * whenever one changes, which the server pushes to browsers.
 *
 * A record: `{ out_trade_no, name, money, type, mode, api, status,
 * trade_no, payurl, created_at, paid_at, refunded_at, refund_no,
 * out_refund_no, notifies, rejected_notifies, fulfilments, returned }`
 * where api is `v1` or `v2` (the API it was created through) and status is
 * `unpaid`, `paid` or `refunded`.
 */
export class Shop extends EventEmitter {
  #orders = new Map();

  /**
   * Records a new unpaid order (out_trade_no, name, money, type, mode, api,
   * and trade_no/payurl if the gateway already gave them) and returns it.
   */
  add(fields) {
    const order = {
      trade_no: null, payurl: null, ...fields, status: 'unpaid',
      created_at: new Date().toISOString(), paid_at: null, refunded_at: null, refund_no: null, out_refund_no: null,
      notifies: 0, rejected_notifies: 0, fulfilments: 0, returned: null,
    };
    this.#orders.set(order.out_trade_no, order);
    this.changed(order);
    return order;
  }

  /** The order with this out_trade_no, or undefined. */
  get(outTradeNo) {
    return this.#orders.get(outTradeNo);
  }

  /** Every order, newest first. */
  list() {
    return [...this.#orders.values()].reverse();
  }

  /** Tells listeners that `order` changed. */
  changed(order) {
    this.emit('change', order);
  }

  /**
   * Counts one verified notify delivery (a `verifyNotify` result that is
   * `ok`) and fulfils the order if it says paid and the order was not yet:
   * a replayed notify (the gateway retries, or sends it again) is counted
   * but changes nothing else. Returns whether this delivery fulfilled it.
   */
  recordNotify(order, { paid, data }) {
    order.notifies += 1;
    const first = paid && order.status === 'unpaid';
    if (first) {
      Object.assign(order, { status: 'paid', paid_at: new Date().toISOString(), fulfilments: order.fulfilments + 1 });
      order.trade_no ??= data.trade_no;
    }
    this.changed(order);
    return first;
  }

  /**
   * Marks a paid order refunded (after the gateway accepted the refund),
   * with the refund numbers its API gave (V2: `refund_no`, `out_refund_no`; V1: none).
   */
  refunded(order, numbers) {
    Object.assign(order, { ...numbers, status: 'refunded', refunded_at: new Date().toISOString() });
    this.changed(order);
  }

  /** Counts a notify that failed verification (it changes nothing else). */
  recordRejectedNotify(order) {
    order.rejected_notifies += 1;
    this.changed(order);
  }
}
