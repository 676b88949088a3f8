//! Conversions between JS values and the core's types. Nothing here knows
//! the protocol; it only moves data across the boundary.
//!
//! Answers go out through serde-wasm-bindgen ([`to_js`]). Inputs are read
//! by hand ([`field_text`], [`params_from_js`]): serde-wasm-bindgen would
//! break two rules the protocol needs. A number must be signed as JS prints
//! it (`String(n)`: `1005`, `0.5`, `1e21`), which only JS itself does
//! faithfully; and a string with a lone UTF-16 surrogate must be refused,
//! where serde-wasm-bindgen would replace it with U+FFFD and sign something
//! else than what was given.

use crate::core::error::{check_option, decimal, Detail, Error, ErrorCode, Result};
use crate::core::params::Params;
use js_sys::{Array, BigInt, JsString, Number, Object, Reflect};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// Throws `error` into JS as an `EpayError`: a real `Error` with `name`
/// `EpayError`, `code`, `field` (`null` when no field is at fault) and,
/// for gateway errors, `status`, `gatewayCode` + `msg`, or `body`.
pub fn to_js_error(error: Error) -> JsValue {
    let error = error.into_info();
    let js = js_sys::Error::new(&error.message);
    js.set_name("EpayError");
    let field = error.field.map_or(JsValue::NULL, JsValue::from);
    set(&js, "code", &JsValue::from(error.code.as_str()));
    set(&js, "field", &field);
    match error.detail {
        Some(Detail::Status(status)) => set(&js, "status", &JsValue::from(status)),
        Some(Detail::Gateway { code, msg }) => {
            set(&js, "gatewayCode", &JsValue::from(code as f64));
            set(&js, "msg", &JsValue::from(msg));
        }
        Some(Detail::Body(body)) => set(&js, "body", &JsValue::from(body)),
        None => {}
    }
    js.into()
}

/// Sets `obj[key] = value` on an object this crate created.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    // Only fails on frozen objects or throwing setters, which ours are not.
    let _ = Reflect::set(obj, &JsValue::from(key), value);
}

/// An optional argument as the JS value it was: `undefined` when absent
/// (wasm-bindgen passes `null` and `undefined` alike as `None`).
pub fn optional<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, Into::into)
}

/// Reads `obj[key]`; `undefined` when absent or when `obj` is not an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS string as UTF-8, refusing lone UTF-16 surrogates (which would be
/// silently replaced by U+FFFD and signed as something else).
fn js_string(field: &str, s: &JsString) -> Result<String> {
    if !s.is_valid_utf16() {
        return Err(Error::invalid(field, [field, " contains a lone UTF-16 surrogate"].concat()));
    }
    Ok(String::from(s))
}

/// A required string argument such as the KEY or a gateway URL.
pub fn string_arg(field: &str, value: &JsValue) -> Result<String> {
    match value.dyn_ref::<JsString>() {
        Some(s) => js_string(field, s),
        None => Err(Error::invalid(field, [field, " must be a string"].concat())),
    }
}

/// The protocol text of a field value: strings as they are, finite numbers
/// and bigints as JS prints them (`1005`, `0.5`). `None` for null/undefined
/// (absent). Anything else is refused, naming the field.
pub fn field_text(field: &str, value: &JsValue) -> Result<Option<String>> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    if let Some(s) = value.dyn_ref::<JsString>() {
        return js_string(field, s).map(Some);
    }
    let text = if value.as_f64().is_some_and(f64::is_finite) {
        Number::unchecked_from_js_ref(value).to_string_with_radix(10).ok()
    } else if value.is_bigint() {
        BigInt::unchecked_from_js_ref(value).to_string(10).ok()
    } else {
        None
    };
    text.map(|t| Some(String::from(t))).ok_or_else(|| not_text(field))
}

fn not_text(field: &str) -> Error {
    Error::invalid(field, [field, " must be a string or a finite number"].concat())
}

/// Whether `value` is a plain object (`{...}`, `Object.create(null)` or
/// `JSON.parse` output, also from another realm: an iframe, `node:vm`),
/// not an array, Map, class instance or function: its prototype is null or
/// an `Object.prototype`, the one object whose prototype is null.
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || Array::is_array(value) {
        return false;
    }
    let proto = Object::get_prototype_of(value);
    proto.is_null() || Object::get_prototype_of(&proto).is_null()
}

/// The `(name, text)` pairs of a plain object or a `URLSearchParams`;
/// null/undefined values are left out. `what` names the argument in errors.
pub fn pairs_from_js(what: &str, value: &JsValue) -> Result<Vec<(String, String)>> {
    let entries: Array = if value.has_type::<web_sys::UrlSearchParams>() {
        Array::from(value)
    } else if is_plain_object(value) {
        Object::entries(value.unchecked_ref())
    } else {
        return Err(Error::invalid(what, [what, " must be a plain object or URLSearchParams"].concat()));
    };
    let mut pairs = Vec::with_capacity(entries.length() as usize);
    for entry in entries.iter() {
        let entry: Array = entry.unchecked_into();
        let key = string_arg(what, &entry.get(0))?;
        if let Some(text) = field_text(&key, &entry.get(1))? {
            pairs.push((key, text));
        }
    }
    Ok(pairs)
}

/// A parameter set from a plain object or `URLSearchParams`.
pub fn params_from_js(what: &str, value: &JsValue) -> Result<Params<'static>> {
    Params::from_pairs(pairs_from_js(what, value)?)
}

/// A plain JS object holding every field of `params`. Built with
/// `Object.fromEntries`, so a field named `__proto__` stays a field.
pub fn params_to_js(params: &Params) -> JsValue {
    let entries: Array = params
        .iter()
        .map(|(k, v)| Array::of2(&JsValue::from(k), &JsValue::from(v)))
        .collect();
    Object::from_entries(&entries).map_or(JsValue::UNDEFINED, JsValue::from)
}

/// A typed answer as a plain JS object: maps as objects, `None` as `null`,
/// integers as numbers. An integer JS cannot hold exactly (past 2^53, the
/// one thing this serializer refuses) is a `BAD_RESPONSE`.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|_| {
        Error::gateway(ErrorCode::BadResponse, "gateway answer holds an integer too large for a JS number", None)
    })
}

/// Checks an option bag (`what` in messages, `field` in the error): it is
/// absent (`undefined`/`null`) or a plain object whose keys are all
/// `known`. Anything else — a string, an array, a Map — is refused: read as
/// an empty bag it would silently drop the checks the caller asked for.
pub fn check_options(field: &str, what: &str, options: &JsValue, known: &[&str]) -> Result<()> {
    if options.is_undefined() || options.is_null() {
        return Ok(());
    }
    if !is_plain_object(options) {
        // The keys it takes, as JS would write the object: a caller who
        // passed a bare trade_no or a Map sees what to pass instead.
        return Err(Error::invalid(field, [what, " must be a plain object { ", &known.join(", "), " }"].concat()));
    }
    for name in Object::keys(options.unchecked_ref::<Object>()).iter() {
        check_option(what, &name.as_string().unwrap_or_default(), known)?;
    }
    Ok(())
}

/// An integer option in `min..=max`; `None` when absent.
pub fn int_option(options: &JsValue, field: &str, min: u64, max: u64) -> Result<Option<u64>> {
    let value = get(options, field);
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (min as f64..=max as f64).contains(&n) => Ok(Some(n as u64)),
        _ => Err(Error::invalid(field, [field, " must be an integer from ", &decimal(min as i64), " to ", &decimal(max as i64)].concat())),
    }
}
