//! Every typed answer read from a real 彩虹易支付 v3096 server's capture
//! (tests/fixtures/v3096/v1/, copied from the project's shared fixtures):
//! the status, content type and body each call got, judged by the core.
//! The expected values are read off the captures by eye, not computed.
#![cfg(not(target_arch = "wasm32"))]

use epay_wasm::core::answer::Answer;
use epay_wasm::core::answers::{CreatedOrder, GatewayOrder, RefundResult, Settlement};
use epay_wasm::core::api::{self, Call, OrderRef, Position};
use epay_wasm::core::error::{Detail, Error, ErrorCode};
use epay_wasm::core::listing::OrdersCursor;
use epay_wasm::core::merchant::Merchant;
use epay_wasm::core::notify::{parse_notify, Expected};
use epay_wasm::core::params::Params;
use serde::Serialize;
use serde_json::{json, Value};

/// The local test server's merchant (its KEY is echoed in api_query.json).
const PID: &str = "1000";
const KEY: &str = "T3stKeyForEpaySdkIntegration0001";

struct Capture {
    status: u16,
    content_type: String,
    body: String,
}

fn capture(name: &str) -> Capture {
    let path = format!("{}/tests/fixtures/v3096/v1/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    Capture {
        status: file["status"].as_u64().unwrap() as u16,
        content_type: file["content_type"].as_str().unwrap().to_owned(),
        body: file["body"].as_str().unwrap().to_owned(),
    }
}

fn merchant() -> Merchant {
    Merchant::new("http://127.0.0.1:18080/", PID, KEY).unwrap()
}

fn read<A: Answer>(call: &Call<A>, name: &str) -> Result<A, Error> {
    let c = capture(name);
    call.judge(c.status, &c.body)
}

/// What JS receives: the answer as JSON (serde-wasm-bindgen's
/// json_compatible serializer gives the same plain objects).
fn json<T: Serialize>(answer: &T) -> Value {
    serde_json::to_value(answer).unwrap()
}

fn create_call() -> Call<CreatedOrder> {
    let order = Params::from_pairs([
        ("type", "alipay"), ("out_trade_no", "FX1796193661"), ("notify_url", "http://127.0.0.1:18081/notify/FX1796193661"),
        ("return_url", "http://127.0.0.1:18081/return/FX1796193661"), ("name", "VIP会员 fixture"), ("money", "1.00"),
        ("clientip", "127.0.0.1"), ("param", "p1"),
    ])
    .unwrap();
    api::create_order(&merchant(), &order).unwrap()
}

