//! The one error type of the crate: a machine-readable code, the field it
//! concerns, and a message that never contains the merchant KEY.

use std::fmt;

/// What kind of failure an [`Error`] is. The JS layer exposes it as
/// `EpayError.code` (the SCREAMING_SNAKE name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Bad input from the caller, caught before anything is sent.
    InvalidParam,
    /// The gateway answered with a failure code (`code` other than success).
    ApiError,
    /// The gateway answered with a non-2xx HTTP status.
    HttpError,
    /// The request did not complete within the configured timeout.
    Timeout,
    /// The request failed at the network level (refused, reset, DNS...).
    Network,
    /// The gateway's body was not JSON, or not of the expected shape.
    BadResponse,
    /// V2: an answer signed by the platform whose signature does not verify
    /// with the platform public key(s), or a success (code 0) not signed.
    BadSignature,
}

impl ErrorCode {
    /// The code as JS sees it, e.g. `INVALID_PARAM`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParam => "INVALID_PARAM",
            ErrorCode::ApiError => "API_ERROR",
            ErrorCode::HttpError => "HTTP_ERROR",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Network => "NETWORK",
            ErrorCode::BadResponse => "BAD_RESPONSE",
            ErrorCode::BadSignature => "BAD_SIGNATURE",
        }
    }
}

/// A failure with its code, the field it concerns (if any) and a readable
/// message. Messages are written by this crate and never echo the KEY.
/// Its parts ([`ErrorInfo`]) are read through `Deref` (`error.code`).
///
/// One pointer: boxed, so that every `Result` of the crate is small to
/// move. Errors are rare; unboxed (56 bytes) they cost 8.8 KB of gzipped
/// wasm in the code that moves results around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorInfo>);

/// What an [`Error`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// The protocol field at fault, e.g. `money`, when there is one.
    pub field: Option<String>,
    /// A readable explanation.
    pub message: String,
    /// What the gateway said, for errors about its answer.
    pub detail: Option<Detail>,
}

impl std::ops::Deref for Error {
    type Target = ErrorInfo;

    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

/// Details of an error about the gateway's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The HTTP status of a non-2xx answer (`HTTP_ERROR`).
    Status(u16),
    /// The gateway's own failure code and message (`API_ERROR`).
    Gateway {
        /// The gateway's `code`.
        code: i64,
        /// The gateway's `msg`.
        msg: String,
    },
    /// The start of a body that could not be read (`BAD_RESPONSE`).
    Body(String),
}

impl Error {
    /// An `INVALID_PARAM` error about `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorInfo { code: ErrorCode::InvalidParam, field: Some(field.to_owned()), message: message.into(), detail: None }))
    }

    /// An error about the gateway or the network, with no field.
    pub fn gateway(code: ErrorCode, message: impl Into<String>, detail: Option<Detail>) -> Self {
        Error(Box::new(ErrorInfo { code, field: None, message: message.into(), detail }))
    }

    /// The parts of the error, taken out of its box.
    pub fn into_info(self) -> ErrorInfo {
        *self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `n` in decimal, for messages. One small function instead of a
/// `Display` implementation per integer type in the wasm.
pub fn decimal(n: i64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(21);
    if n < 0 {
        out.push('-');
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
    out
}

/// Checks that `name`, a key of the option object `what` (e.g.
/// `EpayClient options`), is one of `known`: a misspelt option would
/// otherwise be silently ignored. The error names the key as its field.
pub fn check_option(what: &str, name: &str, known: &[&str]) -> Result<()> {
    if known.contains(&name) {
        return Ok(());
    }
    let message = ["unknown option `", first_chars(name, 64), "` in ", what, "; expected ", &known.join(", ")].concat();
    Err(Error::invalid(name, message))
}

/// The first `n` characters of `text` (all of it when shorter).
pub fn first_chars(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).and_then(|(end, _)| text.get(..end)).unwrap_or(text)
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn unknown_options_are_named() {
        let known = ["limit", "page", "offset"];
        assert!(super::check_option("queryOrders paging", "offset", &known).is_ok());
        let e = super::check_option("queryOrders paging", "offest", &known).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("offest"));
        assert_eq!(e.message, "unknown option `offest` in queryOrders paging; expected limit, page, offset");
        let long = "x".repeat(100);
        let e = super::check_option("o", &long, &known).unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.len()), (Some(long.as_str()), "unknown option `` in o; expected limit, page, offset".len() + 64));
    }

    #[test]
    fn decimal_is_display() {
        for n in [0, 7, -7, 10, 99, 100, 1005, 600_000, i64::from(u32::MAX), i64::MAX, i64::MIN] {
            assert_eq!(decimal(n), n.to_string());
        }
    }
}
