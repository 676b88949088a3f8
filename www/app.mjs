// The demo shop page: loads the epay-wasm module, then wires up the tabs,
// the shop, the live order list and the tools.

import init from '/pkg/web.mjs';
import { api, showMessage } from './lib.mjs';
import { setupShop } from './shop.mjs';
import { setupOrders } from './orders.mjs';
import { setupTools } from './tools.mjs';

const TABS = ['shop', 'orders', 'tools'];

/** Shows the tab named in the URL's #hash (default: shop). */
function showTab() {
  const current = TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'shop';
  for (const name of TABS) {
    document.getElementById(name).hidden = name !== current;
    document.getElementById(`tab-${name}`).classList.toggle('active', name === current);
  }
}

function describeGateway({ gateway, pid, sandbox }) {
  const kind = sandbox ? 'embedded sandbox gateway, no real money moves' : 'a REAL gateway: payments are real';
  document.getElementById('gateway-info').textContent = `Merchant ${pid} at ${gateway} (${kind})`;
}

async function main() {
  window.addEventListener('hashchange', showTab);
  showTab();
  const [config] = await Promise.all([api('/api/config'), init()]);
  describeGateway(config);
  setupOrders(config);
  setupShop(config);
  setupTools();
  document.body.dataset.ready = 'true'; // for tests: everything is wired up
}

main().catch((e) => showMessage(document.getElementById('fatal'), `The demo failed to start: ${e.message}`));
