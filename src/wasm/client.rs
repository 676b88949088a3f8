//! `EpayClient`: the JS class over the gateway client. Converts arguments,
//! runs the call, shapes the JSON answer into typed results.

use super::api::{sign_params_with, sign_with, submit_fields, verify_with, IntoJs, JsResult};
use super::convert::{field_text, get, params_from_js, set, string_arg, to_js_error};
use crate::client::{number, send};
use crate::core::api::{self, Call, Merchant, OrderRef};
use crate::core::error::{decimal, Error, ErrorCode, Result};
use crate::core::form::{pay_url, submit_form};
use js_sys::{Array, Object, Promise};
use std::rc::Rc;
use super::types::{NotifyExpectedArg, OrdersPageArg};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Longest timeout accepted, in milliseconds.
const MAX_TIMEOUT_MS: f64 = 600_000.0;
/// Most retries accepted.
const MAX_RETRIES: f64 = 5.0;

struct Config {
    merchant: Merchant,
    timeout_ms: u32,
    retries: u32,
}

/// A client for one merchant account on an EPay gateway. Every method
/// returns a Promise, validates its input before any request, and rejects
/// with an `EpayError` whose text never contains the KEY.
#[wasm_bindgen]
pub struct EpayClient {
    config: Rc<Config>,
}

/// An integer option in `min..=max`, or `default` when absent.
fn int_option(options: &JsValue, field: &str, default: u32, min: f64, max: f64) -> Result<u32> {
    let value = get(options, field);
    if value.is_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (min..=max).contains(&n) => Ok(n as u32),
        // min and max print as integers: f64 Display would cost ~10 KB of wasm.
        _ => Err(Error::invalid(field, [field, " must be an integer from ", &decimal(min as i64), " to ", &decimal(max as i64)].concat())),
    }
}

