//! Properties of the core over generated input: forms and pay links give
//! back exactly their fields, signing ignores insertion order, and
//! verification accepts what was signed and nothing one byte away.
#![cfg(not(target_arch = "wasm32"))]

use epay_wasm::core::form::{pay_url, submit_form};
use epay_wasm::core::money::Money;
use epay_wasm::core::notify::{parse_notify, verify_notify, Expected};
use epay_wasm::core::params::Params;
use epay_wasm::core::sign::sign;
use epay_wasm::core::url::{encode_query, parse_query, Gateway};
use proptest::prelude::*;
use std::collections::BTreeMap;

const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";

/// Any text without NUL: Unicode, quotes, `&`, `<`, control characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{0,24}",
        "[&<>\"'=%+ \t\r\n\u{1}-\u{1f}a-z¬中]{0,24}",
    ]
}

/// Unique field names and values.
fn fields() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map("[A-Za-z0-9_-]{1,12}", value(), 1..12)
}

fn params(fields: &BTreeMap<String, String>) -> Params<'_> {
    Params::from_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
}

fn non_empty(fields: &BTreeMap<String, String>) -> Vec<(String, String)> {
    fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn gateway() -> Gateway {
    Gateway::parse("https://pay.example/").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn form_html_parses_back_to_exactly_the_fields(fields in fields()) {
        let html = submit_form(&gateway(), &params(&fields)).unwrap();
        let doc = scraper::Html::parse_fragment(&html);
        let form_sel = scraper::Selector::parse("form").unwrap();
        let forms: Vec<_> = doc.select(&form_sel).collect();
        prop_assert_eq!(forms.len(), 1);
        prop_assert_eq!(forms[0].value().attr("action"), Some("https://pay.example/submit.php"));
        let input_sel = scraper::Selector::parse("form > input").unwrap();
        let got: Vec<(String, String)> = doc
            .select(&input_sel)
            .map(|i| (i.value().attr("name").unwrap().to_owned(), i.value().attr("value").unwrap().to_owned()))
            .collect();
        prop_assert_eq!(got, non_empty(&fields));
        let scripts = scraper::Selector::parse("script").unwrap();
        prop_assert_eq!(doc.select(&scripts).count(), 1);
    }

    #[test]
    fn pay_link_decodes_back_to_exactly_the_fields(fields in fields()) {
        let url = pay_url(&gateway(), &params(&fields));
        let (base, query) = url.split_once('?').unwrap();
        prop_assert_eq!(base, "https://pay.example/submit.php");
        prop_assert!(query.bytes().all(|b| b.is_ascii_graphic()));
        let decoded: Vec<(String, String)> =
            parse_query(query).unwrap().into_iter().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        prop_assert_eq!(decoded, non_empty(&fields));
    }

    #[test]
    fn sign_ignores_insertion_order(fields in fields(), seed in any::<u64>()) {
        let mut pairs: Vec<_> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let forward = sign(&Params::from_pairs(pairs.clone()).unwrap(), KEY).unwrap();
        // A deterministic shuffle driven by the seed.
        let mut s = seed | 1;
        for i in (1..pairs.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            pairs.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(sign(&Params::from_pairs(pairs).unwrap(), KEY).unwrap(), forward);
    }

    #[test]
    fn verify_accepts_the_signed_and_rejects_any_one_byte_change(
        fields in fields(), pick in any::<prop::sample::Index>(), byte in any::<prop::sample::Index>(), to in 0x20u8..0x7f,
    ) {
        let mut fields = fields;
        fields.remove("sign");
        fields.remove("sign_type");
        prop_assume!(fields.values().any(|v| !v.is_empty()));
        let signature = sign(&params(&fields), KEY).unwrap();
        let mut sent = fields.clone();
        sent.insert("sign".into(), signature);
        let query = encode_query(sent.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let v = verify_notify(parse_notify(&query), KEY, &Expected::default()).unwrap();
        prop_assert!(v.ok());

        // Change one ASCII byte of one non-empty value (the sign included)
        // to a different byte; upper/lower case of the sign is the same sign.
        let candidates: Vec<String> = sent.iter().filter(|(_, v)| v.bytes().any(|b| b.is_ascii())).map(|(k, _)| k.clone()).collect();
        let field = pick.get(&candidates).clone();
        let value = sent[&field].clone();
        let ascii: Vec<usize> = value.bytes().enumerate().filter(|(_, b)| b.is_ascii()).map(|(i, _)| i).collect();
        let at = *byte.get(&ascii);
        let old = value.as_bytes()[at];
        let same = if field == "sign" { old.eq_ignore_ascii_case(&to) } else { old == to };
        prop_assume!(!same);
        let mut bytes = value.into_bytes();
        bytes[at] = to;
        sent.insert(field, String::from_utf8(bytes).unwrap());
        let query = encode_query(sent.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let v = verify_notify(parse_notify(&query), KEY, &Expected::default()).unwrap();
        prop_assert!(!v.ok());
    }

    #[test]
    fn money_round_trips_every_amount(cents in 1u64..=9_999_999_999) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(Money::parse("money", &text).unwrap().cents(), cents);
        prop_assert_eq!(Money::parse("money", &text).unwrap().to_string(), text);
    }

    #[test]
    fn parsers_never_panic(input in "\\PC{0,64}", bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = Money::parse("money", &input);
        let _ = parse_notify(&input);
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = verify_notify(parse_notify(&lossy), KEY, &Expected::default());
    }
}
