//! The pay-link builder on arbitrary fields: never panics; the link is
//! printable ASCII and decodes back to exactly the non-empty fields.
#![no_main]
use epay_wasm::core::form::pay_url;
use epay_wasm::core::params::Params;
use epay_wasm::core::url::{parse_query, Gateway};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|pairs: Vec<(String, String)>| {
    let Ok(params) = Params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else { return };
    let Ok(gateway) = Gateway::parse("https://pay.example/") else { return };
    let url = pay_url(&gateway, &params);
    assert!(url.bytes().all(|b| b.is_ascii_graphic()));
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let decoded = parse_query(query).unwrap_or_default();
    let decoded: Vec<(&str, &str)> = decoded.iter().map(|(k, v)| (&**k, &**v)).collect();
    let expected: Vec<(&str, &str)> = params.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert_eq!(decoded, expected);
});
