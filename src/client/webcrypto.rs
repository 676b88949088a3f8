//! The core's [`Rsa`] over WebCrypto (`crypto.subtle`: Node ≥ 20, and
//! browsers on https pages and localhost): RSASSA-PKCS1-v1_5 with SHA-256,
//! the private-key operation in the platform's own constant-time
//! implementation. A key is imported on first use (once, also when calls
//! arrive together), not extractable, and kept. Errors name the key's
//! field and never contain key material.

use crate::core::error::{Error, Result};
use crate::core::v2::client::Rsa;
use crate::core::v2::keys::{PrivateKey, PublicKey, MIN_MODULUS_BITS, PRIVATE_KEY_FIELD, PUBLIC_KEY_FIELD};
use crate::core::v2::signature::Signed;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

/// WebCrypto's name of the signature scheme.
const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";
/// The hash the scheme is used with.
const HASH: &str = "SHA-256";

/// The merchant's private key and the platform's public keys, for
/// WebCrypto. A clone shares the keys (and their imports). Not `Debug`: it
/// holds the private key.
#[derive(Clone)]
pub struct WebCrypto {
    /// The merchant's private key; `None` where only verifying is done.
    pub private: Option<Rc<Key>>,
    /// The platform's public keys: a signature verifies with any of them
    /// (key rotation).
    pub public: Rc<[Key]>,
}

/// A key as WebCrypto uses it: imported from DER on first use, or given.
pub struct Key {
    /// PKCS#8 (private) or SPKI (public) DER; empty for a given key.
    der: Vec<u8>,
    private: bool,
    /// The import's promise of the `CryptoKey`, once started (calls that
    /// arrive while it runs await the same one); cleared if it fails.
    imported: RefCell<Option<Promise>>,
}

impl Key {
    /// The merchant's private key, imported for signing on first use.
    pub fn private(key: &PrivateKey) -> Key {
        Key { der: key.pkcs8_der().to_vec(), private: true, imported: RefCell::new(None) }
    }

    /// A platform public key, imported for verifying on first use.
    pub fn public(key: &PublicKey) -> Key {
        Key { der: key.spki_der().to_vec(), private: false, imported: RefCell::new(None) }
    }

    /// A private `CryptoKey` the caller imported: it must be an
    /// RSASSA-PKCS1-v1_5 key for SHA-256 (WebCrypto would sign with any
    /// other hash the key names) of at least 2048 bits.
    pub fn given_private(key: CryptoKey) -> Result<Key> {
        let algorithm = key.algorithm().unwrap_or_default();
        let text = |value: JsValue, name: &str| Reflect::get(&value, &name.into()).ok().and_then(|v| v.as_string());
        let hash = Reflect::get(&algorithm, &"hash".into()).unwrap_or_default();
        let bits = Reflect::get(&algorithm, &"modulusLength".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let usable = key.type_() == "private"
            && text(algorithm.into(), "name").as_deref() == Some(ALGORITHM)
            && text(hash, "name").as_deref() == Some(HASH)
            && bits >= MIN_MODULUS_BITS as f64;
        if !usable {
            let why = "privateKey must be a string, or a private CryptoKey imported as { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } of at least 2048 bits";
            return Err(Error::invalid(PRIVATE_KEY_FIELD, why));
        }
        Ok(Key { der: Vec::new(), private: true, imported: RefCell::new(Some(Promise::resolve(&JsValue::from(key)))) })
    }

    fn field(&self) -> &'static str {
        if self.private { PRIVATE_KEY_FIELD } else { PUBLIC_KEY_FIELD }
    }

    /// The key as a `CryptoKey`, imported now if it was not yet.
    async fn crypto_key(&self) -> Result<CryptoKey> {
        let started = self.imported.borrow().clone();
        let import = match started {
            Some(import) => Ok(import),
            None => {
                let (format, usage) = if self.private { ("pkcs8", "sign") } else { ("spki", "verify") };
                let algorithm = Object::new();
                let _ = Reflect::set(&algorithm, &"name".into(), &ALGORITHM.into());
                let _ = Reflect::set(&algorithm, &"hash".into(), &HASH.into());
                let usages = Array::of1(&usage.into());
                let data = Uint8Array::from(&self.der[..]);
                let import = subtle(self.field())?.import_key_with_object(format, &data, &algorithm, false, &usages);
                if let Ok(import) = &import {
                    *self.imported.borrow_mut() = Some(import.clone());
                }
                import
            }
        };
        match self.settle(import, "could not be imported by WebCrypto").await {
            Ok(key) => Ok(key.unchecked_into()),
            Err(e) => {
                *self.imported.borrow_mut() = None; // the next call tries again
                Err(e)
            }
        }
    }

    /// Awaits a WebCrypto promise; a throw or rejection is an error about
    /// this key saying `what` and the error's name (its message is left
    /// out: nothing of the key may show).
    async fn settle(&self, promise: std::result::Result<Promise, JsValue>, what: &str) -> Result<JsValue> {
        let field = self.field();
        let failed = |e: JsValue| {
            let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
            Error::invalid(field, [field, " ", what, " (", &name, ")"].concat())
        };
        JsFuture::from(promise.map_err(failed)?).await.map_err(failed)
    }
}

/// `crypto.subtle`, or an error about the key `field` that needs it.
fn subtle(field: &str) -> Result<SubtleCrypto> {
    let subtle = crypto().map(|c| c.subtle()).filter(|s| s.is_object());
    subtle.ok_or_else(|| {
        let why = " needs WebCrypto (crypto.subtle), which is missing here: Node has it from version 20, browsers only on https pages and localhost";
        Error::invalid(field, [field, why].concat())
    })
}

/// The global `crypto`, if there is one.
fn crypto() -> Option<Crypto> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    crypto.is_object().then(|| crypto.unchecked_into())
}

/// 64 random bits from `crypto.getRandomValues`.
pub fn random_u64() -> Result<u64> {
    let mut bytes = [0u8; 8];
    let filled = crypto().and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok());
    filled.map(|_| u64::from_le_bytes(bytes)).ok_or_else(|| {
        Error::invalid("out_refund_no", "no crypto.getRandomValues to make an out_refund_no with: pass one")
    })
}

impl Rsa for WebCrypto {
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let key = self.private.as_ref().ok_or_else(|| Error::invalid(PRIVATE_KEY_FIELD, "privateKey is required"))?;
        let crypto_key = key.crypto_key().await?;
        let signing = subtle(PRIVATE_KEY_FIELD)?.sign_with_str_and_u8_array(ALGORITHM, &crypto_key, message);
        let signature = key.settle(signing, "cannot sign").await?;
        Ok(Uint8Array::new(&signature).to_vec())
    }

    async fn verify(&self, signed: &Signed) -> Result<bool> {
        for key in self.public.iter() {
            let crypto_key = key.crypto_key().await?;
            let message = signed.sign_string.as_bytes();
            let verifying = subtle(PUBLIC_KEY_FIELD)?.verify_with_str_and_u8_array_and_u8_array(ALGORITHM, &crypto_key, &signed.signature, message);
            if key.settle(verifying, "cannot verify").await?.is_truthy() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
