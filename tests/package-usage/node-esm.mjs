// Node ESM consumer, run as a child process from the consumer project.
// Prints one JSON line for tests/js/package.test.mjs to assert on.
import { sign } from 'epay-wasm';
import * as esm from 'epay-wasm';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { observe } from './checks.mjs';

// Synchronously ready: no init(), no top-level await before first use.
const immediate = sign({ money: 'moneyv', device: 'devicev' }, '1234567');

const require = createRequire(import.meta.url);
const cjs = require('epay-wasm');
const esmKeys = Object.keys(esm).sort();

// The browser entry also loads in Node when given the bytes (initSync):
// its exports are compared with the Node entries'.
const web = await import('epay-wasm/web');
web.initSync({ module: readFileSync(new URL('epay_wasm_bg.wasm', import.meta.resolve('epay-wasm/web'))) });

process.stdout.write(`${JSON.stringify({
  resolved: import.meta.resolve('epay-wasm'),
  resolvedWeb: import.meta.resolve('epay-wasm/web'),
  immediate,
  exports: esmKeys,
  cjsExports: Object.keys(cjs).sort(),
  webExports: Object.keys(web).sort(),
  // One instance: every ESM export is the very same value as the CJS one.
  sameAsCjs: Object.fromEntries(esmKeys.map((k) => [k, esm[k] === cjs[k]])),
  observations: observe(esm),
  webObservations: observe(web),
})}\n`);
