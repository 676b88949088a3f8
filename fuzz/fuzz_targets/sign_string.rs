//! The sign-string builder on arbitrary fields: never panics; the string is
//! exactly the non-empty, non-sign fields joined in key order.
#![no_main]
use epay_wasm::core::params::Params;
use epay_wasm::core::sign::{sign, sign_string};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|pairs: Vec<(String, String)>| {
    let Ok(params) = Params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else { return };
    let expected: Vec<String> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && *k != "sign" && *k != "sign_type")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(sign_string(&params), expected.join("&"));
    assert_eq!(sign(&params, "KEY").map(|s| s.len()).ok(), Some(32));
});
