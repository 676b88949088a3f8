// Node CommonJS consumer, run as a child process from the consumer project.
// Prints one JSON line for tests/js/package.test.mjs to assert on.
'use strict';
const epay = require('epay-wasm');

// Synchronously ready: usable on the very next line after require.
const immediate = epay.sign({ money: 'moneyv', device: 'devicev' }, '1234567');

import('./checks.mjs').then(({ observe }) => {
  process.stdout.write(`${JSON.stringify({
    resolved: require.resolve('epay-wasm'),
    immediate,
    exports: Object.keys(epay).sort(),
    types: Object.fromEntries(Object.keys(epay).map((k) => [k, typeof epay[k]])),
    packageJson: require('epay-wasm/package.json').name,
    observations: observe(epay),
  })}\n`);
});
