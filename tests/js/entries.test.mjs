// The browser entry (web.mjs) and the Node entry (index.mjs) export the same
// API: web.mjs lists its wasm-bindgen exports by name (to keep the fast
// path's own exports private), so a new export must be added there too.
// Run after scripts/build.sh.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

test('web.mjs exports what index.mjs exports, plus init', async () => {
  const node = await import('../../pkg/index.mjs');
  const web = await import('../../pkg/web.mjs');
  web.initSync({ module: readFileSync(new URL('../../pkg/epay_wasm_bg.wasm', import.meta.url)) });
  const names = (m) => Object.keys(m).filter((k) => k !== 'default').sort();
  assert.deepEqual(names(web).filter((k) => k !== 'init' && k !== 'initSync'), names(node));
  assert.ok(!names(web).some((k) => k.startsWith('fast')), 'the fast path stays private');
  assert.equal(typeof web.verifyNotifyV2, 'function');
});

test('index.mjs and index.cjs are one instance: a process that imports and requires shares the module and EpayError', async () => {
  const esm = await import('../../pkg/index.mjs');
  const cjs = createRequire(import.meta.url)('../../pkg/index.cjs');
  assert.equal(esm.EpayError, cjs.EpayError);
  assert.equal(esm.sign, cjs.sign);
  assert.equal(esm.EpayClient, cjs.EpayClient);
  assert.throws(() => cjs.sign({ 'a b': '1' }, 'KEY'), (e) => e instanceof esm.EpayError && e.field === 'a b');
});
