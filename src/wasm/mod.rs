//! The wasm-bindgen layer: JS-facing exports that convert types and call
//! the core. No protocol logic lives here.

pub mod api;
pub mod client;
pub(crate) mod convert;
pub mod fast;
pub mod qr;
pub mod types;
pub mod v2;
