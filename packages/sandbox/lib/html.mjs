// HTML pages: the cashier, result pages and the gateway's error page.
// Every interpolated value goes through escapeHtml (a bare `&` would turn
// `&notify_url` into `¬ify_url` in browsers).

import { PAY_TYPES } from './values.mjs';

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#039;' };

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const STYLE = 'body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}' +
  '.box{max-width:420px;margin:48px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 4px #0002}' +
  'dt{color:#666;font-size:13px}dd{margin:0 0 10px}button{font-size:16px;padding:8px 20px;margin:8px 8px 0 0}' +
  '.money{font-size:28px;color:#e4393c}form{display:inline}.tag{color:#999;font-size:12px}';

/** A whole page around `body` (trusted HTML). */
export function page(title, body) {
  return `<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><div class="box">${body}<p class="tag">EPay sandbox — no real money moves</p></div></body></html>\n`;
}

/** The gateway's error page ("站点提示信息"), as real servers answer with HTTP 200. */
export function errorPage(message) {
  return page('站点提示信息', `<h3>站点提示信息</h3><p id="error">${escapeHtml(message)}</p>`);
}

/** A short result page: `id` marks the message for tests. */
export function messagePage(title, id, message, link) {
  const a = link ? `<p><a id="back" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return page(title, `<h3>${escapeHtml(title)}</h3><p id="${escapeHtml(id)}">${escapeHtml(message)}</p>${a}`);
}

function typeChooser(order) {
  if (order.type) return `${escapeHtml(PAY_TYPES[order.type] ?? order.type)} (${escapeHtml(order.type)})`;
  return Object.entries(PAY_TYPES).map(([value, label], i) =>
    `<label><input type="radio" form="payform" name="type" value="${value}"${i ? '' : ' checked'}> ${escapeHtml(label)}</label> `).join('');
}

/**
 * The cashier page for an unpaid order: merchant, name, money, type and
 * the `#pay` / `#cancel` buttons (plain forms posting to `actions`).
 */
export function cashierPage({ order, merchant, actions }) {
  const row = (label, id, value) => `<dt>${label}</dt><dd id="${id}">${value}</dd>`;
  return page('EPay 收银台', '<h3>EPay 收银台 (sandbox)</h3><dl>' +
    row('商户', 'merchant', `${escapeHtml(merchant?.name ?? '')} (${escapeHtml(order.pid)})`) +
    row('商品名称', 'name', escapeHtml(order.name)) +
    row('金额', 'money', `<span class="money">¥${escapeHtml(order.money)}</span>`) +
    row('支付方式', 'type', typeChooser(order)) +
    row('商户订单号', 'out_trade_no', escapeHtml(order.out_trade_no)) +
    row('订单号', 'trade_no', escapeHtml(order.trade_no)) +
    '</dl>' +
    `<form id="payform" method="post" action="${escapeHtml(actions.pay)}"><button id="pay" type="submit">Pay 确认支付</button></form>` +
    `<form method="post" action="${escapeHtml(actions.cancel)}"><button id="cancel" type="submit">Cancel 取消</button></form>`);
}

/** The gateway's home page: endpoints and the latest orders. */
export function indexPage({ base, orders }) {
  const items = orders.slice(0, 20).map((o) =>
    `<li><a href="${escapeHtml(`${base}pay/${o.trade_no}`)}">${escapeHtml(o.trade_no)}</a> ` +
    `${escapeHtml(o.out_trade_no)} ¥${escapeHtml(o.money)} status ${escapeHtml(o.status)}</li>`).join('');
  return page('EPay sandbox', `<h3>EPay sandbox</h3><p>Gateway base URL: <code>${escapeHtml(base)}</code></p>` +
    '<p>Endpoints: V1 mapi.php, submit.php, api.php; V2 api/pay/&lt;func&gt;, api/merchant/&lt;func&gt;; ' +
    'the cashier pay/&lt;trade_no&gt;; _sandbox/ (control API, platform key at _sandbox/keys). ' +
    'Run <code>epay-sandbox --help</code> for details.</p>' +
    `<h4>Latest orders</h4><ul id="orders">${items || '<li>none yet</li>'}</ul>`);
}
