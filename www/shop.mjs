// The Shop tab: pick a product and the API (V1 or V2), then pay by page
// jump (signed fields from the server, form built here by buildSubmitForm
// or buildSubmitFormV2 without a key) or by API (the pay link from the
// server's createOrder, shown as a link and a QR code).

import { buildSubmitForm, buildSubmitFormV2, toQrSvg } from '/pkg/web.mjs';
import { api, el, showMessage, statusText } from './lib.mjs';
import { onOrders } from './orders.mjs';

const $ = (id) => document.getElementById(id);

function renderProducts(products) {
  $('products').replaceChildren(...products.map((p, i) => el('label', { className: 'choice' },
    el('input', { type: 'radio', name: 'product', value: p.id, id: `product-${p.id}`, checked: i === 0 }),
    el('span', {}, p.name, ' ', el('b', { className: 'price' }, `¥${p.money}`)))));
}

/** What the form asks the server for. */
function chosen(form) {
  const product = form.elements.product.value;
  const custom = product === 'custom' ? { name: $('custom-name').value, money: $('custom-money').value } : {};
  return { product, ...custom, type: $('pay-type').value, mode: form.elements.mode.value, api: form.elements.api.value };
}

/** The API switch: the server's APIs enabled, its default checked. */
function setupApiSwitch({ apis, api }) {
  for (const input of document.querySelectorAll('input[name="api"]')) {
    input.disabled = !apis.includes(input.value);
    input.checked = input.value === api;
  }
}

/**
 * Page jump: the form comes from the wasm module, from fields the server
 * signed. Inserted as HTML its inline auto-submit script does not run
 * (and the page's CSP forbids it), so the page submits the form itself.
 */
function goToGateway({ order, gateway, fields }) {
  const build = order.api === 'v2' ? buildSubmitFormV2 : buildSubmitForm;
  const holder = $('submit-form');
  holder.innerHTML = build(fields, { gateway });
  holder.querySelector('form').submit();
}

/** API mode: the payurl as a link and a QR code, with the order's live status. */
function showPayLink(order) {
  $('qr').innerHTML = toQrSvg(order.payurl, { ecc: 'M', border: 2 }); // markup from the module: safe to insert
  Object.assign($('payurl'), { href: order.payurl, textContent: order.payurl });
  $('api-result').dataset.out = order.out_trade_no;
  $('api-status').textContent = statusText(order);
  $('api-result').hidden = false;
  $('api-result').scrollIntoView({ block: 'nearest' });
}

/** Sets up the shop form; `config` is the server's /api/config answer. */
export function setupShop(config) {
  renderProducts(config.products);
  setupApiSwitch(config);
  const form = $('shop-form');
  for (const id of ['custom-name', 'custom-money']) $(id).addEventListener('focus', () => { $('product-custom').checked = true; });
  onOrders((orders) => {
    const order = orders.find((o) => o.out_trade_no === $('api-result').dataset.out);
    if (order) $('api-status').textContent = statusText(order);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage($('shop-error'), '');
    $('api-result').hidden = true;
    $('buy').disabled = true;
    try {
      const answer = await api('/api/orders', chosen(form));
      if (answer.fields) goToGateway(answer);
      else showPayLink(answer.order);
    } catch (e) {
      showMessage($('shop-error'), e.message);
    } finally {
      $('buy').disabled = false;
    }
  });
}
