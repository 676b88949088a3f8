// The notify handlers of the browser/worker entry (web.mjs): created before
// init(), verifying once it ran. In a file of its own, so that web.mjs starts
// uninitialised. Notifies are signed here with node:crypto (support.mjs).
//
//   bash scripts/build.sh && node --test tests/js/notify-handlers-web.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { TEST_KEY_FILES } from 'epay-sandbox';
import init, { createNodeNotifyHandler, createNotifyHandler } from '../../pkg/web.mjs';
import { TEST_KEY, TEST_PID, md5Sign, rsaSign } from './support.mjs';

const PLATFORM_PRIVATE_KEY = readFileSync(TEST_KEY_FILES.platformPrivateKey, 'utf8');
const PLATFORM_PUBLIC_KEY = readFileSync(TEST_KEY_FILES.platformPublicKey, 'utf8');
const URL_BASE = 'https://shop.example/epay/notify';

const fields = {
  pid: String(TEST_PID), trade_no: '2026120212000012345', out_trade_no: 'WEB1', type: 'alipay', name: '会员',
  money: '2.5', trade_status: 'TRADE_SUCCESS',
};
const v1 = { ...fields, sign: md5Sign(fields), sign_type: 'MD5' };
const v2Fields = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)) };
const v2 = { ...v2Fields, sign: rsaSign(v2Fields, PLATFORM_PRIVATE_KEY), sign_type: 'RSA' };

const paid = [];
const errors = [];
const options = {
  pid: TEST_PID,
  key: TEST_KEY,
  platformPublicKey: PLATFORM_PUBLIC_KEY,
  loadOrder: (no) => (no === 'WEB1' ? { money: '2.50' } : null),
  onPaid: (data) => { paid.push(data); },
  onError: (error) => { errors.push(error); },
};
const get = (notify) => new Request(`${URL_BASE}?${new URLSearchParams(notify)}`);
const post = (notify) => new Request(URL_BASE, { method: 'POST', body: new URLSearchParams(notify) });
const answer = async (response) => `${response.status} ${response.headers.get('content-type')} ${await response.text()}`;

// Created before init(), which it does not need.
const handler = createNotifyHandler(options);

test('before init(): 500 fail and onError, no rejection', async () => {
  assert.equal(await answer(await handler(get(v1))), '500 text/plain; charset=utf-8 fail');
  assert.equal(errors.length, 1);
  assert.deepEqual(paid, []);
});

test('after init(): V1 and V2 notifies, GET and POST, verified', async () => {
  await init({ module_or_path: readFileSync(new URL('../../pkg/epay_wasm_bg.wasm', import.meta.url)) });
  for (const notify of [v1, v2]) {
    for (const request of [get, post]) {
      assert.equal(await answer(await handler(request(notify))), '200 text/plain; charset=utf-8 success');
    }
  }
  assert.equal(paid.length, 4);
  assert.deepEqual(paid[0], v1);
  assert.deepEqual(paid[2], v2);
  assert.equal(await answer(await handler(get({ ...v1, money: '0.01' }))), '400 text/plain; charset=utf-8 fail');
  assert.equal(await answer(await handler(get({ ...v1, out_trade_no: 'WEB2', sign: md5Sign({ ...fields, out_trade_no: 'WEB2' }) }))),
    '400 text/plain; charset=utf-8 fail');
  assert.equal(paid.length, 4);
  assert.equal(errors.length, 1);
});

test('createNodeNotifyHandler from web.mjs in node:http', async () => {
  const nodeHandler = createNodeNotifyHandler(options);
  const server = http.createServer((req, res) => nodeHandler(req, res));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    const r = await fetch(url, { method: 'POST', body: new URLSearchParams(v2) });
    assert.equal(`${r.status} ${await r.text()}`, '200 success');
    assert.equal(paid.length, 5);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
