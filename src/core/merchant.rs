//! A merchant account on a gateway, and what the client does with it
//! offline: the bound helpers (its KEY, gateway and pid filled in) and the
//! removal of the KEY from anything that may be shown.

use super::error::{first_chars, Detail, Error, Result};
use super::form::{pay_url, sign_order, submit_form};
use super::notify::{verify_notify, Expected, Verification};
use super::order::check_pid;
use super::params::Params;
use super::sign::{check_key, sign, sign_params};
use super::url::{percent_encode_into, Gateway};
use std::fmt;

/// How much of a bad body an error shows, in characters.
const SHOWN_BODY_CHARS: usize = 200;

/// A merchant account: a gateway, a pid and the KEY. `Debug` shows the
/// KEY as `***`; nothing else gives it out.
#[derive(Clone)]
pub struct Merchant {
    /// The gateway's base URL.
    pub gateway: Gateway,
    /// The merchant id.
    pub pid: String,
    key: String,
}

/// `order` with the client's `pid`: filled in when absent (or empty),
/// refused when it names another merchant.
pub fn with_pid<'a>(pid: &'a str, order: &Params<'a>) -> Result<Params<'a>> {
    if order.get_non_empty("pid").is_some_and(|given| given != pid) {
        return Err(Error::invalid("pid", "pid differs from the client's pid"));
    }
    let mut order = order.clone();
    order.set("pid", pid);
    Ok(order)
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("gateway", &self.gateway)
            .field("pid", &self.pid)
            .field("key", &"***")
            .finish()
    }
}

impl Merchant {
    /// Validates the account: a gateway base URL, a positive integer pid,
    /// a non-empty KEY.
    pub fn new(gateway: &str, pid: &str, key: &str) -> Result<Merchant> {
        check_pid(pid)?;
        check_key(key)?;
        Ok(Merchant { gateway: Gateway::parse(gateway)?, pid: pid.to_owned(), key: key.to_owned() })
    }

    /// The KEY, for the calls that send it (`api.php` authenticates by it).
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// [`with_pid`] with this merchant's pid.
    pub fn with_pid<'a>(&'a self, order: &Params<'a>) -> Result<Params<'a>> {
        with_pid(&self.pid, order)
    }

    /// [`sign`] with this merchant's KEY.
    pub fn sign(&self, params: &Params) -> Result<String> {
        sign(params, &self.key)
    }

    /// [`sign_params`] with this merchant's KEY.
    pub fn sign_params<'a>(&self, params: &Params<'a>) -> Result<Params<'a>> {
        sign_params(params, &self.key)
    }

    /// The auto-submitting form of `order` to this gateway, with this
    /// merchant's pid, validated and signed with its KEY.
    pub fn submit_form(&self, order: &Params) -> Result<String> {
        submit_form(&self.gateway, &sign_order(&self.with_pid(order)?, &self.key)?)
    }

    /// The pay link of `order` on this gateway, as [`Merchant::submit_form`].
    pub fn pay_url(&self, order: &Params) -> Result<String> {
        Ok(pay_url(&self.gateway, &sign_order(&self.with_pid(order)?, &self.key)?))
    }

    /// [`verify_notify`] with this merchant's KEY, expecting its own pid
    /// unless `expected` names one: a notify for another merchant that
    /// shares the KEY fails.
    pub fn verify_notify<'a>(&self, data: Option<Params<'a>>, expected: Expected) -> Result<Verification<'a>> {
        verify_notify(data, &self.key, &expected.or_pid(&self.pid))
    }

    /// `text` with every occurrence of the KEY (raw or percent-encoded)
    /// replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut encoded = String::new();
        percent_encode_into(&mut encoded, &self.key);
        replace_all(&replace_all(text, &self.key), &encoded)
    }

    /// `error` with the KEY removed from everything it carries. A body is
    /// redacted whole, then cut to its first 200 characters and shown at
    /// the end of the message.
    pub fn redact_error(&self, mut e: Error) -> Error {
        e.message = self.redact(&e.message);
        e.detail = e.detail.take().map(|d| match d {
            Detail::Body(body) => {
                let redacted = self.redact(&body);
                let start = first_chars(&redacted, SHOWN_BODY_CHARS).to_owned();
                e.message = [&e.message, ": ", &start].concat();
                Detail::Body(start)
            }
            Detail::Gateway { code, msg } => Detail::Gateway { code, msg: self.redact(&msg) },
            other => other,
        });
        e
    }
}

