//! Gateway calls as data: which endpoint, method, query and body each
//! client method sends, whether it may be retried, which `code` means
//! success and which answer it reads. The network is a [`super::transport`].

use super::answer::{judge, Answer, Fields};
use super::answers::{CreatedOrder, GatewayOrder, MerchantInfo, RefundResult, Settlement};
use super::error::{decimal, Detail, Error, ErrorCode, Result};
use super::merchant::Merchant;
use super::money::Money;
use super::order::{check_merchant_no, validate_order, Endpoint};
use super::params::Params;
use super::url::encode_query;
use std::marker::PhantomData;

/// Most orders `act=orders` returns per page.
pub const MAX_PAGE_LIMIT: u32 = 50;
/// Orders a page when the caller does not say (the limit is always sent;
/// 20 is the seed document's example value).
pub const DEFAULT_PAGE_LIMIT: u32 = 20;

/// HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET: parameters in the query string.
    Get,
    /// POST: parameters in a form-urlencoded body.
    Post,
}

/// One HTTP request to the gateway, ready to send. Not `Debug`: api.php
/// requests carry the KEY.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// GET or POST.
    pub method: Method,
    /// The endpoint URL, without a query string.
    pub url: String,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// A form-urlencoded body (POST only).
    pub body: Option<String>,
}

impl Request {
    /// The URL with its query string.
    pub fn full_url(&self) -> String {
        if self.query.is_empty() {
            return self.url.clone();
        }
        [&self.url, "?", &encode_query(self.query.iter().map(|(k, v)| (*k, v.as_str())))].concat()
    }
}

/// A call: the request, whether it may be sent again, and how its answer
/// `A` is read.
pub struct Call<A> {
    /// What is sent.
    pub request: Request,
    /// Whether the call may be sent again after a network error or 5xx:
    /// queries, and mapi.php (the gateway de-duplicates an identical
    /// out_trade_no). Never a refund.
    pub retryable: bool,
    /// The gateway `code` values that mean success.
    pub success_codes: &'static [i64],
    answer: PhantomData<fn() -> A>,
}

impl<A> Call<A> {
    /// This call with its answer left as the envelope's fields, to be read
    /// as `A` afterwards: the wasm client runs every call in one future
    /// type through the same [`super::transport::send`].
    pub fn into_fields(self) -> Call<Fields> {
        Call { request: self.request, retryable: self.retryable, success_codes: self.success_codes, answer: PhantomData }
    }
}

impl<A: Answer> Call<A> {
    /// Judges the gateway's answer to this call: the typed answer, or the
    /// error it amounts to (`HTTP_ERROR`, `BAD_RESPONSE`, `API_ERROR`).
    pub fn judge(&self, status: u16, body: &str) -> Result<A> {
        A::read(self.envelope(status, body)?)
    }

    /// Judges the answer's status and envelope only ([`judge`]): its
    /// fields, to read as `A`.
    pub fn envelope(&self, status: u16, body: &str) -> Result<Fields> {
        judge(self.success_codes, status, body)
    }
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
        Ok(match which(("trade_no", trade_no), ("out_trade_no", out_trade_no))? {
            ("trade_no", t) => OrderRef::TradeNo(t),
            (_, o) => OrderRef::OutTradeNo(o),
        })
    }

    /// The field a request names the order by, and its value.
    pub fn pair(&self) -> (&'static str, String) {
        match self {
            OrderRef::TradeNo(t) => ("trade_no", t.clone()),
            OrderRef::OutTradeNo(o) => ("out_trade_no", o.clone()),
        }
    }
}

/// Which of two numbers names an order or a refund, as `(field, value)`:
/// the gateway's (`trade_no`, `refund_no`: 1–64 letters or digits), which
/// wins when both are given, as on the gateway, or the merchant's
/// (`out_trade_no`, `out_refund_no`: [`check_merchant_no`]). Each is
/// `(field, value)`; an empty value is absent; one is required.
pub fn which(gateway: (&'static str, Option<&str>), merchant: (&'static str, Option<&str>)) -> Result<(&'static str, String)> {
    match (gateway.1.filter(|s| !s.is_empty()), merchant.1.filter(|s| !s.is_empty())) {
        (Some(no), _) => {
            if !no.bytes().all(|b| b.is_ascii_alphanumeric()) || no.len() > 64 {
                return Err(Error::invalid(gateway.0, [gateway.0, " must be 1-64 letters or digits"].concat()));
            }
            Ok((gateway.0, no.to_owned()))
        }
        (None, Some(no)) => {
            check_merchant_no(merchant.0, no)?;
            Ok((merchant.0, no.to_owned()))
        }
        (None, None) => Err(Error::invalid(gateway.0, ["give ", gateway.0, " or ", merchant.0].concat())),
    }
}

