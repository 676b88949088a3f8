//! epay-wasm: an EPay (易支付) merchant SDK.
//!
//! - [`core`]: the protocol in pure Rust — signing, money, order validation,
//!   submit forms and pay links, notify verification, the gateway calls as
//!   data, their typed answers and every rule about them, and the retry loop
//!   over a [`core::transport::Transport`]. No JS types; tested natively
//!   with `cargo test`.
//! - `client` (wasm32 only): the transport over `fetch`.
//! - `wasm` (wasm32 only): the wasm-bindgen layer, which only converts types.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(target_arch = "wasm32")]
pub mod client;

