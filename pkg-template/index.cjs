'use strict';
// Node.js CommonJS entry: the module is compiled and ready on require.
const wasm = require('./epay_wasm_node.cjs');
const { EpayError } = require('./error.cjs');
// sign and verifyNotify through one buffer (fast.mjs), which alone uses
// the fast* exports.
const fast = require('./fast.cjs').makeFast(wasm, () => true);
const { fastMemory, fastReserve, fastSign, fastVerify, fastLayout, ...api } = wasm;

const epay = { ...api, ...fast, EpayError };
// createNotifyHandler and createNodeNotifyHandler (notify-handler.mjs) over the above.
module.exports = { ...epay, ...require('./notify-handler.cjs').makeNotifyHandlers(epay) };
