//! The merchant's private key and the platform's public key(s), read from
//! what a merchant pastes and handed to WebCrypto as DER: PKCS#8 for
//! `importKey("pkcs8", …)`, SPKI for `importKey("spki", …)`.
//!
//! Accepted: PEM (`BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`,
//! `BEGIN PUBLIC KEY`, `BEGIN RSA PUBLIC KEY`) or the bare base64 DER the
//! merchant panel shows, in any of those four structures (told apart by
//! their shape); whitespace and line breaks anywhere. Checked here,
//! synchronously: the kind (private or public), RSA (`rsaEncryption`), a
//! modulus of at least 2048 bits, strict DER. The RSA arithmetic itself is
//! left to WebCrypto. Errors name the field and say what the text looks
//! like; they never contain any part of it.

use super::base64;
use super::der::{self, Reader, BIT_STRING, INTEGER, NULL, OCTET_STRING, OID, SEQUENCE};
use crate::core::error::{decimal, Error, Result};
use std::fmt;

/// Smallest accepted RSA modulus, in bits.
pub const MIN_MODULUS_BITS: usize = 2048;

/// The field a private key is given as, in errors.
pub const PRIVATE_KEY_FIELD: &str = "privateKey";
/// The field a platform public key is given as, in errors.
pub const PUBLIC_KEY_FIELD: &str = "platformPublicKey";

/// The contents of the OID `rsaEncryption` (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// The contents of the OID `id-ecPublicKey` (1.2.840.10045.2.1).
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// The merchant's RSA private key, as PKCS#8 DER. Its `Debug` shows `***`;
/// it has no `==` (which would not take constant time).
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Vec<u8>,
}

impl PrivateKey {
    /// Reads a private key: PKCS#8 or PKCS#1, PEM or bare base64 DER. A
    /// PKCS#1 key is wrapped into PKCS#8 (`rsaEncryption`, `NULL`
    /// parameters). Errors are `INVALID_PARAM` naming `privateKey`.
    pub fn parse(text: &str) -> Result<PrivateKey> {
        Ok(PrivateKey { pkcs8: importable(text, true)? })
    }

    /// The key as PKCS#8 `PrivateKeyInfo` DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

/// The platform's RSA public key, as SPKI DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
}

impl PublicKey {
    /// Reads a public key: SPKI or PKCS#1 `RSAPublicKey`, PEM or bare
    /// base64 DER. A PKCS#1 key is wrapped into SPKI. Errors are
    /// `INVALID_PARAM` naming `platformPublicKey`.
    pub fn parse(text: &str) -> Result<PublicKey> {
        Ok(PublicKey { spki: importable(text, false)? })
    }

    /// The key as `SubjectPublicKeyInfo` DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
}

/// The DER WebCrypto imports for a key that must be `private` (PKCS#8) or
/// public (SPKI); a PKCS#1 key is wrapped. Errors name the field.
fn importable(text: &str, private: bool) -> Result<Vec<u8>> {
    let field = if private { PRIVATE_KEY_FIELD } else { PUBLIC_KEY_FIELD };
    let (form, der) = read(text).map_err(|why| invalid(field, why))?;
    let why = match (form, private) {
        (Form::Pkcs8, true) | (Form::Spki, false) => return Ok(der),
        (Form::Pkcs1Private, true) => return Ok(pkcs8_of(&der)),
        (Form::Pkcs1Public, false) => return Ok(spki_of(&der)),
        (_, true) => [
            "is an RSA public key (", form.name(), "), not a private key: give the merchant private key ",
            "(BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or the base64 the merchant panel showed)",
        ],
        (_, false) => [
            "is an RSA private key (", form.name(), "), not a public key: give the platform public key ",
            "(merchant panel: API 信息 → 平台公钥); keep private keys out of settings meant for public ones",
        ],
    };
    Err(invalid(field, why.concat()))
}

/// `INVALID_PARAM` about `field`: `"<field> <why>"`.
fn invalid(field: &str, why: impl AsRef<str>) -> Error {
    Error::invalid(field, [field, " ", why.as_ref()].concat())
}

/// The four structures an RSA key comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Pkcs8,
    Pkcs1Private,
    Spki,
    Pkcs1Public,
}

