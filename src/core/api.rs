//! Gateway calls as data: which endpoint, method, query and body each
//! client method sends, whether it may be retried, and how the answer's
//! `code` is judged. The network lives in `client`; this part is pure.

use super::error::{decimal, Detail, Error, ErrorCode, Result};
use super::money::Money;
use super::order::{check_out_trade_no, check_pid, validate_order, Endpoint};
use super::params::Params;
use super::sign::{check_key, sign};
use super::url::{encode_query, Gateway};

/// Most orders `act=orders` returns per page.
pub const MAX_PAGE_LIMIT: u32 = 50;

/// A merchant account on a gateway.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// The gateway's base URL.
    pub gateway: Gateway,
    /// The merchant id.
    pub pid: String,
    /// The merchant KEY. Never printed: `Debug` of this struct shows it, so
    /// the struct is not exposed to JS or logs.
    pub key: String,
}

impl Merchant {
    /// Validates the account: a gateway base URL, a positive integer pid,
    /// a non-empty KEY.
    pub fn new(gateway: &str, pid: &str, key: &str) -> Result<Merchant> {
        check_pid(pid)?;
        check_key(key)?;
        Ok(Merchant { gateway: Gateway::parse(gateway)?, pid: pid.to_owned(), key: key.to_owned() })
    }

    /// `text` with every occurrence of the KEY (raw or percent-encoded)
    /// replaced by `***`, for anything that may end up in an error.
    pub fn redact(&self, text: &str) -> String {
        let encoded = encode_query([("", self.key.as_str())]);
        let encoded = &encoded[1..]; // drop the "=" of the empty name
        replace_all(&replace_all(text, &self.key, "***"), encoded, "***")
    }
}

/// `text` with each occurrence of `needle` (not empty) replaced by `with`,
/// left to right, as `str::replace` does: a plain loop, which keeps the
/// standard library's substring search (~1 KB) out of the wasm. A match of
/// a whole UTF-8 `needle` always starts and ends on character boundaries.
fn replace_all(text: &str, needle: &str, with: &str) -> String {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let mut out = String::with_capacity(text.len());
    let (mut at, mut copied) = (0, 0);
    while !n.is_empty() && at + n.len() <= t.len() {
        if &t[at..at + n.len()] == n {
            out.push_str(&text[copied..at]);
            out.push_str(with);
            at += n.len();
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET: parameters in the query string.
    Get,
    /// POST: parameters in a form-urlencoded body.
    Post,
}

/// One request to the gateway, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// GET or POST.
    pub method: Method,
    /// The endpoint URL, without a query string.
    pub url: String,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// A form-urlencoded body (POST only).
    pub body: Option<String>,
    /// Whether the call may be sent again after a network error or 5xx:
    /// queries, and mapi.php (the gateway de-duplicates an identical
    /// out_trade_no). Never a refund.
    pub retryable: bool,
    /// The gateway `code` values that mean success.
    pub success_codes: &'static [i64],
}

/// Which order an `act=order` or `act=refund` call is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// The gateway's order number.
    TradeNo(String),
    /// The merchant's order number.
    OutTradeNo(String),
}

impl OrderRef {
    /// From the two optional numbers; `trade_no` wins when both are given,
    /// as on the gateway. One of them is required.
    pub fn new(trade_no: Option<&str>, out_trade_no: Option<&str>) -> Result<OrderRef> {
        match (trade_no.filter(|s| !s.is_empty()), out_trade_no.filter(|s| !s.is_empty())) {
            (Some(t), _) => {
                if !t.bytes().all(|b| b.is_ascii_alphanumeric()) || t.len() > 64 {
                    return Err(Error::invalid("trade_no", "trade_no must be 1-64 letters or digits"));
                }
                Ok(OrderRef::TradeNo(t.to_owned()))
            }
            (None, Some(o)) => {
                check_out_trade_no(o)?;
                Ok(OrderRef::OutTradeNo(o.to_owned()))
            }
            (None, None) => Err(Error::invalid("trade_no", "give trade_no or out_trade_no")),
        }
    }

    fn pair(&self) -> (&'static str, String) {
        match self {
            OrderRef::TradeNo(t) => ("trade_no", t.clone()),
            OrderRef::OutTradeNo(o) => ("out_trade_no", o.clone()),
        }
    }
}

/// `mapi.php`: the order validated for the server API (`device` defaults to
/// `jump`, `clientip` required), the merchant's pid filled in, signed.
pub fn create_order(m: &Merchant, order: &Params) -> Result<Call> {
    if order.get_non_empty("pid").is_some_and(|pid| pid != m.pid) {
        return Err(Error::invalid("pid", "pid differs from the client's pid"));
    }
    let mut order = validate_order(&with_pid(order, m), Endpoint::Mapi)?;
    let signature = sign(&order, &m.key)?;
    order.set("sign", signature);
    order.set("sign_type", "MD5");
    Ok(Call {
        method: Method::Post,
        url: m.gateway.endpoint("mapi.php"),
        query: Vec::new(),
        body: Some(encode_query(order.iter())),
        retryable: true,
        success_codes: &[1],
    })
}

