//! Known answers from an independent tool: the `openssl` command verifies
//! our sign strings and extracted signatures (the real server's captures,
//! and our test key's), and makes signatures our parsers must read back.
//! Native only (`std::process`), with temporary files.
#![cfg(not(target_arch = "wasm32"))]

use epay_wasm::core::v2::answer::parse_answer;
use epay_wasm::core::v2::notify::{prepare_notify, DEFAULT_CLOCK_SKEW_SEC};
use epay_wasm::core::v2::request::{attach_signature, out_refund_no, stamp};
use epay_wasm::core::v2::signature::{Signature, Signed};
use epay_wasm::core::notify::{parse_notify, Expected, Reason};
use epay_wasm::core::params::Params;
use epay_wasm::core::url::encode_query;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
/// The capture's answer and notify timestamps.
const CAPTURED_AT: i64 = 1_796_193_661;

fn fixture(path: &str) -> PathBuf {
    Path::new(FIXTURES).join(path)
}

/// A fresh temporary file holding `bytes`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(bytes: &[u8]) -> TempFile {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("epay-v2-test-{}-{n}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `openssl dgst -sha256 -verify <public_pem> -signature sig data`.
fn openssl_verifies(public_pem: &Path, data: &[u8], signature: &[u8]) -> bool {
    let (data, sig) = (TempFile::new(data), TempFile::new(signature));
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public_pem)
        .arg("-signature")
        .arg(&sig.0)
        .arg(&data.0)
        .output()
        .expect("openssl is installed");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.success(), said.contains("Verified OK"), "openssl: {said}");
    out.status.success()
}

/// `openssl dgst -sha256 -sign <private_pem> data`: the raw signature.
fn openssl_sign(private_pem: &Path, data: &[u8]) -> Vec<u8> {
    let data = TempFile::new(data);
    let out = Command::new("openssl").args(["dgst", "-sha256", "-sign"]).arg(private_pem).arg(&data.0).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// `openssl base64 -A`: base64 on one line.
fn openssl_base64(bytes: &[u8]) -> String {
    let input = TempFile::new(bytes);
    let out = Command::new("openssl").args(["base64", "-A", "-in"]).arg(&input.0).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn platform_key() -> PathBuf {
    fixture("v3096/platform_public_key.pem")
}

fn present(signature: &Signature) -> &Signed {
    match signature {
        Signature::Present(signed) => signed,
        other => panic!("expected a signature, got {other:?}"),
    }
}

/// The sign string with one byte changed in the value of each signed field
/// in turn: every one of them must break the signature.
fn one_byte_changes(fields: &Params) -> Vec<Vec<u8>> {
    let signed: Vec<(&str, &str)> =
        fields.iter().filter(|(k, v)| !v.is_empty() && *k != "sign" && *k != "sign_type").collect();
    let joined: Vec<String> = signed.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let data = joined.join("&").into_bytes();
    let mut at = 0;
    let mut changes = Vec::new();
    for (k, v) in signed {
        let last = at + k.len() + 1 + v.len() - 1;
        let mut changed = data.clone();
        changed[last] ^= 0x01;
        changes.push(changed);
        at = last + 2;
    }
    changes
}

#[test]
fn every_signed_capture_verifies_with_the_platform_key_and_no_changed_one_does() {
    let mut unsigned = Vec::new();
    let mut signed_count = 0;
    for entry in std::fs::read_dir(fixture("v3096/v2")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with(".json") || name == "notify.json" {
            continue;
        }
        let capture: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let body = capture["body"].as_str().unwrap();
        let answer = parse_answer(body).unwrap();
        if answer.signature == Signature::Missing {
            unsigned.push(name);
            continue;
        }
        signed_count += 1;
        let signed = present(&answer.signature);
        assert!(openssl_verifies(&platform_key(), signed.sign_string.as_bytes(), &signed.signature), "{name}");
        assert_eq!(answer.fields.get("timestamp"), Some("1796193661"));
        for changed in one_byte_changes(&answer.fields) {
            assert!(!openssl_verifies(&platform_key(), &changed, &signed.signature), "{name}: {}", String::from_utf8_lossy(&changed));
        }
        // One byte changed in the raw JSON: the timestamp's last digit.
        let tampered = parse_answer(&body.replace("\"timestamp\":\"1796193661\"", "\"timestamp\":\"1796193662\"")).unwrap();
        let tampered = present(&tampered.signature);
        assert!(!openssl_verifies(&platform_key(), tampered.sign_string.as_bytes(), &tampered.signature), "{name}");
    }
    unsigned.sort();
    assert_eq!(unsigned, ["error_bad_sign.json", "error_no_timestamp.json", "error_stale_timestamp.json", "error_unknown_order.json"]);
    assert_eq!(signed_count, 12, "the code 0 answers and the signed code -1 (pay_close_unsupported)");
}

#[test]
fn the_captured_notify_verifies_and_goes_stale_301_seconds_later() {
    let capture: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("v3096/v2/notify.json")).unwrap()).unwrap();
    let query = capture["query_string"].as_str().unwrap();
    let expected = Expected::new(Some("1000"), Some("FV1796193661"), Some("2.50")).unwrap();

    let prepared = prepare_notify(query);
    let signed = prepared.to_verify().unwrap();
    let valid = openssl_verifies(&platform_key(), signed.sign_string.as_bytes(), &signed.signature);
    assert!(valid);
    for changed in one_byte_changes(&parse_notify(query).unwrap()) {
        assert!(!openssl_verifies(&platform_key(), &changed, &signed.signature));
    }

    let v = prepared.clone().conclude(valid, &expected, CAPTURED_AT + 20, DEFAULT_CLOCK_SKEW_SEC);
    assert_eq!((v.reason, v.paid), (None, true));
    assert_eq!(v.data.get("name"), Some("product"));
    let v = prepared.conclude(valid, &expected, CAPTURED_AT + 301, DEFAULT_CLOCK_SKEW_SEC);
    assert_eq!((v.reason, v.paid), (Some(Reason::StaleTimestamp), false));

    // The amount changed in transit: the platform's signature fails.
    let tampered = query.replace("&money=2.5&", "&money=2.6&");
    let prepared = prepare_notify(&tampered);
    let signed = prepared.to_verify().unwrap();
    let valid = openssl_verifies(&platform_key(), signed.sign_string.as_bytes(), &signed.signature);
    assert_eq!(prepared.conclude(valid, &expected, CAPTURED_AT, 300).reason, Some(Reason::BadSign));
}

