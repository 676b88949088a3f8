//! V2 notifies (to `notify_url`) and return redirects (to `return_url`):
//! RSA-signed by the platform, with a `timestamp`.
//!
//! WebCrypto's verify is asynchronous, so verification is two pure steps
//! around it: [`prepare_notify`] parses the input and gives what to verify
//! (or already knows the answer), [`PreparedNotify::conclude`] takes
//! whether the signature verified and gives the outcome. The checks come in
//! this order: `malformed`, `missing_sign`, `bad_sign` (also for a
//! `sign_type` other than `RSA`, or a `sign` that is not base64),
//! `stale_timestamp`, then V1's `pid_mismatch`, `out_trade_no_mismatch`,
//! `money_mismatch`. Real servers sign each notify attempt anew with a
//! fresh `timestamp`, so a retried notify is not stale.

use super::signature::{signature_of, Signature, Signed};
use crate::core::notify::{check_expected, parse_notify, Expected, Reason, Verification};
use crate::core::params::Params;

/// The skew the PHP SDK allows between a notify's `timestamp` and now.
pub const DEFAULT_CLOCK_SKEW_SEC: u32 = 300;
/// The largest skew a merchant may allow: a day (a wider window would let
/// a captured notify be replayed for longer than any clock is wrong).
pub const MAX_CLOCK_SKEW_SEC: u32 = 86_400;

/// A parsed V2 notify, waiting for its signature's verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedNotify<'a> {
    /// The received fields; `None` when the input is malformed.
    data: Option<Params<'a>>,
    signature: Signature,
}

/// Parses a V2 notify's query string or form body (a leading `?` or a full
/// URL is fine) and judges its signature as far as it can without the key.
pub fn prepare_notify(input: &str) -> PreparedNotify<'_> {
    PreparedNotify::new(parse_notify(input))
}

impl<'a> PreparedNotify<'a> {
    /// A notify from its received fields (`None`: malformed), e.g. given as
    /// an object rather than a query string.
    pub fn new(data: Option<Params<'a>>) -> Self {
        let signature = data.as_ref().map_or(Signature::Missing, signature_of);
        PreparedNotify { data, signature }
    }

    /// What WebCrypto must verify with the platform key(s); `None` when the
    /// outcome is already known (malformed, no `sign`, unusable `sign`), and
    /// [`conclude`](Self::conclude) ignores `signature_valid`.
    pub fn to_verify(&self) -> Option<&Signed> {
        match (&self.data, &self.signature) {
            (Some(_), Signature::Present(signed)) => Some(signed),
            _ => None,
        }
    }

    /// The outcome, given whether the signature verified under one of the
    /// platform keys, the merchant's expectations and the clock: `now` in
    /// Unix seconds, `clock_skew_sec` the largest accepted distance between
    /// `timestamp` and `now`, either way.
    pub fn conclude(self, signature_valid: bool, expected: &Expected, now: i64, clock_skew_sec: u32) -> Verification<'a> {
        let Some(data) = self.data else {
            return Verification::malformed();
        };
        let reason = match self.signature {
            Signature::Missing => Some(Reason::MissingSign),
            Signature::Unusable => Some(Reason::BadSign),
            Signature::Present(_) if !signature_valid => Some(Reason::BadSign),
            Signature::Present(_) if !is_fresh(data.get("timestamp"), now, clock_skew_sec) => Some(Reason::StaleTimestamp),
            Signature::Present(_) => check_expected(&data, expected),
        };
        Verification::new(reason, data)
    }
}