#[wasm_bindgen]
impl EpayClient {
    /// Creates a client. `gateway` is the base URL (e.g.
    /// `https://pay.example.com/`), `timeoutMs` (default 10000) bounds each
    /// attempt, `retries` (default 1) is how many times a query or
    /// `createOrder` is sent again after a network error or a 5xx.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "EpayClientOptions")] options: JsValue) -> JsResult<EpayClient> {
        let gateway = string_arg("gateway", &get(&options, "gateway")).js()?;
        let pid = field_text("pid", &get(&options, "pid")).js()?.unwrap_or_default();
        let key = string_arg("key", &get(&options, "key")).js()?;
        let merchant = Merchant::new(&gateway, &pid, &key).js()?;
        let timeout_ms = int_option(&options, "timeoutMs", 10_000, 1.0, MAX_TIMEOUT_MS).js()?;
        let retries = int_option(&options, "retries", 1, 0.0, MAX_RETRIES).js()?;
        Ok(EpayClient { config: Rc::new(Config { merchant, timeout_ms, retries }) })
    }

    fn run<F>(&self, call: impl FnOnce(&Merchant) -> Result<Call>, shape: F) -> Promise
    where
        F: FnOnce(JsValue) -> JsResult<JsValue> + 'static,
    {
        let call = call(&self.config.merchant);
        self.run_boxed(call, Box::new(shape))
    }

    /// The part of `run` that is not generic: one future, one
    /// `future_to_promise` in the wasm instead of one per method (~5 KB).
    fn run_boxed(&self, call: Result<Call>, shape: Box<dyn FnOnce(JsValue) -> JsResult<JsValue>>) -> Promise {
        let config = Rc::clone(&self.config);
        future_to_promise(async move {
            let call = call.js()?;
            let json = send(&config.merchant, &call, config.timeout_ms, config.retries).await.js()?;
            shape(json)
        })
    }

    /// Creates an order through `mapi.php` (server side). `clientip` is
    /// required, `device` defaults to `jump`, the client's pid is filled in.
    /// Safe to retry: the gateway de-duplicates an identical out_trade_no.
    #[wasm_bindgen(js_name = createOrder, unchecked_return_type = "Promise<CreatedOrder>")]
    pub fn create_order(&self, #[wasm_bindgen(unchecked_param_type = "ApiOrder")] order: JsValue) -> Promise {
        let order = params_from_js("order", &order);
        self.run(move |m| api::create_order(m, &order?), created_order)
    }

    /// The merchant's account (`act=query`). The KEY the gateway echoes
    /// back is dropped.
    #[wasm_bindgen(js_name = queryMerchant, unchecked_return_type = "Promise<MerchantInfo>")]
    pub fn query_merchant(&self) -> Promise {
        self.run(|m| Ok(api::query_merchant(m)), merchant_info)
    }

    /// Settlement records (`act=settle`); an empty list when there are none.
    #[wasm_bindgen(js_name = querySettlements, unchecked_return_type = "Promise<Settlement[]>")]
    pub fn query_settlements(&self) -> Promise {
        self.run(|m| Ok(api::query_settlements(m)), |json| Ok(list(&json, |r| Ok(r.clone()))?.into()))
    }

    /// One order by `trade_no` or `out_trade_no` (`act=order`).
    #[wasm_bindgen(js_name = queryOrder, unchecked_return_type = "Promise<GatewayOrder>")]
    pub fn query_order(&self, #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue) -> Promise {
        let which = order_ref(&which);
        self.run(move |m| Ok(api::query_order(m, &which?)), |json| gateway_order(&json))
    }

    /// One page of orders (`act=orders`); `limit` 1–50 (default 20),
    /// `page` from 1 (default 1).
    #[wasm_bindgen(js_name = queryOrders, unchecked_return_type = "Promise<GatewayOrder[]>")]
    pub fn query_orders(&self, page: Option<OrdersPageArg>) -> Promise {
        let page = page.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let valid = if page.is_undefined() || page.is_object() {
            Ok(())
        } else {
            Err(Error::invalid("page", "the argument must be { limit?, page? }"))
        };
        let limit = int_option(&page, "limit", 20, 1.0, f64::from(api::MAX_PAGE_LIMIT));
        let number = int_option(&page, "page", 1, 1.0, f64::from(u32::MAX));
        self.run(
            move |m| valid.and_then(|()| api::query_orders(m, limit?, number?)),
            |json| Ok(list(&json, gateway_order)?.into()),
        )
    }

    /// Refunds `money` yuan of an order (`act=refund`). Sent exactly once,
    /// never retried, whatever happens: check with `queryOrder` before
    /// trying again.
    #[wasm_bindgen(unchecked_return_type = "Promise<RefundResult>")]
    pub fn refund(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | number")] money: JsValue,
    ) -> Promise {
        let which = order_ref(&which);
        let money = field_text("money", &money)
            .and_then(|m| m.ok_or_else(|| Error::invalid("money", "money is required")));
        self.run(
            move |m| api::refund(m, &which?, &money?),
            |json| Ok(copy_fields(&json, &["code", "msg"]).into()),
        )
    }

    /// `sign(params, key)` with the client's KEY.
    pub fn sign(&self, #[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue) -> JsResult<String> {
        sign_with(&params, &self.config.merchant.key)
    }

    /// `signParams(params, key)` with the client's KEY.
    #[wasm_bindgen(js_name = signParams, unchecked_return_type = "SignedParams")]
    pub fn sign_params(&self, #[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue) -> JsResult<JsValue> {
        sign_params_with(&params, &self.config.merchant.key)
    }

    /// `verifyNotify(input, key, expected)` with the client's KEY; `pid`
    /// defaults to the client's own, so a notify for another merchant fails.
    #[wasm_bindgen(js_name = verifyNotify, unchecked_return_type = "NotifyResult")]
    pub fn verify_notify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | URLSearchParams | Record<string, string>")] input: JsValue,
        expected: Option<NotifyExpectedArg>,
    ) -> JsResult<JsValue> {
        let expected = expected.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let m = &self.config.merchant;
        verify_with(&input, &m.key, &expected, Some(&m.pid))
    }

    /// `buildSubmitForm(order, { gateway, key })` with the client's gateway
    /// and KEY: validates, signs, returns the auto-submitting form.
    #[wasm_bindgen(js_name = buildSubmitForm)]
    pub fn build_submit_form(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue) -> JsResult<String> {
        let m = &self.config.merchant;
        submit_form(&m.gateway, &submit_fields(&with_pid(&order, m)?, Some(&m.key))?).js()
    }

    /// `buildPayUrl(order, { gateway, key })` with the client's gateway and KEY.
    #[wasm_bindgen(js_name = buildPayUrl)]
    pub fn build_pay_url(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue) -> JsResult<String> {
        let m = &self.config.merchant;
        Ok(pay_url(&m.gateway, &submit_fields(&with_pid(&order, m)?, Some(&m.key))?))
    }
}

