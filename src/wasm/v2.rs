//! The V2 API for JS (`/api/<class>/<func>`, SHA256withRSA):
//! `EpayClientV2` and the standalone `signV2`, `verifyNotifyV2`,
//! `buildSubmitFormV2` and `buildPayUrlV2`. Converts arguments, calls the
//! core with WebCrypto as its RSA, converts the results.

use super::api::{expected_from_js, notify_input, notify_to_js, IntoJs, JsResult};
use super::client::{account_options, limit_option, money_arg, order_ref, orders_iterable, status_option, step, transport_options, Walk, MAX_SAFE_INTEGER};
use super::convert::{check_options, field_text, get, int_option, optional, params_from_js, params_to_js, set, string_arg, to_js, to_js_error};
use super::types::{NotifyExpectedArg, OrdersOptionsArg, OrdersQueryV2Arg, RefundOptionsV2Arg, VerifyNotifyV2OptionsArg};
use crate::client::webcrypto::{random_u64, Key, WebCrypto};
use crate::client::Fetch;
use crate::core::api::which;
use crate::core::error::{Error, Result};
use crate::core::form::{pay_url_to, require_sign_v2, submit_form_to, V2_SUBMIT};
use crate::core::listing::OrdersCursor;
use crate::core::notify::Expected;
use crate::core::params::Params;
use crate::core::sign::sign_string;
use crate::core::url::Gateway;
use crate::core::v2::answers::Reply;
use crate::core::v2::api::{self, Call};
use crate::core::v2::base64;
use crate::core::v2::client::{verify_notify, Account, Client, Rsa};
use crate::core::v2::keys::{PrivateKey, PublicKey, PRIVATE_KEY_FIELD, PUBLIC_KEY_FIELD};
use crate::core::v2::notify::{PreparedNotify, DEFAULT_CLOCK_SKEW_SEC, MAX_CLOCK_SKEW_SEC};
use crate::core::v2::request::out_refund_no;
use js_sys::{Array, Date, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::CryptoKey;

/// The keys of `EpayClientV2Options`.
const CLIENT_OPTION_KEYS: &[&str] = &["gateway", "pid", "privateKey", "platformPublicKey", "timeoutMs", "retries", "fetch", "clockSkewSec"];
/// The keys of `OrdersQueryV2`.
const QUERY_ORDERS_KEYS: &[&str] = &["offset", "limit", "status"];
/// The keys of `RefundOptionsV2`.
const REFUND_OPTION_KEYS: &[&str] = &["out_refund_no"];
/// The keys of `RefundRef`.
const REFUND_REF_KEYS: &[&str] = &["refund_no", "out_refund_no"];
/// The keys of `VerifyNotifyV2Options`.
const VERIFY_OPTION_KEYS: &[&str] = &["clockSkewSec", "now"];
/// The keys of `SubmitOptionsV2`.
const SUBMIT_OPTION_KEYS: &[&str] = &["gateway"];

/// Finishes a signed order: the params as JS, a form or a link.
type Finish = fn(&Gateway, &Params) -> Result<JsValue>;

/// What an `EpayClientV2` holds.
struct Config {
    client: Client<Fetch, WebCrypto>,
    /// How far a notify's timestamp may be from now.
    clock_skew_sec: u32,
}

impl Walk for Config {
    fn next_order(self: Rc<Self>, cursor: Rc<RefCell<OrdersCursor>>, previous: Promise) -> Promise {
        start(Ok(Op::Next(self, cursor, previous)))
    }
}

/// The asynchronous part of a V2 function, run by [`start`].
enum Op {
    /// A call: its answer as JS; a failed refund's error carries its
    /// `out_refund_no`.
    Call(Rc<Config>, Call, Option<String>),
    /// An order for the page hand-over: signed now, then finished.
    SignOrder(Rc<Config>, Params<'static>, Finish),
    /// The next step of a walk, once the step before settled.
    Next(Rc<Config>, Rc<RefCell<OrdersCursor>>, Promise),
    /// `signV2`: the base64 signature of a sign string.
    Sign(WebCrypto, String),
    /// A notify to verify: its fields (`None`: malformed), the expectations,
    /// now (Unix seconds) and the clock skew allowed.
    Verify(WebCrypto, Option<Params<'static>>, Expected, i64, u32),
}

/// Runs `op` (or rejects with its error) as a Promise. One future for all
/// of V2: each `async` block is a state machine of its own in the wasm.
fn start(op: Result<Op>) -> Promise {
    future_to_promise(async move {
        match op.js()? {
            Op::Call(config, call, out_refund_no) => {
                let reply = config.client.send(&call).await.and_then(|reply| match reply {
                    Reply::Nothing => Ok(JsValue::UNDEFINED),
                    reply => to_js(&reply),
                });
                reply.map_err(|e| {
                    let error = to_js_error(e);
                    if let Some(no) = out_refund_no {
                        set(&error, "out_refund_no", &no.into());
                    }
                    error
                })
            }
            Op::SignOrder(config, order, finish) => {
                let signed = config.client.sign(&order).await.js()?;
                finish(&config.client.account.gateway, &signed).js()
            }
            Op::Next(config, cursor, previous) => {
                let _ = JsFuture::from(previous).await;
                #[allow(clippy::await_holding_refcell_ref)] // never contended: the iterator chains its next() calls
                let order = config.client.next_order(&mut cursor.borrow_mut()).await.js()?;
                Ok(step(order.map(|o| to_js(&o)).transpose().js()?))
            }
            Op::Sign(rsa, text) => Ok(base64::encode(&rsa.sign(text.as_bytes()).await.js()?).into()),
            Op::Verify(rsa, data, expected, now, clock_skew_sec) => {
                let outcome = verify_notify(&rsa, PreparedNotify::new(data), &expected, now, clock_skew_sec).await;
                Ok(notify_to_js(outcome.js()?))
            }
        }
    })
}

/// The current time in Unix seconds.
fn now_sec() -> u64 {
    (Date::now() / 1000.0) as u64
}

/// Reads `EpayClientV2Options`: the keys are parsed here, synchronously;
/// WebCrypto imports them on first use.
fn config(options: &JsValue) -> Result<Config> {
    check_options("options", "EpayClientV2 options", options, CLIENT_OPTION_KEYS)?;
    let (gateway, pid) = account_options(options)?;
    let account = Account::new(&gateway, &pid)?;
    let private = PrivateKey::parse(&string_arg(PRIVATE_KEY_FIELD, &get(options, PRIVATE_KEY_FIELD))?)?;
    let rsa = WebCrypto { private: Some(Rc::new(Key::private(&private))), public: platform_keys(&get(options, PUBLIC_KEY_FIELD))? };
    let (transport, retries) = transport_options(options)?;
    let clock_skew_sec = clock_skew(options)?;
    Ok(Config { client: Client { account, transport, rsa, retries, now: now_sec }, clock_skew_sec })
}

/// The platform public key(s): one key, or a non-empty array of them.
fn platform_keys(value: &JsValue) -> Result<Rc<[Key]>> {
    parse_platform_keys(&platform_key_texts(value)?)
}

/// The texts of [`platform_keys`]' keys.
fn platform_key_texts(value: &JsValue) -> Result<Vec<String>> {
    let texts = if Array::is_array(value) { Array::from(value) } else { Array::of1(value) };
    let mut out = Vec::with_capacity(texts.length() as usize);
    for text in texts.iter() {
        out.push(string_arg(PUBLIC_KEY_FIELD, &text)?);
    }
    if out.is_empty() {
        return Err(Error::invalid(PUBLIC_KEY_FIELD, "platformPublicKey must be a key or a non-empty array of keys"));
    }
    Ok(out)
}

fn parse_platform_keys(texts: &[String]) -> Result<Rc<[Key]>> {
    let mut keys = Vec::with_capacity(texts.len());
    for text in texts {
        keys.push(Key::public(&PublicKey::parse(text)?));
    }
    Ok(keys.into())
}

thread_local! {
    /// `verifyNotifyV2`'s last platform key(s), by their texts: a WebCrypto
    /// import costs more than the verify (about 450 µs against 250 in
    /// Node), and a server verifies every notify with the same key. Public
    /// keys only: nothing secret is kept.
    static LAST_PLATFORM_KEYS: RefCell<Option<(Vec<String>, Rc<[Key]>)>> = const { RefCell::new(None) };
}

/// [`platform_keys`], the last ones again when given the same texts.
fn last_platform_keys(value: &JsValue) -> Result<Rc<[Key]>> {
    let texts = platform_key_texts(value)?;
    LAST_PLATFORM_KEYS.with_borrow_mut(|last| match last {
        Some((last_texts, keys)) if *last_texts == texts => Ok(keys.clone()),
        _ => {
            let keys = parse_platform_keys(&texts)?;
            *last = Some((texts, keys.clone()));
            Ok(keys)
        }
    })
}

/// The `clockSkewSec` of an options object (default 300).
fn clock_skew(options: &JsValue) -> Result<u32> {
    Ok(int_option(options, "clockSkewSec", 0, MAX_CLOCK_SKEW_SEC.into())?.map_or(DEFAULT_CLOCK_SKEW_SEC, |s| s as u32))
}

/// The `now` of `VerifyNotifyV2Options` in Unix seconds (default: now).
fn now_option(options: &JsValue) -> Result<i64> {
    let now = get(options, "now");
    let ms = match now.dyn_ref::<Date>() {
        _ if now.is_undefined() => Date::now(),
        Some(date) => date.get_time(),
        None => now.as_f64().unwrap_or(f64::NAN),
    };
    if !ms.is_finite() {
        return Err(Error::invalid("now", "now must be a valid Date or milliseconds since the epoch"));
    }
    Ok((ms / 1000.0).floor() as i64)
}

/// A client for one merchant account on an EPay V2 gateway
/// (`/api/<class>/<func>`, SHA256withRSA), with the method names of
/// `EpayClient`. Every request carries `pid` and a fresh `timestamp` and is
/// signed with the private key (WebCrypto); every answer's signature is
/// verified with the platform public key(s) on its raw fields before it is
/// read: one that does not verify, or a success without a signature,
/// rejects with `BAD_SIGNATURE`. Answer timestamps are not checked. Results
/// drop `code`, `msg`, `sign`, `sign_type` and `timestamp` and keep every
/// other field. Every method validates its input before any request.
#[wasm_bindgen]
pub struct EpayClientV2 {
    config: Rc<Config>,
}

#[wasm_bindgen]
impl EpayClientV2 {
    /// Creates a client. The keys' structure is checked at once (RSA, at
    /// least 2048 bits, the right kind): `INVALID_PARAM` naming
    /// `privateKey` or `platformPublicKey`, never showing the key.
    /// `retries` (default 1) is how many times a query or a refund is sent
    /// again after a network error or a 5xx, each attempt signed anew.
    /// Any other option key is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "EpayClientV2Options")] options: JsValue) -> JsResult<EpayClientV2> {
        Ok(EpayClientV2 { config: Rc::new(config(&options).js()?) })
    }

    /// Runs `call`, or rejects with its error.
    fn call(&self, call: Result<Call>) -> Promise {
        start(call.map(|call| Op::Call(Rc::clone(&self.config), call, None)))
    }

    /// Creates an order through `api/pay/create` (server side). `clientip`
    /// is required, `method` defaults to `jump` (the gateway's own pay page:
    /// send the shopper to `pay_info`), `device` to `pc`, the client's pid
    /// is filled in. Never retried.
    #[wasm_bindgen(js_name = createOrder, unchecked_return_type = "Promise<CreatedOrderV2>")]
    pub fn create_order(&self, #[wasm_bindgen(unchecked_param_type = "ApiOrderV2")] order: JsValue) -> Promise {
        self.call(params_from_js("order", &order).and_then(|order| api::create_order(&self.config.client.account, &order)))
    }

    /// One order by `trade_no` or `out_trade_no` (`api/pay/query`), with
    /// `status`, `paid`, `refunded` and, after a refund, `refundmoney`.
    #[wasm_bindgen(js_name = queryOrder, unchecked_return_type = "Promise<GatewayOrderV2>")]
    pub fn query_order(&self, #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue) -> Promise {
        self.call(order_ref(&which).map(|which| api::query_order(&which)))
    }

    /// Refunds `money` yuan of an order (`api/pay/refund`) under a refund
    /// number: `out_refund_no` if given, else a generated one (`R`, the UTC
    /// time as `yyyymmddHHMMSS`, 16 random hex digits), returned in the
    /// result and set as `out_refund_no` on an error. The gateway makes one
    /// refund per number, so the call is retried with it after a network
    /// error or a 5xx; after a failure, query or retry with that number.
    #[wasm_bindgen(unchecked_return_type = "Promise<RefundResultV2>")]
    pub fn refund(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number")] money: JsValue,
        options: Option<RefundOptionsV2Arg>,
    ) -> Promise {
        let call = (|| {
            let options = optional(options);
            check_options("options", "refund options", &options, REFUND_OPTION_KEYS)?;
            let number = match field_text("out_refund_no", &get(&options, "out_refund_no"))? {
                Some(given) => given,
                None => out_refund_no(now_sec(), random_u64()?)?,
            };
            Ok((api::refund(&order_ref(&which)?, &money_arg(&money)?, &number)?, number))
        })();
        start(call.map(|(call, number)| Op::Call(Rc::clone(&self.config), call, Some(number))))
    }

    /// One refund by `refund_no` or `out_refund_no` (`api/pay/refundquery`),
    /// with its `status`.
    #[wasm_bindgen(js_name = queryRefund, unchecked_return_type = "Promise<RefundV2>")]
    pub fn query_refund(&self, #[wasm_bindgen(unchecked_param_type = "RefundRef")] which: JsValue) -> Promise {
        self.call(refund_ref(&which).map(api::query_refund))
    }

    /// Closes an unpaid order (`api/pay/close`). Rejects with `API_ERROR`
    /// when the gateway cannot (many channels cannot close: code -1). Never
    /// retried.
    #[wasm_bindgen(js_name = closeOrder, unchecked_return_type = "Promise<void>")]
    pub fn close_order(&self, #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue) -> Promise {
        self.call(order_ref(&which).map(|which| api::close_order(&which)))
    }

    /// The merchant's account (`api/merchant/info`).
    #[wasm_bindgen(js_name = queryMerchant, unchecked_return_type = "Promise<MerchantInfoV2>")]
    pub fn query_merchant(&self) -> Promise {
        self.call(Ok(api::query_merchant()))
    }

    /// One page of orders (`api/merchant/orders`), newest first: `offset`
    /// from 0 (default 0), `limit` 1–50 (default 20), `status` (0 unpaid,
    /// 1 paid, 2 refunded) filtered by the gateway. The list is not covered
    /// by the platform's signature (only the answer's scalar fields are):
    /// confirm an order with `queryOrder` before acting on it.
    #[wasm_bindgen(js_name = queryOrders, unchecked_return_type = "Promise<OrderListV2>")]
    pub fn query_orders(&self, page: Option<OrdersQueryV2Arg>) -> Promise {
        let page = optional(page);
        let call = check_options("page", "queryOrders paging", &page, QUERY_ORDERS_KEYS).and_then(|()| {
            let offset = int_option(&page, "offset", 0, MAX_SAFE_INTEGER)?.unwrap_or(0);
            api::query_orders(offset, limit_option(&page)?, status_option(&page)?)
        });
        self.call(call)
    }

    /// Every order, newest first, fetched a page of `limit` (1–50, default
    /// 20) at a time as the loop goes: `for await (const order of
    /// client.orders())`; `status` is filtered by the gateway. The walk ends
    /// at a page shorter than `limit`. As `queryOrders`, the rows are not
    /// covered by the platform's signature. Throws `INVALID_PARAM` at once
    /// for bad options.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterable<GatewayOrderV2>")]
    pub fn orders(&self, options: Option<OrdersOptionsArg>) -> JsResult<JsValue> {
        orders_iterable(self.config.clone(), options)
    }

    /// Signs `order` with the private key and finishes it with `finish`.
    fn signed_order(&self, order: &JsValue, finish: Finish) -> Promise {
        let order = params_from_js("order", order).and_then(|order| api::submit_order(&self.config.client.account, &order));
        start(order.map(|order| Op::SignOrder(Rc::clone(&self.config), order, finish)))
    }

    /// Validates an order for `api/pay/submit` (as `signOrder` does for
    /// `submit.php`), adds the client's pid and the current `timestamp`,
    /// and signs it: hand the result to a page that never holds the private
    /// key, which builds the form with `buildSubmitFormV2`. It expires with
    /// its timestamp: the gateway refuses it 300 s later.
    #[wasm_bindgen(js_name = signOrder, unchecked_return_type = "Promise<SignedParamsV2>")]
    pub fn sign_order(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrderV2")] order: JsValue) -> Promise {
        self.signed_order(&order, |_, signed| Ok(params_to_js(signed)))
    }

    /// `signOrder` and `buildSubmitFormV2` in one step (server side): the
    /// auto-submitting form to `api/pay/submit`. Valid for 300 s.
    #[wasm_bindgen(js_name = buildSubmitForm, unchecked_return_type = "Promise<string>")]
    pub fn build_submit_form(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrderV2")] order: JsValue) -> Promise {
        self.signed_order(&order, |gateway, signed| submit_form_to(gateway, V2_SUBMIT, signed).map(JsValue::from))
    }

    /// `signOrder` and `buildPayUrlV2` in one step (server side): a GET
    /// link to `api/pay/submit`. Valid for 300 s.
    #[wasm_bindgen(js_name = buildPayUrl, unchecked_return_type = "Promise<string>")]
    pub fn build_pay_url(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrderV2")] order: JsValue) -> Promise {
        self.signed_order(&order, |gateway, signed| Ok(pay_url_to(gateway, V2_SUBMIT, signed).into()))
    }

    /// `verifyNotifyV2(input, platformPublicKey, expected, { clockSkewSec })`
    /// with the client's platform key(s), clock skew and current time;
    /// `pid` defaults to the client's own, so a notify for another merchant
    /// fails.
    #[wasm_bindgen(js_name = verifyNotify, unchecked_return_type = "Promise<NotifyResult>")]
    pub fn verify_notify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | URLSearchParams | Record<string, string>")] input: JsValue,
        expected: Option<NotifyExpectedArg>,
    ) -> Promise {
        let config = &self.config;
        start(notify_input(&input).and_then(|data| {
            let expected = expected_from_js(&optional(expected))?.or_pid(&config.client.account.pid);
            Ok(Op::Verify(config.client.rsa.clone(), data, expected, now_sec() as i64, config.clock_skew_sec))
        }))
    }
}

/// Reads a `RefundRef`: `refund_no` (wins) or `out_refund_no`. Like
/// [`order_ref`] it refuses other keys.
fn refund_ref(reference: &JsValue) -> Result<(&'static str, String)> {
    check_options("refund_no", "RefundRef", reference, REFUND_REF_KEYS)?;
    let refund_no = field_text("refund_no", &get(reference, "refund_no"))?;
    let out_refund_no = field_text("out_refund_no", &get(reference, "out_refund_no"))?;
    which(("refund_no", refund_no.as_deref()), ("out_refund_no", out_refund_no.as_deref()))
}

/// The private key of `signV2`: key text, or a `CryptoKey`.
fn private_key(value: &JsValue) -> Result<Key> {
    match value.dyn_ref::<CryptoKey>() {
        Some(key) => Key::given_private(key.clone()),
        None if value.is_string() => Ok(Key::private(&PrivateKey::parse(&string_arg(PRIVATE_KEY_FIELD, value)?)?)),
        None => Err(Error::invalid(PRIVATE_KEY_FIELD, "privateKey must be a string (PEM or base64) or a CryptoKey")),
    }
}

/// The V2 signature of `params` with the merchant's private key: the V1
/// sign string (every non-empty field but `sign` and `sign_type`, bytewise
/// key order, `k=v` joined by `&`, raw values) signed with SHA256withRSA
/// (RSASSA-PKCS1-v1_5) by WebCrypto, in base64. `privateKey` is the key as
/// `EpayClientV2` takes it, or a private `CryptoKey` imported as
/// `{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }`. Adds nothing: `pid`
/// and `timestamp` must be in `params` for a request.
#[wasm_bindgen(js_name = signV2, unchecked_return_type = "Promise<string>")]
pub fn sign_v2(
    #[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | CryptoKeyLike")] private_key_arg: JsValue,
) -> Promise {
    start(params_from_js("params", &params).and_then(|params| {
        let rsa = WebCrypto { private: Some(Rc::new(private_key(&private_key_arg)?)), public: Rc::new([]) };
        Ok(Op::Sign(rsa, sign_string(&params)))
    }))
}

/// Verifies a V2 notify (to notify_url) or return redirect (to return_url),
/// signed by the platform: checks in this order `malformed`,
/// `missing_sign`, `bad_sign` (also for a `sign_type` other than `RSA`),
/// `stale_timestamp` (no `timestamp`, or more than `clockSkewSec`, default
/// 300, seconds from `now`), then `pid_mismatch`, `out_trade_no_mismatch`,
/// `money_mismatch` against `expected`. `platformPublicKey` is one key or
/// several (rotation: any may verify). Real servers sign each notify
/// attempt anew, so a retried notify is not stale.
///
/// Never rejects on what a network peer can send; rejects with
/// `EpayError` on programmer errors (a bad key or option) or without
/// WebCrypto. Keeps the last platform key(s) imported (an import costs more
/// than a verify); remembers no notify: fulfil idempotently.
#[wasm_bindgen(js_name = verifyNotifyV2, unchecked_return_type = "Promise<NotifyResult>")]
pub fn verify_notify_v2(
    #[wasm_bindgen(unchecked_param_type = "string | URLSearchParams | Record<string, string>")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | string[]")] platform_public_key: JsValue,
    expected: Option<NotifyExpectedArg>,
    options: Option<VerifyNotifyV2OptionsArg>,
) -> Promise {
    start((|| {
        let data = notify_input(&input)?;
        let rsa = WebCrypto { private: None, public: last_platform_keys(&platform_public_key)? };
        let expected = expected_from_js(&optional(expected))?;
        let options = optional(options);
        check_options("options", "verifyNotifyV2 options", &options, VERIFY_OPTION_KEYS)?;
        Ok(Op::Verify(rsa, data, expected, now_option(&options)?, clock_skew(&options)?))
    })())
}

/// Reads `SubmitOptionsV2` and signed params for the page hand-over: they
/// must carry `sign` and `timestamp` (from `EpayClientV2.signOrder`).
fn presigned(params: &JsValue, options: &JsValue) -> Result<(Gateway, Params<'static>)> {
    check_options("options", "SubmitOptionsV2", options, SUBMIT_OPTION_KEYS)?;
    let gateway = Gateway::parse(&string_arg("gateway", &get(options, "gateway"))?)?;
    let params = params_from_js("params", params)?;
    require_sign_v2(&params)?;
    Ok((gateway, params))
}

/// The page-side half of `EpayClientV2.signOrder`: an HTML snippet that
/// posts the signed params to the gateway's `api/pay/submit` (hidden
/// inputs, every value HTML-escaped, a `<noscript>` button and an inline
/// script that submits it). Needs no key; the params must carry `sign` and
/// `timestamp`, and expire 300 s after it.
#[wasm_bindgen(js_name = buildSubmitFormV2)]
pub fn build_submit_form_v2(
    #[wasm_bindgen(unchecked_param_type = "SignedParamsV2")] signed_params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptionsV2")] options: JsValue,
) -> JsResult<String> {
    let (gateway, params) = presigned(&signed_params, &options).js()?;
    submit_form_to(&gateway, V2_SUBMIT, &params).js()
}

/// A GET link to the gateway's `api/pay/submit` with the signed params,
/// percent-encoded; as `buildSubmitFormV2`.
#[wasm_bindgen(js_name = buildPayUrlV2)]
pub fn build_pay_url_v2(
    #[wasm_bindgen(unchecked_param_type = "SignedParamsV2")] signed_params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptionsV2")] options: JsValue,
) -> JsResult<String> {
    let (gateway, params) = presigned(&signed_params, &options).js()?;
    Ok(pay_url_to(&gateway, V2_SUBMIT, &params))
}
