//! The EPay protocol, free of any JS types.
pub mod api;
pub mod error;
pub mod form;
pub mod money;
pub mod notify;
pub mod order;
pub mod params;
pub mod qr;
pub mod sign;
pub mod url;
pub mod v2;
