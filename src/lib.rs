//! epay-wasm: an EPay (易支付) merchant SDK.
//!
//! - [`core`]: the protocol in pure Rust — signing, money, order validation,
//!   submit forms and pay links, notify verification. No JS types; tested
//!   natively with `cargo test`.
//! - `client` (wasm32 only): the gateway client over `fetch` (gloo-net).
//! - `wasm` (wasm32 only): the wasm-bindgen layer, which only converts types.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(target_arch = "wasm32")]
pub mod client;

