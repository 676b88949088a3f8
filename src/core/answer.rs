//! Reading the gateway's answers: the HTTP status, then the JSON envelope
//! every `mapi.php` and `api.php` answer shares (an integer `code`, a
//! `msg` on failure), then the typed answer ([`super::answers`]).

use super::error::{decimal, Detail, Error, ErrorCode, Result};
use super::json::{self, Json, Object};

/// The fields of an answer as received, in order.
pub type Fields = Object;

/// How much of a bad body is kept until the KEY is redacted: enough that a
/// KEY straddling the 200 characters an error shows is still whole when
/// redaction runs.
pub const KEPT_BODY_BYTES: usize = 4096;

/// One of the gateway's answers, read from its JSON object once the
/// envelope is judged a success.
pub trait Answer: Sized {
    /// Reads the answer, or `BAD_RESPONSE` when it has not the expected shape.
    fn read(fields: Fields) -> Result<Self>;
}

/// The fields as they are, for a caller that reads them as its answer
/// afterwards ([`super::api::Call::into_fields`]).
impl Answer for Fields {
    fn read(fields: Fields) -> Result<Self> {
        Ok(fields)
    }
}

/// Judges an answer: a 2xx status, then a body that is a JSON object (a
/// leading BOM allowed; real servers send JSON as `text/html`, so the
/// content type is not looked at) with an integer `code` among
/// `success_codes`. Returns the object, or `HTTP_ERROR`, `BAD_RESPONSE`,
/// or `API_ERROR` with the gateway's code and msg.
pub fn judge(success_codes: &[i64], status: u16, body: &str) -> Result<Fields> {
    check_status(status)?;
    let object = match body_json(body) {
        Some(Json::Object(object)) => Some(object),
        _ => None,
    };
    let code = object.as_ref().and_then(|o| integer(o.get("code")?));
    let (Some(mut object), Some(code)) = (object, code) else {
        return Err(bad_body("gateway answer is not a JSON object with a code", body));
    };
    if !success_codes.contains(&code) {
        let msg = match object.remove("msg") {
            Some(Json::String(text) | Json::Number(text)) => text,
            _ => String::new(),
        };
        let shown = if msg.is_empty() { "(no message)" } else { &msg };
        let message = ["gateway refused the request: code ", &decimal(code), ", ", shown].concat();
        return Err(Error::gateway(ErrorCode::ApiError, message, Some(Detail::Gateway { code, msg })));
    }
    drop_proto(&mut object);
    Ok(object)
}

/// The JSON of an answer's body, a leading BOM allowed (V1 and V2 alike).
pub fn body_json(body: &str) -> Option<Json> {
    json::parse(body.trim_start_matches('\u{feff}'))
}

/// `HTTP_ERROR` for anything but a 2xx status. Status 0 (a browser's
/// opaque redirect) and 3xx are redirects, which are never followed: the
/// KEY must not go to another URL.
pub fn check_status(status: u16) -> Result<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message = match status {
        0 | 300..=399 => "gateway answered with a redirect, which is not followed".to_owned(),
        _ => ["gateway answered HTTP ", &decimal(status.into())].concat(),
    };
    Err(Error::gateway(ErrorCode::HttpError, message, Some(Detail::Status(status))))
}

