'use strict';
// Node.js CommonJS entry: the module is compiled and ready on require.
const wasm = require('./epay_wasm_node.cjs');
// sign, verifyNotify and buildSubmitForm through one buffer (fast.mjs).
const fast = require('./fast.cjs').makeFast(wasm, () => wasm.__wasm);
const { EpayError } = require('./error.cjs');

module.exports = { ...wasm, ...fast, EpayError };
