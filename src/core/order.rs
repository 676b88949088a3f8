//! Orders for `submit.php` (browser) and `mapi.php` (server): validation
//! of every field before anything is signed or sent.

use super::error::{Error, Result};
use super::money::Money;
use super::params::Params;
use super::url::check_http_url;

/// Which endpoint an order is for; they differ in required fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `submit.php`: the browser is sent there; `type` optional, no
    /// `clientip`/`device`.
    Submit,
    /// `mapi.php`: the merchant server posts the order; `type` and
    /// `clientip` required, `device` defaults to `jump`.
    Mapi,
    /// V2 `api/pay/create`: the merchant server posts the order; `type` and
    /// `clientip` required, `return_url` optional, `method` defaults to
    /// `jump` (the gateway's own pay page, as `mapi.php`'s `device=jump`)
    /// and `device` to `pc`.
    PayCreate,
}

/// Longest `name` the gateway keeps, in UTF-8 bytes; longer names are cut.
pub const MAX_NAME_BYTES: usize = 127;
/// Longest `param` the gateway keeps, in bytes; longer is refused.
pub const MAX_PARAM_BYTES: usize = 255;
/// Longest `out_trade_no`, in characters.
const MAX_OUT_TRADE_NO: usize = 64;

/// Validates and normalises an order: drops empty values and any old
/// `sign`/`sign_type`, checks each field, writes money canonically
/// (`1` → `1.00`), cuts `name` to 127 bytes on a character boundary and
/// fills in the endpoint's defaults (`device`, `method`). Unknown fields
/// (forks add some) are kept and signed. Every failure names its field.
pub fn validate_order<'a>(order: &Params<'a>, endpoint: Endpoint) -> Result<Params<'a>> {
    let mut out = order.filtered(|k, v| !v.is_empty() && k != "sign" && k != "sign_type");
    for (k, v) in out.iter() {
        check_sendable_value(k, v)?;
    }
    let required: &[&str] = match endpoint {
        Endpoint::Submit => &["pid", "out_trade_no", "notify_url", "return_url", "name", "money"],
        Endpoint::Mapi => &["pid", "type", "out_trade_no", "notify_url", "return_url", "name", "money", "clientip"],
        Endpoint::PayCreate => &["pid", "type", "out_trade_no", "notify_url", "name", "money", "clientip"],
    };
    if let Some(missing) = required.iter().find(|k| out.get(k).is_none()) {
        return Err(Error::invalid(missing, [missing, " is required"].concat()));
    }
    let value = |k: &str| out.get(k).unwrap_or_default();
    check_pid(value("pid"))?;
    check_out_trade_no(value("out_trade_no"))?;
    check_http_url("notify_url", value("notify_url"))?;
    if value("notify_url").contains(['?', '#']) {
        return Err(Error::invalid(
            "notify_url",
            "notify_url must not have a query string: its parameters would arrive unsigned and break verification; use a path such as /notify/ORDER1",
        ));
    }
    if let Some(url) = out.get("return_url") {
        check_http_url("return_url", url)?;
    }
    if let Some(t) = out.get("type") {
        check_word("type", t)?;
    }
    if let Some(param) = out.get("param") {
        if param.len() > MAX_PARAM_BYTES {
            return Err(Error::invalid("param", "param is longer than 255 bytes (the gateway would cut it)"));
        }
    }
    if let Some(ip) = out.get("clientip") {
        if !is_ip_addr(ip) {
            return Err(Error::invalid("clientip", "clientip must be an IPv4 or IPv6 address"));
        }
    }
    for field in ["device", "method"] {
        if let Some(word) = out.get(field) {
            check_word(field, word)?;
        }
    }
    let money = Money::parse_positive("money", value("money"))?.text();
    let name = truncate_utf8(value("name"), MAX_NAME_BYTES).to_owned();
    out.set("money", money);
    out.set("name", name);
    let defaults: &[(&'static str, &'static str)] = match endpoint {
        Endpoint::Submit => &[],
        Endpoint::Mapi => &[("device", "jump")],
        Endpoint::PayCreate => &[("device", "pc"), ("method", "jump")],
    };
    for &(field, default) in defaults {
        if out.get(field).is_none() {
            out.set(field, default);
        }
    }
    Ok(out)
}

