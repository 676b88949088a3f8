//! The JS-facing exports, run in headless Chromium by wasm-bindgen-test-runner.
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
mod wasm_common;
