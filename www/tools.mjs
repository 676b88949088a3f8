// The Tools tab: a signature calculator and a notify verifier, run by the
// wasm module in this page. Prefilled with the seed document's PUBLIC test
// account; a real merchant KEY must never be typed into a web page.

import { sign, signParams, verifyNotify } from '/pkg/web.mjs';
import { el, showMessage } from './lib.mjs';

/** The seed document's public test account (also the sandbox's default merchant). */
export const TEST_ACCOUNT = Object.freeze({ pid: '1005', key: '80TWQztHqTVvV440KTKVqVPQh11AkfpF' });

const EXAMPLE_ORDER = {
  pid: TEST_ACCOUNT.pid, type: 'alipay', out_trade_no: 'A20261128001',
  notify_url: 'https://shop.example/epay/notify/A20261128001',
  return_url: 'https://shop.example/epay/return/A20261128001',
  name: 'VIP会员', money: '0.01',
};

const $ = (id) => document.getElementById(id);

/** `name=value` lines (split at the first `=`, values kept raw) as URLSearchParams; blank lines skipped. */
function parseLines(text) {
  const params = new URLSearchParams();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`not a name=value line: ${line}`);
    params.append(line.slice(0, eq), line.slice(eq + 1));
  }
  return params;
}

/** The received fields of a pasted notify: the part after `?` of a URL, or the whole text. */
const notifyFields = (text) => text.trim().replace(/^[^?]*\?/, '');

function setupSigner() {
  $('sign-params').value = Object.entries(EXAMPLE_ORDER).map(([k, v]) => `${k}=${v}`).join('\n');
  $('sign-key').value = TEST_ACCOUNT.key;
  $('sign-form').addEventListener('submit', (event) => {
    event.preventDefault();
    showMessage($('sign-error'), '');
    $('sign-result').hidden = true;
    try {
      const params = parseLines($('sign-params').value);
      $('sign-out').textContent = sign(params, $('sign-key').value);
      $('signed-out').textContent = new URLSearchParams(signParams(params, $('sign-key').value)).toString();
      $('sign-result').hidden = false;
    } catch (e) {
      showMessage($('sign-error'), e.message);
    }
  });
}

/** A notify as the gateway would send it for EXAMPLE_ORDER, signed here with the form's KEY. */
function fillSample() {
  const notify = signParams({
    pid: EXAMPLE_ORDER.pid, trade_no: '2026112812000012345', out_trade_no: EXAMPLE_ORDER.out_trade_no,
    type: EXAMPLE_ORDER.type, name: EXAMPLE_ORDER.name, money: EXAMPLE_ORDER.money, trade_status: 'TRADE_SUCCESS',
  }, $('verify-key').value);
  $('verify-input').value = `https://shop.example/epay/notify/A20261128001?${new URLSearchParams(notify)}`;
  $('verify-out').value = EXAMPLE_ORDER.out_trade_no;
  $('verify-money').value = EXAMPLE_ORDER.money;
}

function showVerdict({ ok, paid, reason, data }) {
  const verdict = $('verify-verdict');
  verdict.className = `verdict ${ok ? 'good' : 'bad'}`;
  verdict.textContent = ok ? `Valid${paid ? ' and paid (TRADE_SUCCESS)' : `, but not paid (${data.trade_status})`}` : `Rejected: ${reason}`;
  $('verify-data').replaceChildren(...Object.entries(data).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  $('verify-result').hidden = false;
}

function setupVerifier() {
  $('verify-key').value = TEST_ACCOUNT.key;
  $('verify-pid').value = TEST_ACCOUNT.pid;
  $('verify-sample').addEventListener('click', fillSample);
  $('verify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const expected = Object.fromEntries([['pid', 'verify-pid'], ['out_trade_no', 'verify-out'], ['money', 'verify-money']]
      .map(([name, id]) => [name, $(id).value.trim()]).filter(([, value]) => value !== ''));
    try {
      showVerdict(verifyNotify(notifyFields($('verify-input').value), $('verify-key').value, expected));
    } catch (e) { // only for a programmer-side error such as an empty KEY
      showVerdict({ ok: false, paid: false, reason: e.message, data: {} });
    }
  });
}

/** Wires up both tools (call after the wasm module is initialised). */
export function setupTools() {
  setupSigner();
  setupVerifier();
}
