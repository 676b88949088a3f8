//! The functions exported to JS: signing, orders, forms and notifies.

use super::convert::{field_text, get, params_from_js, params_to_js, set, string_arg, to_js_error};
use crate::core::error::Error;
use crate::core::form::{self, pay_url, submit_form};
use crate::core::notify::{parse_notify, verify_notify, Expected, MAX_NOTIFY_FIELDS};
use crate::core::order::{check_sendable_value, validate_order, Endpoint};
use crate::core::params::Params;
use crate::core::sign;
use crate::core::url::Gateway;
use super::types::NotifyExpectedArg;
use wasm_bindgen::prelude::*;

pub(crate) type JsResult<T> = Result<T, JsValue>;

pub(crate) trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> JsResult<T> {
        self.map_err(to_js_error)
    }
}

/// Signs `params` with the merchant KEY: every non-empty field but `sign`
/// and `sign_type`, sorted by name, joined as `k=v` with `&` (values not
/// url-encoded), KEY appended, MD5, lowercase hex.
///
/// Throws `EpayError` (`INVALID_PARAM`, with `field`) on a repeated or
/// ambiguous name, or a value that is not a string or finite number.
#[wasm_bindgen(js_name = sign)]
pub fn sign_js(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<String> {
    sign_with(&params, &string_arg("key", &key).js()?)
}

/// `sign` with a KEY already read.
pub(crate) fn sign_with(params: &JsValue, key: &str) -> JsResult<String> {
    sign::sign(&params_from_js("params", params).js()?, key).js()
}

/// Returns `params` ready to send: every non-empty field as a string, plus
/// `sign` and `sign_type: 'MD5'`. Refuses whitespace-only values and NUL
/// characters, which gateways treat inconsistently.
#[wasm_bindgen(js_name = signParams, unchecked_return_type = "SignedParams")]
pub fn sign_params(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<JsValue> {
    sign_params_with(&params, &string_arg("key", &key).js()?)
}

/// `signParams` with a KEY already read.
pub(crate) fn sign_params_with(params: &JsValue, key: &str) -> JsResult<JsValue> {
    let mut params = params_from_js("params", params).js()?;
    params.remove("sign");
    params.remove("sign_type");
    for (k, v) in params.iter() {
        check_sendable_value(k, v).js()?;
    }
    signed_to_js(params, key)
}

/// Validates an order for `submit.php` and signs it: money written as
/// `1.00`, name cut to 127 bytes, empty fields dropped. Use it on the
/// merchant server to hand signed fields to a page that has no KEY.
#[wasm_bindgen(js_name = signOrder, unchecked_return_type = "SignedParams")]
pub fn sign_order(#[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    let order = params_from_js("order", &order).js()?;
    signed_to_js(validate_order(&order, Endpoint::Submit).js()?, &key)
}

fn signed_to_js(params: Params, key: &str) -> JsResult<JsValue> {
    let mut params = Params::from_pairs(params.iter().filter(|(_, v)| !v.is_empty())).js()?;
    let signature = sign::sign(&params, key).js()?;
    params.set("sign", signature);
    params.set("sign_type", "MD5");
    Ok(params_to_js(&params))
}

/// Reads `{ gateway, key? }`.
fn submit_options(options: &JsValue) -> JsResult<(Gateway, Option<String>)> {
    let gateway = Gateway::parse(&string_arg("gateway", &get(options, "gateway")).js()?).js()?;
    let key = get(options, "key");
    let key = if key.is_undefined() { None } else { Some(string_arg("key", &key).js()?) };
    Ok((gateway, key))
}

/// The fields a submit form or pay link carries: validated and signed when
/// a KEY is given; as given, but carrying `sign`, otherwise.
pub(crate) fn submit_fields(params: &JsValue, key: Option<&str>) -> JsResult<Params<'static>> {
    form::submit_fields(params_from_js("params", params).js()?, key).js()
}

/// An HTML snippet that posts the order to the gateway's `submit.php`:
/// hidden inputs (every value HTML-escaped), a `<noscript>` button and an
/// inline script that submits it. See `SubmitOptions` for `key`.
#[wasm_bindgen(js_name = buildSubmitForm)]
pub fn build_submit_form(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, key) = submit_options(&options)?;
    submit_form(&gateway, &submit_fields(&params, key.as_deref())?).js()
}

/// A GET link to the gateway's `submit.php` with the order's fields,
/// percent-encoded. See `SubmitOptions` for `key`.
#[wasm_bindgen(js_name = buildPayUrl)]
pub fn build_pay_url(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, key) = submit_options(&options)?;
    Ok(pay_url(&gateway, &submit_fields(&params, key.as_deref())?))
}

/// Verifies a payment notify (to notify_url) or return redirect (to
/// return_url): the signature over every received field, then `expected`.
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
    let expected = expected.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    verify_with(&input, &key, &expected, None)
}

/// The received fields of a notify given as an object: malformed (`None`)
/// when they do not make a parameter set, or are too many.
pub(crate) fn notify_from_object(params: Result<Params<'_>, Error>) -> Option<Params<'_>> {
    params.ok().filter(|p| p.len() <= MAX_NOTIFY_FIELDS)
}

/// `verifyNotify` with a KEY already read; `default_pid` is expected when
/// `expected.pid` is not given.
pub(crate) fn verify_with(input: &JsValue, key: &str, expected: &JsValue, default_pid: Option<&str>) -> JsResult<JsValue> {
    let expected_text = |field| field_text(field, &get(expected, field)).js();
    let pid = expected_text("pid")?.or(default_pid.map(str::to_owned));
    let expected = Expected::new(
        pid.as_deref(),
        expected_text("out_trade_no")?.as_deref(),
        expected_text("money")?.as_deref(),
    )
    .js()?;
    let text;
    let data = if let Some(s) = input.dyn_ref::<js_sys::JsString>() {
        // A lone surrogate would be read as U+FFFD: not what was received.
        text = s.is_valid_utf16().then(|| String::from(s));
        text.as_deref().and_then(parse_notify)
    } else if input.is_object() {
        notify_from_object(params_from_js("input", input))
    } else {
        return Err(to_js_error(Error::invalid("input", "input must be a query string, URLSearchParams or a plain object")));
    };
    let result = verify_notify(data, key, &expected).js()?;
    let out = js_sys::Object::new();
    set(&out, "ok", &JsValue::from(result.ok()));
    set(&out, "paid", &JsValue::from(result.paid));
    set(&out, "reason", &result.reason.map_or(JsValue::NULL, |r| JsValue::from(r.as_str())));
    set(&out, "data", &params_to_js(&result.data));
    Ok(out.into())
}
