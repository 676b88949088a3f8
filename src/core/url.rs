//! URL handling: http(s) URL checks, the gateway base URL, and query-string
//! percent-encoding and decoding.

use super::error::{Error, Result};
use std::borrow::Cow;

/// Longest URL accepted for notify_url / return_url (the gateway's column).
const MAX_URL_LEN: usize = 255;

/// Checks that `url` is an absolute http(s) URL with a host, no user info,
/// no whitespace or control characters. `field` names it in errors.
pub fn check_http_url(field: &str, url: &str) -> Result<()> {
    match url_problem(url) {
        Some(why) => Err(Error::invalid(field, [field, " ", why].concat())),
        None => Ok(()),
    }
}

/// What is wrong with `url` for [`check_http_url`], if anything (one place
/// builds the error: smaller wasm than an error per check).
fn url_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = strip_scheme(url) else { return Some("must be an absolute http:// or https:// URL") };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest.as_bytes()[..host_end]; // ok: find's position or the length, both within rest
    if authority.is_empty() || authority.starts_with(b":") {
        return Some("has no host");
    }
    let host_ok = |&b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']' | b'_');
    if !authority.iter().all(host_ok) {
        return Some("has a host with characters that are not allowed (user info is not accepted)");
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`');
    if url.contains(bad) {
        return Some("contains whitespace, control characters or one of \" < > \\ `");
    }
    if url.len() > MAX_URL_LEN {
        return Some("is longer than 255 bytes");
    }
    None
}

fn strip_scheme(url: &str) -> Option<&str> {
    ["http://", "https://"].iter().find_map(|scheme| {
        let (head, rest) = url.split_at_checked(scheme.len())?;
        head.eq_ignore_ascii_case(scheme).then_some(rest)
    })
}

/// The gateway's base URL, always ending with `/`, e.g.
/// `https://pay.example.com/`. Endpoints are joined onto it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    base: String,
}

impl Gateway {
    /// Validates a base URL such as `https://papi.payqqpay.cn/` (a missing
    /// trailing `/` is added). A query, a fragment or an endpoint such as
    /// `.../submit.php` is refused: give the base only.
    pub fn parse(url: &str) -> Result<Gateway> {
        check_http_url("gateway", url)?;
        if url.contains(['?', '#']) {
            return Err(Error::invalid("gateway", "gateway must be a base URL without ? or #, e.g. https://pay.example.com/"));
        }
        if url.ends_with(".php") {
            return Err(Error::invalid("gateway", "gateway must be the base URL, not an endpoint: drop the trailing *.php"));
        }
        let mut base = url.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Gateway { base })
    }

    /// The URL of an endpoint such as `submit.php` or `api.php`.
    pub fn endpoint(&self, path: &str) -> String {
        [&self.base, path].concat()
    }

    /// The base URL, ending with `/`.
    pub fn as_str(&self) -> &str {
        &self.base
    }
}

/// Appends `text` percent-encoded as `encodeURIComponent` does: only
/// `A-Z a-z 0-9 - _ . ! ~ * ' ( )` stay as they are.
pub fn percent_encode_into(out: &mut String, text: &str) {
    // Not in the kernel: pay links and gateway calls are not hot paths.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// `k=v&k=v` with both sides percent-encoded, in the given order.
pub fn encode_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        percent_encode_into(&mut out, k);
        out.push('=');
        percent_encode_into(&mut out, v);
    }
    out
}

/// Decodes one query component as PHP's `urldecode` and `URLSearchParams`
/// do: `+` is a space, `%XX` a byte, a malformed `%` stays as it is.
/// `None` when the bytes are not UTF-8.
pub fn percent_decode(text: &str) -> Option<Cow<'_, str>> {
    epay_kernel::percent_decode(text)
}

/// Splits a query string or form body into decoded `(key, value)` pairs.
/// A leading `?` is dropped, as is everything up to the first `?` of a full
/// URL (`http://`, `https://` or a path starting with `/`). Empty segments are
/// skipped; a segment without `=` has an empty value. `None` when a component
/// does not decode to UTF-8.
pub fn parse_query(input: &str) -> Option<Vec<(Cow<'_, str>, Cow<'_, str>)>> {
    let is_url = input.starts_with('/') || strip_scheme(input).is_some();
    epay_kernel::parse_query(input, is_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_http_urls() {
        for ok in ["https://a.example/notify", "http://127.0.0.1:8787/n/1", "HTTPS://x.cn", "http://[::1]:80/"] {
            check_http_url("notify_url", ok).unwrap();
        }
    }

    #[test]
    fn refuses_other_urls_naming_the_field() {
        for bad in [
            "", "ftp://a/", "//a/", "https://", "https:///x", "https://u:p@a/", "https://a/ b",
            "javascript:alert(1)", "https://a/\"x", "https://a/\n", &format!("https://a/{}", "x".repeat(300)),
        ] {
            let e = check_http_url("return_url", bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("return_url"), "{bad:?}");
        }
    }

    #[test]
    fn gateway_is_a_base() {
        assert_eq!(Gateway::parse("https://p.cn").unwrap().endpoint("submit.php"), "https://p.cn/submit.php");
        assert_eq!(Gateway::parse("https://p.cn/pay/").unwrap().as_str(), "https://p.cn/pay/");
        assert!(Gateway::parse("https://p.cn/submit.php").is_err());
        assert!(Gateway::parse("https://p.cn/?a=1").is_err());
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        // node -e "console.log(encodeURIComponent('a b&c=d/中~*'))"
        let mut s = String::new();
        percent_encode_into(&mut s, "a b&c=d/中~*");
        assert_eq!(s, "a%20b%26c%3Dd%2F%E4%B8%AD~*");
    }

    #[test]
    fn parses_queries_as_php_does() {
        let q = parse_query("?a=1&b=x+y%21&&c&d=%zz&e=%E4%B8%AD").unwrap();
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(q, [("a", "1"), ("b", "x y!"), ("c", ""), ("d", "%zz"), ("e", "中")]);
        let full = parse_query("https://m.example/notify?a=1#frag").unwrap();
        assert_eq!(full.len(), 1);
        assert!(parse_query("a=%FF").is_none());
    }
}
