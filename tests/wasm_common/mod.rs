//! Tests of the JS-facing exports, shared by the Node and the headless
//! Chromium suites. Signatures were computed with md5sum, e.g.
//! `printf '%s' 'device=devicev&money=moneyv1234567' | md5sum`.

use epay_wasm::wasm::api::{build_pay_url, build_submit_form, sign_js, sign_params, verify_notify_js};
use epay_wasm::wasm::types::NotifyExpectedArg;
use js_sys::{Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from(k)).unwrap()
}

fn key(k: &str) -> JsValue {
    JsValue::from(k)
}

fn assert_invalid(err: JsValue, field: &str) {
    let e: &js_sys::Error = err.dyn_ref().expect("an Error object");
    assert_eq!(String::from(e.name()), "EpayError");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("INVALID_PARAM"));
    assert_eq!(get(&err, "field").as_string().as_deref(), Some(field));
}

#[wasm_bindgen_test]
fn sign_known_answer() {
    let p = obj(r#"{"money":"moneyv","device":"devicev"}"#);
    assert_eq!(sign_js(p, key("1234567")).unwrap(), "3854cc9f022e0fb821bd2e002260245d");
}

// printf '%s' 'money=1.5&pid=1005K' | md5sum
#[wasm_bindgen_test]
fn numbers_are_signed_as_js_prints_them() {
    let p = obj(r#"{"pid":1005,"money":1.5,"param":null}"#);
    assert_eq!(sign_js(p, key("K")).unwrap(), "3c710217dbb72dfb685387aa6a1304e5");
}

#[wasm_bindgen_test]
fn bad_input_throws_epay_error_and_the_instance_keeps_working() {
    assert_invalid(sign_js(obj(r#"{"a":[1]}"#), key("K")).unwrap_err(), "a");
    assert_invalid(sign_js(obj(r#"{"a":{"b":1}}"#), key("K")).unwrap_err(), "a");
    assert_invalid(sign_js(obj(r#"{"a":"1"}"#), JsValue::UNDEFINED).unwrap_err(), "key");
    assert_invalid(sign_js(obj(r#"{"a b":"1"}"#), key("K")).unwrap_err(), "a b");
    assert_invalid(sign_params(obj(r#"{"name":"  "}"#), key("K")).unwrap_err(), "name");
    assert_invalid(sign_js(JsValue::from(js_sys::Map::new()), key("K")).unwrap_err(), "params");
    assert_invalid(sign_js(obj(r#"{"a":1}"#), key("")).unwrap_err(), "key");
    let p = obj(r#"{"money":"moneyv","device":"devicev"}"#);
    assert_eq!(sign_js(p, key("1234567")).unwrap(), "3854cc9f022e0fb821bd2e002260245d");
}

#[wasm_bindgen_test]
fn key_never_appears_in_errors() {
    let secret = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";
    let errors = [
        sign_js(obj(r#"{"a":[1]}"#), key(secret)).unwrap_err(),
        build_pay_url(obj(r#"{"pid":"x"}"#), obj(&format!(r#"{{"gateway":"https://p.cn","key":"{secret}"}}"#))).unwrap_err(),
    ];
    for e in errors {
        let text = format!("{:?} {:?}", JSON::stringify(&e).unwrap(), js_sys::Error::from(e.clone()).message());
        assert!(!text.contains(secret), "{text}");
    }
}

#[wasm_bindgen_test]
fn sign_params_then_verify_notify() {
    let signed = sign_params(obj(r#"{"pid":"1005","out_trade_no":"A1","money":"1.00","trade_status":"TRADE_SUCCESS"}"#), key("K")).unwrap();
    assert_eq!(get(&signed, "sign_type").as_string().as_deref(), Some("MD5"));
    let expected: NotifyExpectedArg = obj(r#"{"pid":1005,"money":"1","out_trade_no":"A1"}"#).unchecked_into();
    let result = verify_notify_js(signed.clone(), key("K"), Some(expected)).unwrap();
    assert_eq!(get(&result, "ok"), JsValue::TRUE);
    assert_eq!(get(&result, "paid"), JsValue::TRUE);
    assert_eq!(get(&result, "reason"), JsValue::NULL);
    let wrong: NotifyExpectedArg = obj(r#"{"money":"2.00"}"#).unchecked_into();
    let result = verify_notify_js(signed, key("K"), Some(wrong)).unwrap();
    assert_eq!(get(&result, "reason").as_string().as_deref(), Some("money_mismatch"));
    let garbage = verify_notify_js(JsValue::from("a=1&a=2"), key("K"), None).unwrap();
    assert_eq!(get(&garbage, "reason").as_string().as_deref(), Some("malformed"));
}

#[wasm_bindgen_test]
fn submit_form_with_and_without_key() {
    let order = obj(r#"{"pid":1005,"out_trade_no":"A1","notify_url":"https://m.cn/n","return_url":"https://m.cn/r","name":"\"><script>alert(1)</script>","money":1}"#);
    let options = obj(r#"{"gateway":"https://p.cn/","key":"K"}"#);
    let html = build_submit_form(order.clone(), options).unwrap();
    assert!(html.contains(r#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#));
    assert!(html.contains(r#"name="money" value="1.00""#));
    let unsigned = build_submit_form(order, obj(r#"{"gateway":"https://p.cn/"}"#)).unwrap_err();
    assert_invalid(unsigned, "sign");
}

#[wasm_bindgen_test]
fn option_bags_refuse_unknown_keys_naming_them() {
    let q = JsValue::from("pid=1005&sign=x");
    let typo: NotifyExpectedArg = obj(r#"{"pid":1005,"amount":"1.00"}"#).unchecked_into();
    let e = verify_notify_js(q.clone(), key("K"), Some(typo)).unwrap_err();
    assert_invalid(e.clone(), "amount");
    let message = js_sys::Error::from(e).message();
    assert_eq!(String::from(message), "unknown option `amount` in verifyNotify's expected; expected pid, out_trade_no, money");
    let known: NotifyExpectedArg = obj(r#"{"pid":1005,"out_trade_no":"A1","money":"1"}"#).unchecked_into();
    assert!(verify_notify_js(q, key("K"), Some(known)).is_ok());
    let order = obj(r#"{"pid":1005,"out_trade_no":"A1","notify_url":"https://m.cn/n","return_url":"https://m.cn/r","name":"n","money":1,"sign":"x"}"#);
    assert_invalid(build_submit_form(order.clone(), obj(r#"{"gateway":"https://p.cn/","keys":"K"}"#)).unwrap_err(), "keys");
    assert_invalid(build_pay_url(order.clone(), obj(r#"{"gateway":"https://p.cn/","KEY":"K"}"#)).unwrap_err(), "KEY");
    assert!(build_pay_url(order, obj(r#"{"gateway":"https://p.cn/"}"#)).is_ok());
}