/// `mapi.php`: the order validated for the server API (`device` defaults to
/// `jump`, `clientip` required), the merchant's pid filled in, signed.
pub fn create_order(m: &Merchant, order: &Params) -> Result<Call<CreatedOrder>> {
    let mut order = validate_order(&m.with_pid(order)?, Endpoint::Mapi)?;
    let signature = m.sign(&order)?;
    order.set("sign", signature);
    order.set("sign_type", "MD5");
    let request = Request { method: Method::Post, url: m.gateway.endpoint("mapi.php"), query: Vec::new(), body: Some(encode_query(order.iter())) };
    Ok(Call { request, retryable: true, success_codes: &[1], answer: PhantomData })
}

fn api_get<A>(m: &Merchant, act: &'static str, extra: Vec<(&'static str, String)>) -> Call<A> {
    let mut query = vec![("act", act.to_owned()), ("pid", m.pid.clone()), ("key", m.key().to_owned())];
    query.extend(extra);
    let request = Request { method: Method::Get, url: m.gateway.endpoint("api.php"), query, body: None };
    Call { request, retryable: true, success_codes: &[1], answer: PhantomData }
}

/// `api.php?act=query`: the merchant's account.
pub fn query_merchant(m: &Merchant) -> Call<MerchantInfo> {
    api_get(m, "query", Vec::new())
}

/// `api.php?act=settle`: settlement records.
pub fn query_settlements(m: &Merchant) -> Call<Vec<Settlement>> {
    api_get(m, "settle", Vec::new())
}

/// `api.php?act=order`: one order.
pub fn query_order(m: &Merchant, order: &OrderRef) -> Call<GatewayOrder> {
    api_get(m, "order", vec![order.pair()])
}

/// Where a page of `act=orders` starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The page number, from 1 (the document's paging).
    Page(u32),
    /// The number of orders to skip (what v3096 reads).
    Offset(u64),
}

/// `api.php?act=orders`: one page of orders, newest first. v3096 reads
/// `limit` and `offset` (and ignores `page`); the document says `page`:
/// `limit` and `offset` are always sent, and `page` too when the offset
/// falls on a whole page. Past the last page v3096 answers HTTP 500 with
/// an empty body (a PHP error on an empty list): that stays an
/// `HTTP_ERROR` here, as nothing tells it from a real failure
/// ([`super::listing`] reads it as the end only right after a full page).
pub fn query_orders(m: &Merchant, limit: u32, position: Position) -> Result<Call<Vec<GatewayOrder>>> {
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(Error::invalid("limit", "limit must be an integer from 1 to 50"));
    }
    let offset = match position {
        Position::Page(0) => return Err(Error::invalid("page", "page must be an integer from 1")),
        Position::Page(page) => u64::from(page - 1) * u64::from(limit),
        Position::Offset(offset) => offset,
    };
    let mut extra = vec![("limit", decimal(limit.into())), ("offset", decimal(offset as i64))];
    if offset % u64::from(limit) == 0 {
        extra.push(("page", decimal((offset / u64::from(limit) + 1) as i64)));
    }
    Ok(api_get(m, "orders", extra))
}

/// `api.php?act=refund` (POST; `act` in the query, the rest in the body).
/// Success is code 1 per the document, code 0 on v3096. Never retried: a
/// refund is not idempotent.
pub fn refund(m: &Merchant, order: &OrderRef, money: &str) -> Result<Call<RefundResult>> {
    let money = Money::parse_positive("money", money)?.text();
    let (field, number) = order.pair();
    let body = encode_query([("pid", m.pid.as_str()), ("key", m.key()), (field, number.as_str()), ("money", money.as_str())]);
    let request = Request { method: Method::Post, url: m.gateway.endpoint("api.php"), query: vec![("act", "refund".to_owned())], body: Some(body) };
    Ok(Call { request, retryable: false, success_codes: &[0, 1], answer: PhantomData })
}

/// Whether a failed attempt may be sent again: network errors and 5xx, and
/// only for retryable calls.
pub fn should_retry(retryable: bool, error: &Error) -> bool {
    let server_error = matches!(error.detail, Some(Detail::Status(s)) if s >= 500);
    retryable && (error.code == ErrorCode::Network || server_error)
}

/// Milliseconds to wait before retry number `attempt` (1, 2, ...):
/// 100, 200, 400, ... up to 2 s.
pub fn retry_delay_ms(attempt: u32) -> u32 {
    100u32.saturating_mul(1 << attempt.saturating_sub(1).min(5)).min(2000)
}

#[cfg(test)]
mod tests {
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

    /// The field of the error (calls are not `Debug`: they carry the KEY).
    fn field<T>(result: Result<T>) -> Option<String> {
        result.err().and_then(|e| e.field.clone())
    }

