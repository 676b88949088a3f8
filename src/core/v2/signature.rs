//! What a signed V2 message (an answer, a notify) says about its own
//! signature, before any RSA: the sign string and the signature bytes
//! WebCrypto verifies, or why there is nothing to verify.

use super::base64;
use crate::core::params::Params;
use crate::core::sign::sign_string;

/// The `sign_type` of V2 signatures.
pub const SIGN_TYPE: &str = "RSA";

/// A message's signature, as far as it can be judged without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// No `sign`, or an empty one.
    Missing,
    /// A `sign` that cannot be a V2 signature: `sign_type` is there and not
    /// `RSA`, or `sign` is not strict base64.
    Unusable,
    /// A signature to verify with the platform public key(s).
    Present(Signed),
}

/// What WebCrypto verifies: RSASSA-PKCS1-v1_5 with SHA-256 of
/// `sign_string`'s UTF-8 bytes, against `signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The V1 sign string of the fields (no KEY): every field but `sign`
    /// and `sign_type`, empty values skipped, bytewise key order, `k=v`
    /// joined by `&`.
    pub sign_string: String,
    /// `sign`, decoded from base64.
    pub signature: Vec<u8>,
}

/// The signature of `fields` (all of a message's fields, `sign` and
/// `sign_type` included). A missing `sign_type` is accepted, in any case as
/// V1's `MD5` is: the RSA verification decides.
pub fn signature_of(fields: &Params) -> Signature {
    let Some(sign) = fields.get_non_empty("sign") else {
        return Signature::Missing;
    };
    let rsa = fields.get_non_empty("sign_type").is_none_or(|t| t.eq_ignore_ascii_case(SIGN_TYPE));
    match base64::decode(sign.as_bytes()) {
        Some(signature) if rsa => Signature::Present(Signed { sign_string: sign_string(fields), signature }),
        _ => Signature::Unusable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(pairs: &[(&str, &str)]) -> Signature {
        signature_of(&Params::from_pairs(pairs.iter().copied()).unwrap())
    }

    #[test]
    fn judges_sign_and_sign_type() {
        let signed = |sign_type: &str| of(&[("b", "2"), ("a", "1"), ("empty", ""), ("sign", "AAEC"), ("sign_type", sign_type)]);
        let want = Signature::Present(Signed { sign_string: "a=1&b=2".into(), signature: vec![0, 1, 2] });
        assert_eq!(signed("RSA"), want);
        assert_eq!(signed("rsa"), want);
        assert_eq!(signed(""), want);
        assert_eq!(signed("MD5"), Signature::Unusable);
        let a_only = Signature::Present(Signed { sign_string: "a=1".into(), signature: vec![0, 1, 2] });
        assert_eq!(of(&[("a", "1"), ("sign", "AAEC")]), a_only);
        assert_eq!(of(&[("a", "1"), ("sign", "AAE")]), Signature::Unusable);
        assert_eq!(of(&[("a", "1"), ("sign", "AA EC")]), Signature::Unusable);
        assert_eq!(of(&[("a", "1"), ("sign", ""), ("sign_type", "RSA")]), Signature::Missing);
        assert_eq!(of(&[("a", "1")]), Signature::Missing);
    }
}
