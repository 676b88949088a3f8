// End-to-end tests of the demo (demo/ + www/) in a real browser, on V1
// (MD5) and on V2 (RSA) through the page's switch: the sandbox gateway and
// the merchant server (its orders in an in-memory PGlite database) run in
// this process on free ports, headless Chromium (Debian's, driven by
// playwright-core) plays the shopper. Screenshots go to test-results/e2e/.
// The database side (several instances, exactly once, reconciliation at
// scale) is in demo-db-*.test.mjs.
//
//   bash scripts/build.sh && node --test tests/js/e2e.test.mjs
//
// docs/demo.png is test-results/e2e/demo.png from a run (with a CJK font
// installed, e.g. Debian's fonts-wqy-microhei).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import { startMerchant } from '../../demo/merchant.mjs';
import { md5Sign, rsaSign, rsaVerifies, sleep, waitFor } from './support.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-results', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const STEP_MS = 10_000;
/** demo/main.mjs creates an embedded database first: seconds on a busy machine. */
const START_MS = 60_000;
const DESKTOP = { width: 960, height: 800 };
const PHONE = { width: 375, height: 740 };

const PID = 1005;
/** The merchant's KEY in these tests: random, so "it never reaches the browser" means something. */
const MERCHANT_KEY = randomBytes(16).toString('hex');
/** The seed's public test KEY, which the tools tab is prefilled with. */
const TEST_KEY = '80TWQztHqTVvV440KTKVqVPQh11AkfpF';
/** The merchant's V2 RSA key pair (PKCS#8 and SPKI PEM): made here, for the same reason as the KEY. */
const MERCHANT_RSA = generateKeyPairSync('rsa', {
  modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** The private key's PEM lines: any of them in a text means the key leaked (as PEM or as bare base64). */
const PRIVATE_LINES = MERCHANT_RSA.privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
const leaksPrivateKey = (text) => PRIVATE_LINES.some((line) => text.includes(line));
/** The environment of demo/main.mjs without any EPAY_*, DATABASE_URL or RECONCILE_* from ours. */
const NO_EPAY_ENV = Object.fromEntries([
  'EPAY_API', 'EPAY_GATEWAY', 'EPAY_PID', 'EPAY_KEY', 'EPAY_PRIVATE_KEY', 'EPAY_PLATFORM_PUBLIC_KEY',
  'DATABASE_URL', 'RECONCILE_EVERY_SEC', 'RECONCILE_AFTER_SEC',
].map((name) => [name, '']));
const NASTY_NAME = '"><script>alert(1)</script>&notify_url=x ¬';

let sandbox;
let merchant;
let browser;
const logs = [];

const control = async (path, init) => (await fetch(`${sandbox.url}_sandbox/${path}`, init)).json();
const gatewayOrder = async (outTradeNo) => (await control(`orders?out_trade_no=${outTradeNo}`)).orders[0];
const post = (path, body) => fetch(`${merchant.url}${path.replace(/^\//, '')}`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
});

/** Gateway requests since `before` (a `requests` snapshot), by endpoint: only those that changed. */
async function requestsSince(before) {
  const now = await control('requests');
  return Object.fromEntries(Object.entries(now).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n > 0));
}

/** An order paid without the browser: created in API mode through `api`, paid via the sandbox's control API. */
async function paidOrder(product = 'vip', api = 'v1') {
  const { order } = await (await post('/api/orders', { product, mode: 'api', api })).json();
  await control(`orders/${order.trade_no}/pay`, { method: 'POST' });
  return waitFor(async () => {
    const record = await merchant.orders.get(order.out_trade_no);
    return record.status === 'paid' && record;
  }, 'the notify', STEP_MS);
}

const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Waits until the element matching `selector` contains `text`. */
function waitText(page, selector, text) {
  return page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent.includes(t), [selector, text]);
}

/** The page's width overflows the viewport (something would scroll sideways). */
const overflows = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/**
 * Runs `fn(page, seen)` in a fresh browser context at merchant `path`.
 * `seen` lists every merchant response the page got ({ method, path, body })
 * but the event stream. Fails if any of them contains the merchant KEY or
 * private key, if
 * any dialog opened (script injected into a page would show one) or the
 * merchant's pages logged an error (CSP violations included) other than
 * the `expectedErrors` (regexps); saves a screenshot when the test fails.
 */
