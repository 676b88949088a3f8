//! EPay V2 (`/api/<class>/<func>`, SHA256withRSA), the protocol without the
//! RSA arithmetic: signing and verifying are WebCrypto's (`crypto.subtle`,
//! constant-time and well kept), asynchronous, in JS. What is here is pure
//! and synchronous:
//! - [`keys`]: the merchant private key and the platform public key(s),
//!   from PEM or base64 to the DER WebCrypto imports, checked;
//! - [`request`]: `pid` and `timestamp` added to a request, its sign string,
//!   then `sign`/`sign_type`; generated refund numbers;
//! - [`answer`]: the signed fields of a JSON answer and its signature;
//! - [`notify`]: a notify or return redirect in two steps around the
//!   asynchronous verification, with the timestamp check;
//! - [`signature`], [`base64`]: what the last two share;
//! - [`api`], [`answers`]: the calls as data and their typed answers;
//! - [`client`]: the client over V1's transport and retry loop, with an
//!   [`client::Rsa`] seam for WebCrypto and an injected clock.
//!
//! The sign string is V1's (`crate::core::sign::sign_string`), without the
//! KEY; the signature is RSASSA-PKCS1-v1_5 over SHA-256, in base64.

pub mod answer;
pub mod answers;
pub mod api;
pub mod base64;
pub mod client;
mod der;
pub mod keys;
pub mod notify;
pub mod request;
pub mod signature;