impl Form {
    /// The PEM label of this structure.
    fn label(self) -> &'static str {
        match self {
            Form::Pkcs8 => "PRIVATE KEY",
            Form::Pkcs1Private => "RSA PRIVATE KEY",
            Form::Spki => "PUBLIC KEY",
            Form::Pkcs1Public => "RSA PUBLIC KEY",
        }
    }

    /// The structure's name, for messages.
    fn name(self) -> &'static str {
        match self {
            Form::Pkcs8 => "PKCS#8",
            Form::Pkcs1Private => "PKCS#1 RSAPrivateKey",
            Form::Spki => "SPKI",
            Form::Pkcs1Public => "PKCS#1 RSAPublicKey",
        }
    }
}

/// What is wrong with a key text, after the field name.
type Why = std::borrow::Cow<'static, str>;

const NOT_A_KEY: &str = "is not a key: expected PEM (-----BEGIN ... KEY-----) or the key's base64 DER";
const NOT_DER: &str = "is not a well-formed RSA key (bad DER structure)";
const EC_KEY: &str = "is an EC key: only RSA keys are accepted";
const CERTIFICATE: &str = "is a certificate: give its public key (`openssl x509 -in cert.pem -pubkey -noout`)";

/// The DER of a key text and the structure it holds, checked.
fn read(text: &str) -> std::result::Result<(Form, Vec<u8>), Why> {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return Err("is required".into());
    }
    let (label, body) = match text.strip_prefix("-----BEGIN ") {
        Some(rest) => {
            let (label, body) = pem(rest)?;
            (Some(label), body)
        }
        None => (None, text),
    };
    let compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = base64::decode(&compact).ok_or(if label.is_some() { "has a PEM body that is not base64" } else { NOT_A_KEY })?;
    let form = classify(&der)?;
    if label.is_some_and(|label| label != form.label()) {
        return Err("has a PEM label that does not match what it holds".into());
    }
    Ok((form, der))
}

/// The label and base64 body of a PEM block, `rest` starting just after
/// `-----BEGIN `. Exactly one block, nothing around it.
fn pem(rest: &str) -> std::result::Result<(&str, &str), Why> {
    const DASHES: &str = "-----";
    let bad_pem = || Why::from("is not a well-formed PEM block (-----BEGIN X-----, base64, -----END X-----)");
    // The label is letters and spaces: it ends at the first `-`.
    let label_end = rest.bytes().position(|b| b == b'-').ok_or_else(bad_pem)?;
    let (label, after) = rest.split_at_checked(label_end).ok_or_else(bad_pem)?;
    let body_and_end = after.strip_prefix(DASHES).ok_or_else(bad_pem)?;
    let end = ["-----END ", label, DASHES].concat();
    let body = body_and_end.strip_suffix(end.as_str()).ok_or_else(bad_pem)?;
    let is_key = [Form::Pkcs8, Form::Pkcs1Private, Form::Spki, Form::Pkcs1Public].iter().any(|f| f.label() == label);
    let why = match label {
        _ if is_key && !body.contains(':') => return Ok((label, body)),
        _ if is_key => "is an encrypted PEM key (Proc-Type header): decrypt it first, e.g. `openssl rsa -in key.pem -out plain.pem`",
        "ENCRYPTED PRIVATE KEY" => "is an encrypted PKCS#8 key: decrypt it first, e.g. `openssl pkcs8 -in key.pem -out plain.pem`",
        "EC PRIVATE KEY" => EC_KEY,
        "CERTIFICATE" => CERTIFICATE,
        _ => "is a PEM block that is not an RSA key (expected PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY)",
    };
    Err(why.into())
}

