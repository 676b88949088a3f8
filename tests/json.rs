//! The core's JSON reader (src/core/json.rs) against serde_json, the
//! independent oracle it replaces: on the real-server captures, on edge
//! cases, and on generated, truncated and mutated text, both accept the same
//! texts, and what ours reads serializes exactly as serde_json's own value
//! (numbers to the bit; members in the order received, a repeated name in
//! its first place with its last value: serde_json's `preserve_order`).
#![cfg(not(target_arch = "wasm32"))]

use epay_wasm::core::json::{parse, Json, MAX_DEPTH};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// Ours and serde_json's reading of `text`: both refuse it, or both read
/// it and serialize to the same JSON text.
fn check(text: &str) -> Result<(), TestCaseError> {
    let ours = std::panic::catch_unwind(|| parse(text)).map_err(|_| TestCaseError::fail(format!("panic on {text:?}")))?;
    let theirs = serde_json::from_str::<Value>(text).ok();
    match (&ours, &theirs) {
        (Some(ours), Some(theirs)) => {
            let (ours, theirs) = (serde_json::to_string(ours).unwrap(), serde_json::to_string(theirs).unwrap());
            prop_assert_eq!(ours, theirs, "{:?}", text);
        }
        (None, None) => {}
        _ => prop_assert!(false, "{text:?}: ours {}, serde_json {}", accepted(&ours), accepted(&theirs)),
    }
    Ok(())
}

fn accepted<T>(value: &Option<T>) -> &'static str {
    if value.is_some() { "accepts" } else { "refuses" }
}

fn assert_same(text: &str) {
    check(text).unwrap();
}

/// Every capture file and every body in it.
fn corpus() -> Vec<String> {
    let mut texts = Vec::new();
    for dir in ["v1", "v2"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v3096").join(dir);
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
            let text = std::fs::read_to_string(&file).unwrap();
            let capture: Value = serde_json::from_str(&text).unwrap();
            texts.extend(capture["body"].as_str().map(str::to_owned));
            texts.push(text);
        }
    }
    assert!(texts.len() > 60, "{} texts", texts.len());
    texts
}

/// Hand-written cases, each accepted or refused as serde_json does.
const EDGES: &[&str] = &[
    // Scalars and whitespace.
    "null", "true", "false", " \t\r\n1 \t\r\n", "\"\"", "nul", "tru", "True", "NaN", "Infinity", "\u{c}1", "\u{a0}1", "1 2", "",
    // Numbers: exact integers, floats to the bit, the grammar.
    "0", "-0", "1", "-1", "1005", "1e5", "1E5", "1e+5", "1e-5", "1.50", "-1.5e-3", "2.5", "0.1", "0.30000000000000004",
    "9007199254740993", "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    "123456789012345678901234567890", "12345678901234567890.123e-5", "1844674407370955161.5", "0.0000000000000000000000001",
    "1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "1e400", "-1e400", "1e-400", "0e999999999999",
    "1e-99999999999", "-1e-99999999999", "1e99999999999", "0.0e99999999999", "4.9e-324", "2.2250738585072014e-308",
    "123456789e-330", "1e0000000000000000000000001", "01", "-01", "00", "1.", ".1", "-", "+1", "1e", "1e+", "1.e1", "0x10",
    "1.5.5", "1e5e5", "--1", "1-", "[1.0]", "[-0.0]",
    // Strings: escapes, surrogate pairs, lone surrogates, raw control characters.
    r#""a\/b\\c\"d""#, r#""\b\f\n\r\t""#, r#""\u0000\u001f\u007f""#, r#""\u4e2d\u6587""#, r#""\uD83D\uDE00""#, r#""\ud83d\ude00""#,
    r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#, r#""\ud800\ud800""#, r#""\ud800x""#, r#""\uDBFF\uDFFF""#, r#""\u12""#,
    r#""\u12G4""#, r#""\x41""#, r#""\a""#, r#""\'""#, "\"a\u{1}b\"", "\"tab\tin\"", "\"new\nline\"", "\"\u{7f}\u{80}中😀\"",
    "\"unterminated", "\"\\", "\"\\u", "\"\\ud83d\\u",
    // Arrays and objects: nesting, commas, repeated names.
    "[]", "{}", "[ ]", "{ }", "[[[]]]", "[1,[2,[3,{\"a\":[{}]}]]]", "[1,]", "[,1]", "[1,,2]", "[1 2]", "{\"a\":1,}", "{,}",
    "{\"a\"}", "{\"a\":}", "{a:1}", "{'a':1}", "{\"a\" : 1 , \"b\" : [ true , null ] }", "{\"a\":1,\"a\":2}",
    "{\"b\":1,\"a\":2,\"b\":3,\"c\":{\"x\":1,\"x\":[2]}}", "{\"__proto__\":1}", "{\"\":0}", "{\"\\u0061\":1,\"a\":2}",
    "{\"code\":1}x", "{\"code\":1}}", "[1]]", "[", "{", "]", "}", "{\"a\":1", "[1", "\u{feff}{}",
];