/// The order with the client's pid when it has none; an order for another
/// pid is refused, as `createOrder` refuses it.
fn with_pid(order: &JsValue, m: &Merchant) -> JsResult<JsValue> {
    let pid = field_text("pid", &get(order, "pid")).js()?;
    if pid.as_deref().is_some_and(|pid| pid != m.pid) {
        return Err(to_js_error(Error::invalid("pid", "pid differs from the client's pid")));
    }
    if pid.is_some() || !order.is_object() {
        return Ok(order.clone());
    }
    let copy = Object::assign(&Object::new(), order.unchecked_ref());
    set(&copy, "pid", &JsValue::from(m.pid.as_str()));
    Ok(copy.into())
}

fn order_ref(which: &JsValue) -> Result<OrderRef> {
    let trade_no = field_text("trade_no", &get(which, "trade_no"))?;
    let out_trade_no = field_text("out_trade_no", &get(which, "out_trade_no"))?;
    OrderRef::new(trade_no.as_deref(), out_trade_no.as_deref())
}

/// A new object with `fields` of `json` that are present.
fn copy_fields(json: &JsValue, fields: &[&str]) -> Object {
    let out = Object::new();
    for field in fields {
        let value = get(json, field);
        if !value.is_undefined() && !value.is_null() {
            set(&out, field, &value);
        }
    }
    out
}

fn created_order(json: JsValue) -> JsResult<JsValue> {
    let trade_no = field_text("trade_no", &get(&json, "trade_no")).ok().flatten().filter(|t| !t.is_empty());
    let trade_no = trade_no.ok_or_else(|| bad_shape("mapi.php answered code 1 without a trade_no"))?;
    let out = copy_fields(&json, &["payurl", "qrcode", "urlscheme", "html"]);
    set(&out, "trade_no", &JsValue::from(trade_no));
    Ok(out.into())
}

fn merchant_info(json: JsValue) -> JsResult<JsValue> {
    let out = copy_fields(&json, &["money", "account", "username"]);
    for field in ["pid", "type", "orders", "order_lastday"] {
        set(&out, field, &to_number(&get(&json, field)));
    }
    let today = Some(get(&json, "order_today")).filter(|v| !v.is_undefined()).unwrap_or_else(|| get(&json, "orders_today"));
    set(&out, "order_today", &to_number(&today));
    set(&out, "active", &JsValue::from(number(&get(&json, "active")) == Some(1.0)));
    Ok(out.into())
}

/// An order as the gateway sent it, `code`/`msg` dropped, `pid` and
/// `status` as numbers, plus `paid` (status 1 or 2) and `refunded` (2).
fn gateway_order(json: &JsValue) -> JsResult<JsValue> {
    if !json.is_object() {
        return Err(bad_shape("an order is not an object"));
    }
    let out = Object::assign(&Object::new(), json.unchecked_ref());
    for field in ["code", "msg"] {
        let _ = js_sys::Reflect::delete_property(&out, &field.into());
    }
    let status = number(&get(json, "status"));
    set(&out, "pid", &to_number(&get(json, "pid")));
    set(&out, "status", &status.map_or(JsValue::NULL, JsValue::from));
    set(&out, "paid", &JsValue::from(matches!(status, Some(s) if s == 1.0 || s == 2.0)));
    set(&out, "refunded", &JsValue::from(status == Some(2.0)));
    Ok(out.into())
}

/// The `data` list of an answer (`null` is an empty list, as real servers
/// send it), each record shaped by `each`.
fn list(json: &JsValue, each: impl Fn(&JsValue) -> JsResult<JsValue>) -> JsResult<Array> {
    let data = get(json, "data");
    if data.is_null() || data.is_undefined() {
        return Ok(Array::new());
    }
    if !Array::is_array(&data) {
        return Err(bad_shape("data is not a list"));
    }
    Array::from(&data).iter().map(|record| each(&record)).collect()
}

fn to_number(value: &JsValue) -> JsValue {
    number(value).map_or(JsValue::NULL, JsValue::from)
}

fn bad_shape(message: &str) -> JsValue {
    to_js_error(Error::gateway(ErrorCode::BadResponse, message, None))
}