/// Which of the four structures `der` is, checked strictly.
fn classify(der: &[u8]) -> std::result::Result<Form, Why> {
    let body = der::single(der, SEQUENCE).ok_or(NOT_DER)?;
    let mut items = Reader::new(body);
    match (items.next().ok_or(NOT_DER)?, items.peek_tag()) {
        // SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING.
        ((SEQUENCE, algorithm), Some(BIT_STRING)) => {
            check_algorithm(algorithm)?;
            let bits = items.element(BIT_STRING).ok_or(NOT_DER)?;
            let key = match bits.split_first() {
                Some((0, key)) if items.is_empty() => key,
                _ => return Err(NOT_DER.into()),
            };
            check_public(der::single(key, SEQUENCE).ok_or(NOT_DER)?)?;
            Ok(Form::Spki)
        }
        ((SEQUENCE, _), Some(SEQUENCE)) => Err(CERTIFICATE.into()),
        // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING, then
        // optional [0] attributes and [1] public key.
        ((INTEGER, version), Some(SEQUENCE)) => {
            if !matches!(version, [0] | [1]) {
                return Err(NOT_DER.into());
            }
            check_algorithm(items.element(SEQUENCE).ok_or(NOT_DER)?)?;
            let key = items.element(OCTET_STRING).ok_or(NOT_DER)?;
            check_private(der::single(key, SEQUENCE).ok_or(NOT_DER)?)?;
            while !items.is_empty() {
                match items.next() {
                    Some((tag, _)) if tag & 0xc0 == 0x80 => {} // context-specific: [0], [1]
                    _ => return Err(NOT_DER.into()),
                }
            }
            Ok(Form::Pkcs8)
        }
        ((INTEGER, _), Some(OCTET_STRING)) => Err("is an EC key (SEC1): only RSA keys are accepted".into()),
        ((INTEGER, _), Some(INTEGER)) => {
            // RSAPublicKey has two INTEGERs, RSAPrivateKey nine.
            if items.next().is_some() && items.is_empty() {
                check_public(body).map(|()| Form::Pkcs1Public)
            } else {
                check_private(body).map(|()| Form::Pkcs1Private)
            }
        }
        _ => Err(NOT_DER.into()),
    }
}

/// Checks an `AlgorithmIdentifier`'s contents: `rsaEncryption`, `NULL`.
fn check_algorithm(contents: &[u8]) -> std::result::Result<(), Why> {
    let mut items = Reader::new(contents);
    match items.element(OID) {
        Some(RSA_ENCRYPTION) => {}
        Some(EC_PUBLIC_KEY) => return Err(EC_KEY.into()),
        Some(_) => return Err("is not an RSA key (another algorithm): only RSA keys are accepted".into()),
        None => return Err(NOT_DER.into()),
    }
    match (items.element(NULL), items.is_empty()) {
        (Some([]), true) => Ok(()),
        _ => Err(NOT_DER.into()),
    }
}

/// Checks an `RSAPublicKey`'s contents: modulus, public exponent.
fn check_public(contents: &[u8]) -> std::result::Result<(), Why> {
    let mut items = Reader::new(contents);
    let modulus = items.integer().ok_or(NOT_DER)?;
    let exponent = items.integer().ok_or(NOT_DER)?;
    if !items.is_empty() || !is_positive(exponent) {
        return Err(NOT_DER.into());
    }
    check_modulus(modulus)
}

/// Checks an `RSAPrivateKey`'s contents: version 0 (two primes), then
/// eight positive INTEGERs from the modulus to the CRT coefficient.
fn check_private(contents: &[u8]) -> std::result::Result<(), Why> {
    let mut items = Reader::new(contents);
    match items.integer().ok_or(NOT_DER)? {
        [0] => {}
        [1] => return Err("is a multi-prime RSA key, which WebCrypto cannot use".into()),
        _ => return Err(NOT_DER.into()),
    }
    let modulus = items.integer().ok_or(NOT_DER)?;
    for _ in 0..7 {
        if !items.integer().is_some_and(is_positive) {
            return Err(NOT_DER.into());
        }
    }
    if !items.is_empty() {
        return Err(NOT_DER.into());
    }
    check_modulus(modulus)
}

/// Whether a minimal INTEGER's bytes are greater than zero.
fn is_positive(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|&b| b < 0x80) && bytes != [0]
}

/// Checks that a modulus is positive and at least [`MIN_MODULUS_BITS`].
fn check_modulus(modulus: &[u8]) -> std::result::Result<(), Why> {
    if !is_positive(modulus) {
        return Err(NOT_DER.into());
    }
    let digits = modulus.strip_prefix(&[0]).unwrap_or(modulus);
    let bits = digits.len() * 8 - digits[0].leading_zeros() as usize;
    if bits < MIN_MODULUS_BITS {
        let bits = decimal(bits as i64);
        return Err(["is a ", &bits, "-bit RSA key: at least 2048 bits are required"].concat().into());
    }
    Ok(())
}

/// `AlgorithmIdentifier` for `rsaEncryption` with `NULL` parameters.
fn rsa_algorithm() -> Vec<u8> {
    der::write(SEQUENCE, &[der::write(OID, RSA_ENCRYPTION), der::write(NULL, &[])].concat())
}

/// A PKCS#1 `RSAPrivateKey` wrapped as PKCS#8 `PrivateKeyInfo` (version 0).
fn pkcs8_of(pkcs1: &[u8]) -> Vec<u8> {
    let version = der::write(INTEGER, &[0]);
    der::write(SEQUENCE, &[version, rsa_algorithm(), der::write(OCTET_STRING, pkcs1)].concat())
}

