//! The V2 client: V1's [`Transport`] and retry loop, plus an [`Rsa`] seam
//! for what WebCrypto does in the wasm client (the merchant's signatures,
//! the platform's verification) and an injected clock. Every attempt of a
//! call is stamped with a fresh `timestamp` and signed anew; every answer's
//! signature is verified on its raw fields before anything else is read.
//! Answer timestamps are not checked (the PHP SDK does not either).

use super::answer::parse_answer;
use super::answers::{orders, Reply};
use super::api::{query_orders, Call};
use super::notify::PreparedNotify;
use super::request::{attach_signature, stamp};
use super::signature::{Signature, Signed};
use crate::core::answer::{check_status, judge, Fields};
use crate::core::answers::GatewayOrder;
use crate::core::api::{Method, Request};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::listing::OrdersCursor;
use crate::core::notify::{Expected, Verification};
use crate::core::order::check_pid;
use crate::core::params::Params;
use crate::core::transport::{retrying, Transport};
use crate::core::url::{encode_query, Gateway};

/// The RSA operations of V2: SHA256withRSA (RSASSA-PKCS1-v1_5 over
/// SHA-256), asynchronous as WebCrypto's are.
// No `Send` bound on the futures: the wasm client is single-threaded.
#[allow(async_fn_in_trait)]
pub trait Rsa {
    /// The signature of `message` with the merchant's private key.
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;

    /// Whether `signed` verifies with one of the platform's public keys.
    async fn verify(&self, signed: &Signed) -> Result<bool>;
}

/// A merchant account on a V2 gateway: the gateway's base URL and the
/// pid. Its keys are the [`Rsa`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The gateway's base URL.
    pub gateway: Gateway,
    /// The merchant id.
    pub pid: String,
}

impl Account {
    /// Validates the account: a gateway base URL, a positive integer pid.
    pub fn new(gateway: &str, pid: &str) -> Result<Account> {
        check_pid(pid)?;
        Ok(Account { gateway: Gateway::parse(gateway)?, pid: pid.to_owned() })
    }
}

/// A V2 client: the account, how requests are sent and signed, how many
/// times a retryable call is sent again, and the clock (Unix seconds).
pub struct Client<T, R> {
    /// The merchant account.
    pub account: Account,
    /// Sends the requests.
    pub transport: T,
    /// Signs them and verifies the answers.
    pub rsa: R,
    /// Retries of a retryable call after a network error or a 5xx.
    pub retries: u32,
    /// The current time in Unix seconds.
    pub now: fn() -> u64,
}

