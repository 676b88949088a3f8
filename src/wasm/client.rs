//! `EpayClient`: the JS class over the gateway client. Converts arguments,
//! calls the core, hands the typed answers to JS.

use super::api::{expected_from_js, notify_input, notify_to_js, IntoJs, JsResult};
use super::convert::{check_options, field_text, get, int_option, optional, params_from_js, params_to_js, set, string_arg, to_js};
use super::types::{OrdersOptionsArg, OrdersPageArg, NotifyExpectedArg};
use crate::client::Fetch;
use crate::core::answer::{Answer, Fields};
use crate::core::api::{self, Call, OrderRef, Position, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use crate::core::error::{Error, Result};
use crate::core::listing::OrdersCursor;
use crate::core::merchant::Merchant;
use crate::core::transport::send;
use js_sys::{Function, Object, Promise, Reflect, Symbol};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Longest timeout accepted, in milliseconds.
const MAX_TIMEOUT_MS: u64 = 600_000;
/// Most retries accepted.
const MAX_RETRIES: u64 = 5;
/// Largest integer a JS number holds exactly.
pub(crate) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// The keys of `EpayClientOptions`.
const CLIENT_OPTION_KEYS: &[&str] = &["gateway", "pid", "key", "timeoutMs", "retries", "fetch"];
/// The keys of `OrdersPage`.
const PAGE_KEYS: &[&str] = &["limit", "page", "offset"];
/// The keys of `OrderRef`.
const ORDER_REF_KEYS: &[&str] = &["trade_no", "out_trade_no"];
/// The keys of `OrdersOptions`.
const LISTING_KEYS: &[&str] = &["limit", "status"];

/// Reads the fields of an answer into its typed JS object.
type Read = fn(Fields) -> Result<JsValue>;

/// Reads the fields of an answer as `A`, as a JS object.
fn read_to_js<A: Answer + Serialize>(fields: Fields) -> Result<JsValue> {
    to_js(&A::read(fields)?)
}

struct Config {
    merchant: Merchant,
    transport: Fetch,
    retries: u32,
}

/// A client for one merchant account on an EPay gateway. Every gateway
/// method returns a Promise, validates its input before any request, and
/// rejects with an `EpayError` whose text never contains the KEY.
#[wasm_bindgen]
pub struct EpayClient {
    config: Rc<Config>,
}

/// Reads `EpayClientOptions`.
fn config(options: &JsValue) -> Result<Config> {
    check_options("options", "EpayClient options", options, CLIENT_OPTION_KEYS)?;
    let (gateway, pid) = account_options(options)?;
    let key = string_arg("key", &get(options, "key"))?;
    let merchant = Merchant::new(&gateway, &pid, &key)?;
    let (transport, retries) = transport_options(options)?;
    Ok(Config { merchant, transport, retries })
}

/// The `gateway` and `pid` of a client's options, as given.
pub(crate) fn account_options(options: &JsValue) -> Result<(String, String)> {
    let gateway = string_arg("gateway", &get(options, "gateway"))?;
    let pid = field_text("pid", &get(options, "pid"))?.unwrap_or_default();
    Ok((gateway, pid))
}

/// The `timeoutMs`, `retries` and `fetch` of a client's options: how it
/// sends requests, and how many times a retryable call is sent again.
pub(crate) fn transport_options(options: &JsValue) -> Result<(Fetch, u32)> {
    let timeout_ms = int_option(options, "timeoutMs", 1, MAX_TIMEOUT_MS)?.unwrap_or(10_000) as u32;
    let retries = int_option(options, "retries", 0, MAX_RETRIES)?.unwrap_or(1) as u32;
    let fetch = get(options, "fetch");
    let function = if fetch.is_undefined() {
        None
    } else {
        Some(fetch.dyn_into::<Function>().map_err(|_| Error::invalid("fetch", "fetch must be a function like the global fetch"))?)
    };
    Ok((Fetch { function, timeout_ms }, retries))
}

/// The `limit` of a paging bag: 1 to [`MAX_PAGE_LIMIT`], and
/// [`DEFAULT_PAGE_LIMIT`] when absent.
pub(crate) fn limit_option(options: &JsValue) -> Result<u32> {
    Ok(int_option(options, "limit", 1, MAX_PAGE_LIMIT.into())?.map_or(DEFAULT_PAGE_LIMIT, |limit| limit as u32))
}

/// The `status` filter of a listing bag, if given.
pub(crate) fn status_option(options: &JsValue) -> Result<Option<i64>> {
    Ok(int_option(options, "status", 0, u32::MAX.into())?.map(|status| status as i64))
}

/// Reads `OrdersPage`: the limit and where the page starts.
fn paging(page: &JsValue) -> Result<(u32, Position)> {
    check_options("page", "queryOrders paging", page, PAGE_KEYS)?;
    let limit = limit_option(page)?;
    let position = match (int_option(page, "page", 1, u32::MAX.into())?, int_option(page, "offset", 0, MAX_SAFE_INTEGER)?) {
        (Some(_), Some(_)) => return Err(Error::invalid("offset", "give page or offset, not both")),
        (Some(number), None) => Position::Page(number as u32),
        (None, offset) => Position::Offset(offset.unwrap_or(0)),
    };
    Ok((limit, position))
}

/// Reads `OrdersOptions` into a cursor at the first page.
fn listing(options: &JsValue) -> Result<OrdersCursor> {
    check_options("options", "orders options", options, LISTING_KEYS)?;
    OrdersCursor::new(limit_option(options)?, status_option(options)?)
}

/// Reads a refund's `money`, which is required.
pub(crate) fn money_arg(money: &JsValue) -> Result<String> {
    field_text("money", money)?.ok_or_else(|| Error::invalid("money", "money is required"))
}

/// Reads an `OrderRef`. Like an option bag it refuses other keys: a
/// refund's `out_refund_no` put here by mistake must not be dropped.
pub(crate) fn order_ref(which: &JsValue) -> Result<OrderRef> {
    check_options("trade_no", "OrderRef", which, ORDER_REF_KEYS)?;
    let trade_no = field_text("trade_no", &get(which, "trade_no"))?;
    let out_trade_no = field_text("out_trade_no", &get(which, "out_trade_no"))?;
    OrderRef::new(trade_no.as_deref(), out_trade_no.as_deref())
}

#[wasm_bindgen]
impl EpayClient {
    /// Creates a client. `gateway` is the base URL (e.g.
    /// `https://pay.example.com/`), `timeoutMs` (default 10000) bounds each
    /// attempt, `retries` (default 1) is how many times a query or
    /// `createOrder` is sent again after a network error or a 5xx, `fetch`
    /// (default: the global one) sends the requests. Any other key is
    /// refused.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "EpayClientOptions")] options: JsValue) -> JsResult<EpayClient> {
        Ok(EpayClient { config: Rc::new(config(&options).js()?) })
    }

    /// Sends `call` and resolves with its typed answer as a JS object; a
    /// call that could not be made rejects.
    fn run<A: Answer + Serialize + 'static>(&self, call: Result<Call<A>>) -> Promise {
        start(call.map(|call| Op::Call(Rc::clone(&self.config), call.into_fields(), read_to_js::<A>)))
    }

    /// Creates an order through `mapi.php` (server side). `clientip` is
    /// required, `device` defaults to `jump`, the client's pid is filled in.
    /// Safe to retry: the gateway de-duplicates an identical out_trade_no.
    #[wasm_bindgen(js_name = createOrder, unchecked_return_type = "Promise<CreatedOrder>")]
    pub fn create_order(&self, #[wasm_bindgen(unchecked_param_type = "ApiOrder")] order: JsValue) -> Promise {
        self.run(params_from_js("order", &order).and_then(|order| api::create_order(&self.config.merchant, &order)))
    }

    /// The merchant's account (`act=query`). The KEY the gateway echoes
    /// back is dropped; the day counters are `order_today` and
    /// `order_lastday` whichever spelling the gateway used.
    #[wasm_bindgen(js_name = queryMerchant, unchecked_return_type = "Promise<MerchantInfo>")]
    pub fn query_merchant(&self) -> Promise {
        self.run(Ok(api::query_merchant(&self.config.merchant)))
    }

    /// Settlement records (`act=settle`); an empty list when there are none.
    #[wasm_bindgen(js_name = querySettlements, unchecked_return_type = "Promise<Settlement[]>")]
    pub fn query_settlements(&self) -> Promise {
        self.run(Ok(api::query_settlements(&self.config.merchant)))
    }

    /// One order by `trade_no` or `out_trade_no` (`act=order`).
    #[wasm_bindgen(js_name = queryOrder, unchecked_return_type = "Promise<GatewayOrder>")]
    pub fn query_order(&self, #[wasm_bindgen(unchecked_param_type = "OrderRef")] which: JsValue) -> Promise {
        self.run(order_ref(&which).map(|which| api::query_order(&self.config.merchant, &which)))
    }

    /// One page of orders (`act=orders`), newest first: `limit` 1–50
    /// (default 20), and `page` from 1 or `offset` from 0 (not both;
    /// default the first page). Sends `limit` and `offset`, and `page` too
    /// when the offset falls on a whole page. Past the last page a v3096
    /// server answers HTTP 500 with an empty body (a PHP error on an empty
    /// list), which rejects as the `HTTP_ERROR` it is: `orders()` reads it
    /// as the end where it can tell.
    #[wasm_bindgen(js_name = queryOrders, unchecked_return_type = "Promise<GatewayOrder[]>")]
    pub fn query_orders(&self, page: Option<OrdersPageArg>) -> Promise {
        let page = paging(&optional(page));
        self.run(page.and_then(|(limit, position)| api::query_orders(&self.config.merchant, limit, position)))
    }

    /// Every order, newest first, fetched a page of `limit` (1–50, default
    /// 20) at a time as the loop goes: `for await (const order of
    /// client.orders())`. `status` keeps only the orders in that status
    /// (0 unpaid, 1 paid, 2 refunded; filtered here, as `act=orders` takes
    /// no status in the document). The walk ends at a page shorter than
    /// `limit`, or at v3096's HTTP 500 with an empty body right after a full
    /// page; any other failure is thrown. Throws `INVALID_PARAM` at once
    /// for bad options.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterable<GatewayOrder>")]
    pub fn orders(&self, options: Option<OrdersOptionsArg>) -> JsResult<JsValue> {
        orders_iterable(self.config.clone(), options)
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
        self.run(order_ref(&which).and_then(|which| api::refund(&self.config.merchant, &which, &money_arg(&money)?)))
    }

    /// `sign(params, key)` with the client's KEY.
    pub fn sign(&self, #[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue) -> JsResult<String> {
        self.config.merchant.sign(&params_from_js("params", &params).js()?).js()
    }

    /// `signParams(params, key)` with the client's KEY.
    #[wasm_bindgen(js_name = signParams, unchecked_return_type = "SignedParams")]
    pub fn sign_params(&self, #[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue) -> JsResult<JsValue> {
        Ok(params_to_js(&self.config.merchant.sign_params(&params_from_js("params", &params).js()?).js()?))
    }

    /// `verifyNotify(input, key, expected)` with the client's KEY; `pid`
    /// defaults to the client's own, so a notify for another merchant fails.
    #[wasm_bindgen(js_name = verifyNotify, unchecked_return_type = "NotifyResult")]
    pub fn verify_notify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | URLSearchParams | Record<string, string>")] input: JsValue,
        expected: Option<NotifyExpectedArg>,
    ) -> JsResult<JsValue> {
        let expected = expected_from_js(&optional(expected)).js()?;
        Ok(notify_to_js(self.config.merchant.verify_notify(notify_input(&input).js()?, expected).js()?))
    }

    /// `buildSubmitForm(order, { gateway, key })` with the client's gateway,
    /// KEY and pid: validates, signs, returns the auto-submitting form.
    #[wasm_bindgen(js_name = buildSubmitForm)]
    pub fn build_submit_form(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue) -> JsResult<String> {
        self.config.merchant.submit_form(&params_from_js("order", &order).js()?).js()
    }

    /// `buildPayUrl(order, { gateway, key })` with the client's gateway, KEY
    /// and pid.
    #[wasm_bindgen(js_name = buildPayUrl)]
    pub fn build_pay_url(&self, #[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue) -> JsResult<String> {
        self.config.merchant.pay_url(&params_from_js("order", &order).js()?).js()
    }
}

