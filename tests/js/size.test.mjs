// Size of the packed .wasm (issue #9's budget). Size is deterministic, so it is
// tested here; timings are not, so they live in scripts/bench.sh
// (bench/RESULTS.md). Run after scripts/build.sh:
//   node --test tests/js/size.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const KB = 1024;
/** The budget: the whole module, gateway client and QR codes included. */
const BUDGET = 80 * KB;

test(`pkg/epay_wasm_bg.wasm is at most ${BUDGET / KB} KB gzipped`, () => {
  const wasm = readFileSync(new URL('../../pkg/epay_wasm_bg.wasm', import.meta.url));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  const shown = `${gzipped} bytes gzipped (${(gzipped / KB).toFixed(2)} KB; ${wasm.length} raw)`;
  assert.ok(gzipped <= BUDGET, `the .wasm is ${shown}, over the ${BUDGET} byte budget: see bench/README.md for what costs what`);
});