impl<T: Transport, R: Rsa> Client<T, R> {
    /// `params` with this account's `pid` and the current `timestamp`,
    /// signed ([`stamp_and_sign`]).
    pub async fn sign(&self, params: &Params<'_>) -> Result<Params<'static>> {
        Ok(stamp_and_sign(&self.rsa, params, &self.account.pid, (self.now)()).await?.into_owned())
    }

    /// Sends `call` and reads its answer.
    pub async fn send(&self, call: &Call) -> Result<Reply> {
        call.reading.read(self.exchange(call.route, &call.params, call.retryable).await?)
    }

    /// Sends `params` to `api/<route>` (POST, form-urlencoded), each attempt
    /// stamped and signed anew, retried as V1's calls are when `retryable`
    /// ([`retrying`]). Resolves with the verified answer's fields
    /// ([`read_answer`]).
    pub async fn exchange(&self, route: &str, params: &Params<'_>, retryable: bool) -> Result<Fields> {
        let url = self.account.gateway.endpoint(&["api/", route].concat());
        let attempt = async || {
            let signed = self.sign(params).await?;
            let request = Request { method: Method::Post, url: url.clone(), query: Vec::new(), body: Some(encode_query(signed.iter())) };
            let (status, body) = self.transport.send(&request).await?;
            read_answer(&self.rsa, status, &body).await
        };
        retrying(&self.transport, retryable, self.retries, attempt).await
    }

    /// The next order of a walk through `merchant/orders` (its `status`
    /// filter sent to the gateway); `None` at the end, which is a page
    /// shorter than the limit.
    pub async fn next_order(&self, cursor: &mut OrdersCursor) -> Result<Option<GatewayOrder>> {
        cursor
            .next_with(async |c| {
                let call = query_orders(c.offset(), c.limit(), c.status())?;
                orders(self.exchange(call.route, &call.params, call.retryable).await?)
            })
            .await
    }
}

/// `params` with `pid` and `timestamp` set, signed by `rsa` over their sign
/// string: `sign` (base64) and `sign_type=RSA` added.
pub async fn stamp_and_sign<'a>(rsa: &impl Rsa, params: &Params<'a>, pid: &'a str, timestamp: u64) -> Result<Params<'a>> {
    let mut request = stamp(params, pid, timestamp)?;
    let signature = rsa.sign(request.sign_string.as_bytes()).await?;
    attach_signature(&mut request.params, &signature);
    Ok(request.params)
}

/// Reads a V2 answer: the HTTP status, the JSON object, then the platform's
/// signature over its raw scalar fields, verified by `rsa` before anything
/// else is read ([`signed_part`]); then the envelope: a code other than 0
/// is an `API_ERROR` (signed business failures, e.g. a channel that cannot
/// close). The fields without `code`, `msg`, `sign`, `sign_type` and
/// `timestamp`.
pub async fn read_answer(rsa: &impl Rsa, status: u16, body: &str) -> Result<Fields> {
    let signed = signed_part(status, body)?;
    if !rsa.verify(&signed).await? {
        return Err(bad_signature("the answer's signature does not verify with the platform public key"));
    }
    let mut fields = judge(&[0], status, body)?;
    for name in ["code", "msg", "sign", "sign_type", "timestamp"] {
        fields.remove(name);
    }
    Ok(fields)
}

/// What of a V2 answer the platform signed, to verify before reading it.
/// An answer without a signature is a thrown error (`API_ERROR` with the
/// gateway's code and msg; v3096 does not sign its exceptions) or, with
/// code 0, a `BAD_SIGNATURE`; so is a signature that cannot be RSA's (a
/// `sign_type` other than RSA, a `sign` that is not base64). Also
/// `HTTP_ERROR` and `BAD_RESPONSE` as V1's answers.
pub fn signed_part(status: u16, body: &str) -> Result<Signed> {
    check_status(status)?;
    match parse_answer(body)?.signature {
        Signature::Present(signed) => Ok(signed),
        Signature::Unusable => Err(bad_signature("the answer's sign_type is not RSA, or its sign is not base64")),
        Signature::Missing => Err(judge(&[0], status, body)
            .err()
            .unwrap_or_else(|| bad_signature("the answer says success (code 0) without the platform's signature"))),
    }
}

fn bad_signature(message: &str) -> Error {
    Error::gateway(ErrorCode::BadSignature, message, None)
}

/// Verifies a V2 notify or return redirect: its signature with `rsa`'s
/// platform key(s), then its `timestamp` against `now` (Unix seconds) give
/// or take `clock_skew_sec`, then `expected` ([`PreparedNotify`]). Fails
/// only when `rsa` does (WebCrypto missing), never on what was received.
pub async fn verify_notify<'a>(rsa: &impl Rsa, notify: PreparedNotify<'a>, expected: &Expected, now: i64, clock_skew_sec: u32) -> Result<Verification<'a>> {
    let valid = match notify.to_verify() {
        Some(signed) => rsa.verify(signed).await?,
        None => false,
    };
    Ok(notify.conclude(valid, expected, now, clock_skew_sec))
}

#[cfg(test)]
mod tests {
    use super::super::answers::{Shaped, Typed};
    use super::super::api::{close_order, create_order, query_merchant, query_order, refund};
    use super::super::notify::prepare_notify;
    use super::*;
    use crate::core::api::OrderRef;
    use crate::core::error::Detail;
    use crate::core::notify::Reason;
    use crate::core::transport::tests::{block_on, Scripted};
    use std::cell::{Cell, RefCell};

    /// A stand-in for RSA, to test the flow (the real thing is WebCrypto,
    /// tested in Node and Chromium against openssl): the "signature" of a
    /// message is `S` and the message; it verifies when it is that.
    #[derive(Default)]
    struct FakeRsa {
        signed: RefCell<Vec<String>>,
    }

    impl Rsa for FakeRsa {
        async fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
            self.signed.borrow_mut().push(String::from_utf8(message.to_vec()).unwrap());
            Ok([b"S", message].concat())
        }

