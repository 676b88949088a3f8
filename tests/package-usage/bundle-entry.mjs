// Bundled by esbuild (platform browser, format esm) from the consumer
// project: `epay-wasm` must resolve to web.mjs through the exports map's
// "default" condition, and `init()` finds the .wasm next to the bundle
// (new URL('epay_wasm_bg.wasm', import.meta.url)).
import init, { sign } from 'epay-wasm';
import * as epay from 'epay-wasm';
import { observe } from './checks.mjs';

async function run() {
  await init();
  return {
    exports: Object.keys(epay).sort(),
    sign: sign({ money: 'moneyv', device: 'devicev' }, '1234567'),
    observations: observe(epay),
  };
}

run().then(
  (result) => { globalThis.__epay = { done: true, result }; },
  (e) => { globalThis.__epay = { done: true, error: String(e?.stack ?? e) }; },
);
