//! Outgoing V2 requests: `pid` and `timestamp` added, the sign string to
//! sign with the merchant's private key (SHA256withRSA, in WebCrypto), then
//! `sign` and `sign_type=RSA`; and the refund number made when the merchant
//! gives none.

use super::base64;
use super::signature::SIGN_TYPE;
use crate::core::error::{decimal, Error, Result};
use crate::core::order::check_pid;
use crate::core::params::Params;
use crate::core::sign::sign_string;

/// A request's fields with `pid` and `timestamp`, and their sign string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned<'a> {
    /// The fields to send: the caller's, without `sign`/`sign_type`, with
    /// `pid` and `timestamp` set.
    pub params: Params<'a>,
    /// The V1 sign string of `params` (no KEY): what the private key signs.
    pub sign_string: String,
}

/// Stamps a request: drops any `sign`/`sign_type`, sets `pid` and
/// `timestamp` (replacing the caller's, if any) and gives the sign string,
/// by the V1 rule: every field but `sign` and `sign_type`, empty values
/// skipped, bytewise key order, `k=v` joined by `&`, raw values. (Arrays
/// are not signed either: they cannot be in [`Params`].) `timestamp` is
/// the current time in Unix seconds, 10 digits as the server wants.
pub fn stamp<'a>(params: &Params<'a>, pid: &'a str, timestamp: u64) -> Result<Unsigned<'a>> {
    check_pid(pid)?;
    let mut params = params.filtered(|k, _| k != "sign" && k != "sign_type");
    params.set("pid", pid);
    params.set("timestamp", ten_digit_seconds(timestamp)?);
    let sign_string = sign_string(&params);
    Ok(Unsigned { params, sign_string })
}

/// Adds the signature of a stamped request: `sign` (base64) and
/// `sign_type=RSA`.
pub fn attach_signature(params: &mut Params, signature: &[u8]) {
    params.set("sign", base64::encode(signature));
    params.set("sign_type", SIGN_TYPE);
}

/// A refund number for a refund the merchant gave none: `R`, the UTC time
/// as `yyyymmddHHMMSS`, then `random` as 16 lowercase hex digits, e.g.
/// `R20261202064101` + `00c0ffee12345678` (31 characters of `A-Z a-z 0-9`,
/// what `out_trade_no` allows). Unique as long as `random` is: pass 64
/// fresh random bits (`crypto.getRandomValues`). The server de-duplicates
/// refunds on it, so a retry must reuse it.
pub fn out_refund_no(timestamp: u64, random: u64) -> Result<String> {
    ten_digit_seconds(timestamp)?;
    let days = timestamp / 86_400;
    let seconds = timestamp % 86_400;
    let (year, month, day) = civil_date(days);
    let mut out = String::with_capacity(31);
    out.push('R');
    for (value, width) in [(year, 4), (month, 2), (day, 2), (seconds / 3600, 2), (seconds / 60 % 60, 2), (seconds % 60, 2)] {
        push_digits(&mut out, value, 10, width);
    }
    push_digits(&mut out, random, 16, 16);
    Ok(out)
}

/// `timestamp` in decimal, if it has 10 digits (2001-09-09 to 2286-11-20).
fn ten_digit_seconds(timestamp: u64) -> Result<String> {
    if !(1_000_000_000..=9_999_999_999).contains(&timestamp) {
        return Err(Error::invalid("timestamp", "timestamp must be the current Unix time in seconds (10 digits)"));
    }
    Ok(decimal(timestamp as i64))
}

/// Appends the last `width` digits of `value` in `base` (lowercase).
fn push_digits(out: &mut String, value: u64, base: u64, width: u32) {
    for i in (0..width).rev() {
        let digit = (value / base.pow(i) % base) as usize;
        out.push(char::from(b"0123456789abcdef"[digit]));
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days ≥ 0).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z - era * 146_097; // day of the 400-year era
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year from March
    let mp = (5 * doy + 2) / 153; // month from March
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_signs_by_the_v1_rule() {
        let given = Params::from_pairs([
            ("out_trade_no", "A1"), ("name", "会员 & \"VIP\" a=b"), ("money", "2.50"), ("param", ""),
            ("sign", "old"), ("sign_type", "MD5"), ("pid", "9"), ("timestamp", "1"),
        ])
        .unwrap();
        let mut request = stamp(&given, "1000", 1_796_193_661).unwrap();
        // Written by hand from the rule.
        let want = "money=2.50&name=会员 & \"VIP\" a=b&out_trade_no=A1&pid=1000&timestamp=1796193661";
        assert_eq!(request.sign_string, want);
        assert_eq!(request.params.get("sign"), None);
        assert_eq!(request.params.get("param"), Some(""));
        attach_signature(&mut request.params, &[0xfb, 0xff]);
        assert_eq!(request.params.get("sign"), Some("+/8="));
        assert_eq!(request.params.get("sign_type"), Some("RSA"));
        assert_eq!(crate::core::sign::sign_string(&request.params), want);
    }

    #[test]
    fn refuses_a_bad_pid_or_timestamp() {
        let none = Params::default();
        assert_eq!(stamp(&none, "0", 1_796_193_661).unwrap_err().field.as_deref(), Some("pid"));
        for t in [0, 999_999_999, 10_000_000_000, u64::MAX] {
            assert_eq!(stamp(&none, "1000", t).unwrap_err().field.as_deref(), Some("timestamp"));
            assert_eq!(out_refund_no(t, 1).unwrap_err().field.as_deref(), Some("timestamp"));
        }
    }

    #[test]
    fn refund_numbers_carry_the_utc_time_and_the_random_bits() {
        assert_eq!(out_refund_no(1_796_193_661, 0x00c0_ffee_1234_5678).unwrap(), "R2026120206410100c0ffee12345678");
        assert_eq!(out_refund_no(1_000_000_000, u64::MAX).unwrap(), "R20010909014640ffffffffffffffff");
        assert_ne!(out_refund_no(1_796_193_661, 1).unwrap(), out_refund_no(1_796_193_661, 2).unwrap());
    }
}
