// The return page: shows the order's status as the merchant server
// recorded it from verified notifies, polling until the notify arrives.

import { api, notifyText, paidViaText, statusText } from './lib.mjs';

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

function render(order) {
  const paid = order.status !== 'unpaid';
  $('status').textContent = paid ? `${statusText(order)}: confirmed by ${paidViaText(order)}` : 'Waiting for notify…';
  $('status').className = `verdict ${paid ? 'good' : 'pending'}`;
  $('name').textContent = order.name;
  $('money').textContent = `¥${order.money}`;
  $('out-trade-no').textContent = order.out_trade_no;
  $('notifies').textContent = notifyText(order);
  $('returned').textContent = order.returned ?? 'not checked';
  return paid;
}

async function poll(outTradeNo) {
  try {
    const { order } = await api(`/api/orders/${encodeURIComponent(outTradeNo)}`);
    if (render(order)) return;
  } catch (e) {
    $('status').textContent = `Could not load the order: ${e.message}`;
    $('status').className = 'verdict bad';
    return;
  }
  setTimeout(() => poll(outTradeNo), POLL_MS);
}

poll(new URLSearchParams(location.search).get('out_trade_no') ?? '');
