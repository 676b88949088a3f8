//! A small, strict JSON reader (RFC 8259) for the gateway's answers, in
//! place of serde_json (14.9 KB more of gzipped wasm, with `raw_value`).
//!
//! - Numbers are kept as their exact text: V2 signs them as received
//!   (`1000`, `2.50`, `1e3`). Their value, for the typed answers
//!   ([`Json::as_i64`]) and for JS ([`Serialize`]), is the one serde_json
//!   gave, to the bit, so JS receives what it did before.
//! - Object members keep the order received. A name given twice keeps its
//!   first place and takes its last value, as PHP's `json_decode` and JS's
//!   `JSON.parse` read it (V2 verifies what PHP signed).
//! - Strings: only the escapes RFC 8259 lists; a `\uXXXX` surrogate pair is
//!   joined, a lone surrogate refused (PHP never writes one, and U+FFFD in
//!   its place would verify something else than what was signed); control
//!   characters must be escaped.
//! - No trailing commas, leading zeros, `NaN`, comments or other whitespace
//!   than space, tab, CR and LF; nothing after the value.
//! - At most [`MAX_DEPTH`] arrays and objects nested, so hostile input
//!   cannot exhaust the stack. No input makes it panic.
//! - A number beyond `f64`'s range (`1e400`) is refused, as serde_json does.
//!
//! So it accepts exactly what serde_json accepts and reads the same values,
//! but for the order of object members (tests/json.rs checks it).

use serde::ser::{Error as _, Serialize, Serializer};
use std::collections::btree_map::{BTreeMap, Entry};

/// Most arrays and objects nested in one another, as in serde_json.
pub const MAX_DEPTH: usize = 127;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its exact text (e.g. `-1`, `2.50`, `1E+3`).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(Object),
}

/// A JSON object: its members in the order received, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object(Vec<(String, Json)>);

/// Reads `text` as one JSON value; `None` when it is not strict JSON.
pub fn parse(text: &str) -> Option<Json> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0)?;
    parser.skip_space();
    (parser.at == text.len()).then_some(value)
}

impl Json {
    /// The number as an `i64` when it is written as an integer that fits
    /// (not `-0`, which serde_json reads as a float); `None` for a fraction,
    /// an exponent, anything else.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(text) => match number(text)? {
                Number::Unsigned(n) => i64::try_from(n).ok(),
                Number::Signed(n) => Some(n),
                Number::Float(_) => None,
            },
            _ => None,
        }
    }
}

impl Object {
    /// The value of the member `name`.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, value)| value)
    }

    /// Takes the member `name` out, keeping the others' order.
    pub fn remove(&mut self, name: &str) -> Option<Json> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    /// The members' values, to change in place.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Json> {
        self.0.iter_mut().map(|(_, value)| value)
    }

    /// Whether the object has no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Object {
    type Item = (String, Json);
    type IntoIter = std::vec::IntoIter<(String, Json)>;

    /// The members, in order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// As serde_json's `Value` serializes, so that JS receives what it did:
/// an integer that fits as `u64` or (negative) `i64`, any other number as
/// the `f64` serde_json made of it (serde-wasm-bindgen then refuses an
/// integer past 2^53); objects as maps, in order.
impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(text) => match number(text) {
                Some(Number::Unsigned(n)) => serializer.serialize_u64(n),
                Some(Number::Signed(n)) => serializer.serialize_i64(n),
                Some(Number::Float(f)) => serializer.serialize_f64(f),
                None => Err(S::Error::custom("not a JSON number")), // never from `parse`
            },
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => serializer.collect_seq(items),
            Json::Object(object) => object.serialize(serializer),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}

