//! The money parser on arbitrary text: never panics; what it accepts
//! prints canonically and parses back to the same cents.
#![no_main]
use epay_wasm::core::money::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(money) = Money::parse("money", text) {
        let canonical = money.to_string();
        assert_eq!(Money::parse("money", &canonical).map(Money::cents).ok(), Some(money.cents()));
    }
});
