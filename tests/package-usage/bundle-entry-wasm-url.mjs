// The other common bundler setup: import the .wasm through the package's
// "./epay_wasm_bg.wasm" export with esbuild's file loader (the bundler
// copies and hashes it), and hand its URL to init().
import init, { sign } from 'epay-wasm';
import wasmUrl from 'epay-wasm/epay_wasm_bg.wasm';

async function run() {
  await init({ module_or_path: new URL(wasmUrl, import.meta.url) });
  return { wasmUrl, sign: sign({ money: 'moneyv', device: 'devicev' }, '1234567') };
}

run().then(
  (result) => { globalThis.__epay = { done: true, result }; },
  (e) => { globalThis.__epay = { done: true, error: String(e?.stack ?? e) }; },
);
