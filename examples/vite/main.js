// The page half of a page-jump checkout: the merchant server signs the order
// (signOrder, with the KEY, which never comes here), the page builds the form
// to the gateway and a QR code of the pay link, in the browser, without any
// key. VITE_EPAY_GATEWAY names the gateway (default: epay-sandbox's,
// `npx epay-sandbox`); POST /api/order is your server: it answers the signed
// order's fields as JSON, `signOrder(order, key)` (../express.mjs does).
import init, { buildSubmitForm, buildPayUrl, toQrSvg } from 'epay-wasm';

const gateway = import.meta.env.VITE_EPAY_GATEWAY ?? 'http://127.0.0.1:8787/';
const $ = (selector) => document.querySelector(selector);

await init(); // fetches and compiles the .wasm, once

const answer = await fetch('/api/order', { method: 'POST' });
if (!answer.ok) throw new Error(`POST /api/order: HTTP ${answer.status}`);
const signed = await answer.json();

// The form's fields are HTML-escaped; its auto-submit script does not run
// through innerHTML, so the button submits it.
$('#checkout').innerHTML = buildSubmitForm(signed, { gateway });
$('#pay').onclick = () => $('#checkout form').submit();

const link = buildPayUrl(signed, { gateway });
$('#link').href = link;
$('#qr').innerHTML = toQrSvg(link, { size: 200 });

$('#status').textContent = `${signed.name}: ¥${signed.money}`;
$('#pay').hidden = false;
$('#scan').hidden = false;
