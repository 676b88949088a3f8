export * from './epay_wasm.mjs';
export { default, default as init } from './epay_wasm.mjs';
export * from './error.js';
