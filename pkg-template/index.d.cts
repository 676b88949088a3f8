export * from './epay_wasm_node.cjs';
export * from './error.js';
