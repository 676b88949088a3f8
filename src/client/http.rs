//! One HTTP exchange over gloo-net, and a timer.

use crate::core::api::{Call, Method};
use crate::core::error::{decimal, Detail, Error, ErrorCode, Result};
use gloo_net::http::{Method as HttpMethod, RequestBuilder};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestRedirect};

/// Sends `call` once and reads at most `max_body` bytes of the answer.
/// Redirects are not followed (the KEY must not go to another URL); the
/// timeout covers the whole exchange, body included.
pub async fn fetch(call: &Call, timeout_ms: u32, max_body: usize) -> Result<(u16, String)> {
    let signal = AbortSignal::timeout_with_u32(timeout_ms);
    let method = match call.method {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
    };
    let builder = RequestBuilder::new(&call.url)
        .method(method)
        .query(call.query.iter().map(|(k, v)| (*k, v.as_str())))
        .header("Accept", "application/json, text/plain, */*")
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(&signal));
    let request = match &call.body {
        Some(body) => builder
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.as_str()),
        None => builder.build(),
    }
    .map_err(|e| network_error(&e.to_string(), ""))?;
    let response = request.send().await.map_err(gloo_error)?;
    let status = response.status();
    let body = read_capped(response.body(), max_body).await?;
    Ok((status, lossy(&body)))
}

/// Reads a body stream chunk by chunk, giving up past `max` bytes.
async fn read_capped(stream: Option<web_sys::ReadableStream>, max: usize) -> Result<Vec<u8>> {
    let Some(stream) = stream else { return Ok(Vec::new()) };
    let reader = call_method(&stream, "getReader")?;
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(Promise::from(call_method(&reader, "read")?)).await.map_err(js_error)?;
        if get(&chunk, "done").is_truthy() {
            return Ok(out);
        }
        let bytes = Uint8Array::new(&get(&chunk, "value"));
        let start = out.len();
        if start + bytes.length() as usize > max {
            let _ = call_method(&reader, "cancel");
            return Err(Error::gateway(
                ErrorCode::BadResponse,
                ["gateway answer is larger than ", &decimal(max as i64), " bytes"].concat(),
                Some(Detail::Body(lossy(&out[..out.len().min(super::KEPT_BODY_BYTES)]))),
            ));
        }
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
    }
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD, a BOM kept: what
/// `String::from_utf8_lossy` gives (both follow the WHATWG decoder), by JS's
/// TextDecoder, which saves the wasm Rust's own lossy decoder (~0.7 KB).
fn lossy(bytes: &[u8]) -> String {
    let options = web_sys::TextDecoderOptions::new();
    let _ = Reflect::set(&options, &"ignoreBOM".into(), &JsValue::TRUE); // not in web-sys
    web_sys::TextDecoder::new_with_label_and_options("utf-8", &options)
        .and_then(|d| d.decode_with_u8_array(bytes))
        .unwrap_or_default()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn call_method(obj: &JsValue, name: &str) -> Result<JsValue> {
    let method: Function = get(obj, name).dyn_into().map_err(js_error)?;
    method.call0(obj).map_err(js_error)
}

/// Maps a rejected fetch or read: an aborted signal is a timeout, anything
/// else a network failure.
fn js_error(value: JsValue) -> Error {
    let name = get(&value, "name").as_string().unwrap_or_default();
    let message = get(&value, "message").as_string().unwrap_or_default();
    network_error(&message, &name)
}

fn gloo_error(e: gloo_net::Error) -> Error {
    match e {
        gloo_net::Error::JsError(js) => network_error(&js.message, &js.name),
        other => network_error(&other.to_string(), ""),
    }
}

fn network_error(message: &str, name: &str) -> Error {
    if name == "TimeoutError" || name == "AbortError" {
        return Error::gateway(ErrorCode::Timeout, "gateway did not answer in time", None);
    }
    Error::gateway(ErrorCode::Network, ["could not reach the gateway: ", message].concat(), None)
}

/// Resolves after `ms` milliseconds (global `setTimeout`).
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Ok(set_timeout) = get(&js_sys::global(), "setTimeout").dyn_into::<Function>() {
            let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms));
        }
    });
    let _ = JsFuture::from(promise).await;
}