#[test]
fn agrees_with_serde_json_on_the_captures_and_edge_cases() {
    let corpus = corpus();
    for text in &corpus {
        assert_same(text);
    }
    // All but the empty bodies and the HTML page.
    assert_eq!(corpus.iter().filter(|text| parse(text).is_none()).count(), 2);
    for text in EDGES {
        assert_same(text);
    }
}

#[test]
fn nesting_stops_where_serde_json_does() {
    for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 10_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            assert_same(&text);
            assert_eq!(parse(&text).is_some(), depth <= MAX_DEPTH, "{depth}");
            assert_eq!(parse(&open.repeat(depth)), None);
        }
    }
}

#[test]
fn every_truncation_of_the_captures() {
    for text in corpus() {
        for (end, _) in text.char_indices() {
            assert_same(&text[..end]);
        }
    }
}

/// Bytes a mutation puts in: the grammar's, and some it has not.
const MUTATIONS: &[u8] = b"\"\\{}[],:0-+.eEu/ \t\n\x00\x01\x1fatfnx9";

#[test]
fn byte_flips_of_the_captures() {
    // A fixed xorshift sequence: the same mutants every run.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut random = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    for text in corpus().into_iter().filter(|t| !t.is_empty()) {
        for _ in 0..600 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + random(3) {
                let at = random(bytes.len());
                // ASCII for ASCII, so that the text stays UTF-8.
                if bytes[at].is_ascii() {
                    bytes[at] = MUTATIONS[random(MUTATIONS.len())];
                }
            }
            assert_same(&String::from_utf8(bytes).unwrap());
        }
    }
}

/// A JSON value written as a server might: every escape, number form and
/// whitespace the grammar allows, and some it does not.
fn json_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?",
        "-?[0-9]{1,3}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,12})?",
    ];
    let string = r#""([^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\[^u])*""#;
    let leaf = prop_oneof![Just("null".to_owned()), Just("true".to_owned()), Just("false".to_owned()), number, string];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let names = r#""[a-c_]{0,2}""#;
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..6), "[ \t\r\n]{0,2}").prop_map(|(items, space)| format!("[{space}{}]", items.join(&format!(",{space}")))),
            (prop::collection::vec((names, inner), 0..6), "[ \t\r\n]{0,2}").prop_map(|(members, space)| {
                let members: Vec<_> = members.into_iter().map(|(k, v)| format!("{k}{space}:{space}{v}")).collect();
                format!("{{{space}{}}}", members.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn agrees_on_generated_json(text in json_text()) {
        check(&text)?;
    }

    #[test]
    fn agrees_on_json_like_noise(text in r#"[\[\]{}",: 0-9eE.+\-\\/ubfnrtaslx\x00-\x1f\u{7f}-\u{10ffff}]{0,40}"#) {
        check(&text)?;
    }

    #[test]
    fn agrees_on_any_text(text in any::<String>()) {
        check(&text)?;
    }
}

#[test]
fn keeps_number_text_and_member_order() {
    let Some(Json::Object(object)) = parse(r#"{"z":1.50,"a":-0,"m":1E+3,"z":2.50}"#) else { panic!("not an object") };
    let members: Vec<_> = object.into_iter().collect();
    let number = |text: &str| Json::Number(text.to_owned());
    assert_eq!(members, [("z".to_owned(), number("2.50")), ("a".to_owned(), number("-0")), ("m".to_owned(), number("1E+3"))]);
}