/// `BAD_RESPONSE` carrying the start of `body` (the KEY is redacted and the
/// body cut to 200 characters before anyone sees it).
fn bad_body(message: &str, body: &str) -> Error {
    let mut end = body.len().min(KEPT_BODY_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Error::gateway(ErrorCode::BadResponse, message, Some(Detail::Body(body[..end].to_owned())))
}

/// `BAD_RESPONSE` about the shape of an answer.
pub fn bad_shape(what: &str, why: &str) -> Error {
    Error::gateway(ErrorCode::BadResponse, ["gateway answer to ", what, " is not of the expected shape: ", why].concat(), None)
}

/// Removes every `__proto__` field, at any depth: a JS object built from
/// the answer by assignment would take it as its prototype instead of a
/// field. No gateway sends one.
fn drop_proto(object: &mut Fields) {
    object.remove("__proto__");
    let mut stack: Vec<&mut Json> = object.values_mut().collect();
    while let Some(value) = stack.pop() {
        match value {
            Json::Object(inner) => {
                inner.remove("__proto__");
                stack.extend(inner.values_mut());
            }
            Json::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// An integer as gateways write one: a JSON integer or a string of one
/// (`1005` or `"1005"`). Anything else (a fraction, `"1e3"`, `true`) is not.
pub fn integer(value: &Json) -> Option<i64> {
    match value {
        Json::String(s) => s.parse().ok(),
        _ => value.as_i64(),
    }
}

/// The rows of a list answer (`data`): `null` or absent is an empty list,
/// as real servers send it; each row must be an object.
pub fn rows(what: &str, fields: &mut Fields) -> Result<Vec<Fields>> {
    match fields.remove("data") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(rows)) => rows
            .into_iter()
            .map(|row| match row {
                Json::Object(row) => Ok(row),
                _ => Err(bad_shape(what, "a row of data is not an object")),
            })
            .collect(),
        Some(_) => Err(bad_shape(what, "data is not a list")),
    }
}

/// Takes the documented fields out of an answer, each checked for its
/// type; what is left is the answer's other fields, as received. The first
/// field of the wrong type is kept as the error [`Reader::rest`] returns:
/// the readings themselves cannot fail, so a typed answer is built in one
/// go, without an early return (and its clean-up) after every field.
pub struct Reader {
    what: &'static str,
    fields: Fields,
    error: Option<Error>,
}

impl Reader {
    /// Reads `fields` of the answer to `what` (e.g. `act=orders`).
    pub fn new(what: &'static str, fields: Fields) -> Reader {
        Reader { what, fields, error: None }
    }

    /// Reads the answer to `what`, its envelope's `code` and `msg` dropped.
    pub fn answer(what: &'static str, mut fields: Fields) -> Reader {
        fields.remove("code");
        fields.remove("msg");
        Reader::new(what, fields)
    }

    /// A text field; `None` when absent or `null` (or not text: an error).
    pub fn text(&mut self, name: &str) -> Option<String> {
        match self.fields.remove(name) {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s),
            Some(_) => self.bad(name, " is not text"),
        }
    }

    /// A text field that must be there, not empty (else an error).
    pub fn required(&mut self, name: &str) -> String {
        match self.text(name) {
            Some(text) if !text.is_empty() => text,
            _ => self.bad(name, " is missing").unwrap_or_default(),
        }
    }

    /// An integer field, sent as a number or a string ([`integer`]); `None`
    /// when absent or `null` (or not an integer: an error).
    pub fn int(&mut self, name: &str) -> Option<i64> {
        match self.fields.remove(name) {
            None | Some(Json::Null) => None,
            Some(v) => integer(&v).or_else(|| self.bad(name, " is not an integer")),
        }
    }

    /// Drops a field.
    pub fn skip(&mut self, name: &str) {
        self.fields.remove(name);
    }

    /// The fields not taken, or the first error met: `BAD_RESPONSE` naming
    /// the field.
    pub fn rest(self) -> Result<Fields> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.fields),
        }
    }

    /// Records that `name` is bad (`why`), unless an earlier field was.
    fn bad<T>(&mut self, name: &str, why: &str) -> Option<T> {
        if self.error.is_none() {
            self.error = Some(bad_shape(self.what, &[name, why].concat()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(result: Result<Fields>) -> Error {
        result.unwrap_err()
    }

    #[test]
    fn reads_json_sent_as_html_with_escapes_and_a_bom() {
        let body = "\u{feff}{\"code\":\"1\",\"payurl\":\"http:\\/\\/g.cn\\/pay\",\"name\":\"VIP\\u4f1a\\u5458\"}";
        let fields = judge(&[1], 200, body).unwrap();
        assert_eq!(fields.get("payurl"), Some(&Json::String("http://g.cn/pay".into())));
        assert_eq!(fields.get("name"), Some(&Json::String("VIP会员".into())));
    }

    #[test]
    fn anything_but_an_object_with_an_integer_code_is_a_bad_response() {
        for body in ["", "<html>", "[1]", "\"x\"", "{}", "{\"code\":null}", "{\"code\":1.5}", "{\"code\":\"1e0\"}", "{\"code\":true}", "{\"code\":1", "\u{feff}\u{feff}x"] {
            let e = err(judge(&[1], 200, body));
            assert_eq!(e.code, ErrorCode::BadResponse, "{body:?}");
            assert_eq!(e.detail, Some(Detail::Body(body.to_owned())), "{body:?}");
        }
        let long = format!("{}中", "x".repeat(KEPT_BODY_BYTES - 1));
        assert_eq!(err(judge(&[1], 200, &long)).detail, Some(Detail::Body("x".repeat(KEPT_BODY_BYTES - 1))));
    }

    #[test]
    fn a_failure_code_is_an_api_error_with_code_and_msg() {
        let e = err(judge(&[0, 1], 200, r#"{"code":-1,"msg":"\u8ba2\u5355\u53f7\u4e0d\u5b58\u5728"}"#));
        assert_eq!(e.code, ErrorCode::ApiError);
        assert_eq!(e.message, "gateway refused the request: code -1, 订单号不存在");
        assert_eq!(e.detail, Some(Detail::Gateway { code: -1, msg: "订单号不存在".into() }));
        let e = err(judge(&[1], 200, r#"{"code":0}"#));
        assert_eq!((e.message.as_str(), e.detail.clone()), ("gateway refused the request: code 0, (no message)", Some(Detail::Gateway { code: 0, msg: String::new() })));
        assert_eq!(err(judge(&[1], 200, r#"{"code":-5,"msg":42}"#)).detail, Some(Detail::Gateway { code: -5, msg: "42".into() }));
    }

    #[test]
    fn non_2xx_is_an_http_error_and_redirects_say_so() {
        for (status, message) in [(500, "gateway answered HTTP 500"), (404, "gateway answered HTTP 404"), (302, "gateway answered with a redirect, which is not followed"), (0, "gateway answered with a redirect, which is not followed")] {
            let e = err(judge(&[1], status, r#"{"code":1}"#));
            assert_eq!((e.code, e.message.as_str(), e.detail.clone()), (ErrorCode::HttpError, message, Some(Detail::Status(status))));
        }
    }

    #[test]
    fn proto_fields_are_dropped_at_any_depth() {
        let fields = judge(&[1], 200, r#"{"code":1,"__proto__":{"x":1},"a":[{"__proto__":1,"b":{"__proto__":2,"c":3}}]}"#).unwrap();
        assert_eq!(Json::Object(fields), json::parse(r#"{"code":1,"a":[{"b":{"c":3}}]}"#).unwrap());
    }

    #[test]
    fn the_reader_checks_types_and_names_the_field() {
        let fields = judge(&[1], 200, r#"{"code":1,"msg":"ok","a":"x","n":"7","z":null,"e":"","bad":5,"more":[1]}"#).unwrap();
        let reader = || Reader::answer("act=x", fields.clone());
        let mut r = reader();
        assert_eq!((r.text("a"), r.int("n"), r.text("z"), r.int("absent")), (Some("x".into()), Some(7), None, None));
        r.skip("e");
        r.skip("bad");
        r.skip("more");
        assert!(r.rest().unwrap().is_empty(), "code and msg dropped, every field taken");
        let first_error = |read: fn(&mut Reader)| {
            let mut r = reader();
            read(&mut r);
            r.text("bad"); // a later bad field does not replace the first error
            r.rest().unwrap_err().message.clone()
        };
        assert_eq!(first_error(|r| assert_eq!(r.required("e"), "")), "gateway answer to act=x is not of the expected shape: e is missing");
        assert_eq!(first_error(|r| assert_eq!(r.required("absent"), "")), "gateway answer to act=x is not of the expected shape: absent is missing");
        assert_eq!(first_error(|r| assert_eq!(r.int("more"), None)), "gateway answer to act=x is not of the expected shape: more is not an integer");
        assert_eq!(first_error(|_| {}), "gateway answer to act=x is not of the expected shape: bad is not text");
    }

    #[test]
    fn integers_as_gateways_write_them() {
        let read = |text: &str| integer(&json::parse(text).unwrap());
        assert_eq!([read("1005"), read("\"1005\""), read("-1"), read("\"-3\""), read("0")], [Some(1005), Some(1005), Some(-1), Some(-3), Some(0)]);
        for not in ["1.0", "1.5", "\"1.5\"", "\"\"", "\" 1\"", "\"1e3\"", "true", "null", "[1]", "18446744073709551615"] {
            assert_eq!(read(not), None, "{not}");
        }
    }
}