async function withPage(t, { path = '', viewport = DESKTOP, expectedErrors = [] } = {}, fn) {
  const phone = viewport.width < 500;
  const context = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const seen = [];
  const dialogs = [];
  const errors = [];
  await page.route((url) => url.href.startsWith(merchant.url) && url.pathname !== '/api/events', async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const body = await response.body();
    seen.push({ method: route.request().method(), path: new URL(route.request().url()).pathname, body });
    await route.fulfill({ response, body });
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    const expected = expectedErrors.some((re) => re.test(m.text()));
    if (m.type() === 'error' && m.location().url.startsWith(merchant.url) && !expected) errors.push(m.text());
  });
  try {
    await page.goto(merchant.url + path);
    if (!path.startsWith('return')) await page.waitForSelector('body[data-ready="true"]');
    await fn(page, seen);
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(errors, [], 'no errors in the merchant pages');
    for (const r of seen) {
      assert.ok(!r.body.includes(MERCHANT_KEY), `the KEY reached the browser in ${r.path}`);
      assert.ok(!leaksPrivateKey(r.body.toString()), `the private key reached the browser in ${r.path}`);
    }
  } catch (e) {
    await shot(page, `failed-${t.name.replace(/\W+/g, '-')}`).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

/** Picks a product (or the custom item), the API (default: as the page starts) and the mode, clicks Pay; resolves the server's answer. */
async function buy(page, seen, { product, name, money, mode, api }) {
  await page.check(`#product-${product}`);
  if (name !== undefined) await page.fill('#custom-name', name);
  if (money !== undefined) await page.fill('#custom-money', money);
  if (api !== undefined) await page.check(`#api-${api}`);
  await page.check(`#mode-${mode}`);
  const answered = page.waitForResponse((r) => r.url() === `${merchant.url}api/orders` && r.request().method() === 'POST');
  await page.click('#buy');
  await answered;
  return JSON.parse(seen.findLast((r) => r.method === 'POST' && r.path === '/api/orders').body);
}

/** At the sandbox cashier (V1 pay/<trade_no>, V2 pay/submit/<trade_no>/): Pay, then wait on the return page until the verified notify shows. */
async function payAndReturn(page) {
  await page.waitForURL(`${sandbox.url}pay/**`);
  await page.click('#pay');
  await page.waitForURL(`${merchant.url}return.html?*`);
  await waitText(page, '#status', 'Paid: confirmed by a verified notify');
}

/** The shopper pays an API-mode order on their phone (a second page, having scanned the code); resolves the merchant's record once the shop page shows it paid. */
async function payOnPhone(page, order) {
  const phone = await page.context().newPage();
  await phone.goto(order.payurl);
  await payAndReturn(phone);
  await waitText(page, '#api-status', 'Paid');
  return merchant.orders.get(order.out_trade_no);
}

/** test-results/e2e/demo.png: the desktop shop showing a QR code beside the phone's order list. */
async function composeDemo() {
  const page = await browser.newPage({ viewport: { width: 800, height: 100 } });
  const img = (name) => `<img alt="" src="data:image/png;base64,${readFileSync(join(ARTIFACTS, name)).toString('base64')}">`;
  await page.setContent('<body style="margin:0;padding:20px;display:inline-flex;gap:20px;align-items:flex-start;background:#d9dde3">' +
    `${img('desktop-api-order.png')}${img('phone-orders.png')}</body>`);
  await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
  await page.close();
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  sandbox = await startSandbox({
    merchants: [{ pid: PID, key: MERCHANT_KEY, name: 'Demo shop', publicKey: MERCHANT_RSA.publicKey }],
    notifyRetryDelaysMs: [100, 200], log: (line) => logs.push(line),
  });
  const { platformPublicKeyBase64 } = await control('keys'); // bare base64, as a merchant panel shows it
  merchant = await startMerchant({
    port: 0, gateway: sandbox.url, pid: PID, key: MERCHANT_KEY, privateKey: MERCHANT_RSA.privateKey,
    platformPublicKey: platformPublicKeyBase64, sandbox: true, log: (line) => logs.push(line),
    reconcileEverySec: 0, // passes run when a test says so
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_MS * 3 });
});

after(async () => {
  await browser?.close();
  await merchant?.close();
  await sandbox?.close();
});

test('page jump: signed on the server, form built in the browser, paid by a verified notify', async (t) => {
  await withPage(t, {}, async (page, seen) => {
    const submitted = page.waitForRequest(`${sandbox.url}submit.php`);
    // Notifies fail until the test lets them through: the return page has to wait.
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'notify', kind: 'notify_fail', times: 0 }) });

    const { order, fields } = await buy(page, seen, { product: 'coffee', mode: 'page' });
    assert.equal(order.api, 'v1', 'the page starts on V1');
    const sent = Object.fromEntries(new URLSearchParams((await submitted).postData()));
    assert.deepEqual(sent, fields, 'the browser posted exactly the fields the server signed');
    assert.equal(sent.sign, md5Sign(sent, MERCHANT_KEY));

    await page.waitForURL(`${sandbox.url}pay/*`);
    await shot(page, 'cashier');
    await page.click('#pay');
    await page.waitForURL(`${merchant.url}return.html?*`);
    await waitText(page, '#status', 'Waiting for notify');
    assert.equal((await merchant.orders.get(order.out_trade_no)).status, 'unpaid', 'the return redirect alone does not pay');
    // Let the sandbox's own round of (failing) retries end first, so that only
    // the notify sent below reaches the merchant.
    const held = await waitFor(async () => {
      const o = await gatewayOrder(order.out_trade_no);
      return o.notify.status === 'failed' && o;
    }, 'the held notifies to give up', STEP_MS);
    await control('faults', { method: 'DELETE' });
    await control(`orders/${held.trade_no}/notify`, { method: 'POST' });
    await waitText(page, '#status', 'Paid: confirmed by a verified notify');
    assert.equal(await page.textContent('#returned'), 'verified');
    await shot(page, 'return-paid');

    const record = await merchant.orders.get(order.out_trade_no);
    assert.deepEqual([record.status, record.paid_via, record.notifies, record.fulfilments], ['paid', 'notify', 1, 1]);

    // The gateway sends the notify again: counted, not fulfilled twice.
    await control(`orders/${record.trade_no}/notify`, { method: 'POST' });
    const again = await waitFor(async () => {
      const r = await merchant.orders.get(order.out_trade_no);
      return r.notifies === 2 && r;
    }, 'the second notify', STEP_MS);
    assert.equal(again.fulfilments, 1);
  });
});