/// A PKCS#1 `RSAPublicKey` wrapped as `SubjectPublicKeyInfo`.
fn spki_of(pkcs1: &[u8]) -> Vec<u8> {
    let bits = [&[0u8][..], pkcs1].concat(); // no unused bits
    der::write(SEQUENCE, &[rsa_algorithm(), der::write(BIT_STRING, &bits)].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test key file (tests/fixtures/keys/README.md: the openssl commands).
    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../tests/fixtures/keys/", $name))
        };
    }
    // `openssl pkcs8 -topk8 -nocrypt -outform DER` of the PKCS#1 key, and
    // `openssl rsa -pubout -outform DER`.
    const PKCS8_DER: &[u8] = include_bytes!("../../../tests/fixtures/keys/rsa2048_pkcs8.der");
    const SPKI_DER: &[u8] = include_bytes!("../../../tests/fixtures/keys/rsa2048_spki.der");
    const PKCS1_DER: &[u8] = include_bytes!("../../../tests/fixtures/keys/rsa2048_pkcs1.der");

    /// A PEM block's base64 body, with its line breaks.
    fn body_of(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("\n")
    }

    fn private_err(text: &str) -> Error {
        let e = PrivateKey::parse(text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(PRIVATE_KEY_FIELD));
        assert_no_key_material(text, &e);
        e
    }

    fn public_err(text: &str) -> Error {
        let e = PublicKey::parse(text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(PUBLIC_KEY_FIELD));
        assert_no_key_material(text, &e);
        e
    }

    /// No 6-character piece of `text`'s base64 (its PEM headers aside) is
    /// in the error or its Debug.
    fn assert_no_key_material(text: &str, e: &Error) {
        let shown = format!("{e:?}");
        let body: String = body_of(text).lines().filter(|l| !l.contains(':')).flat_map(str::split_whitespace).collect();
        for piece in body.as_bytes().windows(6) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!shown.contains(piece), "{piece:?} echoed in {shown}");
        }
    }

    #[test]
    fn every_private_form_gives_openssls_pkcs8() {
        let pkcs8 = fixture!("rsa2048_pkcs8.pem");
        let pkcs1 = fixture!("rsa2048_pkcs1.pem");
        let texts = [
            pkcs8.to_owned(),
            pkcs1.to_owned(),
            fixture!("rsa2048_pkcs8.b64").to_owned(),
            fixture!("rsa2048_pkcs1.b64").to_owned(),
            pkcs1.replace('\n', "\r\n"),
            format!("\n\t  {}  \n", fixture!("rsa2048_pkcs8.b64")),
            body_of(pkcs8),
            body_of(pkcs1).replace('\n', " \n  "),
        ];
        for text in &texts {
            let key = PrivateKey::parse(text).unwrap();
            assert_eq!(key.pkcs8_der(), PKCS8_DER);
            assert_eq!(format!("{key:?}"), "PrivateKey(***)");
        }
    }

    #[test]
    fn every_public_form_gives_openssls_spki() {
        let pkcs1 = fixture!("rsa2048_pkcs1_public.pem");
        let texts = [
            fixture!("rsa2048_spki.pem").to_owned(),
            pkcs1.to_owned(),
            fixture!("rsa2048_spki.b64").to_owned(),
            body_of(pkcs1),
            fixture!("rsa2048_spki.pem").replace('\n', "\r\n"),
        ];
        for text in &texts {
            assert_eq!(PublicKey::parse(text).unwrap().spki_der(), SPKI_DER);
        }
        // The real server's platform key.
        let platform = include_str!("../../../tests/fixtures/v3096/platform_public_key.pem");
        assert_eq!(PublicKey::parse(platform).unwrap().spki_der(), &base64::decode(body_of(platform).replace('\n', "").as_bytes()).unwrap()[..]);
    }

    #[test]
    fn the_wrong_kind_is_refused_naming_the_field() {
        for public in [fixture!("rsa2048_spki.pem"), fixture!("rsa2048_pkcs1_public.pem"), fixture!("rsa2048_spki.b64")] {
            assert!(private_err(public).message.starts_with("privateKey is an RSA public key ("), "{public}");
        }
        for private in [fixture!("rsa2048_pkcs8.pem"), fixture!("rsa2048_pkcs1.pem"), fixture!("rsa2048_pkcs8.b64"), fixture!("rsa2048_pkcs1.b64")] {
            let e = public_err(private);
            assert!(e.message.starts_with("platformPublicKey is an RSA private key ("), "{}", e.message);
        }
    }

    #[test]
    fn short_ec_and_encrypted_keys_are_refused() {
        let cases = [
            (fixture!("rsa1024_pkcs8.pem"), "is a 1024-bit RSA key"),
            (fixture!("rsa1024_spki.pem"), "is a 1024-bit RSA key"),
            (fixture!("ec_p256_pkcs8.pem"), "is an EC key"),
            (fixture!("ec_p256_sec1.pem"), "is an EC key"),
            (fixture!("ec_p256_spki.pem"), "is an EC key"),
            (fixture!("rsa2048_encrypted.pem"), "is an encrypted PKCS#8 key"),
            (fixture!("rsa2048_pkcs1_encrypted.pem"), "is an encrypted PEM key"),
        ];
        for (text, why) in cases {
            assert!(private_err(text).message.contains(why), "{why}");
            assert!(public_err(text).message.contains(why), "{why}");
        }
        // SEC1 as bare base64 is recognised by its shape.
        let sec1 = body_of(fixture!("ec_p256_sec1.pem"));
        assert!(private_err(&sec1).message.contains("is an EC key (SEC1)"));
    }

    #[test]
    fn what_is_not_a_key_is_refused() {
        let pkcs8 = fixture!("rsa2048_pkcs8.pem");
        let body = body_of(pkcs8);
        assert_eq!(private_err(" \n").message, "privateKey is required");
        let cases = [
            "hello".to_owned(),
            "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----".to_owned(),
            pkcs8.replace("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY").replace("END PRIVATE KEY", "END RSA PRIVATE KEY"),
            pkcs8.replace("END PRIVATE KEY", "END PUBLIC KEY"),
            pkcs8.replace("-----END PRIVATE KEY-----", ""),
            format!("{pkcs8}{pkcs8}"),
            format!("Bag Attributes\n{pkcs8}"),
            format!("{pkcs8}trailing"),
            pkcs8.replace("BEGIN PRIVATE KEY", "BEGIN CERTIFICATE").replace("END PRIVATE KEY", "END CERTIFICATE"),
            pkcs8.replace("BEGIN PRIVATE KEY", "BEGIN KEY").replace("END PRIVATE KEY", "END KEY"),
            body.replace('\n', "\\n"),
            body[..body.len() - 4].to_owned(),
            format!("{body}AAAA"),
            base64::encode(&[PKCS8_DER, &[0]].concat()),
        ];
        for text in &cases {
            private_err(text);
            public_err(text);
        }
    }

    #[test]
    fn the_modulus_needs_2048_bits() {
        let modulus = |first: u8| [&[0x00, first][..], &[0xff; 255]].concat();
        assert!(check_modulus(&modulus(0x80)).is_ok()); // 2048 bits
        assert!(check_modulus(&[0x7f; 256]).unwrap_err().contains("2047-bit"));
        assert!(check_modulus(&[0x80; 256]).is_err()); // negative
    }

    /// Every truncation and many byte changes of each structure: a result,
    /// never a panic; a truncated key is never accepted.
    #[test]
    fn hostile_der_never_panics() {
        let pkcs1_public = base64::decode(body_of(fixture!("rsa2048_pkcs1_public.pem")).replace('\n', "").as_bytes()).unwrap();
        for der in [PKCS8_DER, PKCS1_DER, SPKI_DER, &pkcs1_public] {
            assert!(classify(der).is_ok());
            for len in 0..der.len() {
                assert!(classify(&der[..len]).is_err(), "truncated to {len}");
            }
            let mut changed = der.to_vec();
            for i in 0..der.len() {
                for mask in [0x01, 0x80, 0xff] {
                    changed[i] ^= mask;
                    let _ = classify(&changed);
                    changed[i] ^= mask;
                }
            }
            for i in 0..4 {
                changed[i] ^= 0x01;
                assert!(classify(&changed).is_err(), "header byte {i} changed");
                changed[i] ^= 0x01;
            }
        }
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let bytes = seed.to_le_bytes();
            let len = (seed >> 60) as usize;
            let mut der = vec![0x30, len as u8];
            der.extend_from_slice(&bytes[..len.min(8)]);
            let _ = classify(&der);
            let _ = PrivateKey::parse(&base64::encode(&der));
        }
    }
}
