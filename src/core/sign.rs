//! The V1 MD5 signature: sort the fields, join `k=v` with `&` (values raw,
//! not url-encoded), skip `sign`, `sign_type` and empty values, append the
//! merchant KEY, MD5, lowercase hex.

use super::error::{Error, Result};
use super::order::check_sendable_value;
use super::params::Params;

/// Length of an MD5 signature in hex characters.
pub const SIGN_LEN: usize = epay_kernel::SIGN_LEN;

/// The canonical string that is signed, without the KEY:
/// `a=1&b=2` over every non-empty field but `sign` and `sign_type`.
pub fn sign_string(params: &Params) -> String {
    epay_kernel::sign_string(params.fields(), 0)
}

/// Checks that a merchant KEY was given, without surrounding whitespace
/// (a KEY read from a file or an env var often ends in a newline, and then
/// every signature is wrong). The KEY itself is never echoed.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid("key", "the merchant key is required"));
    }
    if key.trim() != key {
        return Err(Error::invalid("key", "the merchant key has leading or trailing whitespace: trim it"));
    }
    Ok(())
}

/// The signature of `params` under `key`: 32 lowercase hex characters.
pub fn sign(params: &Params, key: &str) -> Result<String> {
    let hex = sign_hex(params, key)?;
    // The digest is ASCII hex by construction.
    Ok(hex.iter().map(|&b| char::from(b)).collect())
}

/// `params` ready to send: every non-empty field (an old `sign` and
/// `sign_type` dropped), plus `sign` and `sign_type: MD5`. Refuses
/// whitespace-only values and NUL characters, which gateways treat
/// inconsistently.
pub fn sign_params<'a>(params: &Params<'a>, key: &str) -> Result<Params<'a>> {
    let mut out = params.filtered(|k, v| !v.is_empty() && k != "sign" && k != "sign_type");
    for (k, v) in out.iter() {
        check_sendable_value(k, v)?;
    }
    let signature = sign(&out, key)?;
    out.set("sign", signature);
    out.set("sign_type", "MD5");
    Ok(out)
}

/// [`sign`] as ASCII bytes, without allocating.
pub fn sign_hex(params: &Params, key: &str) -> Result<[u8; SIGN_LEN]> {
    check_key(key)?;
    Ok(epay_kernel::sign(params.fields(), key))
}

/// Whether `received` is the signature of `params` under `key`. Accepts
/// upper-case hex. The comparison takes the same time wherever the first
/// difference is, so it leaks nothing about the expected signature.
pub fn verify(params: &Params, key: &str, received: &str) -> Result<bool> {
    check_key(key)?;
    let expected = epay_kernel::sign(params.fields(), key);
    let received = received.as_bytes();
    if received.len() != SIGN_LEN {
        return Ok(false);
    }
    let diff = expected
        .iter()
        .zip(received)
        .fold(0u8, |acc, (e, r)| acc | (e ^ r.to_ascii_lowercase()));
    Ok(diff == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(pairs: &[(&'a str, &'a str)]) -> Params<'a> {
        Params::from_pairs(pairs.iter().copied()).unwrap()
    }

    // Vectors computed outside this code, e.g.
    // printf '%s' 'device=devicev&money=moneyv1234567' | md5sum
    #[test]
    fn known_answer_from_protocol_notes() {
        let p = params(&[("money", "moneyv"), ("device", "devicev")]);
        assert_eq!(sign(&p, "1234567").unwrap(), "3854cc9f022e0fb821bd2e002260245d");
    }

    #[test]
    fn known_answer_order_from_protocol_notes() {
        let p = params(&[
            ("money", "10.00"),
            ("name", "Test Product"),
            ("notify_url", "https://example.com/notify"),
            ("out_trade_no", "ORDER001"),
            ("pid", "1001"),
            ("type", "alipay"),
            ("sign", "ignored"),
            ("sign_type", "MD5"),
        ]);
        assert_eq!(sign(&p, "testkey123").unwrap(), "22af0227eebf7a4095b64af5fa89ca6d");
    }

    // printf '%s' 'a=0&b=1&c=x y&z=中文KEY' | md5sum
    #[test]
    fn skips_empty_keeps_zero_and_raw_utf8() {
        let p = params(&[("z", "中文"), ("c", "x y"), ("b", "1"), ("a", "0"), ("e", "")]);
        assert_eq!(sign_string(&p), "a=0&b=1&c=x y&z=中文");
        assert_eq!(sign(&p, "KEY").unwrap(), "e0a6ecda4d909fa3a7f53f649e49926d");
    }

    // printf '%s' 'B=1&a=2&a_b=3KEY' | md5sum  (bytewise: 'B' < 'a', 'a' < 'a_b')
    #[test]
    fn orders_keys_bytewise() {
        let p = params(&[("a_b", "3"), ("a", "2"), ("B", "1")]);
        assert_eq!(sign(&p, "KEY").unwrap(), "7f8d3808b3584109520b3f107954a022");
    }

    // printf '%s' 'a=0&pid=10051234567' | md5sum
    #[test]
    fn sign_params_drops_empty_and_old_signature() {
        let p = params(&[("pid", "1005"), ("a", "0"), ("e", ""), ("sign", "old"), ("sign_type", "RSA")]);
        let signed = sign_params(&p, "1234567").unwrap();
        let all: Vec<_> = signed.iter().collect();
        assert_eq!(all, [("a", "0"), ("pid", "1005"), ("sign", "c44d1332b51af35beafb7a01651f58ea"), ("sign_type", "MD5")]);
        assert_eq!(sign_params(&params(&[("name", " ")]), "K").unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(sign_params(&params(&[("a", "x\0")]), "K").unwrap_err().field.as_deref(), Some("a"));
    }

    #[test]
    fn verify_accepts_upper_case_and_rejects_changes() {
        let p = params(&[("money", "moneyv"), ("device", "devicev")]);
        let good = "3854cc9f022e0fb821bd2e002260245d";
        assert!(verify(&p, "1234567", good).unwrap());
        assert!(verify(&p, "1234567", &good.to_uppercase()).unwrap());
        assert!(!verify(&p, "1234567", &good[..31]).unwrap());
        assert!(!verify(&p, "1234568", good).unwrap());
        assert!(!verify(&p, "1234567", "3854cc9f022e0fb821bd2e002260245e").unwrap());
    }

    #[test]
    fn empty_or_padded_key_is_an_error() {
        let p = params(&[("a", "1")]);
        for key in ["", " ", "KEY\n", " KEY"] {
            let e = sign(&p, key).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("key"));
            assert!(key.trim().is_empty() || !e.message.contains("KEY"));
        }
    }
}
