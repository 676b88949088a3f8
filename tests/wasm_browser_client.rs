//! `EpayClient` in headless Chromium against a local epay-sandbox: the
//! browser's own fetch (CORS, opaque redirects, body streams). Run by
//! `scripts/wasm-browser-client.sh`, which starts the sandbox and passes its
//! base URL at compile time in `EPAY_SANDBOX_URL`.
#![cfg(target_arch = "wasm32")]

use epay_wasm::wasm::client::EpayClient;
use js_sys::{Function, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The sandbox's base URL, ending with `/`.
const SANDBOX_URL: Option<&str> = option_env!("EPAY_SANDBOX_URL");
const PID: f64 = 1005.0;
const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from(k)).unwrap()
}

fn text(v: &JsValue, k: &str) -> String {
    get(v, k).as_string().unwrap_or_else(|| panic!("{k} is not a string in {:?}", JSON::stringify(v)))
}

fn client(gateway: &str, key: &str) -> EpayClient {
    let options = object(&[
        ("gateway", gateway.into()),
        ("pid", PID.into()),
        ("key", key.into()),
        ("timeoutMs", 10_000.into()),
        ("retries", 0.into()),
    ]);
    EpayClient::new(options).unwrap_or_else(|e| panic!("new EpayClient: {e:?}"))
}

/// A plain object from `(name, value)` pairs.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&obj, &JsValue::from(*k), v).unwrap();
    }
    obj.into()
}

/// `fetch(url, { method, body })` with the page's global fetch; the JSON answer.
async fn fetch_json(url: &str, method: &str, body: Option<&str>) -> JsValue {
    let fetch: Function = get(&js_sys::global(), "fetch").dyn_into().unwrap();
    let init = object(&[("method", method.into()), ("body", body.map_or(JsValue::UNDEFINED, JsValue::from))]);
    let response = JsFuture::from(Promise::from(fetch.call2(&JsValue::UNDEFINED, &url.into(), &init).unwrap())).await.unwrap();
    let json: Function = get(&response, "json").dyn_into().unwrap();
    JsFuture::from(Promise::from(json.call0(&response).unwrap())).await.unwrap()
}

/// The rejection of a client Promise (panics if it resolves).
async fn rejection(promise: Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(v) => panic!("expected a rejection, got {:?}", JSON::stringify(&v)),
        Err(e) => {
            assert_eq!(text(&e, "name"), "EpayError");
            let message = text(&e, "message");
            assert!(!message.contains(KEY) && !String::from(JSON::stringify(&e).unwrap()).contains(KEY), "{message}");
            e
        }
    }
}

#[wasm_bindgen_test]
async fn client_calls_the_sandbox_from_the_browser() {
    let Some(base) = SANDBOX_URL else {
        // Never a silent pass in CI: scripts/wasm-browser-client.sh sets the URL
        // and checks afterwards that this test's requests reached the sandbox.
        if option_env!("CI").is_some() {
            panic!("EPAY_SANDBOX_URL was not set at compile time: run scripts/wasm-browser-client.sh");
        }
        console_log!("SKIPPED: EPAY_SANDBOX_URL not set at compile time; run scripts/wasm-browser-client.sh");
        return;
    };
    let c = client(base, KEY);

    // queryMerchant: numbers as numbers, the echoed KEY dropped.
    let info = JsFuture::from(c.query_merchant()).await.unwrap_or_else(|e| panic!("queryMerchant: {e:?}"));
    assert_eq!(get(&info, "pid").as_f64(), Some(PID));
    assert_eq!(get(&info, "active"), JsValue::TRUE);
    assert!(get(&info, "key").is_undefined());

    // createOrder through mapi.php: { trade_no, payurl }.
    let out_trade_no = format!("B{}", js_sys::Date::now() as u64);
    let order = object(&[
        ("type", "alipay".into()),
        ("out_trade_no", out_trade_no.as_str().into()),
        ("notify_url", format!("{base}_sandbox/no-notify/{out_trade_no}").into()),
        ("return_url", "https://shop.example/return".into()),
        ("name", "VIP会员".into()),
        ("money", "1.00".into()),
        ("clientip", "127.0.0.1".into()),
    ]);
    let created = JsFuture::from(c.create_order(order)).await.unwrap_or_else(|e| panic!("createOrder: {e:?}"));
    let trade_no = text(&created, "trade_no");
    assert!(!trade_no.is_empty() && trade_no.bytes().all(|b| b.is_ascii_digit()), "{trade_no}");
    assert_eq!(text(&created, "payurl"), format!("{base}pay/{trade_no}"));

    // The order is there, unpaid.
    let which = object(&[("out_trade_no", out_trade_no.as_str().into())]);
    let found = JsFuture::from(c.query_order(which)).await.unwrap_or_else(|e| panic!("queryOrder: {e:?}"));
    assert_eq!(text(&found, "trade_no"), trade_no);
    assert_eq!(get(&found, "status").as_f64(), Some(0.0));
    assert_eq!(get(&found, "paid"), JsValue::FALSE);

    // orders(): an async iterable; the newest order first.
    let iterable = c.orders(None).unwrap_or_else(|e| panic!("orders: {e:?}"));
    let start: Function = Reflect::get(&iterable, &js_sys::Symbol::async_iterator()).unwrap().dyn_into().unwrap();
    let iterator = start.call0(&iterable).unwrap();
    let next: Function = get(&iterator, "next").dyn_into().unwrap();
    let first = JsFuture::from(Promise::from(next.call0(&iterator).unwrap())).await.unwrap_or_else(|e| panic!("orders next: {e:?}"));
    assert_eq!(get(&first, "done"), JsValue::FALSE);
    assert_eq!(text(&get(&first, "value"), "trade_no"), trade_no);

    // A wrong KEY: API_ERROR with the gateway's code and message.
    let e = rejection(client(base, "not-the-key").query_merchant()).await;
    assert_eq!(text(&e, "code"), "API_ERROR");
    assert_eq!(get(&e, "gatewayCode").as_f64(), Some(-3.0));
    assert_eq!(text(&e, "msg"), "商户密钥错误");

    // A redirect is not followed: in a browser it is an opaque redirect, status 0.
    let fault = r#"{"target":"api.php","kind":"redirect"}"#;
    let added = fetch_json(&format!("{base}_sandbox/faults"), "POST", Some(fault)).await;
    assert!(get(&added, "fault").is_object(), "{:?}", JSON::stringify(&added));
    let e = rejection(c.query_settlements()).await;
    assert_eq!(text(&e, "code"), "HTTP_ERROR");
    assert_eq!(get(&e, "status").as_f64(), Some(0.0));
}