test('API mode: payurl as a link and a QR code, paid on another device, status live over SSE', async (t) => {
  await withPage(t, {}, async (page, seen) => {
    const { order } = await buy(page, seen, { product: 'ebook', mode: 'api' });
    await page.waitForSelector('#api-result:not([hidden]) #qr svg');
    assert.equal(await page.getAttribute('#payurl', 'href'), order.payurl);
    assert.ok(order.payurl.startsWith(`${sandbox.url}pay/`));
    assert.equal(await page.textContent('#api-status'), 'Unpaid');
    await shot(page, 'desktop-api-order');

    const record = await payOnPhone(page, order);
    assert.deepEqual([record.money, record.status, record.notifies, record.fulfilments], ['9.90', 'paid', 1, 1], 'the notify said 9.9: compared in cents');

    await page.click('#tab-orders');
    await waitText(page, `li[data-out="${order.out_trade_no}"] .status`, 'Paid');
    await waitText(page, `li[data-out="${order.out_trade_no}"] .notifies`, '1 notify received');
    await shot(page, 'desktop-orders');
  });
});

test('refund from the order list goes through the gateway once', async (t) => {
  const order = await paidOrder();
  await withPage(t, { path: '#orders' }, async (page) => {
    const button = `li[data-out="${order.out_trade_no}"] button.refund`;
    await page.click(button);
    assert.match(await page.textContent(button), /Confirm refund of ¥0\.01/);
    const refunds = (await control('requests'))['api.php?act=refund'] ?? 0;
    await page.click(button);
    await waitText(page, `li[data-out="${order.out_trade_no}"] .status`, 'Refunded');
    assert.equal(await page.locator(button).count(), 0, 'no refund button on a refunded order');
    assert.equal((await control('requests'))['api.php?act=refund'], refunds + 1);
    assert.equal((await gatewayOrder(order.out_trade_no)).status, 2);
    assert.equal((await merchant.orders.get(order.out_trade_no)).status, 'refunded');

    const before = await control('requests');
    await page.click(`li[data-out="${order.out_trade_no}"] button.query`);
    await waitText(page, `li[data-out="${order.out_trade_no}"] .gateway-said`, 'Gateway says: refunded');
    assert.deepEqual(await requestsSince(before), { 'api.php?act=order': 1 }, 'a V1 order is queried through V1');
  });
});

test('a refund whose outcome is unknown (HTTP 500) says so on the order, and keeps saying it as the list re-renders', async (t) => {
  const order = await paidOrder();
  await withPage(t, { path: '#orders', expectedErrors: [/status of 502/] }, async (page) => {
    const item = `li[data-out="${order.out_trade_no}"]`;
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'api.php', kind: 'http500' }) });
    try {
      await page.click(`${item} button.refund`);
      await page.click(`${item} button.refund`);
      await waitText(page, `${item} .status`, 'Refunding');
      await waitText(page, `${item} .refund-error`, 'Refund failed: gateway');
      await sleep(500); // past the list's next pushes
      assert.match(await page.textContent(`${item} .refund-error`), /^Refund failed: gateway: .*refunding until reconciliation/);
    } finally {
      await control('faults', { method: 'DELETE' });
    }
  });
});

test('a hostile product name reaches the gateway byte for byte and never runs', async (t) => {
  await withPage(t, {}, async (page, seen) => {
    const submitted = page.waitForRequest(`${sandbox.url}submit.php`);
    const { order } = await buy(page, seen, { product: 'custom', name: NASTY_NAME, money: '0.50', mode: 'page' });
    assert.equal(new URLSearchParams((await submitted).postData()).get('name'), NASTY_NAME);
    await page.waitForURL(`${sandbox.url}pay/*`);
    assert.equal((await gatewayOrder(order.out_trade_no)).name, NASTY_NAME, 'stored by the gateway as typed');
    assert.equal(await page.textContent('#name'), NASTY_NAME);

    await payAndReturn(page);
    assert.equal(await page.textContent('#name'), NASTY_NAME);
    await page.click('a[href="/#orders"]');
    await waitText(page, `li[data-out="${order.out_trade_no}"] .status`, 'Paid');
    assert.equal(await page.textContent(`li[data-out="${order.out_trade_no}"] .name`), NASTY_NAME);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script got into the page');
    assert.equal((await merchant.orders.get(order.out_trade_no)).name, NASTY_NAME);
  });
});

