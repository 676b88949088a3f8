// The Orders tab: the merchant's order records, live over server-sent
// events, with a refund button for paid orders and a button that asks the
// gateway about an order (through the API the order was created with).

import { api, el, notifyText, statusText } from './lib.mjs';

const listeners = [];
/** out_trade_no → what the gateway last said about it, kept across re-renders. */
const gatewaySaid = new Map();

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
  const error = el('span', { className: 'error' });
  button.addEventListener('click', async () => {
    if (!button.classList.contains('armed')) {
      button.classList.add('armed');
      button.textContent = `Confirm refund of ¥${order.money}`;
      return;
    }
    button.disabled = true;
    try {
      await api(`/api/orders/${encodeURIComponent(order.out_trade_no)}/refund`, {});
    } catch (e) {
      error.textContent = `Refund failed: ${e.message}`;
      button.disabled = false;
    }
  });
  return [button, error];
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

function orderItem(order) {
  const mode = order.mode === 'api' ? 'API' : 'page jump';
  const li = el('li', { className: `order ${order.status}` },
    el('div', { className: 'order-head' },
      el('b', { className: 'name' }, order.name),
      el('span', { className: 'money' }, `¥${order.money}`)),
    el('div', { className: 'order-meta' },
      el('span', { className: `status ${order.status}` }, statusText(order)),
      el('span', { className: 'notifies' }, notifyText(order)),
      el('span', { className: 'how' }, `${order.api.toUpperCase()} · ${order.type} · ${mode}`)),
    el('div', { className: 'order-ids' }, `out_trade_no ${order.out_trade_no}`,
      order.trade_no ? ` · trade_no ${order.trade_no}` : '',
      order.out_refund_no ? ` · out_refund_no ${order.out_refund_no} · refund_no ${order.refund_no}` : ''),
    el('div', { className: 'order-actions' }, ...(order.status === 'paid' ? refundButton(order) : []), ...queryButton(order)));
  li.dataset.out = order.out_trade_no;
  return li;
}

function render(orders) {
  document.getElementById('order-list').replaceChildren(...orders.map(orderItem));
  document.getElementById('orders-empty').hidden = orders.length > 0;
  document.getElementById('order-count').textContent = orders.length ? `(${orders.length})` : '';
}

/** Subscribes to the server's order events (EventSource reconnects by itself). */
export function setupOrders() {
  onOrders(render);
  const source = new EventSource('/api/events');
  source.addEventListener('message', (event) => {
    const orders = JSON.parse(event.data);
    for (const listener of listeners) listener(orders);
  });
}
