//! The network side of the gateway client: sends a [`Call`] through
//! gloo-net (the global `fetch` of Node ≥ 18 and browsers) with a timeout,
//! a capped body, no redirects followed, and retries only where the call
//! allows them. Answers come back as parsed JSON, judged by `code`.

mod http;

use crate::core::api::{check_code, retry_delay_ms, should_retry, Call, Merchant};
use crate::core::error::{decimal, Detail, Error, ErrorCode, Result};
use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;

/// Longest body accepted from the gateway.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// How much of a bad body an error shows, in characters.
const SHOWN_BODY_CHARS: usize = 200;
/// How much of a bad body is kept until the KEY is redacted: enough that a
/// KEY straddling the cut is still whole when redaction runs.
pub const KEPT_BODY_BYTES: usize = 4096;

/// Sends `call`, retrying up to `retries` times when the call allows it
/// (network errors and 5xx, with a short backoff), and returns the answer's
/// JSON object once its `code` means success. Every error text has the KEY
/// redacted.
pub async fn send(m: &Merchant, call: &Call, timeout_ms: u32, retries: u32) -> Result<JsValue> {
    let mut attempt = 0;
    loop {
        let result = send_once(call, timeout_ms).await;
        match result {
            Err(e) if attempt < retries && should_retry(call, &e) => {
                attempt += 1;
                http::sleep(retry_delay_ms(attempt)).await;
            }
            other => return other.and_then(|body| judge(call, &body)).map_err(|e| redact(m, e)),
        }
    }
}

async fn send_once(call: &Call, timeout_ms: u32) -> Result<String> {
    let (status, body) = http::fetch(None, call, timeout_ms, MAX_BODY_BYTES).await?;
    if !(200..300).contains(&status) {
        let message = match status {
            0 | 300..=399 => "gateway answered with a redirect, which is not followed".to_owned(),
            _ => ["gateway answered HTTP ", &decimal(status.into())].concat(),
        };
        return Err(Error::gateway(ErrorCode::HttpError, message, Some(Detail::Status(status))));
    }
    Ok(body)
}

/// Parses the body as a JSON object with a numeric `code` (real servers
/// send JSON as text/html, so the header is not trusted) and judges it.
fn judge(call: &Call, body: &str) -> Result<JsValue> {
    let mut text = body;
    while let Some(rest) = text.strip_prefix('\u{feff}') {
        text = rest; // as trim_start_matches, without its searcher
    }
    let json = JSON::parse(text).ok().filter(JsValue::is_object);
    let code = json.as_ref().and_then(|j| number(&Reflect::get(j, &"code".into()).ok()?));
    let (Some(json), Some(code)) = (json, code) else {
        let kept = body.get(..KEPT_BODY_BYTES).unwrap_or(body);
        return Err(Error::gateway(
            ErrorCode::BadResponse,
            "gateway answer is not a JSON object with a code",
            Some(Detail::Body(kept.to_owned())),
        ));
    };
    let msg = Reflect::get(&json, &"msg".into()).ok().filter(|m| !m.is_undefined() && !m.is_null());
    let msg = msg.map(|m| m.as_string().unwrap_or_else(|| String::from(js_sys::JsString::from(m)))).unwrap_or_default();
    check_code(call, code as i64, &msg)?;
    Ok(json)
}

/// A JSON number, or a string holding one (`"1"`), as f64.
pub fn number(value: &JsValue) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_string().and_then(|s| parse_decimal(s.trim())))
        .filter(|n: &f64| n.is_finite())
}

/// What `str::parse::<f64>` reads from `text`, converted by JS's `parseFloat`
/// instead of Rust's own parser, whose tables cost ~15 KB of wasm. Accepts
/// exactly Rust's decimal syntax (`[+-]` digits `[.digits]` `[e[+-]digits]`,
/// either side of the dot may be empty but not both); both convert with
/// correct rounding, so the value is the same. Rust's `inf`/`nan` are left
/// out: they are not finite, which `number` drops anyway.
fn parse_decimal(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int = digits(&mut i);
    let frac = if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i)
    } else {
        0
    };
    if int + frac == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(js_sys::parse_float(text))
}

/// Removes the KEY from everything an error carries. A body is redacted
/// whole, then cut to its first 200 characters and shown in the message.
fn redact(m: &Merchant, mut e: Error) -> Error {
    e.message = m.redact(&e.message);
    e.detail = e.detail.map(|d| match d {
        Detail::Body(b) => {
            let start: String = m.redact(&b).chars().take(SHOWN_BODY_CHARS).collect();
            e.message = [&e.message, ": ", &start].concat();
            Detail::Body(start)
        }
        Detail::Gateway { code, msg } => Detail::Gateway { code, msg: m.redact(&msg) },
        other => other,
    });
    e
}