fn with_pid<'a>(order: &Params<'a>, m: &'a Merchant) -> Params<'a> {
    let mut order = order.clone();
    order.set("pid", m.pid.as_str());
    order
}

fn api_get(m: &Merchant, act: &'static str, extra: Vec<(&'static str, String)>) -> Call {
    let mut query = vec![("act", act.to_owned()), ("pid", m.pid.clone()), ("key", m.key.clone())];
    query.extend(extra);
    Call {
        method: Method::Get,
        url: m.gateway.endpoint("api.php"),
        query,
        body: None,
        retryable: true,
        success_codes: &[1],
    }
}

/// `api.php?act=query`: the merchant's account.
pub fn query_merchant(m: &Merchant) -> Call {
    api_get(m, "query", Vec::new())
}

/// `api.php?act=settle`: settlement records.
pub fn query_settlements(m: &Merchant) -> Call {
    api_get(m, "settle", Vec::new())
}

/// `api.php?act=order`: one order.
pub fn query_order(m: &Merchant, order: &OrderRef) -> Call {
    api_get(m, "order", vec![order.pair()])
}

/// `api.php?act=orders`: one page of orders. Real servers page by `limit`
/// and `offset`; the document says `page`: all three are sent, consistent.
pub fn query_orders(m: &Merchant, limit: u32, page: u32) -> Result<Call> {
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(Error::invalid("limit", "limit must be an integer from 1 to 50"));
    }
    if page < 1 {
        return Err(Error::invalid("page", "page must be an integer from 1"));
    }
    let offset = u64::from(page - 1) * u64::from(limit);
    let extra = vec![("limit", decimal(limit.into())), ("page", decimal(page.into())), ("offset", decimal(offset as i64))];
    Ok(api_get(m, "orders", extra))
}

/// `api.php?act=refund` (POST; `act` in the query, the rest in the body).
/// Success is code 1 per the document, code 0 on the common server. Never
/// retried: a refund is not idempotent.
pub fn refund(m: &Merchant, order: &OrderRef, money: &str) -> Result<Call> {
    let money = Money::parse_positive("money", money)?.text();
    let (field, number) = order.pair();
    let body = encode_query([
        ("pid", m.pid.as_str()),
        ("key", m.key.as_str()),
        (field, number.as_str()),
        ("money", money.as_str()),
    ]);
    Ok(Call {
        method: Method::Post,
        url: m.gateway.endpoint("api.php"),
        query: vec![("act", "refund".to_owned())],
        body: Some(body),
        retryable: false,
        success_codes: &[0, 1],
    })
}

/// Judges the answer's `code`: success, or `API_ERROR` carrying the
/// gateway's code and message.
pub fn check_code(call: &Call, code: i64, msg: &str) -> Result<()> {
    if call.success_codes.contains(&code) {
        return Ok(());
    }
    let shown = if msg.is_empty() { "(no message)" } else { msg };
    Err(Error::gateway(
        ErrorCode::ApiError,
        ["gateway refused the request: code ", &decimal(code), ", ", &shown].concat(),
        Some(Detail::Gateway { code, msg: msg.to_owned() }),
    ))
}

/// Whether a failed attempt may be sent again: network errors and 5xx, and
/// only for retryable calls.
pub fn should_retry(call: &Call, error: &Error) -> bool {
    let server_error = matches!(error.detail, Some(Detail::Status(s)) if s >= 500);
    call.retryable && (error.code == ErrorCode::Network || server_error)
}

