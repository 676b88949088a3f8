//! The EPay protocol, free of any JS types.
//!
//! Strings are cut with `get` / `split_at_checked`, not `&text[a..b]` or
//! `split_at`: a `str` index's panic path keeps core's char-escaping tables
//! in the wasm (~4 KB gzipped; bench/README.md, size ledger).
pub mod answer;
pub mod answers;
pub mod api;
pub mod error;
pub mod form;
pub mod json;
pub mod listing;
pub mod merchant;
pub mod money;
pub mod notify;
pub mod order;
pub mod params;
pub mod qr;
pub mod sign;
pub mod transport;
pub mod url;
pub mod v2;
