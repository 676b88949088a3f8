//! Payment notifies (to notify_url) and return redirects (to return_url):
//! parse, verify the signature over exactly what was received, check the
//! merchant's expectations.

use super::error::Result;
use super::money::Money;
use super::order::check_pid;
use super::params::Params;
use super::sign::{check_key, verify};
use super::url::parse_query;

/// The only `trade_status` that means the order was paid.
pub const TRADE_SUCCESS: &str = "TRADE_SUCCESS";

/// Most fields a notify may carry; real ones have under 30. More is
/// treated as malformed rather than parsed at length.
pub const MAX_NOTIFY_FIELDS: usize = 256;

/// Why a notify was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not a parameter set: bad encoding, a bad or repeated name.
    Malformed,
    /// No `sign`.
    MissingSign,
    /// The signature does not match (or `sign_type` is not MD5; for V2,
    /// not RSA).
    BadSign,
    /// V2 only: no `timestamp`, or one too far from now.
    StaleTimestamp,
    /// Signed, but for another merchant.
    PidMismatch,
    /// Signed, but for another order.
    OutTradeNoMismatch,
    /// Signed, but for another amount.
    MoneyMismatch,
}

impl Reason {
    /// The reason as JS sees it, e.g. `bad_sign`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::MissingSign => "missing_sign",
            Reason::BadSign => "bad_sign",
            Reason::StaleTimestamp => "stale_timestamp",
            Reason::PidMismatch => "pid_mismatch",
            Reason::OutTradeNoMismatch => "out_trade_no_mismatch",
            Reason::MoneyMismatch => "money_mismatch",
        }
    }
}

/// What the merchant expects of a notify; each part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// The merchant's own pid.
    pub pid: Option<String>,
    /// The order the notify must be about.
    pub out_trade_no: Option<String>,
    /// The order's amount; compared in cents (`1` = `1.0` = `1.00`).
    pub money: Option<Money>,
}

impl Expected {
    /// Builds expectations, validating what the merchant passed (these are
    /// programmer errors, reported as `INVALID_PARAM`).
    pub fn new(pid: Option<&str>, out_trade_no: Option<&str>, money: Option<&str>) -> Result<Self> {
        if let Some(pid) = pid {
            check_pid(pid)?;
        }
        Ok(Expected {
            pid: pid.map(str::to_owned),
            out_trade_no: out_trade_no.map(str::to_owned),
            money: money.map(|m| Money::parse("money", m)).transpose()?,
        })
    }

    /// A client's expectations: `pid` defaults to its own, so a notify for
    /// another merchant sharing the key fails.
    pub fn or_pid(mut self, own_pid: &str) -> Self {
        self.pid.get_or_insert_with(|| own_pid.to_owned());
        self
    }
}

/// The outcome of verifying a notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification<'a> {
    /// `None` when the signature is valid and every expectation is met.
    pub reason: Option<Reason>,
    /// Verified and `trade_status` is `TRADE_SUCCESS`.
    pub paid: bool,
    /// Every received field, as received (empty when malformed).
    pub data: Params<'a>,
}

impl<'a> Verification<'a> {
    /// The outcome for `data` refused for `reason` (`None`: accepted); paid
    /// when accepted and `trade_status` is `TRADE_SUCCESS`.
    pub fn new(reason: Option<Reason>, data: Params<'a>) -> Self {
        let paid = reason.is_none() && data.get("trade_status") == Some(TRADE_SUCCESS);
        Verification { reason, paid, data }
    }

    /// The outcome for input that could not be parsed.
    pub fn malformed() -> Self {
        Verification { reason: Some(Reason::Malformed), paid: false, data: Params::default() }
    }

    /// Signature valid and every expectation met.
    pub fn ok(&self) -> bool {
        self.reason.is_none()
    }
}

/// Parses a notify's query string or form body (a leading `?` or a full URL
/// is fine). `None` when it is malformed or has more than
/// [`MAX_NOTIFY_FIELDS`] fields.
pub fn parse_notify(input: &str) -> Option<Params<'_>> {
    if input.bytes().filter(|&b| b == b'&').count() >= 2 * MAX_NOTIFY_FIELDS {
        return None; // cheap pre-check before decoding anything
    }
    let pairs = parse_query(input)?;
    if pairs.len() > MAX_NOTIFY_FIELDS {
        return None;
    }
    Params::from_pairs(pairs).ok()
}

/// Verifies received notify fields (`None` = could not be parsed) under
/// `key`: the signature over every received field but `sign`/`sign_type`,
/// then the expectations. Never fails on what a network peer can send; the
/// only error is a missing KEY.
pub fn verify_notify<'a>(data: Option<Params<'a>>, key: &str, expected: &Expected) -> Result<Verification<'a>> {
    check_key(key)?;
    let Some(data) = data else {
        return Ok(Verification::malformed());
    };
    let reason = check(&data, key, expected)?;
    Ok(Verification::new(reason, data))
}

fn check(data: &Params, key: &str, expected: &Expected) -> Result<Option<Reason>> {
    let Some(sign) = data.get_non_empty("sign") else {
        return Ok(Some(Reason::MissingSign));
    };
    let md5_type = data.get_non_empty("sign_type").is_none_or(|t| t.eq_ignore_ascii_case("MD5"));
    if !md5_type || !verify(data, key, sign)? {
        return Ok(Some(Reason::BadSign));
    }
    Ok(check_expected(data, expected))
}