test('tools tab: the wasm module signs and verifies in the browser', async (t) => {
  await withPage(t, { path: '#tools' }, async (page) => {
    assert.match(await page.textContent('#key-warning'), /never belongs in a browser/);
    assert.equal(await page.inputValue('#sign-key'), TEST_KEY);

    const fields = { pid: '1005', type: 'wxpay', out_trade_no: 'T-1|x', name: 'VIP会员 & "more"', money: '12.5', param: 'a=b' };
    await page.fill('#sign-params', Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('\n'));
    await page.click('#sign-run');
    assert.equal(await page.textContent('#sign-out'), md5Sign(fields, TEST_KEY));
    const signed = Object.fromEntries(new URLSearchParams(await page.textContent('#signed-out')));
    assert.deepEqual(signed, { ...fields, sign: md5Sign(fields, TEST_KEY), sign_type: 'MD5' });

    const notify = { pid: '1005', trade_no: '2026112812000099', out_trade_no: 'A1', type: 'alipay', name: 'x', money: '1', trade_status: 'TRADE_SUCCESS' };
    const query = new URLSearchParams({ ...notify, sign: md5Sign(notify, TEST_KEY), sign_type: 'MD5' }).toString();
    await page.fill('#verify-input', `https://shop.example/epay/notify/A1?${query}`);
    await page.fill('#verify-money', '1.00');
    await page.click('#verify-run');
    await waitText(page, '#verify-verdict', 'Valid and paid');
    await page.fill('#verify-input', query.replace('money=1', 'money=2'));
    await page.click('#verify-run');
    await waitText(page, '#verify-verdict', 'Rejected: bad_sign');

    await page.click('#verify-sample');
    await page.click('#verify-run');
    await waitText(page, '#verify-verdict', 'Valid and paid');
    await shot(page, 'desktop-tools');
  });
});

test('V2 page jump through the switch: RSA-signed on the server, form built by buildSubmitFormV2 in the browser, paid by a verified RSA notify', async (t) => {
  await withPage(t, {}, async (page, seen) => {
    const submitted = page.waitForRequest(`${sandbox.url}api/pay/submit`);
    const { order, fields } = await buy(page, seen, { product: 'coffee', mode: 'page', api: 'v2' });
    assert.equal(order.api, 'v2');
    const request = await submitted;
    assert.equal(request.method(), 'POST');
    const sent = Object.fromEntries(new URLSearchParams(request.postData()));
    assert.deepEqual(sent, fields, 'the browser posted exactly the fields the server signed');
    assert.equal(sent.sign_type, 'RSA');
    assert.ok(rsaVerifies(sent, MERCHANT_RSA.publicKey), 'signed with the merchant private key (checked with node:crypto)');
    assert.ok(Math.abs(Number(sent.timestamp) - Date.now() / 1000) < 60, 'a fresh timestamp: the order is valid for 300 s');

    await payAndReturn(page);
    assert.equal(await page.textContent('#returned'), 'verified', 'the RSA-signed return redirect verified');
    const record = await merchant.orders.get(order.out_trade_no);
    assert.deepEqual([record.status, record.notifies, record.fulfilments], ['paid', 1, 1]);
    const placed = await gatewayOrder(order.out_trade_no);
    assert.deepEqual([placed.via, placed.api], ['pay/submit', 'v2']);
    assert.equal(new URL(placed.notify.url).searchParams.get('sign_type'), 'RSA', 'the notify was a V2 one');
    await shot(page, 'return-paid-v2');
  });
});

test('V2 API mode through the switch: api/pay/create\'s pay_info as a link and a QR code, paid on another device, queried through V2', async (t) => {
  await withPage(t, {}, async (page, seen) => {
    const before = await control('requests');
    const { order } = await buy(page, seen, { product: 'ebook', mode: 'api', api: 'v2' });
    await page.waitForSelector('#api-result:not([hidden]) #qr svg');
    assert.equal(await page.getAttribute('#payurl', 'href'), order.payurl);
    assert.ok(order.payurl.startsWith(`${sandbox.url}pay/submit/${order.trade_no}`), 'method=jump: the gateway\'s pay page');
    assert.equal((await gatewayOrder(order.out_trade_no)).via, 'pay/create');

    const record = await payOnPhone(page, order);
    assert.deepEqual([record.money, record.status, record.notifies, record.fulfilments], ['9.90', 'paid', 1, 1], 'the RSA notify said 9.9: compared in cents');

    await page.click('#tab-orders');
    const item = `li[data-out="${order.out_trade_no}"]`;
    await waitText(page, `${item} .how`, 'V2 · alipay · API');
    await page.click(`${item} button.query`);
    await waitText(page, `${item} .gateway-said`, 'Gateway says: paid (status 1)');
    const sent = await requestsSince(before);
    assert.equal(sent['api/pay/create'], 1);
    assert.equal(sent['api/pay/query'], 1);
    assert.deepEqual(Object.keys(sent).filter((k) => k.includes('.php')), [], 'nothing through V1');
    await shot(page, 'desktop-orders-v2');
  });
});

