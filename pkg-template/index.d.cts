// wasm-bindgen declares `[Symbol.dispose]()` on exported classes: make the
// declarations self-sufficient for projects whose `lib` lacks it (TS >= 5.2).
/// <reference lib="esnext.disposable" />
export * from './epay_wasm_node.cjs';
export * from './error.js';
export * from './notify-handler.js';
