//! The notify parser and verifier on arbitrary bytes: never panics, and
//! whatever parses re-verifies the same way.
#![no_main]
use epay_wasm::core::notify::{parse_notify, verify_notify, Expected};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let expected = Expected::new(Some("1005"), Some("A1"), Some("1.00")).ok().unwrap_or_default();
    let first = verify_notify(parse_notify(&text), "KEY", &expected).ok();
    let again = verify_notify(parse_notify(&text), "KEY", &expected).ok();
    assert_eq!(first, again);
});
