//! The functions exported to JS: signing, orders, forms and notifies. Each
//! converts its arguments, calls one core function and converts the result.

use super::convert::{check_options, field_text, get, optional, params_from_js, params_to_js, set, string_arg, to_js_error};
use super::types::NotifyExpectedArg;
use crate::core::error::{Error, Result};
use crate::core::form::{pay_url, sign_order as sign_order_core, submit_fields, submit_form};
use crate::core::notify::{parse_notify, verify_notify, Expected, Verification, MAX_NOTIFY_FIELDS};
use crate::core::params::Params;
use crate::core::sign;
use crate::core::url::Gateway;
use wasm_bindgen::prelude::*;

pub(crate) type JsResult<T> = std::result::Result<T, JsValue>;

pub(crate) trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(to_js_error)
    }
}

/// The keys `verifyNotify`'s `expected` takes.
pub(crate) const EXPECTED_KEYS: &[&str] = &["pid", "out_trade_no", "money"];
/// The keys of `SubmitOptions`.
const SUBMIT_OPTION_KEYS: &[&str] = &["gateway", "key"];

/// Signs `params` with the merchant KEY: every non-empty field but `sign`
/// and `sign_type`, sorted by name, joined as `k=v` with `&` (values not
/// url-encoded), KEY appended, MD5, lowercase hex.
///
/// Throws `EpayError` (`INVALID_PARAM`, with `field`) on a repeated or
/// ambiguous name, or a value that is not a string or finite number.
#[wasm_bindgen(js_name = sign)]
pub fn sign_js(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<String> {
    sign::sign(&params_from_js("params", &params).js()?, &string_arg("key", &key).js()?).js()
}

/// Returns `params` ready to send: every non-empty field as a string, plus
/// `sign` and `sign_type: 'MD5'`. Refuses whitespace-only values and NUL
/// characters, which gateways treat inconsistently.
#[wasm_bindgen(js_name = signParams, unchecked_return_type = "SignedParams")]
pub fn sign_params(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    Ok(params_to_js(&sign::sign_params(&params_from_js("params", &params).js()?, &key).js()?))
}

/// Validates an order for `submit.php` and signs it: money written as
/// `1.00`, name cut to 127 bytes, empty fields dropped. Use it on the
/// merchant server to hand signed fields to a page that has no KEY.
#[wasm_bindgen(js_name = signOrder, unchecked_return_type = "SignedParams")]
pub fn sign_order(#[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    Ok(params_to_js(&sign_order_core(&params_from_js("order", &order).js()?, &key).js()?))
}

/// Reads `{ gateway, key? }`.
fn submit_options(options: &JsValue) -> Result<(Gateway, Option<String>)> {
    check_options("options", "SubmitOptions", options, SUBMIT_OPTION_KEYS)?;
    let gateway = Gateway::parse(&string_arg("gateway", &get(options, "gateway"))?)?;
    let key = get(options, "key");
    let key = if key.is_undefined() { None } else { Some(string_arg("key", &key)?) };
    Ok((gateway, key))
}

/// The fields of a form or link: validated and signed with `key`, or as
/// given (then carrying `sign`) without one.
fn submit_params(params: &JsValue, options: &JsValue) -> Result<(Gateway, Params<'static>)> {
    let (gateway, key) = submit_options(options)?;
    Ok((gateway, submit_fields(params_from_js("params", params)?, key.as_deref())?))
}

/// An HTML snippet that posts the order to the gateway's `submit.php`:
/// hidden inputs (every value HTML-escaped), a `<noscript>` button and an
/// inline script that submits it. See `SubmitOptions` for `key`; it takes
/// no other option.
#[wasm_bindgen(js_name = buildSubmitForm)]
pub fn build_submit_form(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, fields) = submit_params(&params, &options).js()?;
    submit_form(&gateway, &fields).js()
}

/// A GET link to the gateway's `submit.php` with the order's fields,
/// percent-encoded. See `SubmitOptions` for `key`; it takes no other option.
#[wasm_bindgen(js_name = buildPayUrl)]
pub fn build_pay_url(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, fields) = submit_params(&params, &options).js()?;
    Ok(pay_url(&gateway, &fields))
}

/// Verifies a payment notify (to notify_url) or return redirect (to
/// return_url): the signature over every received field, then `expected`
/// (which takes `pid`, `out_trade_no` and `money`, nothing else).
/// `input` is the raw query string or form body, a `URLSearchParams`, or a
/// plain object of the received fields.
///
/// Never throws on what a network peer can send (the result says why it is
/// not `ok`); throws `EpayError` only on programmer errors such as a missing
/// KEY. Stateless: a replayed notify verifies again, so fulfil idempotently.
#[wasm_bindgen(js_name = verifyNotify, unchecked_return_type = "NotifyResult")]
pub fn verify_notify_js(
    #[wasm_bindgen(unchecked_param_type = "string | URLSearchParams | Record<string, string>")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    expected: Option<NotifyExpectedArg>,
) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    let expected = expected_from_js(&optional(expected)).js()?;
    Ok(notify_to_js(verify_notify(notify_input(&input).js()?, &key, &expected).js()?))
}

/// Reads `verifyNotify`'s `expected`.
pub(crate) fn expected_from_js(expected: &JsValue) -> Result<Expected> {
    check_options("expected", "verifyNotify's expected", expected, EXPECTED_KEYS)?;
    let text = |field| field_text(field, &get(expected, field));
    Expected::new(text("pid")?.as_deref(), text("out_trade_no")?.as_deref(), text("money")?.as_deref())
}

/// The received fields of a notify: `None` when they are malformed (they
/// come from the network: not an error).
pub(crate) fn notify_input(input: &JsValue) -> Result<Option<Params<'static>>> {
    if let Some(s) = input.dyn_ref::<js_sys::JsString>() {
        // A lone surrogate would be read as U+FFFD: not what was received.
        Ok(s.is_valid_utf16().then(|| String::from(s)).and_then(|text| parse_notify(&text).map(|p| p.into_owned())))
    } else if input.is_object() {
        Ok(notify_from_object(params_from_js("input", input)))
    } else {
        Err(Error::invalid("input", "input must be a query string, URLSearchParams or a plain object"))
    }
}

/// The received fields of a notify given as an object: malformed (`None`)
/// when they do not make a parameter set, or are too many.
pub(crate) fn notify_from_object(params: Result<Params<'_>>) -> Option<Params<'_>> {
    params.ok().filter(|p| p.len() <= MAX_NOTIFY_FIELDS)
}

/// `{ ok, paid, reason, data }`.
pub(crate) fn notify_to_js(result: Verification) -> JsValue {
    let out = js_sys::Object::new();
    set(&out, "ok", &JsValue::from(result.ok()));
    set(&out, "paid", &JsValue::from(result.paid));
    set(&out, "reason", &result.reason.map_or(JsValue::NULL, |r| JsValue::from(r.as_str())));
    set(&out, "data", &params_to_js(&result.data));
    out.into()
}