fn by_trade_no() -> OrderRef {
    OrderRef::new(Some("2026120214410162853"), None).unwrap()
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> (i64, String) {
    let e = result.unwrap_err();
    assert_eq!(e.code, ErrorCode::ApiError, "{}", e.message);
    match e.detail.clone() {
        Some(Detail::Gateway { code, msg }) => (code, msg),
        other => panic!("no gateway detail: {other:?}"),
    }
}

#[test]
fn the_create_call_signs_what_the_server_accepted() {
    // mapi_created.json's request carries the sign the server checked.
    let body = create_call().request.body.unwrap();
    assert!(body.contains("&sign=55dcc8c73081fb23e9ecab447ec7e58e&sign_type=MD5&"), "{body}");
}

#[test]
fn mapi_created_json_sent_as_text_html_with_escaped_slashes() {
    for name in ["mapi_created", "mapi_same_again"] {
        assert!(capture(name).content_type.starts_with("text/html"));
        let created = read(&create_call(), name).unwrap();
        assert_eq!(
            json(&created),
            json!({
                "trade_no": "2026120214410162853", "payurl": "http://127.0.0.1:18080/pay/submit/2026120214410162853/",
                "qrcode": null, "urlscheme": null, "html": null,
            })
        );
    }
}

#[test]
fn mapi_refusals_are_api_errors_with_the_servers_code_and_msg() {
    for (name, code, msg) in [
        ("mapi_bad_sign", -3, "MD5签名校验失败"),
        ("mapi_bad_money", -1, "金额不合法"),
        ("mapi_missing_name", -1, "商品名称(name)不能为空"),
        ("mapi_nothing", -4, "未传入任何参数"),
        ("mapi_changed_again", -1, "该订单(FX1796193661)支付参数有变化，请更换订单号重新发起支付"),
    ] {
        assert_eq!(api_error(read(&create_call(), name)), (code, msg.to_owned()), "{name}");
    }
}

#[test]
fn mapi_unknown_type_html_page_is_a_bad_response_with_the_body() {
    let e = read(&create_call(), "mapi_unknown_type").unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
    let Some(Detail::Body(body)) = e.detail.clone() else { panic!("no body") };
    assert!(body.starts_with("  \r\n    <!DOCTYPE html>"), "{body}");
}

#[test]
fn query_reads_v3096_day_counters_and_drops_the_key() {
    let info = read(&api::query_merchant(&merchant()), "api_query").unwrap();
    assert_eq!(
        json(&info),
        json!({
            "pid": 1000, "active": true, "money": "9.03", "type": 1, "account": "merchant1000@alipay.test",
            "username": "测试商户", "orders": 46, "order_today": 6, "order_lastday": 0,
        })
    );
    assert!(!format!("{info:?}").contains(KEY));
    let e = api_error(read(&api::query_merchant(&merchant()), "api_query_bad_key"));
    assert_eq!(e, (-3, "商户密钥错误".to_owned()));
}

#[test]
fn query_reads_the_documents_spelling_and_numbers_as_strings() {
    let call = api::query_merchant(&merchant());
    let seed = r#"{"code":"1","pid":"1005","key":"k","active":"0","money":"0.00","type":"2","orders":"30","order_today":"15","order_lastday":null,"extra":"x"}"#;
    let info = call.judge(200, seed).unwrap();
    assert_eq!((info.pid, info.active, info.settle_type, info.orders), (Some(1005), Some(false), Some(2), Some(30)));
    assert_eq!((info.order_today, info.order_lastday), (Some(15), None));
    assert_eq!(json(&info)["extra"], "x");
    let sparse = call.judge(200, r#"{"code":1}"#).unwrap();
    assert_eq!(json(&sparse)["order_lastday"], Value::Null, "an absent documented field is null");
    let bad = call.judge(200, r#"{"code":1,"orders_today":"many"}"#).unwrap_err();
    assert_eq!(bad.code, ErrorCode::BadResponse);
    assert_eq!(call.judge(200, r#"{"code":1,"pid":"10a"}"#).unwrap_err().code, ErrorCode::BadResponse);
}

#[test]
fn settle_data_null_is_an_empty_list() {
    assert_eq!(read(&api::query_settlements(&merchant()), "api_settle").unwrap(), Vec::<Settlement>::new());
    let rows = api::query_settlements(&merchant()).judge(200, r#"{"code":1,"data":[{"id":1,"money":"10.00"}]}"#).unwrap();
    assert_eq!(json(&rows), json!([{ "id": 1, "money": "10.00" }]));
    let e = api::query_settlements(&merchant()).judge(200, r#"{"code":1,"data":"none"}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse);
}

#[test]
fn order_paid_and_refunded_come_from_status() {
    let call = api::query_order(&merchant(), &by_trade_no());
    for (name, status, paid, refunded, api_trade_no, endtime) in [
        ("api_order_unpaid", 0, false, false, Value::Null, Value::Null),
        ("api_order_paid", 1, true, false, json!("UP2026120214410162853"), json!("2026-12-02 14:41:01")),
        ("api_order_refunded", 2, true, true, json!("UP2026120214410162853"), json!("2026-12-02 14:41:01")),
    ] {
        let order: GatewayOrder = read(&call, name).unwrap();
        assert_eq!(
            json(&order),
            json!({
                "trade_no": "2026120214410162853", "out_trade_no": "FX1796193661", "api_trade_no": api_trade_no,
                "type": "alipay", "pid": 1000, "addtime": "2026-12-02 14:41:01", "endtime": endtime,
                "name": "VIP会员 fixture", "money": "1.00", "status": status, "param": "p1", "buyer": null,
                "paid": paid, "refunded": refunded, "bill_trade_no": null, "payurl": null,
            }),
            "{name}"
        );
    }
    assert_eq!(api_error(read(&call, "api_order_unknown")), (-1, "订单号不存在".to_owned()));
}

#[test]
fn orders_page_with_count_and_rows_without_api_trade_no() {
    let call = api::query_orders(&merchant(), 2, Position::Offset(0)).unwrap();
    let rows = read(&call, "api_orders").unwrap();
    let row = |trade_no: &str, out: &str, pay_type: Value, endtime: Value, status: i64| {
        json!({
            "trade_no": trade_no, "out_trade_no": out, "api_trade_no": null, "type": pay_type, "pid": 1000,
            "addtime": "2026-12-02 14:41:01", "endtime": endtime, "name": "VIP会员 fixture", "money": "1.00",
            "status": status, "param": "p1", "buyer": null, "paid": status == 1, "refunded": false,
        })
    };
    assert_eq!(
        json(&rows),
        json!([
            row("2026120214410196860", "FX1796193661c", Value::Null, Value::Null, 0),
            row("2026120214410162853", "FX1796193661", json!("alipay"), json!("2026-12-02 14:41:01"), 1),
        ])
    );
}

#[test]
fn orders_count_is_not_read_the_rows_are_the_page() {
    let call = api::query_orders(&merchant(), 2, Position::Offset(0)).unwrap();
    let page = capture("api_orders");
    assert!(page.body.contains(r#""count":2,"#));
    let judged = |body: &str| call.judge(page.status, body).map(|rows| rows.len());
    assert_eq!(judged(&page.body.replace(r#""count":2,"#, r#""count":7,"#)), Ok(2));
    assert_eq!(judged(&page.body.replace(r#""count":2,"#, "")), Ok(2));
}

#[test]
fn orders_past_the_end_is_an_http_error_but_the_end_of_a_listing_after_a_full_page() {
    let past = capture("api_orders_past_the_end");
    assert_eq!((past.status, past.body.as_str()), (500, ""));
    let call = api::query_orders(&merchant(), 2, Position::Offset(10_000_000)).unwrap();
    let e = read(&call, "api_orders_past_the_end").unwrap_err();
    assert_eq!((e.code, e.detail.clone()), (ErrorCode::HttpError, Some(Detail::Status(500))));

    let mut cursor = OrdersCursor::new(2, None).unwrap();
    let first = cursor.next_call(&merchant()).unwrap().unwrap();
    assert_eq!(cursor.judge(&first, past.status, &past.body).unwrap_err().code, ErrorCode::HttpError, "not after a full page");
    cursor.take(read(&first, "api_orders").unwrap()); // a full page of 2
    let second = cursor.next_call(&merchant()).unwrap().unwrap();
    assert!(second.request.full_url().ends_with("&limit=2&offset=2&page=2"));
    assert_eq!(cursor.judge(&second, past.status, &past.body).unwrap(), Vec::new());
    cursor.take(Vec::new());
    assert!(cursor.next_call(&merchant()).is_none());
}

#[test]
fn refund_code_0_keeps_every_field() {
    let call = api::refund(&merchant(), &by_trade_no(), "1.00").unwrap();
    let result: RefundResult = read(&call, "api_refund_ok").unwrap();
    assert_eq!(
        json(&result),
        json!({
            "code": 0, "msg": "退款成功！退款金额¥1.00", "refund_no": "2026120214410142123", "out_refund_no": "2026120214410142123",
            "trade_no": "2026120214410162853", "out_trade_no": "FX1796193661", "uid": 1000, "money": "1.00", "reducemoney": "1.00",
        })
    );
    assert_eq!(api_error(read(&call, "api_refund_again")), (-1, "该订单已全额退款！".to_owned()));
    assert_eq!(api_error(read(&call, "api_refund_unpaid")), (-1, "该订单状态不支持退款！".to_owned()));
}

#[test]
fn an_unknown_act_is_an_api_error() {
    assert_eq!(api_error(read(&api::query_merchant(&merchant()), "api_unknown_act")), (-5, "No Act!".to_owned()));
}

#[test]
fn the_servers_notify_verifies_for_its_merchant() {
    let path = format!("{}/tests/fixtures/v3096/v1/notify.json", env!("CARGO_MANIFEST_DIR"));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file["merchant_key"], KEY);
    let query = file["query_string"].as_str().unwrap();
    let expected = Expected::new(None, Some("FX1796193661"), Some("1.00")).unwrap();
    let v = merchant().verify_notify(parse_notify(query), expected).unwrap();
    assert_eq!((v.reason, v.paid), (None, true));
    let other = Merchant::new("http://127.0.0.1:18080/", "1001", KEY).unwrap();
    assert!(other.verify_notify(parse_notify(query), Expected::default()).unwrap().reason.is_some(), "another pid");
}