/// Where the reading is in the text. It only ever stops on an ASCII byte or
/// the end, so every slice of `text` it takes is on character boundaries.
struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    /// Takes `byte` if it is next.
    fn take(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        self.at += usize::from(next);
        next
    }

    /// Takes the bytes while `test` holds; their text.
    fn take_while(&mut self, test: impl Fn(u8) -> bool) -> Option<&str> {
        let start = self.at;
        while self.peek().is_some_and(&test) {
            self.at += 1;
        }
        self.text.get(start..self.at)
    }

    fn skip_space(&mut self) {
        self.take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    }

    /// Takes `byte` if it is next after whitespace.
    fn token(&mut self, byte: u8) -> bool {
        self.skip_space();
        self.take(byte)
    }

    /// Takes `byte`, which must be next after whitespace (`None` otherwise: never panics).
    fn require_token(&mut self, byte: u8) -> Option<()> {
        self.token(byte).then_some(())
    }

    /// A value, inside `depth` arrays and objects.
    fn value(&mut self, depth: usize) -> Option<Json> {
        self.skip_space();
        match self.peek()? {
            b'n' => self.word("null", Json::Null),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' | b'{' if depth == MAX_DEPTH => None,
            b'[' => self.array(depth + 1),
            b'{' => self.object(depth + 1),
            _ => {
                let text = self.take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))?;
                number(text)?;
                Some(Json::Number(text.to_owned()))
            }
        }
    }

    fn word(&mut self, word: &str, value: Json) -> Option<Json> {
        let found = self.text.as_bytes()[self.at..].starts_with(word.as_bytes());
        self.at += if found { word.len() } else { 0 };
        found.then_some(value)
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        self.at += 1;
        let mut items = Vec::new();
        if !self.token(b']') {
            loop {
                items.push(self.value(depth)?);
                if !self.token(b',') {
                    break;
                }
            }
            self.require_token(b']')?;
        }
        Some(Json::Array(items))
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        self.at += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        // Where each name is in `members`: a repeated name is found in
        // O(log n), not by a scan (bodies go up to 1 MB).
        let mut places: BTreeMap<String, usize> = BTreeMap::new();
        if !self.token(b'}') {
            loop {
                self.require_token(b'"')?;
                let name = self.string_rest()?;
                self.require_token(b':')?;
                let value = self.value(depth)?;
                match places.entry(name) {
                    Entry::Occupied(place) => members[*place.get()].1 = value,
                    Entry::Vacant(place) => {
                        members.push((place.key().clone(), value));
                        place.insert(members.len() - 1);
                    }
                }
                if !self.token(b',') {
                    break;
                }
            }
            self.require_token(b'}')?;
        }
        Some(Json::Object(Object(members)))
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1;
        self.string_rest()
    }

    /// The rest of a string after its opening quote, unescaped.
    fn string_rest(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            out.push_str(self.take_while(|b| b != b'"' && b != b'\\' && b >= 0x20)?);
            match self.next()? {
                b'"' => return Some(out),
                b'\\' => out.push(self.escape()?),
                _ => return None, // a control character
            }
        }
    }

    /// The character an escape stands for, after its `\`.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => match self.hex4()? {
                high @ 0xD800..=0xDBFF => {
                    if !(self.take(b'\\') && self.take(b'u')) {
                        return None;
                    }
                    let low = self.hex4()?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                }
                // A lone low surrogate is no char: refused here.
                unit => char::from_u32(unit)?,
            },
            _ => return None,
        })
    }

    /// The four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.as_bytes().get(self.at..self.at + 4)?;
        let mut unit = 0;
        for &digit in digits {
            unit = unit * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(unit)
    }
}

/// A number's value as serde_json 1.x reads it (without its
/// `float_roundtrip` feature), which is what JS received before this reader:
/// an integer that fits as `u64` or (negative) `i64`; anything else (a
/// fraction, an exponent, `-0`, a longer integer) as an `f64`: its first 19
/// or 20 significant digits times or over a power of ten, the nearest `f64`
/// when those are exact (up to 2^53, 10^22), within an ulp or two otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// The value of `text` when it is a number of the JSON grammar,
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within `f64`'s
/// range.
fn number(text: &str) -> Option<Number> {
    let (positive, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (false, rest),
        None => (true, text),
    };
    let (mantissa, exponent_text) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (integer, fraction) = match mantissa.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (mantissa, None),
    };
    let exponent_digits = exponent_text.map(|e| e.strip_prefix(['+', '-']).unwrap_or(e));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let grammar = digits(integer) && !(integer.len() > 1 && integer.starts_with('0'));
    if !(grammar && fraction.is_none_or(digits) && exponent_digits.is_none_or(digits)) {
        return None;
    }

    let push = |significand: u64, digit: u8| significand.checked_mul(10)?.checked_add(u64::from(digit - b'0'));
    // The integer's digits while they fit in a u64, the others counted in
    // the exponent; then the fraction's while they fit, the others dropped.
    let (mut significand, mut exponent, mut long) = (0u64, 0i32, false);
    for digit in integer.bytes() {
        match push(significand, digit) {
            Some(next) if !long => significand = next,
            _ => (long, exponent) = (true, exponent.saturating_add(1)),
        }
    }
    if !long && fraction.is_none() && exponent_text.is_none() {
        return Some(match (positive, (significand as i64).wrapping_neg()) {
            (true, _) => Number::Unsigned(significand),
            (false, negative) if negative < 0 => Number::Signed(negative),
            (false, _) => Number::Float(-(significand as f64)), // -0, or below i64::MIN
        });
    }
    for digit in fraction.unwrap_or_default().bytes() {
        let Some(next) = push(significand, digit) else { break };
        (significand, exponent) = (next, exponent.saturating_sub(1));
    }
    if let (Some(text), Some(digits)) = (exponent_text, exponent_digits) {
        let positive_exponent = !text.starts_with('-');
        match digits.parse::<i32>() {
            Ok(e) if positive_exponent => exponent = exponent.saturating_add(e),
            Ok(e) => exponent = exponent.saturating_sub(e),
            // An exponent past i32: too large, or zero.
            Err(_) if positive_exponent && significand != 0 => return None,
            Err(_) => return Some(Number::Float(if positive { 0.0 } else { -0.0 })),
        }
    }
    let mut float = significand as f64;
    loop {
        match exponent.unsigned_abs() {
            n @ 0..=308 if exponent >= 0 => {
                float *= pow10(n);
                if float.is_infinite() {
                    return None;
                }
                break;
            }
            n @ 0..=308 => {
                float /= pow10(n);
                break;
            }
            _ if float == 0.0 => break,
            _ if exponent >= 0 => return None,
            _ => (float, exponent) = (float / 1e308, exponent + 308),
        }
    }
    Some(Number::Float(if positive { float } else { -float }))
}