/// Milliseconds to wait before retry number `attempt` (1, 2, ...):
/// 100, 200, 400, ... up to 2 s.
pub fn retry_delay_ms(attempt: u32) -> u32 {
    100u32.saturating_mul(1 << attempt.saturating_sub(1).min(5)).min(2000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replace_all_is_str_replace() {
        for (text, needle) in [("", "k"), ("k", "k"), ("kkk", "kk"), ("a k b k", "k"), ("中k文kk", "k"), ("abc", "x"), ("xyzxyz", "yzx"), ("k=1&K=2", "K")] {
            assert_eq!(super::replace_all(text, needle, "***"), text.replace(needle, "***"), "{text:?} {needle:?}");
        }
    }

    use super::*;

    const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";

    fn merchant() -> Merchant {
        Merchant::new("http://127.0.0.1:8787", "1005", KEY).unwrap()
    }

    fn order<'a>(extra: &[(&'a str, &'a str)]) -> Params<'a> {
        let mut pairs = vec![
            ("type", "alipay"),
            ("out_trade_no", "A1"),
            ("notify_url", "http://m.cn/notify"),
            ("return_url", "http://m.cn/return"),
            ("name", "VIP"),
            ("money", "1"),
            ("clientip", "127.0.0.1"),
        ];
        pairs.extend_from_slice(extra);
        Params::from_pairs(pairs).unwrap()
    }

    // printf '%s' 'clientip=127.0.0.1&device=jump&money=1.00&name=VIP&notify_url=http://m.cn/notify&out_trade_no=A1&pid=1005&return_url=http://m.cn/return&type=alipay80TWQztHqTVvV440KTKVqVPQh11AkfpF' | md5sum
    #[test]
    fn create_order_is_a_signed_form_post() {
        let call = create_order(&merchant(), &order(&[])).unwrap();
        assert_eq!(call.method, Method::Post);
        assert_eq!(call.url, "http://127.0.0.1:8787/mapi.php");
        assert!(call.retryable);
        let body = call.body.unwrap();
        assert!(body.contains("device=jump&money=1.00"));
        assert!(body.contains("notify_url=http%3A%2F%2Fm.cn%2Fnotify"));
        assert!(body.contains("&sign=8f9df296e9af17dbd70e98d54087c2da&sign_type=MD5&type=alipay"), "{body}");
    }

    #[test]
    fn create_order_refuses_another_pid_and_missing_clientip() {
        let e = create_order(&merchant(), &order(&[("pid", "1006")])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("pid"));
        let full = order(&[]);
        let no_ip = Params::from_pairs(full.iter().filter(|(k, _)| *k != "clientip")).unwrap();
        assert_eq!(create_order(&merchant(), &no_ip).unwrap_err().field.as_deref(), Some("clientip"));
    }

    #[test]
    fn orders_pages_by_limit_offset_and_page() {
        let call = query_orders(&merchant(), 20, 3).unwrap();
        let q: Vec<_> = call.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(q, ["act=orders", "pid=1005", &format!("key={KEY}"), "limit=20", "page=3", "offset=40"]);
        assert_eq!(query_orders(&merchant(), 51, 1).unwrap_err().field.as_deref(), Some("limit"));
        assert_eq!(query_orders(&merchant(), 0, 1).unwrap_err().field.as_deref(), Some("limit"));
        assert_eq!(query_orders(&merchant(), 10, 0).unwrap_err().field.as_deref(), Some("page"));
    }

    #[test]
    fn refund_is_posted_once_and_accepts_code_0_or_1() {
        let r = OrderRef::new(None, Some("A1")).unwrap();
        let call = refund(&merchant(), &r, "0.5").unwrap();
        assert!(!call.retryable);
        assert_eq!(call.query, [("act", "refund".to_owned())]);
        assert_eq!(call.body.as_deref(), Some(&*format!("pid=1005&key={KEY}&out_trade_no=A1&money=0.50")));
        assert!(check_code(&call, 0, "").is_ok() && check_code(&call, 1, "").is_ok());
        let e = check_code(&call, -1, "订单不存在").unwrap_err();
        assert_eq!(e.detail, Some(Detail::Gateway { code: -1, msg: "订单不存在".into() }));
        let net = Error::gateway(ErrorCode::Network, "reset", None);
        assert!(!should_retry(&call, &net));
        assert!(should_retry(&query_merchant(&merchant()), &net));
    }

    #[test]
    fn order_ref_prefers_trade_no_and_needs_one() {
        assert_eq!(OrderRef::new(Some("T1"), Some("A1")).unwrap(), OrderRef::TradeNo("T1".into()));
        assert_eq!(OrderRef::new(None, None).unwrap_err().field.as_deref(), Some("trade_no"));
        assert_eq!(OrderRef::new(None, Some("a/b")).unwrap_err().field.as_deref(), Some("out_trade_no"));
    }

    #[test]
    fn retries_only_network_errors_and_5xx() {
        let call = query_merchant(&merchant());
        let status = |s| Error::gateway(ErrorCode::HttpError, "x", Some(Detail::Status(s)));
        assert!(should_retry(&call, &status(502)));
        assert!(!should_retry(&call, &status(404)));
        assert!(!should_retry(&call, &Error::gateway(ErrorCode::Timeout, "x", None)));
        assert_eq!([1, 2, 3, 9].map(retry_delay_ms), [100, 200, 400, 2000]);
    }

    #[test]
    fn redacts_the_key_raw_and_encoded() {
        let m = Merchant::new("http://g.cn/", "1", "k+y/=").unwrap();
        assert_eq!(m.redact("a k+y/= b k%2By%2F%3D c"), "a *** b *** c");
    }
}