/// The first expectation that signed `data` does not meet: `pid`, then
/// `out_trade_no`, then `money` (compared in cents).
pub fn check_expected(data: &Params, expected: &Expected) -> Option<Reason> {
    if expected.pid.as_deref().is_some_and(|pid| data.get("pid") != Some(pid)) {
        return Some(Reason::PidMismatch);
    }
    if expected.out_trade_no.as_deref().is_some_and(|no| data.get("out_trade_no") != Some(no)) {
        return Some(Reason::OutTradeNoMismatch);
    }
    if let Some(want) = expected.money {
        let got = data.get("money").and_then(|m| Money::parse("money", m).ok());
        if got != Some(want) {
            return Some(Reason::MoneyMismatch);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "80TWQztHqTVvV440KTKVqVPQh11AkfpF";
    // printf '%s' 'money=1&name=VIP会员&out_trade_no=A1&pid=1005&trade_no=T1&trade_status=TRADE_SUCCESS&type=alipay80TWQztHqTVvV440KTKVqVPQh11AkfpF' | md5sum
    const SIGN: &str = "f16e8c4c15ef810991582a8ca39a9bd3";
    const QUERY: &str = "pid=1005&trade_no=T1&out_trade_no=A1&type=alipay&name=VIP%E4%BC%9A%E5%91%98&money=1&trade_status=TRADE_SUCCESS&param=&sign_type=MD5&sign=";

    fn run(query: &str, expected: &Expected) -> Verification<'static> {
        let owned: &'static str = Box::leak(query.to_owned().into_boxed_str());
        verify_notify(parse_notify(owned), KEY, expected).unwrap()
    }

    fn signed() -> String {
        format!("{QUERY}{SIGN}")
    }

    #[test]
    fn accepts_a_signed_paid_notify() {
        let v = run(&signed(), &Expected::default());
        assert_eq!(v.reason, None);
        assert!(v.paid);
        assert_eq!(v.data.get("name"), Some("VIP会员"));
        assert_eq!(v.data.get("param"), Some(""));
        let upper = format!("?{QUERY}{}", SIGN.to_uppercase());
        assert!(run(&upper, &Expected::default()).paid);
        let no_type = signed().replace("&sign_type=MD5", "");
        assert!(run(&no_type, &Expected::default()).paid);
    }

    #[test]
    fn checks_expectations_numerically() {
        let ok = Expected::new(Some("1005"), Some("A1"), Some("1.00")).unwrap();
        assert!(run(&signed(), &ok).paid);
        let cases = [
            (Expected::new(Some("1006"), None, None).unwrap(), Reason::PidMismatch),
            (Expected::new(None, Some("A2"), None).unwrap(), Reason::OutTradeNoMismatch),
            (Expected::new(None, None, Some("1.01")).unwrap(), Reason::MoneyMismatch),
        ];
        for (expected, reason) in cases {
            let v = run(&signed(), &expected);
            assert_eq!(v.reason, Some(reason));
            assert!(!v.paid);
        }
    }

    #[test]
    fn rejects_tampering_and_garbage() {
        let cases = [
            (signed().replace("money=1", "money=2"), Reason::BadSign),
            (signed().replace("sign_type=MD5", "sign_type=RSA"), Reason::BadSign),
            (signed().replace("&sign=", "&x=1&sign="), Reason::BadSign),
            (QUERY.to_owned(), Reason::MissingSign),
            (format!("{}&pid=1005", signed()), Reason::Malformed),
            (signed().replace("&trade_no", "&amp;trade_no"), Reason::Malformed),
            (signed().replace("money=1", "money=%FF"), Reason::Malformed),
            (format!("{}{}", "a=1&".repeat(MAX_NOTIFY_FIELDS), signed()), Reason::Malformed),
        ];
        for (query, reason) in cases {
            let v = run(&query, &Expected::default());
            assert_eq!(v.reason, Some(reason), "{query}");
            assert!(!v.paid);
        }
    }

    #[test]
    fn unpaid_status_is_verified_but_not_paid() {
        // printf '%s' 'money=1&out_trade_no=A1&pid=1005&trade_status=WAIT80TWQztHqTVvV440KTKVqVPQh11AkfpF' | md5sum
        let q = "pid=1005&out_trade_no=A1&money=1&trade_status=WAIT&sign=3bad2cd35848e2d3fa2440706f8616f3";
        let v = run(q, &Expected::default());
        assert_eq!(v.reason, None);
        assert!(!v.paid);
    }

    #[test]
    fn expectations_are_validated() {
        assert!(Expected::new(Some("abc"), None, None).is_err());
        assert!(Expected::new(None, None, Some("1.234")).is_err());
        assert!(verify_notify(None, "", &Expected::default()).is_err());
    }

    #[test]
    fn a_client_expects_its_own_pid_unless_told_another() {
        let q = format!("{QUERY}{SIGN}");
        assert_eq!(run(&q, &Expected::default().or_pid("1006")).reason, Some(Reason::PidMismatch));
        assert_eq!(run(&q, &Expected::default().or_pid("1005")).reason, None);
        assert_eq!(run(&q, &Expected::new(Some("1005"), None, None).unwrap().or_pid("1006")).reason, None);
    }
}