test('V2 refund from the order list: api/pay/refund under the order\'s out_refund_no; a lost answer is retried and refunds once', async (t) => {
  const order = await paidOrder('vip', 'v2');
  await withPage(t, { path: '#orders', expectedErrors: [/status of 502/] }, async (page) => {
    const item = `li[data-out="${order.out_trade_no}"]`;
    await page.click(`${item} button.refund`);
    const before = await control('requests');
    // The gateway refunds, then the connection drops before the answer: the client sends it again.
    await control('faults', { method: 'POST', body: JSON.stringify({ target: 'api/pay/refund', kind: 'lose_answer' }) });
    await page.click(`${item} button.refund`);
    await waitText(page, `${item} .status`, 'Refunded');
    assert.deepEqual(await requestsSince(before), { 'api/pay/refund': 2 }, 'retried once, and nothing through V1');

    const placed = await gatewayOrder(order.out_trade_no);
    assert.equal(placed.status, 2);
    assert.equal(placed.refunds.length, 1, 'refunded once');
    const [refund] = placed.refunds;
    assert.deepEqual([refund.out_refund_no, refund.money], [`R${order.out_trade_no}`, '0.01']);
    const record = await merchant.orders.get(order.out_trade_no);
    assert.deepEqual([record.status, record.out_refund_no, record.refund_no], ['refunded', refund.out_refund_no, refund.refund_no]);
    await waitText(page, `${item} .order-ids`, `refund_no ${refund.refund_no}`);

    await page.click(`${item} button.query`);
    await waitText(page, `${item} .gateway-said`, 'Gateway says: refunded ¥0.01 (status 2)');
    const again = await post(`/api/orders/${order.out_trade_no}/refund`, {});
    assert.equal(again.status, 409, 'a refunded order is not refunded again');
  });
});

test('phone viewport: every page fits 375 px without sideways scrolling', async (t) => {
  const order = await paidOrder('coffee');
  await withPage(t, { viewport: PHONE }, async (page, seen) => {
    assert.equal(await overflows(page), false, 'shop tab');
    await buy(page, seen, { product: 'vip', mode: 'api' });
    await page.waitForSelector('#qr svg');
    assert.equal(await overflows(page), false, 'shop tab with a QR code');
    await shot(page, 'phone-shop');
    for (const tab of ['orders', 'tools']) {
      await page.click(`#tab-${tab}`);
      if (tab === 'tools') await page.click('#sign-run');
      assert.equal(await overflows(page), false, `${tab} tab`);
      await shot(page, `phone-${tab}`);
    }
    await page.goto(`${merchant.url}return.html?out_trade_no=${order.out_trade_no}`);
    await waitText(page, '#status', 'Paid');
    assert.equal(await overflows(page), false, 'return page');
  });
  await composeDemo();
});

/** An unpaid API-mode order through `api`: what a forged notify would like to see marked paid. */
async function unpaidOrder(api) {
  const { order } = await (await post('/api/orders', { product: 'vip', mode: 'api', api })).json();
  return order;
}

/** The order's record, once `check(record)` holds. */
const recordWhen = (order, check, what) => waitFor(async () => {
  const record = await merchant.orders.get(order.out_trade_no);
  return check(record) && record;
}, what, STEP_MS);

/** The reasons of the notify refusals logged so far, in order. */
const refusals = () => logs.flatMap((line) => line.match(/: refused \((\w+)\), answered fail \(400\)$/)?.slice(1) ?? []);

test('notify handler (createNodeNotifyHandler): forged, mismatched and unknown notifies fulfil nothing; the genuine one once', async () => {
  const order = await unpaidOrder('v1');
  const notify = { pid: String(PID), trade_no: order.trade_no, out_trade_no: order.out_trade_no, type: 'alipay', name: order.name, money: '0.01', trade_status: 'TRADE_SUCCESS' };
  const send = async (fields, key = MERCHANT_KEY) => {
    const res = await fetch(`${merchant.url}epay/notify?${new URLSearchParams({ ...fields, sign: md5Sign(fields, key), sign_type: 'MD5' })}`);
    return [res.status, await res.text()];
  };
  const refusedBefore = refusals().length;
  assert.deepEqual(await send(notify, TEST_KEY), [400, 'fail'], 'wrong KEY');
  assert.deepEqual(await send({ ...notify, money: '100' }), [400, 'fail'], 'amount differs from the order');
  assert.deepEqual(await send({ ...notify, pid: '1006' }), [400, 'fail'], 'another merchant');
  assert.deepEqual(await send({ ...notify, out_trade_no: 'D-unknown' }), [400, 'fail'], 'unknown order');
  const refused = await recordWhen(order, (r) => r.rejected_notifies === 3, 'the refusals counted');
  assert.deepEqual([refused.status, refused.notifies, refused.fulfilments], ['unpaid', 0, 0], 'nothing paid, nothing fulfilled');
  assert.deepEqual(refusals().slice(refusedBefore), ['bad_sign', 'money_mismatch', 'pid_mismatch', 'unknown_order'], 'each refusal logged with its reason');

  assert.deepEqual(await send(notify), [200, 'success'], 'the genuine notify');
  const paid = await recordWhen(order, (r) => r.notifies === 1, 'the notify counted');
  assert.deepEqual([paid.status, paid.paid_via, paid.fulfilments], ['paid', 'notify', 1]);
  assert.deepEqual(await send(notify), [200, 'success'], 'a genuine replay is acknowledged');
  const replayed = await recordWhen(order, (r) => r.notifies === 2, 'the replay counted');
  assert.equal(replayed.fulfilments, 1, 'and fulfils nothing more');
  assert.ok(!logs.some((line) => line.includes(MERCHANT_KEY)), 'the KEY is never logged');
});