/// A client whose orders can be walked a page at a time: V1's through
/// `act=orders`, V2's through `merchant/orders`.
pub(crate) trait Walk {
    /// A promise of the next step of the walk `cursor` (an async iterator's
    /// `{ value, done }`), taken once `previous` (the step before) settled.
    fn next_order(self: Rc<Self>, cursor: Rc<RefCell<OrdersCursor>>, previous: Promise) -> Promise;
}

impl Walk for Config {
    fn next_order(self: Rc<Self>, cursor: Rc<RefCell<OrdersCursor>>, previous: Promise) -> Promise {
        start(Ok(Op::Next(self, cursor, previous)))
    }
}

/// An async iterator's step: `{ value: order, done: false }`, or
/// `{ value: undefined, done: true }` after the last order.
pub(crate) fn step(order: Option<JsValue>) -> JsValue {
    let result = Object::new();
    set(&result, "done", &JsValue::from(order.is_none()));
    set(&result, "value", &order.unwrap_or(JsValue::UNDEFINED));
    result.into()
}

/// The asynchronous part of an `EpayClient` method, run by [`start`].
enum Op {
    /// A call, and how to read its answer into JS.
    Call(Rc<Config>, Call<Fields>, Read),
    /// The next step of a walk, once the step before settled.
    Next(Rc<Config>, Rc<RefCell<OrdersCursor>>, Promise),
}

