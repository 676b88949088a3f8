//! The EPay protocol, free of any JS types.
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