test('notify handler, V2: RSA notifies verified with the platform key and their timestamp', async () => {
  const order = await unpaidOrder('v2');
  const platformKey = readFileSync(TEST_KEY_FILES.platformPrivateKey, 'utf8'); // the sandbox's (default) platform key
  const now = Math.floor(Date.now() / 1000);
  const notify = {
    pid: String(PID), trade_no: order.trade_no, out_trade_no: order.out_trade_no, type: 'alipay', name: order.name,
    money: '0.01', trade_status: 'TRADE_SUCCESS', timestamp: String(now),
  };
  const send = async (fields, key = platformKey) => {
    const query = new URLSearchParams({ ...fields, sign: rsaSign(fields, key), sign_type: 'RSA' });
    const res = await fetch(`${merchant.url}epay/notify?${query}`);
    return [res.status, await res.text()];
  };
  const rejected = [
    [{ ...notify }, MERCHANT_RSA.privateKey, 'signed by another key than the platform\'s'],
    [{ ...notify, timestamp: String(now - 400) }, platformKey, 'signed 400 s ago'],
    [{ ...notify, money: '100' }, platformKey, 'amount differs from the order'],
    [{ ...notify, pid: '1006' }, platformKey, 'another merchant'],
  ];
  const refusedBefore = refusals().length;
  for (const [fields, key, what] of rejected) assert.deepEqual(await send(fields, key), [400, 'fail'], what);
  assert.deepEqual(refusals().slice(refusedBefore), ['bad_sign', 'stale_timestamp', 'money_mismatch', 'pid_mismatch'], 'each refusal logged with its reason');
  const refused = await recordWhen(order, (r) => r.rejected_notifies === rejected.length, 'the refusals counted');
  assert.deepEqual([refused.status, refused.notifies, refused.fulfilments], ['unpaid', 0, 0]);
  assert.deepEqual(await send(notify), [200, 'success'], 'a fresh genuine notify');
  const paid = await recordWhen(order, (r) => r.notifies === 1, 'the notify counted');
  assert.deepEqual([paid.status, paid.fulfilments], ['paid', 1]);
  assert.deepEqual(await send(notify), [200, 'success'], 'a replay');
  assert.equal((await recordWhen(order, (r) => r.notifies === 2, 'the replay counted')).fulfilments, 1);
  assert.ok(!logs.some(leaksPrivateKey), 'the private key is never logged');
});

test('reconcile button: notifies dropped, the Orders page asks the gateway and the order is paid, fulfilled once', async (t) => {
  const order = await unpaidOrder('v2');
  const other = await unpaidOrder('v1'); // never paid: asked about, its next check put off
  await control('faults', { method: 'POST', body: JSON.stringify({ target: 'notify', kind: 'notify_fail', times: 0 }) });
  try {
    await control(`orders/${order.trade_no}/pay`, { method: 'POST' });
    await waitFor(async () => (await gatewayOrder(order.out_trade_no)).notify.status === 'failed', 'the dropped notifies', STEP_MS);
    await withPage(t, { path: '#orders' }, async (page) => {
      const item = `li[data-out="${order.out_trade_no}"]`;
      await waitText(page, `${item} .status`, 'Unpaid');
      assert.match(await page.textContent('#database-info'), /embedded PGlite database; no periodic reconciliation/);
      // Earlier tests left unpaid orders too (never paid at the gateway): asked about, not fulfilled.
      const unpaid = Object.fromEntries((await merchant.db.query("SELECT api, count(*)::integer AS n FROM orders WHERE status = 'unpaid' GROUP BY api")).map((r) => [r.api, r.n]));
      const before = await control('requests');
      await page.click('#reconcile');
      await waitText(page, '#reconcile-result', `${(unpaid.v1 ?? 0) + unpaid.v2} unpaid checked, 1 found paid and fulfilled`);
      await waitText(page, `${item} .status`, 'Paid');
      await waitText(page, `${item} .fulfilled`, 'paid by the gateway (reconciliation), fulfilled once');
      await waitText(page, `li[data-out="${other.out_trade_no}"] .checks`, 'asked the gateway once, next check at');
      assert.deepEqual(await requestsSince(before), { 'api/pay/query': unpaid.v2, ...(unpaid.v1 ? { 'api.php?act=order': unpaid.v1 } : {}) },
        'each unpaid order queried once, through its own API');
      await shot(page, 'desktop-orders-reconciled');
    });
    const record = await merchant.orders.get(order.out_trade_no);
    assert.deepEqual([record.status, record.paid_via, record.notifies, record.fulfilments], ['paid', 'reconcile', 0, 1]);
  } finally {
    await control('faults', { method: 'DELETE' });
  }
});