/// Runs `op` (or rejects with its error) as a Promise: one future for the
/// calls and the walk, not one per method or result type.
fn start(op: Result<Op>) -> Promise {
    future_to_promise(async move {
        match op.js()? {
            Op::Call(config, call, read) => send(&config.transport, &config.merchant, &call, config.retries).await.and_then(read).js(),
            Op::Next(config, cursor, previous) => {
                let _ = JsFuture::from(previous).await;
                #[allow(clippy::await_holding_refcell_ref)] // never contended: see iterator
                let order = cursor.borrow_mut().next(&config.transport, &config.merchant, config.retries).await.js()?;
                Ok(step(order.map(|o| to_js(&o)).transpose().js()?))
            }
        }
    })
}

/// `orders(options)`: an async iterable whose every iteration walks
/// `walk`'s orders from the first page. Throws at once for bad options.
pub(crate) fn orders_iterable(walk: Rc<dyn Walk>, options: Option<OrdersOptionsArg>) -> JsResult<JsValue> {
    let cursor = listing(&optional(options)).js()?;
    let start = Closure::<dyn FnMut() -> JsValue>::new(move || iterator(Rc::clone(&walk), cursor.restart()));
    let iterable = Object::new();
    Reflect::set(&iterable, &Symbol::async_iterator(), &start.into_js_value())?;
    Ok(iterable.into())
}

/// A fresh async iterator over the orders: `{ next }`, each `next()`
/// resolving with `{ value, done }`. Each step starts once the one before
/// settled, as an async generator's would: pages come in order, and the
/// cursor is never borrowed twice.
fn iterator(walk: Rc<dyn Walk>, cursor: OrdersCursor) -> JsValue {
    let cursor = Rc::new(RefCell::new(cursor));
    let mut last = Promise::resolve(&JsValue::UNDEFINED);
    let next = Closure::<dyn FnMut() -> Promise>::new(move || {
        last = Rc::clone(&walk).next_order(Rc::clone(&cursor), last.clone());
        last.clone()
    });
    let iterator = Object::new();
    set(&iterator, "next", &next.into_js_value());
    iterator.into()
}
