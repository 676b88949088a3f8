//! EPay V2 (`/api/<class>/<func>`, SHA256withRSA), the protocol without the
//! RSA arithmetic: signing and verifying are WebCrypto's (`crypto.subtle`,
//! constant-time and well kept), asynchronous, in JS. What is here is pure
//! and synchronous:
//! - [`keys`]: the merchant private key and the platform public key(s),
//!   from PEM or base64 to the DER WebCrypto imports, checked;
//! - [`base64`]: strict base64.

pub mod base64;
mod der;
pub mod keys;