/// Values that a sign string does not escape, and that JSON and query
/// strings do: Chinese, `&`, `=`, quotes, a backslash, a slash.
const NAME: &str = "会员 \"VIP\" & 'x'=1";
const PARAM: &str = "a=b&c=d/e\\f";
/// The sign string of those fields, written by hand from the rule.
const SIGN_STRING: &str =
    "money=2.50&name=会员 \"VIP\" & 'x'=1&out_trade_no=A1&param=a=b&c=d/e\\f&pid=1000&timestamp=1796193661&trade_status=TRADE_SUCCESS";

fn test_key(name: &str) -> PathBuf {
    fixture(&format!("keys/{name}"))
}

#[test]
fn openssl_signatures_of_a_notify_are_read_back() {
    let signature = openssl_sign(&test_key("rsa2048_pkcs8.pem"), SIGN_STRING.as_bytes());
    let sign = openssl_base64(&signature);
    let query = encode_query([
        ("pid", "1000"), ("out_trade_no", "A1"), ("name", NAME), ("money", "2.50"), ("param", PARAM),
        ("trade_status", "TRADE_SUCCESS"), ("timestamp", "1796193661"), ("sign_type", "RSA"), ("sign", sign.as_str()),
    ]);
    let prepared = prepare_notify(&query);
    let signed = prepared.to_verify().unwrap();
    assert_eq!(signed.sign_string, SIGN_STRING);
    assert_eq!(signed.signature, signature);
    assert!(openssl_verifies(&test_key("rsa2048_spki.pem"), signed.sign_string.as_bytes(), &signed.signature));
    assert!(!openssl_verifies(&platform_key(), signed.sign_string.as_bytes(), &signed.signature));
    let v = prepared.conclude(true, &Expected::default(), CAPTURED_AT, 300);
    assert_eq!(v.data.get("name"), Some(NAME));
}

#[test]
fn openssl_signatures_of_an_answer_are_read_back() {
    let signature = openssl_sign(&test_key("rsa2048_pkcs8.pem"), SIGN_STRING.as_bytes());
    // As PHP's json_encode writes it: `\/`, `\uXXXX`, `\"`, `\\`; pid a number.
    let body = format!(
        r#"{{"pid":1000,"out_trade_no":"A1","name":"\u4f1a\u5458 \"VIP\" & 'x'=1","money":"2.50","param":"a=b&c=d\/e\\f","trade_status":"TRADE_SUCCESS","timestamp":"1796193661","sign_type":"RSA","sign":"{}"}}"#,
        openssl_base64(&signature).replace('/', "\\/")
    );
    let answer = parse_answer(&body).unwrap();
    let signed = present(&answer.signature);
    assert_eq!(signed.sign_string, SIGN_STRING);
    assert_eq!(signed.signature, signature);
    assert!(openssl_verifies(&test_key("rsa2048_spki.pem"), signed.sign_string.as_bytes(), &signed.signature));
}

#[test]
fn a_stamped_request_is_what_openssl_signs_and_verifies() {
    let given = Params::from_pairs([
        ("out_trade_no", "A1"), ("name", NAME), ("money", "2.50"), ("param", PARAM), ("trade_status", "TRADE_SUCCESS"),
    ])
    .unwrap();
    let mut request = stamp(&given, "1000", 1_796_193_661).unwrap();
    assert_eq!(request.sign_string, SIGN_STRING);
    let signature = openssl_sign(&test_key("rsa2048_pkcs1.pem"), request.sign_string.as_bytes());
    attach_signature(&mut request.params, &signature);
    assert_eq!(request.params.get("sign"), Some(openssl_base64(&signature).as_str()));
    assert!(openssl_verifies(&test_key("rsa2048_spki.pem"), request.sign_string.as_bytes(), &signature));
}

#[test]
fn refund_numbers_tell_the_time_as_date_does() {
    let mut seed = 3u64;
    for _ in 0..200 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let t = 1_000_000_000 + seed % 9_000_000_000;
        let out = Command::new("date").args(["-u", "-d", &format!("@{t}"), "+%Y%m%d%H%M%S"]).output().unwrap();
        let want = String::from_utf8(out.stdout).unwrap();
        let no = out_refund_no(t, seed).unwrap();
        assert_eq!(&no[1..15], want.trim(), "{t}");
        assert_eq!(no[15..], format!("{seed:016x}"));
    }
}
