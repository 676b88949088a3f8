//! The functions exported to JS: signing, orders, forms and notifies.

use super::convert::{field_text, get, params_from_js, params_to_js, set, string_arg, to_js_error};
use crate::core::error::Error;
use crate::core::form::{pay_url, require_sign, submit_form};
use crate::core::notify::{parse_notify, verify_notify, Expected};
use crate::core::order::{check_sendable_value, validate_order, Endpoint};
use crate::core::params::Params;
use crate::core::sign;
use crate::core::url::Gateway;
use wasm_bindgen::prelude::*;

type JsResult<T> = Result<T, JsValue>;

trait IntoJs<T> {
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
pub fn sign_js(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, key: JsValue) -> JsResult<String> {
    let key = string_arg("key", &key).js()?;
    let params = params_from_js("params", &params).js()?;
    sign::sign(&params, &key).js()
}

/// Returns `params` ready to send: every non-empty field as a string, plus
/// `sign` and `sign_type: 'MD5'`. Refuses whitespace-only values and NUL
/// characters, which gateways treat inconsistently.
#[wasm_bindgen(js_name = signParams, unchecked_return_type = "SignedParams")]
pub fn sign_params(#[wasm_bindgen(unchecked_param_type = "Params")] params: JsValue, key: JsValue) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    let mut params = params_from_js("params", &params).js()?;
    params.remove("sign");
    params.remove("sign_type");
    for (k, v) in params.iter() {
        check_sendable_value(k, v).js()?;
    }
    signed_to_js(params, &key)
}

/// Validates an order for `submit.php` and signs it: money written as
/// `1.00`, name cut to 127 bytes, empty fields dropped. Use it on the
/// merchant server to hand signed fields to a page that has no KEY.
#[wasm_bindgen(js_name = signOrder, unchecked_return_type = "SignedParams")]
pub fn sign_order(#[wasm_bindgen(unchecked_param_type = "SubmitOrder")] order: JsValue, key: JsValue) -> JsResult<JsValue> {
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

/// Reads `{ gateway, key? }` and returns the gateway and the fields to
/// emit: validated and signed when a KEY is given, as given (but carrying
/// `sign`) otherwise.
fn submit_fields(params: &JsValue, options: &JsValue) -> JsResult<(Gateway, Params<'static>)> {
    let gateway = Gateway::parse(&string_arg("gateway", &get(options, "gateway")).js()?).js()?;
    let params = params_from_js("params", params).js()?;
    let key = get(options, "key");
    if key.is_undefined() {
        require_sign(&params).js()?;
        return Ok((gateway, params));
    }
    let key = string_arg("key", &key).js()?;
    let mut order = validate_order(&params, Endpoint::Submit).js()?;
    let signature = sign::sign(&order, &key).js()?;
    order.set("sign", signature);
    order.set("sign_type", "MD5");
    Ok((gateway, order))
}

/// An HTML snippet that posts the order to the gateway's `submit.php`:
/// hidden inputs (every value HTML-escaped), a `<noscript>` button and an
/// inline script that submits it. See `SubmitOptions` for `key`.
#[wasm_bindgen(js_name = buildSubmitForm)]
pub fn build_submit_form(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, fields) = submit_fields(&params, &options)?;
    submit_form(&gateway, &fields).js()
}

/// A GET link to the gateway's `submit.php` with the order's fields,
/// percent-encoded. See `SubmitOptions` for `key`.
#[wasm_bindgen(js_name = buildPayUrl)]
pub fn build_pay_url(
    #[wasm_bindgen(unchecked_param_type = "SubmitOrder | SignedParams")] params: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: JsValue,
) -> JsResult<String> {
    let (gateway, fields) = submit_fields(&params, &options)?;
    Ok(pay_url(&gateway, &fields))
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
    key: JsValue,
    #[wasm_bindgen(unchecked_param_type = "NotifyExpected")] expected: Option<js_sys::Object>,
) -> JsResult<JsValue> {
    let key = string_arg("key", &key).js()?;
    let expected = expected.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let expected_text = |field| field_text(field, &get(&expected, field)).js();
    let expected = Expected::new(
        expected_text("pid")?.as_deref(),
        expected_text("out_trade_no")?.as_deref(),
        expected_text("money")?.as_deref(),
    )
    .js()?;
    let text;
    let data = if let Some(s) = input.as_string() {
        text = s;
        parse_notify(&text)
    } else if input.is_object() {
        params_from_js("input", &input).ok()
    } else {
        return Err(to_js_error(Error::invalid("input", "input must be a query string, URLSearchParams or a plain object")));
    };
    let result = verify_notify(data, &key, &expected).js()?;
    let out = js_sys::Object::new();
    set(&out, "ok", &JsValue::from(result.ok()));
    set(&out, "paid", &JsValue::from(result.paid));
    set(&out, "reason", &result.reason.map_or(JsValue::NULL, |r| JsValue::from(r.as_str())));
    set(&out, "data", &params_to_js(&result.data));
    Ok(out.into())
}