test('merchant server: content types, no path escapes, JSON-only API', async () => {
  const type = async (path) => (await fetch(merchant.url + path)).headers.get('content-type');
  assert.equal(await type('pkg/epay_wasm_bg.wasm'), 'application/wasm');
  assert.equal(await type('pkg/web.mjs'), 'text/javascript; charset=utf-8');
  assert.equal(await type(''), 'text/html; charset=utf-8');
  for (const path of ['pkg/..%2Fpackage.json', '..%2Fdemo%2Fmerchant.mjs', 'pkg/..%2Fpackages%2Fsandbox%2Flib%2Findex.mjs', '.gitignore']) {
    assert.equal((await fetch(merchant.url + path)).status, 404, path);
  }
  const form = await fetch(`${merchant.url}api/orders`, { method: 'POST', body: 'product=vip', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
  const bad = await post('/api/orders', { product: 'custom', name: 'x', money: '1.234' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /money/);
});

/** Runs demo/main.mjs on a free port with `env` over no EPAY_* and `args` (default: everything in memory); resolves the child, its output so far and its URL (null if it exited). */
async function runDemo(env, args = ['--memory']) {
  const child = spawn(process.execPath, [join(ROOT, 'demo', 'main.mjs'), '--port', '0', '--quiet', ...args], {
    env: { ...process.env, ...NO_EPAY_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { out: '', err: '' };
  child.stdout.on('data', (d) => { output.out += d; });
  child.stderr.on('data', (d) => { output.err += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let code = null;
  exited.then((c) => { code = c; });
  const url = await waitFor(() => /Open the demo shop: (\S+)/.exec(output.out)?.[1] ?? (code !== null && 'exited'), 'the URL', START_MS);
  /** Stops it (SIGTERM) and resolves its exit code. */
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { output, url: url === 'exited' ? null : url, exited, stop };
}

test('demo/main.mjs starts the sandbox and the shop, on V1 and V2, and prints the URL', async () => {
  const demo = await runDemo({ EPAY_API: 'v2' });
  assert.match(demo.output.out, /embedded sandbox/);
  assert.match(demo.output.out, /APIs: V1 \(MD5\) and V2 \(RSA\), the page starts with V2/);
  const config = await (await fetch(`${demo.url}api/config`)).json();
  assert.deepEqual([config.sandbox, config.apis, config.api], [true, ['v1', 'v2'], 'v2']);
  assert.ok(!JSON.stringify(config).includes(TEST_KEY));
  for (const api of ['v1', 'v2']) {
    const answer = await fetch(`${demo.url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'vip', mode: 'api', api }),
    });
    assert.equal(answer.status, 201, api);
    assert.equal((await answer.json()).order.api, api, 'merchant 1005 takes orders through both APIs');
  }
  assert.equal(await demo.stop(), 0);
});

test('demo/main.mjs with EPAY_API=v2: keys as a file, PEM text or bare base64; missing or bad keys refused without showing them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epay-demo-'));
  try {
    const keyFile = join(dir, 'merchant.pem');
    writeFileSync(keyFile, MERCHANT_RSA.privateKey);
    const { platformPublicKey, platformPublicKeyBase64 } = await control('keys');
    const gateway = { EPAY_API: 'v2', EPAY_GATEWAY: sandbox.url, EPAY_PID: String(PID) };
    for (const keys of [
      { EPAY_PRIVATE_KEY: keyFile, EPAY_PLATFORM_PUBLIC_KEY: platformPublicKeyBase64 },
      { EPAY_PRIVATE_KEY: MERCHANT_RSA.privateKey, EPAY_PLATFORM_PUBLIC_KEY: platformPublicKey },
    ]) {
      const demo = await runDemo({ ...gateway, ...keys });
      assert.match(demo.output.out, /REAL gateway/);
      const config = await (await fetch(`${demo.url}api/config`)).json();
      assert.deepEqual([config.sandbox, config.apis, config.api], [false, ['v2'], 'v2']);
      const answer = await fetch(`${demo.url}api/orders`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'vip', mode: 'api' }),
      });
      assert.equal(answer.status, 201);
      const { order } = await answer.json();
      assert.equal(order.api, 'v2');
      assert.equal((await gatewayOrder(order.out_trade_no)).via, 'pay/create');
      const md5 = { pid: String(PID), trade_no: order.trade_no, out_trade_no: order.out_trade_no, type: 'alipay', name: order.name, money: '0.01', trade_status: 'TRADE_SUCCESS' };
      const forged = await fetch(`${demo.url}epay/notify?${new URLSearchParams({ ...md5, sign: md5Sign(md5, MERCHANT_KEY), sign_type: 'MD5' })}`);
      assert.deepEqual([forged.status, await forged.text()], [400, 'fail'], 'no KEY here: an MD5 notify is refused');
      assert.equal(await demo.stop(), 0);
      assert.ok(!leaksPrivateKey(demo.output.out + demo.output.err), 'the private key is never printed');
    }

    const refused = async (env, message) => {
      const demo = await runDemo({ ...gateway, ...env });
      assert.equal(demo.url, null, 'it does not start');
      assert.equal(await demo.exited, 2);
      assert.match(demo.output.err, message);
      assert.ok(!leaksPrivateKey(demo.output.err), 'the key is not shown');
      return demo.output.err;
    };
    await refused({}, /EPAY_API=v2 with a real gateway needs EPAY_PRIVATE_KEY, EPAY_PLATFORM_PUBLIC_KEY/);
    await refused({ EPAY_PRIVATE_KEY: join(dir, 'missing.pem'), EPAY_PLATFORM_PUBLIC_KEY: platformPublicKey },
      /EPAY_PRIVATE_KEY is neither a key \(PEM or base64\) nor a file that can be read/);
    await refused({ EPAY_PRIVATE_KEY: MERCHANT_RSA.privateKey.replace('\n', '\n!'), EPAY_PLATFORM_PUBLIC_KEY: platformPublicKey }, /^demo: EPAY_PRIVATE_KEY: privateKey has a PEM body that is not base64/);
    const swapped = await refused({ EPAY_PRIVATE_KEY: platformPublicKey, EPAY_PLATFORM_PUBLIC_KEY: platformPublicKey }, /^demo: EPAY_PRIVATE_KEY: privateKey is an RSA public key/);
    assert.ok(!swapped.includes(platformPublicKey.split('\n')[1]), 'a public key given as the private key is not shown either');
    await refused({ EPAY_API: 'v3' }, /EPAY_API must be v1 or v2/);
    await refused({ EPAY_API: '', EPAY_PRIVATE_KEY: keyFile, EPAY_PLATFORM_PUBLIC_KEY: platformPublicKey }, /EPAY_API=v1 with a real gateway needs EPAY_KEY/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo/main.mjs --data DIR: the orders, the shop\'s and the sandbox\'s, survive a restart; bad database and reconciliation options refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'epay-demo-data-'));
  try {
    /** Runs the demo and checks it exits 2 with `message` on stderr. */
    const refused = async (env, args, message) => {
      const demo = await runDemo(env, args);
      assert.equal(demo.url, null, 'it does not start');
      assert.equal(await demo.exited, 2);
      assert.match(demo.output.err, message);
    };
    const first = await runDemo({}, ['--data', dir]);
    assert.match(first.output.out, new RegExp(`Orders: embedded PGlite in ${join(dir, 'pglite').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(first.output.out, /Reconciliation: every 60 s, orders unpaid for 300 s or more/);
    const created = await fetch(`${first.url}api/orders`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ product: 'coffee', mode: 'api', api: 'v1' }),
    });
    const { order } = await created.json();
    assert.equal(await first.stop(), 0);

    const second = await runDemo({ RECONCILE_EVERY_SEC: '5', RECONCILE_AFTER_SEC: '30' }, ['--data', dir]);
    try {
      assert.match(second.output.out, /Reconciliation: every 5 s, orders unpaid for 30 s or more/);
      const kept = await (await fetch(`${second.url}api/orders/${order.out_trade_no}`)).json();
      assert.deepEqual([kept.order.name, kept.order.money, kept.order.status], ['一杯咖啡 Coffee', '1.00', 'unpaid']);
      const gateway = await (await fetch(`${second.url}api/orders/${order.out_trade_no}/gateway`)).json();
      assert.equal(gateway.gateway.trade_no, order.trade_no, 'the restarted sandbox knows the order too');
      // A second demo on the folder in use would lose the first's orders: refused (PGlite has no lock of its own).
      await refused({}, ['--data', dir], /the database folder \S+ is in use by process \d+: one process per PGlite folder/);
      assert.equal((await fetch(`${second.url}api/orders/${order.out_trade_no}`)).status, 200, 'the running demo is untouched');
    } finally {
      assert.equal(await second.stop(), 0);
    }

    await refused({}, ['--memory', '--reconcile-every', '1m'], /--reconcile-every must be a whole number of seconds/);
    await refused({ RECONCILE_AFTER_SEC: '-5' }, ['--memory'], /--reconcile-after must be a whole number of seconds/);
    await refused({ DATABASE_URL: 'postgres://127.0.0.1:1/x' }, ['--memory'], /--memory and DATABASE_URL: choose one/);
    await refused({ DATABASE_URL: 'mysql://127.0.0.1/shop' }, ['--data', dir], /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