        async fn verify(&self, signed: &Signed) -> Result<bool> {
            Ok(signed.signature == [b"S", signed.sign_string.as_bytes()].concat())
        }
    }

    /// `fields` as a signed answer: the FakeRsa signature over them.
    fn signed_answer(fields: &str) -> String {
        let unsigned = format!("{{{fields}}}");
        let sign_string = parse_answer(&unsigned).unwrap().fields.iter().filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let sign = super::super::base64::encode(&[b"S", sign_string.as_bytes()].concat());
        format!("{{{fields},\"sign_type\":\"RSA\",\"sign\":\"{sign}\"}}")
    }

    thread_local! {
        static CLOCK: Cell<u64> = const { Cell::new(1_796_193_661) };
    }

    /// The clock: each reading is one second later.
    fn ticking() -> u64 {
        CLOCK.with(|c| {
            c.set(c.get() + 1);
            c.get()
        })
    }

    fn client(answers: Vec<Result<(u16, &str)>>, retries: u32) -> Client<Scripted, FakeRsa> {
        CLOCK.with(|c| c.set(1_796_193_661));
        let account = Account::new("http://g.cn/", "1000").unwrap();
        Client { account, transport: Scripted::new(answers), rsa: FakeRsa::default(), retries, now: ticking }
    }

    fn shaped(reply: Reply) -> Shaped {
        match reply {
            Reply::Shaped(shaped) => shaped,
            other => panic!("not a shaped answer: {other:?}"),
        }
    }

    fn text(value: &str) -> Typed {
        Typed::Text(Some(value.to_owned()))
    }

    fn network() -> Error {
        Error::gateway(ErrorCode::Network, "could not reach the gateway: reset", None)
    }

    fn which() -> OrderRef {
        OrderRef::new(None, Some("A1")).unwrap()
    }

    #[test]
    fn each_attempt_is_stamped_and_signed_anew() {
        let ok = signed_answer(r#""code":0,"refund_no":"R9","out_refund_no":"RA1234","money":"1.00","uid":1000,"msg":"退款成功","timestamp":"1796193661""#);
        let c = client(vec![Err(network()), Ok((502, "")), Ok((200, &ok))], 2);
        let result = shaped(block_on(c.send(&refund(&which(), "1", "RA1234").unwrap())).unwrap());
        assert_eq!(result.get("refund_no"), Some(&text("R9")));
        assert_eq!(result.get("out_refund_no"), Some(&text("RA1234")));
        assert_eq!(result.get("trade_no"), Some(&Typed::Text(None)));
        assert!(result.other.get("uid").is_some(), "other fields kept");
        for dropped in ["code", "msg", "sign", "sign_type", "timestamp"] {
            assert!(result.other.get(dropped).is_none(), "{dropped} dropped");
        }
        let signed = c.rsa.signed.borrow();
        let want = |t: u64| format!("money=1.00&out_refund_no=RA1234&out_trade_no=A1&pid=1000&timestamp={t}");
        assert_eq!(*signed, [want(1_796_193_662), want(1_796_193_663), want(1_796_193_664)]);
        let sent = c.transport.sent.borrow();
        assert_eq!(*sent, ["http://g.cn/api/pay/refund"; 3]);
        assert_eq!(*c.transport.slept.borrow(), [100, 200]);
    }

    #[test]
    fn create_and_close_are_never_retried_but_queries_are() {
        let order = Params::from_pairs([
            ("type", "alipay"), ("out_trade_no", "A1"), ("notify_url", "http://m.cn/n"), ("name", "VIP"), ("money", "1"), ("clientip", "127.0.0.1"),
        ])
        .unwrap();
        let c = client(vec![Err(network())], 5);
        assert_eq!(block_on(c.send(&create_order(&c.account, &order).unwrap())).unwrap_err().code, ErrorCode::Network);
        let c = client(vec![Ok((500, ""))], 5);
        assert_eq!(block_on(c.send(&close_order(&which()))).unwrap_err().code, ErrorCode::HttpError);
        assert_eq!(c.transport.sent.borrow().len(), 1);
        let info = signed_answer(r#""code":0,"pid":1000,"status":1,"money":"10.53","timestamp":"1""#);
        let c = client(vec![Ok((503, "")), Ok((200, &info))], 1);
        let me = shaped(block_on(c.send(&query_merchant())).unwrap());
        assert_eq!([me.get("pid"), me.get("status"), me.get("money"), me.get("order_num")], [
            Some(&Typed::Int(Some(1000))), Some(&Typed::Int(Some(1))), Some(&text("10.53")), Some(&Typed::Int(None)),
        ]);
    }

    #[test]
    fn answers_are_verified_before_they_are_read() {
        let paid = signed_answer(r#""code":0,"trade_no":"T1","out_trade_no":"A1","pid":1000,"money":"2.50","status":2,"refundmoney":"1.00","timestamp":"1""#);
        let c = client(vec![Ok((200, &paid))], 0);
        let Reply::Order(order) = block_on(c.send(&query_order(&which()))).unwrap() else { panic!("not an order") };
        assert_eq!((order.paid, order.refunded, order.status, order.other.get("refundmoney").is_some()), (true, true, Some(2), true));

        let bad_signature = |body: &str| {
            let c = client(vec![Ok((200, body))], 3);
            let e = block_on(c.send(&query_order(&which()))).unwrap_err();
            assert_eq!(c.transport.sent.borrow().len(), 1, "not retried");
            e.code
        };
        assert_eq!(bad_signature(&paid.replace("2.50", "2.51")), ErrorCode::BadSignature, "a changed value");
        assert_eq!(bad_signature(&paid.replace(r#""code":0,"#, r#""code":0,"extra":"x","#)), ErrorCode::BadSignature, "an added field");
        assert_eq!(bad_signature(&paid.replace(r#""sign_type":"RSA""#, r#""sign_type":"MD5""#)), ErrorCode::BadSignature);
        assert_eq!(bad_signature(r#"{"code":0,"trade_no":"T1","out_trade_no":"A1"}"#), ErrorCode::BadSignature, "success unsigned");
        assert_eq!(bad_signature(r#"{"code":"00","trade_no":"T1"}"#), ErrorCode::BadSignature, "success unsigned, code as text");
        let forged_failure = signed_answer(r#""code":-1,"msg":"当前支付插件不支持关闭订单""#).replace("不支持", "支持");
        assert_eq!(bad_signature(&forged_failure), ErrorCode::BadSignature, "a signed failure must verify too");
    }

    #[test]
    fn failures_are_api_errors_signed_or_not() {
        let thrown = r#"{"code":-1,"msg":"订单号不存在"}"#;
        let signed = signed_answer(r#""code":-1,"msg":"当前支付插件不支持关闭订单","timestamp":"1""#);
        for (body, msg) in [(thrown, "订单号不存在"), (&signed, "当前支付插件不支持关闭订单")] {
            let c = client(vec![Ok((200, body))], 0);
            let e = block_on(c.send(&close_order(&which()))).unwrap_err();
            assert_eq!((e.code, e.detail.clone()), (ErrorCode::ApiError, Some(Detail::Gateway { code: -1, msg: msg.into() })));
        }
        for (status, body, code) in [(200, "<html>", ErrorCode::BadResponse), (302, "", ErrorCode::HttpError), (200, "{}", ErrorCode::BadResponse)] {
            let c = client(vec![Ok((status, body))], 0);
            assert_eq!(block_on(c.send(&close_order(&which()))).unwrap_err().code, code, "{status} {body}");
        }
        let closed = signed_answer(r#""code":0,"msg":"订单已关闭","timestamp":"1""#);
        assert_eq!(block_on(client(vec![Ok((200, &closed))], 0).send(&close_order(&which()))).unwrap(), Reply::Nothing);
    }

    #[test]
    fn orders_are_walked_with_the_status_sent() {
        let page = |rows: &[&str]| signed_answer(&format!(r#""code":0,"data":[{}],"timestamp":"1""#, rows.join(",")));
        let row = |n: u32| format!(r#"{{"trade_no":"T{n}","out_trade_no":"A{n}","status":1,"refundmoney":null}}"#);
        let (first, second) = (page(&[&row(3), &row(2)]), page(&[&row(1)]));
        let c = client(vec![Ok((200, &first)), Ok((200, &second))], 0);
        let mut cursor = OrdersCursor::new(2, Some(1)).unwrap();
        let mut seen = Vec::new();
        while let Some(order) = block_on(c.next_order(&mut cursor)).unwrap() {
            seen.push(order.trade_no);
        }
        assert_eq!(seen, ["T3", "T2", "T1"]);
        let signed = c.rsa.signed.borrow();
        assert!(signed[0].starts_with("limit=2&offset=0&pid=1000&status=1&timestamp="), "{}", signed[0]);
        assert!(signed[1].starts_with("limit=2&offset=2&pid=1000&status=1&timestamp="), "{}", signed[1]);
        let empty = page(&[]);
        let c = client(vec![Ok((200, &empty))], 0);
        assert!(block_on(c.next_order(&mut OrdersCursor::new(2, None).unwrap())).unwrap().is_none());
    }

    #[test]
    fn notifies_are_verified_then_dated_then_checked() {
        let fields = "money=2.5&out_trade_no=A1&pid=1000&timestamp=1796193661&trade_status=TRADE_SUCCESS";
        let sign = super::super::base64::encode(&[b"S", fields.as_bytes()].concat());
        let query = format!("{fields}&sign_type=RSA&sign={}", crate::core::url::encode_query([("", sign.as_str())]).trim_start_matches('='));
        let rsa = FakeRsa::default();
        let verify = |query: &str, now: i64, expected: &Expected| block_on(verify_notify(&rsa, prepare_notify(query), expected, now, 300)).unwrap().reason;
        let any = Expected::default();
        assert_eq!(verify(&query, 1_796_193_661, &any), None);
        assert_eq!(verify(&query, 1_796_193_962, &any), Some(Reason::StaleTimestamp));
        assert_eq!(verify(&query.replace("2.5", "3"), 1_796_193_661, &any), Some(Reason::BadSign));
        assert_eq!(verify(fields, 1_796_193_661, &any), Some(Reason::MissingSign));
        let other = Expected::new(Some("1001"), None, None).unwrap();
        assert_eq!(verify(&query, 1_796_193_661, &other), Some(Reason::PidMismatch));
    }
}