/// Whether `timestamp` (decimal Unix seconds) is at most `clock_skew_sec`
/// from `now`. Missing, empty or not digits: not fresh.
pub fn is_fresh(timestamp: Option<&str>, now: i64, clock_skew_sec: u32) -> bool {
    let digits = timestamp.filter(|t| (1..=12).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()));
    // At most 12 digits: no overflow. (Not `str::parse`, ~0.5 KB of wasm.)
    match digits.map(|t| t.bytes().fold(0i64, |n, b| n * 10 + i64::from(b - b'0'))) {
        Some(t) => t.abs_diff(now) <= u64::from(clock_skew_sec),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_193_661;

    fn conclude(input: &str, valid: bool, expected: &Expected, now: i64) -> Verification<'static> {
        let owned: &'static str = Box::leak(input.to_owned().into_boxed_str());
        prepare_notify(owned).conclude(valid, expected, now, DEFAULT_CLOCK_SKEW_SEC)
    }

    const SIGNED: &str = "pid=1000&out_trade_no=A1&money=2.5&trade_status=TRADE_SUCCESS&timestamp=1796193661&sign_type=RSA&sign=AAEC";

    #[test]
    fn gives_the_sign_string_and_bytes_to_verify() {
        let prepared = prepare_notify(SIGNED);
        let signed = prepared.to_verify().unwrap();
        assert_eq!(signed.sign_string, "money=2.5&out_trade_no=A1&pid=1000&timestamp=1796193661&trade_status=TRADE_SUCCESS");
        assert_eq!(signed.signature, [0, 1, 2]);
    }

    #[test]
    fn checks_in_the_documented_order() {
        let any = Expected::default();
        let all_wrong = Expected::new(Some("1001"), Some("A2"), Some("3")).unwrap();
        let cases = [
            ("pid=1&pid=2&sign=AAEC", true, &any, NOW, Some(Reason::Malformed)),
            ("pid=1000&timestamp=1", true, &all_wrong, 0, Some(Reason::MissingSign)),
            (&SIGNED.replace("=RSA", "=MD5"), true, &all_wrong, 0, Some(Reason::BadSign)),
            (&SIGNED.replace("AAEC", "AAE"), true, &all_wrong, 0, Some(Reason::BadSign)),
            (SIGNED, false, &all_wrong, 0, Some(Reason::BadSign)),
            (SIGNED, true, &all_wrong, NOW + 301, Some(Reason::StaleTimestamp)),
            (SIGNED, true, &all_wrong, NOW - 301, Some(Reason::StaleTimestamp)),
            (&SIGNED.replace("&timestamp=1796193661", ""), true, &all_wrong, NOW, Some(Reason::StaleTimestamp)),
            (SIGNED, true, &all_wrong, NOW + 300, Some(Reason::PidMismatch)),
            (SIGNED, true, &Expected::new(Some("1000"), Some("A2"), Some("3")).unwrap(), NOW - 300, Some(Reason::OutTradeNoMismatch)),
            (SIGNED, true, &Expected::new(Some("1000"), Some("A1"), Some("3")).unwrap(), NOW, Some(Reason::MoneyMismatch)),
            (SIGNED, true, &Expected::new(Some("1000"), Some("A1"), Some("2.50")).unwrap(), NOW, None),
        ];
        for (input, valid, expected, now, reason) in cases {
            let v = conclude(input, valid, expected, now);
            assert_eq!(v.reason, reason, "{input} valid={valid} now={now}");
            assert_eq!(v.paid, reason.is_none());
        }
        assert!(!conclude(&SIGNED.replace("TRADE_SUCCESS", "WAIT"), true, &any, NOW).paid);
    }

    #[test]
    fn a_timestamp_is_decimal_seconds() {
        for (t, fresh) in [
            ("1796193661", true), ("1796193361", true), ("1796193360", false), ("1796193962", false), ("", false),
            ("-1796193661", false), ("+1796193661", false), ("1796193661.0", false), (" 1796193661", false),
            ("0001796193661", false), ("17961936610000000000000", false), ("abc", false),
        ] {
            assert_eq!(is_fresh(Some(t), NOW, 300), fresh, "{t:?}");
        }
        assert!(!is_fresh(None, NOW, 300));
        assert!(!is_fresh(Some("1796193661"), i64::MIN, u32::MAX));
        assert!(is_fresh(Some("1796193661"), NOW + i64::from(u32::MAX), u32::MAX));
    }
}