    fn query(call: &Call<impl Answer>) -> Vec<String> {
        call.request.query.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    // printf '%s' 'clientip=127.0.0.1&device=jump&money=1.00&name=VIP&notify_url=http://m.cn/notify&out_trade_no=A1&pid=1005&return_url=http://m.cn/return&type=alipay80TWQztHqTVvV440KTKVqVPQh11AkfpF' | md5sum
    #[test]
    fn create_order_is_a_signed_form_post() {
        let call = create_order(&merchant(), &order(&[])).unwrap();
        assert_eq!(call.request.method, Method::Post);
        assert_eq!(call.request.full_url(), "http://127.0.0.1:8787/mapi.php");
        assert!(call.retryable);
        let body = call.request.body.unwrap();
        assert!(body.contains("device=jump&money=1.00"));
        assert!(body.contains("notify_url=http%3A%2F%2Fm.cn%2Fnotify"));
        assert!(body.contains("&sign=8f9df296e9af17dbd70e98d54087c2da&sign_type=MD5&type=alipay"), "{body}");
    }

    #[test]
    fn create_order_refuses_another_pid_and_missing_clientip() {
        assert_eq!(field(create_order(&merchant(), &order(&[("pid", "1006")]))).as_deref(), Some("pid"));
        let full = order(&[]);
        let no_ip = Params::from_pairs(full.iter().filter(|(k, _)| *k != "clientip")).unwrap();
        assert_eq!(field(create_order(&merchant(), &no_ip)).as_deref(), Some("clientip"));
    }

    #[test]
    fn orders_are_paged_by_limit_and_offset_plus_page_on_a_whole_page() {
        let m = merchant();
        let key = format!("key={KEY}");
        let call = query_orders(&m, 20, Position::Page(3)).unwrap();
        assert_eq!(query(&call), ["act=orders", "pid=1005", &key, "limit=20", "offset=40", "page=3"]);
        let call = query_orders(&m, 20, Position::Offset(40)).unwrap();
        assert_eq!(query(&call), ["act=orders", "pid=1005", &key, "limit=20", "offset=40", "page=3"]);
        let call = query_orders(&m, 3, Position::Offset(7)).unwrap();
        assert_eq!(query(&call), ["act=orders", "pid=1005", &key, "limit=3", "offset=7"]);
        let call = query_orders(&m, 50, Position::Offset(0)).unwrap();
        assert_eq!(query(&call), ["act=orders", "pid=1005", &key, "limit=50", "offset=0", "page=1"]);
        assert_eq!(call.request.full_url(), format!("http://127.0.0.1:8787/api.php?act=orders&pid=1005&{key}&limit=50&offset=0&page=1"));
        assert_eq!(field(query_orders(&m, 51, Position::Page(1))).as_deref(), Some("limit"));
        assert_eq!(field(query_orders(&m, 0, Position::Page(1))).as_deref(), Some("limit"));
        assert_eq!(field(query_orders(&m, 10, Position::Page(0))).as_deref(), Some("page"));
    }

    #[test]
    fn refund_is_posted_once_and_accepts_code_0_or_1() {
        let r = OrderRef::new(None, Some("A1")).unwrap();
        let call = refund(&merchant(), &r, "0.5").unwrap();
        assert!(!call.retryable);
        assert_eq!(call.request.query, [("act", "refund".to_owned())]);
        assert_eq!(call.request.body.as_deref(), Some(&*format!("pid=1005&key={KEY}&out_trade_no=A1&money=0.50")));
        assert_eq!(call.judge(200, r#"{"code":0,"msg":"ok"}"#).unwrap().code, 0);
        assert_eq!(call.judge(200, r#"{"code":"1"}"#).unwrap().code, 1);
        let e = call.judge(200, r#"{"code":-1,"msg":"订单不存在"}"#).unwrap_err();
        assert_eq!(e.detail, Some(Detail::Gateway { code: -1, msg: "订单不存在".into() }));
        let net = Error::gateway(ErrorCode::Network, "reset", None);
        assert!(!should_retry(call.retryable, &net));
        assert!(should_retry(query_merchant(&merchant()).retryable, &net));
    }

    #[test]
    fn order_ref_prefers_trade_no_and_needs_one() {
        assert_eq!(OrderRef::new(Some("T1"), Some("A1")).unwrap(), OrderRef::TradeNo("T1".into()));
        assert_eq!(OrderRef::new(None, None).unwrap_err().field.as_deref(), Some("trade_no"));
        assert_eq!(OrderRef::new(None, Some("a/b")).unwrap_err().field.as_deref(), Some("out_trade_no"));
    }

    #[test]
    fn retries_only_network_errors_and_5xx() {
        let status = |s| Error::gateway(ErrorCode::HttpError, "x", Some(Detail::Status(s)));
        assert!(should_retry(true, &status(502)));
        assert!(!should_retry(true, &status(404)));
        assert!(!should_retry(true, &Error::gateway(ErrorCode::Timeout, "x", None)));
        assert!(!should_retry(true, &Error::gateway(ErrorCode::BadResponse, "x", None)));
        assert_eq!([1, 2, 3, 9].map(retry_delay_ms), [100, 200, 400, 2000]);
    }
}