/// `text` with every `secret` replaced by `***` (an empty `secret`, which a
/// KEY never is, replaces nothing). A plain scan: a KEY is short, and std's
/// `str::replace` brings its two-way searcher into the wasm (~1.2 KB) for
/// this alone.
fn replace_all(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned(); // `windows(0)` would panic
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.as_bytes().windows(secret.len()).position(|w| w == secret.as_bytes()) {
        // Both always cut: a match of whole UTF-8 text starts and ends on
        // character boundaries (`get`, not `[..]`: no panic path in the
        // wasm). Were one not to, the rest is dropped, never shown as is.
        let (Some(before), Some(after)) = (rest.get(..at), rest.get(at + secret.len()..)) else { return out + "***" };
        out.push_str(before);
        out.push_str("***");
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";

    fn merchant() -> Merchant {
        Merchant::new("http://127.0.0.1:8787", "1005", KEY).unwrap()
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", merchant());
        assert!(shown.contains(r#"key: "***""#), "{shown}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains(r#"pid: "1005""#), "{shown}");
        assert!(!format!("{:#?}", merchant()).contains(KEY));
    }

    #[test]
    fn with_pid_fills_in_or_refuses() {
        let m = merchant();
        let p = Params::from_pairs([("a", "1")]).unwrap();
        assert_eq!(m.with_pid(&p).unwrap().get("pid"), Some("1005"));
        let empty = Params::from_pairs([("pid", "")]).unwrap();
        assert_eq!(m.with_pid(&empty).unwrap().get("pid"), Some("1005"));
        let same = Params::from_pairs([("pid", "1005")]).unwrap();
        assert!(m.with_pid(&same).is_ok());
        let other = Params::from_pairs([("pid", "1006")]).unwrap();
        assert_eq!(m.with_pid(&other).unwrap_err().field.as_deref(), Some("pid"));
    }

    // printf '%s' 'money=1.00&name=VIP&notify_url=http://m.cn/n&out_trade_no=A1&pid=1005&return_url=http://m.cn/r80TWQztHqTVvV440KTKVqVPQh11AkfpF' | md5sum
    #[test]
    fn pay_url_is_signed_with_the_merchants_pid_and_key() {
        let order = Params::from_pairs([
            ("out_trade_no", "A1"), ("notify_url", "http://m.cn/n"), ("return_url", "http://m.cn/r"), ("name", "VIP"), ("money", "1"),
        ])
        .unwrap();
        let url = merchant().pay_url(&order).unwrap();
        assert_eq!(
            url,
            "http://127.0.0.1:8787/submit.php?money=1.00&name=VIP&notify_url=http%3A%2F%2Fm.cn%2Fn&out_trade_no=A1&pid=1005\
             &return_url=http%3A%2F%2Fm.cn%2Fr&sign=dd9b79b85fbbfbddf3a77992b212ae23&sign_type=MD5"
        );
        let other = Params::from_pairs([("pid", "1006")]).unwrap();
        assert_eq!(merchant().submit_form(&other).unwrap_err().field.as_deref(), Some("pid"));
    }

    #[test]
    fn redacts_the_key_raw_and_encoded() {
        let m = Merchant::new("http://g.cn/", "1", "k+y/=").unwrap();
        assert_eq!(m.redact("a k+y/= b k%2By%2F%3D c"), "a *** b *** c");
        assert_eq!(m.redact("k+y/=k+y/=k+y/中k+y/="), "******k+y/中***", "back to back, a near miss, after non-ASCII");
        assert_eq!(m.redact("k+y"), "k+y", "shorter than the KEY");
        assert_eq!(replace_all("a b", ""), "a b", "an empty secret replaces nothing (no panic)");
        let e = Error::gateway(ErrorCode::BadResponse, "bad", Some(Detail::Body(format!("{}k+y/=", "x".repeat(198)))));
        let e = m.redact_error(e);
        assert_eq!(e.detail, Some(Detail::Body(format!("{}**", "x".repeat(198)))));
        assert_eq!(e.message, format!("bad: {}**", "x".repeat(198)));
        let e = m.redact_error(Error::gateway(ErrorCode::ApiError, "k+y/=", Some(Detail::Gateway { code: -3, msg: "k+y/= wrong".into() })));
        assert_eq!((e.message.as_str(), e.detail.clone()), ("***", Some(Detail::Gateway { code: -3, msg: "*** wrong".into() })));
    }
}