/// Whether `text` is an IPv4 or IPv6 address as `str::parse::<IpAddr>`
/// reads one (checked against it in the tests): four decimal octets without
/// leading zeros, or up to eight hex groups with one `::` and an optional
/// trailing IPv4. Our own few hundred bytes of wasm instead of the standard
/// library's parser (~1 KB).
pub fn is_ip_addr(text: &str) -> bool {
    let b = text.as_bytes();
    ipv4_at(b, 0) == Some(b.len()) || is_ipv6(b)
}

/// The end of an IPv4 address read from `b[at..]`, if there is one.
fn ipv4_at(b: &[u8], mut at: usize) -> Option<usize> {
    for i in 0..4 {
        if i > 0 {
            if b.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let start = at;
        let mut value = 0u32;
        while at - start < 3 {
            match b.get(at) {
                Some(d) if d.is_ascii_digit() => value = value * 10 + u32::from(d - b'0'),
                _ => break,
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 || value > 255 || (digits > 1 && b[start] == b'0') {
            return None;
        }
    }
    Some(at)
}

/// Reads up to `limit` `:`-separated hex groups (1-4 digits) from `b[at..]`,
/// the last two of which may be an IPv4 address. Returns the position after
/// them, how many groups, and whether an IPv4 address ended them.
fn ipv6_groups(b: &[u8], mut at: usize, limit: usize) -> (usize, usize, bool) {
    for i in 0..limit {
        let sep = usize::from(i > 0);
        if i > 0 && b.get(at) != Some(&b':') {
            return (at, i, false);
        }
        if i + 1 < limit {
            if let Some(end) = ipv4_at(b, at + sep) {
                return (end, i + 2, true);
            }
        }
        let start = at + sep;
        let mut end = start;
        while end - start < 4 && b.get(end).is_some_and(u8::is_ascii_hexdigit) {
            end += 1;
        }
        if end == start {
            return (at, i, false);
        }
        at = end;
    }
    (at, limit, false)
}

fn is_ipv6(b: &[u8]) -> bool {
    let (at, head, head_v4) = ipv6_groups(b, 0, 8);
    if head == 8 {
        return at == b.len();
    }
    if head_v4 || b.get(at..at + 2) != Some(b"::") {
        return false;
    }
    let (at, _, _) = ipv6_groups(b, at + 2, 8 - (head + 1));
    at == b.len()
}

/// Refuses values that cannot be sent faithfully: whitespace-only (servers
/// disagree on trimming them) and NUL bytes (cut by C and HTML).
pub fn check_sendable_value(field: &str, value: &str) -> Result<()> {
    if !value.is_empty() && value.trim().is_empty() {
        return Err(Error::invalid(field, [field, " is only whitespace"].concat()));
    }
    if value.contains('\0') {
        return Err(Error::invalid(field, [field, " contains a NUL character"].concat()));
    }
    Ok(())
}

/// Checks a merchant id: a positive integer in decimal, no leading zero.
pub fn check_pid(pid: &str) -> Result<()> {
    let digits = pid.bytes().all(|b| b.is_ascii_digit());
    if pid.is_empty() || !digits || pid.starts_with('0') || pid.len() > 18 {
        return Err(Error::invalid("pid", "pid must be a positive integer"));
    }
    Ok(())
}

/// Checks an out_trade_no: 1–64 of `a-z A-Z 0-9 . _ - |`.
pub fn check_out_trade_no(no: &str) -> Result<()> {
    check_merchant_no("out_trade_no", no)
}

/// Checks one of the merchant's own numbers (`out_trade_no`,
/// `out_refund_no`): 1–64 of `a-z A-Z 0-9 . _ - |`.
pub fn check_merchant_no(field: &str, no: &str) -> Result<()> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'|');
    if no.is_empty() || no.len() > MAX_OUT_TRADE_NO || !no.bytes().all(ok) {
        return Err(Error::invalid(field, [field, " must be 1-64 characters of a-z A-Z 0-9 . _ - |"].concat()));
    }
    Ok(())
}

/// Checks a lower-case word such as a payment `type` (alipay, wxpay, qqpay,
/// or a fork's own) or a `device`: 1–32 of `a-z 0-9 _`.
fn check_word(field: &str, word: &str) -> Result<()> {
    let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    if word.is_empty() || word.len() > 32 || !word.bytes().all(ok) {
        return Err(Error::invalid(field, [field, " must be 1-32 of a-z 0-9 _ (e.g. alipay, wxpay, qqpay)"].concat()));
    }
    Ok(())
}

/// `text` cut to at most `max` bytes without splitting a character.
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    (0..=max).rev().find_map(|end| text.get(..end)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_order() -> Vec<(&'static str, &'static str)> {
        vec![
            ("pid", "1005"),
            ("type", "alipay"),
            ("out_trade_no", "20160806151343349"),
            ("notify_url", "http://www.pay.com/notify_url.php"),
            ("return_url", "http://www.pay.com/return_url.php"),
            ("name", "VIP会员"),
            ("money", "1"),
            ("clientip", "192.168.1.100"),
        ]
    }

    fn validate(pairs: &[(&str, &str)], endpoint: Endpoint) -> Result<Vec<(String, String)>> {
        let p = Params::from_pairs(pairs.iter().copied())?;
        let out = validate_order(&p, endpoint)?;
        Ok(out.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    fn field_of(pairs: &[(&str, &str)], endpoint: Endpoint) -> String {
        validate(pairs, endpoint).unwrap_err().field.clone().unwrap()
    }

    fn with(key: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
        let mut o: Vec<_> = seed_order().into_iter().filter(|(k, _)| *k != key).collect();
        o.push((key, value));
        o
    }

    #[test]
    fn ip_addresses_are_read_as_the_standard_library_reads_them() {
        let std_ok = |t: &str| t.parse::<std::net::IpAddr>().is_ok();
        let known = [
            "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.1.1.1", "1.1.1", "1.1.1.1.", "1.1.1.1.1", "1..1.1", "1.1.1.01",
            "1234.1.1.1", "::", ":::", "::1", "1::", "1::2", "1::2::3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "::1.2.3.4", "1::1.2.3.4", "12345::", "fffff::", "FFFF::ffff", "g::",
            ":1::", "1:", ":", "", " 1.1.1.1", "1.1.1.1 ", "[::1]", "fe80::1%eth0", "1:2:3:4:5:6:7:8:", "::1.2.3", "::1.2.3.4.5",
            "1::2:3:4:5:6:7", "1::2:3:4:5:6:7:8", "1:2:3:4:5::6:7", "1:2:3:4:5:6:7::8", "::00001", "::0001", "0::0", "1.2.3.4:5",
        ];
        for t in known {
            assert_eq!(is_ip_addr(t), std_ok(t), "{t:?}");
        }
        // Random strings over the characters that matter, and mutations of valid ones.
        let alphabet = b"0123456789abcdefABCDEFg:.:.:.1";
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        for _ in 0..300_000 {
            let len = next() % 30;
            let t: String = (0..len).map(|_| char::from(alphabet[next() % alphabet.len()])).collect();
            assert_eq!(is_ip_addr(&t), std_ok(&t), "{t:?}");
        }
        for base in ["1:2:3:4:5:6:7:8", "::ffff:192.168.1.100", "2001:db8::1", "192.168.1.100", "1:2:3:4:5:6:1.2.3.4"] {
            for _ in 0..20_000 {
                let mut t = base.as_bytes().to_vec();
                for _ in 0..1 + next() % 3 {
                    let i = next() % (t.len() + 1);
                    match next() % 3 {
                        0 if i < t.len() => {
                            t.remove(i);
                        }
                        1 => t.insert(i, alphabet[next() % alphabet.len()]),
                        _ if i < t.len() => t[i] = alphabet[next() % alphabet.len()],
                        _ => {}
                    }
                }
                let t = String::from_utf8(t).unwrap();
                assert_eq!(is_ip_addr(&t), std_ok(&t), "{t:?}");
            }
        }
    }

    #[test]
    fn normalises_a_mapi_order() {
        let out = validate(&seed_order(), Endpoint::Mapi).unwrap();
        let get = |k: &str| out.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str());
        assert_eq!(get("money"), Some("1.00"));
        assert_eq!(get("device"), Some("jump"));
        assert_eq!(get("name"), Some("VIP会员"));
    }

    #[test]
    fn pay_create_defaults_method_and_device_and_needs_no_return_url() {
        let get = |out: &[(String, String)], k: &str| out.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone());
        let order: Vec<_> = seed_order().into_iter().filter(|(k, _)| *k != "return_url").collect();
        let out = validate(&order, Endpoint::PayCreate).unwrap();
        assert_eq!((get(&out, "method"), get(&out, "device")), (Some("jump".into()), Some("pc".into())));
        assert_eq!(get(&out, "return_url"), None);
        assert_eq!(field_of(&order, Endpoint::Mapi), "return_url");
        let mut given = order.clone();
        given.extend([("method", "web"), ("device", "mobile")]);
        let out = validate(&given, Endpoint::PayCreate).unwrap();
        assert_eq!((get(&out, "method"), get(&out, "device")), (Some("web".into()), Some("mobile".into())));
        assert_eq!(field_of(&with("method", "Web"), Endpoint::PayCreate), "method");
        assert_eq!(field_of(&with("return_url", "ftp://m.cn/"), Endpoint::PayCreate), "return_url");
        for key in ["type", "clientip", "notify_url"] {
            let o: Vec<_> = seed_order().into_iter().filter(|(k, _)| *k != key).collect();
            assert_eq!(field_of(&o, Endpoint::PayCreate), key);
        }
    }

    #[test]
    fn submit_needs_no_type_or_clientip() {
        let order: Vec<_> = seed_order().into_iter().filter(|(k, _)| !matches!(*k, "type" | "clientip")).collect();
        let out = validate(&order, Endpoint::Submit).unwrap();
        assert!(out.iter().all(|(k, _)| k != "device"));
        assert_eq!(field_of(&order, Endpoint::Mapi), "type");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: &[(&str, &str)] = &[
            ("pid", "0"), ("pid", "-1"), ("pid", "10a"), ("pid", "1.5"),
            ("type", "Alipay"), ("type", "ali pay"),
            ("out_trade_no", "a/b"), ("out_trade_no", "订单"),
            ("notify_url", "http://m.cn/n?x=1"), ("notify_url", "notify.php"),
            ("return_url", "ftp://m.cn/"),
            ("money", "0"), ("money", "1.001"), ("money", "-5"), ("money", "1e3"),
            ("clientip", "999.1.1.1"), ("clientip", "localhost"),
            ("device", "JUMP"),
            ("name", "   "), ("name", "a\0b"),
        ];
        for &(k, v) in cases {
            assert_eq!(field_of(&with(k, v), Endpoint::Mapi), k, "{k}={v:?}");
        }
        let long_no = "x".repeat(65);
        assert_eq!(field_of(&with("out_trade_no", Box::leak(long_no.into_boxed_str())), Endpoint::Mapi), "out_trade_no");
        let long_param = "p".repeat(256);
        assert_eq!(field_of(&with("param", Box::leak(long_param.into_boxed_str())), Endpoint::Mapi), "param");
    }

    #[test]
    fn missing_fields_are_named() {
        for key in ["pid", "out_trade_no", "notify_url", "return_url", "name", "money", "clientip"] {
            let o: Vec<_> = seed_order().into_iter().filter(|(k, _)| *k != key).collect();
            assert_eq!(field_of(&o, Endpoint::Mapi), key);
        }
        assert_eq!(field_of(&with("name", ""), Endpoint::Mapi), "name");
    }

    #[test]
    fn name_is_cut_to_127_bytes_on_a_char_boundary() {
        let name = "中".repeat(50); // 150 bytes; 42 chars = 126 bytes
        let leaked: &'static str = Box::leak(name.into_boxed_str());
        let out = validate(&with("name", leaked), Endpoint::Mapi).unwrap();
        let cut = &out.iter().find(|(k, _)| k == "name").unwrap().1;
        assert_eq!(cut.len(), 126);
        assert_eq!(truncate_utf8("abc", 2), "ab");
    }

    #[test]
    fn drops_old_signature_and_empty_values() {
        let mut o = seed_order();
        o.extend([("sign", "x"), ("sign_type", "MD5"), ("param", ""), ("sitename", "shop")]);
        let out = validate(&o, Endpoint::Mapi).unwrap();
        let keys: Vec<_> = out.iter().map(|(k, _)| k.as_str()).collect();
        assert!(!keys.contains(&"sign") && !keys.contains(&"param"));
        assert!(keys.contains(&"sitename"));
    }
}
