// The Orders tab: the merchant's order records (its database's newest),
// live over server-sent events, with a refund button for paid orders, a
// button that asks the gateway about an order (through the API the order
// was created with) and one that reconciles every unpaid order now.

import { api, el, notifyText, paidViaText, statusText } from './lib.mjs';

const listeners = [];
/** out_trade_no → what the gateway last said about it, kept across re-renders. */
const gatewaySaid = new Map();
/** out_trade_no → why its last refund failed, kept across re-renders (a refund's claim and release re-render the list). */
const refundFailed = new Map();

/** Calls `listener(orders)` with the whole list on every change. */
export function onOrders(listener) {
  listeners.push(listener);
}

/**
 * Refund asks twice (first click arms it) and shows errors in place: no
 * native dialogs, so a test can treat any dialog as injected script.
 */
function refundButton(order) {
  const button = el('button', { type: 'button', className: 'refund secondary', textContent: 'Refund' });
  const error = refundError(order);
  button.addEventListener('click', async () => {
    if (!button.classList.contains('armed')) {
      button.classList.add('armed');
      button.textContent = `Confirm refund of ¥${order.money}`;
      return;
    }
    button.disabled = true;
    refundFailed.delete(order.out_trade_no);
    try {
      await api(`/api/orders/${encodeURIComponent(order.out_trade_no)}/refund`, {});
    } catch (e) {
      refundFailed.set(order.out_trade_no, `Refund failed: ${e.message}`);
      error.textContent = refundFailed.get(order.out_trade_no);
      button.disabled = false;
    }
  });
  return [button, error];
}

/** Where a failed refund says why, on the order's every rendering. */
function refundError(order) {
  return el('span', { className: 'error refund-error' }, refundFailed.get(order.out_trade_no) ?? '');
}

/** How a gateway's order (queryOrder's answer) reads. */
function gatewayText({ status, paid, refunded, refundmoney }) {
  const state = refunded ? `refunded${refundmoney ? ` ¥${refundmoney}` : ''}` : paid ? 'paid' : 'unpaid';
  return `Gateway says: ${state} (status ${status})`;
}

/** Asks the merchant server to query the gateway about the order; shows the answer or the error. */
function queryButton(order) {
  const button = el('button', { type: 'button', className: 'query secondary', textContent: 'Query gateway' });
  const said = el('span', { className: 'gateway-said' }, gatewaySaid.get(order.out_trade_no) ?? '');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { gateway } = await api(`/api/orders/${encodeURIComponent(order.out_trade_no)}/gateway`);
      gatewaySaid.set(order.out_trade_no, gatewayText(gateway));
    } catch (e) {
      gatewaySaid.set(order.out_trade_no, `Query failed: ${e.message}`);
    }
    said.textContent = gatewaySaid.get(order.out_trade_no);
    button.disabled = false;
  });
  return [button, said];
}

/** "paid by a verified notify, fulfilled once" (the fulfilment log's count: more than once would be a bug). */
function fulfilText(order) {
  if (!order.paid_via) return '';
  const times = order.fulfilments === 1 ? 'once' : `${order.fulfilments} times`;
  return `paid by ${paidViaText(order)}, fulfilled ${times}`;
}

/** "asked the gateway 3 times, next check at 15:20": reconciliation's backoff of an unpaid order. */
function checksText({ status, checks, next_check_at: next }) {
  if (status !== 'unpaid' || !checks) return '';
  const when = next ? `, next check at ${new Date(next).toLocaleTimeString()}` : '';
  return `asked the gateway ${checks === 1 ? 'once' : `${checks} times`}${when}`;
}

function orderItem(order) {
  const mode = order.mode === 'api' ? 'API' : 'page jump';
  const li = el('li', { className: `order ${order.status}` },
    el('div', { className: 'order-head' },
      el('b', { className: 'name' }, order.name),
      el('span', { className: 'money' }, `¥${order.money}`)),
    el('div', { className: 'order-meta' },
      el('span', { className: `status ${order.status}` }, statusText(order)),
      el('span', { className: 'notifies' }, notifyText(order)),
      el('span', { className: 'fulfilled' }, fulfilText(order)),
      el('span', { className: 'checks' }, checksText(order)),
      el('span', { className: 'how' }, `${order.api.toUpperCase()} · ${order.type} · ${mode}`)),
    el('div', { className: 'order-ids' }, `out_trade_no ${order.out_trade_no}`,
      order.trade_no ? ` · trade_no ${order.trade_no}` : '',
      order.out_refund_no ? ` · out_refund_no ${order.out_refund_no} · refund_no ${order.refund_no}` : ''),
    el('div', { className: 'order-actions' }, ...(order.status === 'paid' ? refundButton(order) : [refundError(order)]), ...queryButton(order)));
  li.dataset.out = order.out_trade_no;
  return li;
}

function render(orders) {
  document.getElementById('order-list').replaceChildren(...orders.map(orderItem));
  document.getElementById('orders-empty').hidden = orders.length > 0;
  document.getElementById('order-count').textContent = orders.length ? `(${orders.length})` : '';
}

/** What the server keeps its orders in, and when it reconciles them. */
function describeDatabase({ database, reconcile }) {
  const where = database === 'postgres' ? 'a PostgreSQL server' : 'an embedded PGlite database';
  const job = reconcile.everySec
    ? `every ${reconcile.everySec} s the server asks the gateway about orders unpaid for ${reconcile.afterSec} s or more`
    : 'no periodic reconciliation';
  document.getElementById('database-info').textContent = `Orders in ${where}; ${job}.`;
}

/** The button: one reconciliation pass over every unpaid order however young (created within the last day). */
function setupReconcile() {
  const button = document.getElementById('reconcile');
  const result = document.getElementById('reconcile-result');
  button.addEventListener('click', async () => {
    button.disabled = true;
    result.textContent = 'Asking the gateway…';
    try {
      const { checked, fulfilled, failed } = await api('/api/reconcile', {});
      result.textContent = `${checked} unpaid checked, ${fulfilled} found paid and fulfilled${failed ? `, ${failed} queries failed` : ''}`;
    } catch (e) {
      result.textContent = `Reconciliation failed: ${e.message}`;
    }
    button.disabled = false;
  });
}

/**
 * Subscribes to the server's order events (EventSource reconnects by
 * itself) and sets up the reconcile button; `config` is /api/config's answer.
 */
export function setupOrders(config) {
  describeDatabase(config);
  setupReconcile();
  onOrders(render);
  const source = new EventSource('/api/events');
  source.addEventListener('message', (event) => {
    const orders = JSON.parse(event.data);
    for (const listener of listeners) listener(orders);
  });
}
