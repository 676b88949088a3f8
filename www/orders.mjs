// The Orders tab: the merchant's order records, live over server-sent
// events, with a refund button for paid orders.

import { api, el, notifyText, statusText } from './lib.mjs';

const listeners = [];

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
  return el('div', { className: 'order-actions' }, button, error);
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
      el('span', {}, `${order.type} · ${mode}`)),
    el('div', { className: 'order-ids' }, `out_trade_no ${order.out_trade_no}`,
      order.trade_no ? ` · trade_no ${order.trade_no}` : ''),
    order.status === 'paid' ? refundButton(order) : null);
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
