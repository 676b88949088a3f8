//! Money in yuan with at most two decimals, held exactly as cents.

use super::error::{decimal, Error, Result};
use std::fmt;

/// Largest amount accepted: 99 999 999.99 yuan (a DECIMAL(10,2) column).
const MAX_CENTS: u64 = 9_999_999_999;

/// An amount of money in cents. Parsed from the protocol's decimal text,
/// never through a float, so `0.1 + 0.2` cannot drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money {
    cents: u64,
}

impl Money {
    /// Parses a yuan amount such as `1`, `1.5`, `1.50` or `0.01`: digits,
    /// at most one dot and at most two decimals. No sign, exponent, spaces or
    /// thousands separators. Zero is allowed here; see [`Money::parse_positive`].
    pub fn parse(field: &str, text: &str) -> Result<Money> {
        Self::read(text).map_err(|why| Error::invalid(field, [field, " ", why, "; expected yuan like 1.00"].concat()))
    }

    /// The amount in `text`, or what is wrong with it.
    fn read(text: &str) -> std::result::Result<Money, &'static str> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err("is not a plain decimal number");
        }
        if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || text.ends_with('.') {
            return Err("must have at most 2 decimals");
        }
        let int = int.trim_start_matches('0');
        if int.len() > 8 {
            return Err("is too large");
        }
        let digits = |s: &str| s.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        let frac_cents = digits(frac) * if frac.len() == 1 { 10 } else { 1 };
        let cents = digits(int) * 100 + frac_cents;
        if cents > MAX_CENTS {
            return Err("is too large");
        }
        Ok(Money { cents })
    }

    /// Like [`Money::parse`], and the amount must be greater than zero.
    pub fn parse_positive(field: &str, text: &str) -> Result<Money> {
        let money = Money::parse(field, text)?;
        if money.cents == 0 {
            return Err(Error::invalid(field, [field, " must be greater than 0"].concat()));
        }
        Ok(money)
    }

    /// The canonical form: yuan with exactly two decimals, e.g. `1.00`.
    pub fn text(self) -> String {
        let cents = self.cents % 100;
        let mut out = decimal((self.cents / 100) as i64);
        out.push('.');
        out.push(char::from(b'0' + (cents / 10) as u8));
        out.push(char::from(b'0' + (cents % 10) as u8));
        out
    }

    /// The amount in cents.
    pub fn cents(self) -> u64 {
        self.cents
    }
}

/// The canonical form: yuan with exactly two decimals, e.g. `1.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(s: &str) -> u64 {
        Money::parse("money", s).unwrap().cents()
    }

    #[test]
    fn equal_amounts_in_any_spelling() {
        assert_eq!(cents("1"), 100);
        assert_eq!(cents("1.0"), 100);
        assert_eq!(cents("1.00"), 100);
        assert_eq!(cents("9.9"), 990);
        assert_eq!(cents("0.01"), 1);
        assert_eq!(cents("007.5"), 750);
        assert_eq!(cents("99999999.99"), MAX_CENTS);
    }

    #[test]
    fn canonical_text() {
        assert_eq!(Money::parse("money", "1").unwrap().to_string(), "1.00");
        assert_eq!(Money::parse("money", "0.3").unwrap().to_string(), "0.30");
        assert_eq!(Money::parse("money", "12.05").unwrap().to_string(), "12.05");
    }

    #[test]
    fn refuses_what_is_not_exact_yuan() {
        for bad in [
            "", ".", "1.", ".5", "-1", "+1", "1e2", "1.005", "0.30000000000000004", " 1", "1 ",
            "1,00", "NaN", "Infinity", "0x10", "１", "100000000", "1.2.3",
        ] {
            let e = Money::parse("money", bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("money"), "{bad:?}");
        }
    }

    #[test]
    fn positive_refuses_zero() {
        assert!(Money::parse_positive("money", "0.00").is_err());
        assert!(Money::parse_positive("money", "0").is_err());
        assert_eq!(Money::parse_positive("money", "0.01").unwrap().cents(), 1);
    }
}
