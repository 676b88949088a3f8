//! The form builder on arbitrary fields: never panics; no field can open a
//! tag, close the attribute, or start an entity of its own.
#![no_main]
use epay_wasm::core::form::submit_form;
use epay_wasm::core::params::Params;
use epay_wasm::core::url::Gateway;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|pairs: Vec<(String, String)>| {
    let Ok(params) = Params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else { return };
    let Ok(gateway) = Gateway::parse("https://pay.example/") else { return };
    let Ok(html) = submit_form(&gateway, &params) else { return };
    assert_eq!(html.matches("<input").count(), params.iter().filter(|(_, v)| !v.is_empty()).count());
    assert_eq!(html.matches("<script>").count(), 1);
    assert_eq!(html.matches('"').count() % 2, 0);
});
