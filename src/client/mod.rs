//! The JS platform under the gateway clients: the core's [`Transport`]
//! over a fetch function, the global one or the one given in the client's
//! options, and ([`webcrypto`]) V2's RSA over WebCrypto. Each fetch
//! attempt is bounded by a timeout (an `AbortSignal`), the answer read up
//! to 1 MB, and a redirect returned as it is, never followed.
//!
//! The request is `fetch(url, init)` with a plain `init` object, the form
//! every fetch-compatible function takes: npm undici's `fetch` (what a proxy
//! agent is used with) refuses a `Request` built by Node's own global
//! `Request` ("Failed to parse URL from [object Request]"). The answer is
//! read duck-typed (`status`, `body`), for the same reason.

use crate::core::answer::KEPT_BODY_BYTES;
use crate::core::api::{Method, Request};
use crate::core::error::{decimal, Detail, Error, ErrorCode, Result};
use crate::core::transport::Transport;
use crate::wasm::convert::{get, set};
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

pub mod webcrypto;

/// Longest body accepted from the gateway.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Sends requests with `fetch`.
pub struct Fetch {
    /// The fetch function; the global `fetch` at each call when `None`.
    pub function: Option<Function>,
    /// Bound on each attempt, body included.
    pub timeout_ms: u32,
}

impl Transport for Fetch {
    async fn send(&self, request: &Request) -> Result<(u16, String)> {
        let global;
        let fetch = match &self.function {
            Some(f) => f,
            None => {
                global = get(&js_sys::global(), "fetch").dyn_into::<Function>().map_err(|_| no_fetch())?;
                &global
            }
        };
        let headers = object(&[("Accept", "application/json, text/plain, */*".into())]);
        let init = object(&[
            ("method", if request.method == Method::Post { "POST" } else { "GET" }.into()),
            ("headers", headers.clone()),
            ("redirect", "manual".into()),
            ("signal", AbortSignal::timeout_with_u32(self.timeout_ms).into()),
        ]);
        if let Some(body) = &request.body {
            set(&headers, "Content-Type", &"application/x-www-form-urlencoded".into());
            set(&init, "body", &body.as_str().into());
        }
        let answer = fetch.call2(&JsValue::UNDEFINED, &request.full_url().into(), &init).map_err(js_error)?;
        let response = JsFuture::from(Promise::resolve(&answer)).await.map_err(js_error)?;
        let status = get(&response, "status").as_f64().filter(|s| s.fract() == 0.0 && (0.0..1000.0).contains(s));
        let status = status.ok_or_else(|| network_error("the fetch function did not resolve to a Response", ""))?;
        let body = read_capped(&response, MAX_BODY_BYTES).await?;
        Ok((status as u16, lossy(&body)))
    }

    async fn sleep(&self, ms: u32) {
        let promise = Promise::new(&mut |resolve, _| {
            if let Ok(set_timeout) = get(&js_sys::global(), "setTimeout").dyn_into::<Function>() {
                let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms));
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}

fn no_fetch() -> Error {
    network_error("there is no global fetch: pass one in the `fetch` option", "")
}

/// A plain object from `(name, value)` pairs.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let out: JsValue = Object::new().into();
    for (k, v) in pairs {
        set(&out, k, v);
    }
    out
}


/// Reads the body chunk by chunk, giving up past `max` bytes. A body that is
/// not a ReadableStream (node-fetch's is a Node stream) is read whole with
/// `arrayBuffer()`, then held to the same cap.
async fn read_capped(response: &JsValue, max: usize) -> Result<Vec<u8>> {
    let stream = get(response, "body");
    if stream.is_null() || stream.is_undefined() {
        return Ok(Vec::new());
    }
    if !get(&stream, "getReader").is_function() {
        let buffer = JsFuture::from(Promise::resolve(&call_method(response, "arrayBuffer")?)).await.map_err(js_error)?;
        let bytes = Uint8Array::new(&buffer);
        let mut out = vec![0; (bytes.length() as usize).min(max + 1)];
        bytes.subarray(0, out.len() as u32).copy_to(&mut out);
        return if out.len() > max { Err(too_large(max, &out)) } else { Ok(out) };
    }
    let reader = call_method(&stream, "getReader")?;
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(Promise::resolve(&call_method(&reader, "read")?)).await.map_err(js_error)?;
        if get(&chunk, "done").is_truthy() {
            return Ok(out);
        }
        let bytes = Uint8Array::new(&get(&chunk, "value"));
        let start = out.len();
        if start + bytes.length() as usize > max {
            let _ = call_method(&reader, "cancel");
            return Err(too_large(max, &out));
        }
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
    }
}

fn too_large(max: usize, start: &[u8]) -> Error {
    Error::gateway(
        ErrorCode::BadResponse,
        ["gateway answer is larger than ", &decimal(max as i64), " bytes"].concat(),
        Some(Detail::Body(lossy(&start[..start.len().min(KEPT_BODY_BYTES)]))),
    )
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


fn call_method(obj: &JsValue, name: &str) -> Result<JsValue> {
    let method: Function = get(obj, name).dyn_into().map_err(js_error)?;
    method.call0(obj).map_err(js_error)
}

/// Maps a throw or rejection of fetch or of a read: an aborted signal is a
/// timeout, anything else a network failure.
fn js_error(value: JsValue) -> Error {
    let name = get(&value, "name").as_string().unwrap_or_default();
    let message = get(&value, "message").as_string().unwrap_or_default();
    network_error(&message, &name)
}

fn network_error(message: &str, name: &str) -> Error {
    if name == "TimeoutError" || name == "AbortError" {
        return Error::gateway(ErrorCode::Timeout, "gateway did not answer in time", None);
    }
    Error::gateway(ErrorCode::Network, ["could not reach the gateway: ", message].concat(), None)
}