/// 10^n rounded to the nearest `f64`, as the literal `1e{n}` is, for n up to
/// 308 (the tests check each): 10^n to 128 bits, then rounded to 53.
fn pow10(n: u32) -> f64 {
    // 10^n ≈ mantissa × 2^shift, the mantissa's top bit set.
    let (mut mantissa, mut shift) = (1u128 << 127, -127i32);
    for _ in 0..n {
        // × 10 is × 5 × 2; the 3 low bits dropped to make room for × 5 are
        // far below the 53 kept.
        mantissa = (mantissa >> 3) * 5;
        let zeros = mantissa.leading_zeros();
        mantissa <<= zeros;
        shift += 4 - zeros as i32;
    }
    let (top, rest, half) = ((mantissa >> 75) as u64, mantissa & ((1 << 75) - 1), 1u128 << 74);
    let rounded = top + u64::from(rest > half || (rest == half && top & 1 == 1));
    rounded as f64 * f64::from_bits(((shift + 75 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> Json {
        Json::String(text.to_owned())
    }

    #[test]
    fn reads_values_keeping_the_text_of_numbers() {
        let text = " {\"a\" : [1, -0, 1.50, 1e5, true, false, null, \"\\/\\u4e2d\\uD83D\\uDE00\\n\"], \"b\" : {}} ";
        let Some(Json::Object(mut object)) = parse(text) else { panic!("not an object") };
        let numbers = ["1", "-0", "1.50", "1e5"].map(|n| Json::Number(n.to_owned()));
        let rest = [Json::Bool(true), Json::Bool(false), Json::Null, string("/中😀\n")];
        assert_eq!(object.remove("a"), Some(Json::Array(numbers.into_iter().chain(rest).collect())));
        assert_eq!(object.remove("b"), Some(Json::Object(Object::default())));
        assert!(object.is_empty());
    }

    #[test]
    fn a_repeated_name_keeps_its_first_place_and_last_value() {
        let Some(Json::Object(object)) = parse(r#"{"b":1,"a":2,"b":"x","b":[3]}"#) else { panic!("not an object") };
        let members: Vec<_> = object.into_iter().collect();
        let number = |text: &str| Json::Number(text.to_owned());
        assert_eq!(members, [("b".to_owned(), Json::Array(vec![number("3")])), ("a".to_owned(), number("2"))]);
    }

    #[test]
    fn refuses_what_is_not_strict_json() {
        for text in [
            "", " ", "{", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[-]", "[NaN]", "[1e400]", "{a:1}",
            "['a']", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\x\"", "\"a\tb\"", "\u{feff}1", "1 1", "[]]", "nul",
            "/* */ 1", "\u{a0}1",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&nested(MAX_DEPTH)).is_some());
        assert_eq!(parse(&nested(MAX_DEPTH + 1)), None);
        assert_eq!(parse(&"[".repeat(1 << 20)), None);
    }

    #[test]
    fn numbers_are_read_as_serde_json_reads_them() {
        let read = |text: &str| number(text);
        assert_eq!(read("1005"), Some(Number::Unsigned(1005)));
        assert_eq!(read("18446744073709551615"), Some(Number::Unsigned(u64::MAX)));
        assert_eq!(read("-9223372036854775808"), Some(Number::Signed(i64::MIN)));
        assert_eq!(read("18446744073709551616"), Some(Number::Float(18446744073709551616.0)));
        assert_eq!(read("-9223372036854775809"), Some(Number::Float(-9223372036854775808.0)));
        assert_eq!(read("-0").map(|n| matches!(n, Number::Float(f) if f.to_bits() == (-0.0f64).to_bits())), Some(true));
        assert_eq!([read("1.5"), read("1e3"), read("25E-1"), read("1e-400")], [1.5, 1000.0, 2.5, 0.0].map(|f| Some(Number::Float(f))));
        assert_eq!([read("1e309"), read("-1e400"), read("1e99999999999"), read("1x"), read("")], [None; 5]);
        let as_i64 = |text: &str| Json::Number(text.to_owned()).as_i64();
        assert_eq!([as_i64("7"), as_i64("-7"), as_i64("0")], [Some(7), Some(-7), Some(0)]);
        assert_eq!([as_i64("-0"), as_i64("1.0"), as_i64("1e3"), as_i64("9223372036854775808"), as_i64("x")], [None; 5]);
    }

    #[test]
    fn pow10_is_the_literal_for_every_exponent() {
        for n in 0..=308 {
            assert_eq!(pow10(n).to_bits(), format!("1e{n}").parse::<f64>().unwrap().to_bits(), "1e{n}");
        }
    }
}
