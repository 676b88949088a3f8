// Small helpers shared by the demo pages. Text goes into the DOM only as
// text (textContent), never as HTML.

/** Calls the merchant server's JSON API; throws an Error with the server's message. */
export async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  };
  const res = await fetch(path, init);
  const value = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(value.error ?? `HTTP ${res.status}`);
  return value;
}

/** Creates an element: `el('p', { className: 'x' }, 'text', child)`. Strings become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Shows `message` in `node` (hidden when empty). */
export function showMessage(node, message) {
  node.textContent = message ?? '';
  node.hidden = !message;
}

/** How an order's status reads on the page. */
export function statusText(order) {
  if (order.status === 'paid') return 'Paid';
  if (order.status === 'refunding') return 'Refunding…';
  if (order.status === 'refunded') return 'Refunded';
  return 'Unpaid';
}

/** What told the merchant an order was paid: a verified notify, or the gateway asked by reconciliation. */
export function paidViaText(order) {
  return order.paid_via === 'reconcile' ? 'the gateway (reconciliation)' : 'a verified notify';
}

/** "1 notify" / "3 notifies" (plus rejected ones, if any). */
export function notifyText(order) {
  const n = order.notifies;
  const rejected = order.rejected_notifies ? `, ${order.rejected_notifies} rejected` : '';
  return `${n} ${n === 1 ? 'notify' : 'notifies'} received${rejected}`;
}
