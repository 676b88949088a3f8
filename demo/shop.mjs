// What the demo shop sells and how it can be paid. The order records are
// in the database: orders.mjs.

/** What the demo shop sells. Prices are the merchant's, never the browser's. */
export const PRODUCTS = Object.freeze([
  { id: 'vip', name: 'VIP会员 (1 month)', money: '0.01' },
  { id: 'ebook', name: 'Rust & WebAssembly e-book', money: '9.90' },
  { id: 'coffee', name: '一杯咖啡 Coffee', money: '1.00' },
].map(Object.freeze));

/** Payment types offered at checkout. */
export const PAY_TYPES = Object.freeze(['alipay', 'wxpay', 'qqpay']);
