//! V2 answers: the fields the platform signed, read from the raw JSON body.
//!
//! The platform signs the PHP array it then `json_encode`s, by the V1 rule
//! (every field but `sign` and `sign_type`, arrays left out, empty values
//! skipped, values as PHP turns them into strings). From the JSON text:
//! - strings are unescaped (`\/`, `\uXXXX`);
//! - numbers are kept as their exact JSON text (`1000`, `-1`, `2.5`): PHP
//!   writes an integer the same way in JSON and in a string. A float whose
//!   JSON differs from PHP's `(string)` (`1.0` vs `1`) would not verify;
//!   none is sent (amounts are strings, `pid`, `status`, `uid` integers);
//! - `true` is `1`; `false` and `null` are empty, hence skipped: PHP makes
//!   them `''` and its "empty" test drops them, be it the shipped SDK's
//!   `$v === null || trim($v) === ''` or other SDKs' `$v != ''` (on PHP 8
//!   both keep `0`, and the captures do sign `status=0`);
//! - arrays and objects are left out: `merchant/orders`' `data` list is
//!   not covered by the signature.
//!
//! A whitespace-only string is signed as received, as V1 verifies it; the
//! shipped SDK's `trim` would skip it (none observed).
//! A name given twice counts once, with its last value, as PHP's
//! `json_decode` reads it.

use super::signature::{signature_of, Signature};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::answer::body_json;
use crate::core::json::Json;
use crate::core::params::Params;

/// A V2 answer's top-level scalar fields, as the platform signed them, and
/// where its signature stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Every top-level scalar field as text (see the module documentation),
    /// `code`, `msg`, `sign`, `sign_type` and `timestamp` included; `false`
    /// and `null` are empty strings. Arrays and objects are not here.
    pub fields: Params<'static>,
    /// The answer's signature over `fields`.
    pub signature: Signature,
}

/// Reads a V2 answer's body. `BAD_RESPONSE` when it is not a JSON object (a
/// lone surrogate in a string included) or has a field name that cannot be
/// signed.
pub fn parse_answer(body: &str) -> Result<Answer> {
    let Some(Json::Object(object)) = body_json(body) else {
        return Err(bad_answer("the gateway's answer is not a JSON object"));
    };
    let pairs = object.into_iter().filter_map(|(name, value)| Some((name, php_string(value)?)));
    let fields = Params::from_pairs(pairs)
        .map_err(|_| bad_answer("the gateway's answer has a field name that is not a protocol name"))?;
    let signature = signature_of(&fields);
    Ok(Answer { fields, signature })
}

/// A JSON scalar as PHP's `(string)` writes the value `json_decode` gives;
/// `None` for arrays and objects.
fn php_string(value: Json) -> Option<String> {
    match value {
        Json::String(text) | Json::Number(text) => Some(text),
        Json::Bool(true) => Some("1".to_owned()),
        Json::Bool(false) | Json::Null => Some(String::new()),
        Json::Array(_) | Json::Object(_) => None,
    }
}

fn bad_answer(message: &str) -> Error {
    Error::gateway(ErrorCode::BadResponse, message, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::v2::signature::Signed;

    #[test]
    fn reads_scalars_as_php_writes_them() {
        let body = r#"{"s":"a\/b \u4e2d\"&=","i":1000,"neg":-1,"f":2.5,"e":1e3,"t":true,"no":false,"nil":null,
            "arr":[1,{"x":2}],"obj":{"y":3},"zero":0,"empty":"","sp":" ","sign":"AAEC","sign_type":"RSA"}"#;
        let answer = parse_answer(body).unwrap();
        let fields: Vec<_> = answer.fields.iter().collect();
        assert_eq!(fields, [
            ("e", "1e3"), ("empty", ""), ("f", "2.5"), ("i", "1000"), ("neg", "-1"), ("nil", ""), ("no", ""),
            ("s", "a/b 中\"&="), ("sign", "AAEC"), ("sign_type", "RSA"), ("sp", " "), ("t", "1"), ("zero", "0"),
        ]);
        let sign_string = "e=1e3&f=2.5&i=1000&neg=-1&s=a/b 中\"&=&sp= &t=1&zero=0";
        assert_eq!(answer.signature, Signature::Present(Signed { sign_string: sign_string.into(), signature: vec![0, 1, 2] }));
    }

    #[test]
    fn a_leading_bom_is_allowed_as_in_v1() {
        let answer = parse_answer("\u{feff}{\"code\":0,\"sign\":\"AAEC\",\"sign_type\":\"RSA\"}").unwrap();
        assert_eq!(answer.fields.get("code"), Some("0"));
        assert!(matches!(answer.signature, Signature::Present(_)));
    }

    #[test]
    fn the_last_of_a_repeated_name_counts_as_in_php() {
        let answer = parse_answer(r#"{"code":0,"code":-1}"#).unwrap();
        assert_eq!(answer.fields.get("code"), Some("-1"));
        assert_eq!(answer.signature, Signature::Missing);
    }

    #[test]
    fn refuses_what_is_not_an_object_of_protocol_names() {
        for body in ["", "[]", "\"x\"", "1", "{", "{\"a\":1}x", "<html>", r#"{"a b":1}"#, r#"{"s":"\ud800"}"#] {
            let e = parse_answer(body).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadResponse, "{body:?}");
        }
    }
}
