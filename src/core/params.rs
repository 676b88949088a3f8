//! A set of protocol fields: unique, validated names, kept in the bytewise
//! (ASCII) key order that signing needs.

use super::error::{Error, Result};
use epay_kernel::Unfit;
use std::borrow::Cow;

/// Longest accepted parameter name, in bytes.
const MAX_KEY_LEN: usize = 64;

/// Protocol fields, sorted by name (bytewise) and unique. Values are kept
/// exactly as given, empty ones included; signing skips empty values.
///
/// Values borrow from their input when they can (`Cow`), so parsing a
/// notify or a JS buffer does not copy every field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params<'a> {
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Whether `key` is a name the protocol can carry unambiguously: 1–64 of
/// `A-Z a-z 0-9 _ -`. `=`, `&`, spaces and dots would make the sign string
/// ambiguous or be rewritten by PHP's `$_GET`.
pub fn is_valid_key(key: &str) -> bool {
    debug_assert_eq!(MAX_KEY_LEN, 64);
    epay_kernel::is_valid_name(key.as_bytes())
}

impl<'a> Params<'a> {
    /// Builds the set from `(name, value)` pairs in any order. Fails on an
    /// invalid name or a name given twice (`&` and `=` are not escaped in the
    /// sign string, so duplicates would make it ambiguous).
    pub fn from_pairs<K, V, I>(pairs: I) -> Result<Self>
    where
        K: Into<Cow<'a, str>>,
        V: Into<Cow<'a, str>>,
        I: IntoIterator<Item = (K, V)>,
    {
        Self::from_fields(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// [`Params::from_pairs`] for fields already as the set keeps them:
    /// checks the names (the first bad one is the error), sorts and
    /// de-duplicates. Not generic, so that it exists once in the wasm.
    pub fn from_fields(mut fields: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> Result<Self> {
        match epay_kernel::sort_unique(&mut fields) {
            Ok(()) => Ok(Params { fields }),
            Err(Unfit::InvalidName(i)) => {
                let key = &fields[i].0;
                let message = ["parameter name ", &quoted(key), " is not allowed: use 1-64 of A-Z a-z 0-9 _ -"].concat();
                Err(Error::invalid(key, message))
            }
            Err(Unfit::Duplicate(i)) => {
                let key = &fields[i].0;
                Err(Error::invalid(key, ["parameter ", &quoted(key), " is given more than once"].concat()))
            }
        }
    }

    /// The fields, sorted by name.
    pub fn fields(&self) -> &[(Cow<'a, str>, Cow<'a, str>)] {
        &self.fields
    }

    /// The value of `key`, if present (possibly empty).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).ok().map(|i| &*self.fields[i].1)
    }

    /// The value of `key` if present and not empty: the protocol's notion
    /// of a field being there.
    pub fn get_non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// Sets `key` to `value`, replacing any previous value. `key` must be a
    /// valid name; callers pass protocol constants.
    pub fn set(&mut self, key: &'a str, value: impl Into<Cow<'a, str>>) {
        self.set_cow(key, value.into());
    }

    fn set_cow(&mut self, key: &'a str, value: Cow<'a, str>) {
        match self.position(key) {
            Ok(i) => self.fields[i].1 = value,
            Err(i) => self.fields.insert(i, (Cow::Borrowed(key), value)),
        }
    }

    /// Removes `key` if present.
    pub fn remove(&mut self, key: &str) {
        if let Ok(i) = self.position(key) {
            self.fields.remove(i);
        }
    }

    /// The fields for which `keep(name, value)` holds, still sorted; values
    /// that borrow keep borrowing.
    pub fn filtered(&self, keep: impl Fn(&str, &str) -> bool) -> Params<'a> {
        Params { fields: self.fields.iter().filter(|(k, v)| keep(k, v)).cloned().collect() }
    }

    /// The same fields, owning their text.
    pub fn into_owned(self) -> Params<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        Params { fields: self.fields.into_iter().map(|(k, v)| (own(k), own(v))).collect() }
    }

    /// Fields in bytewise key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Number of fields, empty ones included.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn position(&self, key: &str) -> std::result::Result<usize, usize> {
        epay_kernel::find(&self.fields, key)
    }
}

/// `text` in double quotes, escaped as Rust's `{:?}` escapes ASCII (`\"`,
/// `\\`, `\t`, `\r`, `\n`, `\0`, other controls as `\u{7f}`), its first
/// 64 characters only (a megabyte-long name makes no better message). Other
/// characters are kept as they are: `{:?}` would pull ~4 KB of Unicode tables
/// into the wasm to escape the few non-printable ones.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\t' => "\\t",
            '\r' => "\\r",
            '\n' => "\\n",
            '\0' => "\\0",
            _ if c.is_ascii_control() => {
                // \u{1}, \u{1f}, \u{7f}: lowercase hex without leading zeros.
                let b = c as u8;
                out.push_str("\\u{");
                if b >= 16 {
                    out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                }
                out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
                out.push('}');
                continue;
            }
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(escape);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_bytewise_and_keeps_values() {
        let p = Params::from_pairs([("b", "2"), ("B", "x"), ("a_", ""), ("a", "1")]).unwrap();
        let keys: Vec<_> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["B", "a", "a_", "b"]);
        assert_eq!(p.get("a_"), Some(""));
        assert_eq!(p.get_non_empty("a_"), None);
    }

    #[test]
    fn rejects_duplicates_naming_the_field() {
        let e = Params::from_pairs([("money", "1"), ("pid", "1"), ("money", "2")]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("money"));
    }

    #[test]
    fn names_are_quoted_as_debug_quotes_them() {
        for name in ["a b", "a\"b", "a\\b", "t\tr\rn\n0\0", "\u{1}\u{1f}\u{7f}", "名", "a=b"] {
            let e = Params::from_pairs([(name, "1")]).unwrap_err();
            assert_eq!(e.message, format!("parameter name {name:?} is not allowed: use 1-64 of A-Z a-z 0-9 _ -"));
        }
        let e = Params::from_pairs([("pid", "1"), ("pid", "2")]).unwrap_err();
        assert_eq!(e.message, "parameter \"pid\" is given more than once");
    }

    #[test]
    fn sorts_any_order_of_any_size() {
        let mut seed = 7u32;
        for n in 0..70 {
            let names: Vec<String> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    format!("{}{i}", ["a", "B", "a_", "z", "_", "-", "ab"][(seed >> 16) as usize % 7])
                })
                .collect();
            let p = Params::from_pairs(names.iter().map(|k| (k.as_str(), "v"))).unwrap();
            let mut want: Vec<&str> = names.iter().map(String::as_str).collect();
            want.sort();
            assert_eq!(p.iter().map(|(k, _)| k).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn rejects_ambiguous_names() {
        for bad in ["", "a=b", "a&b", "a b", "a.b", "amp;pid", "名", &"k".repeat(65)] {
            let e = Params::from_pairs([(bad, "1")]).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(bad));
        }
    }

    #[test]
    fn set_replaces_or_inserts_in_order() {
        let mut p = Params::from_pairs([("a", "1"), ("z", "2")]).unwrap();
        p.set("sign", "x");
        p.set("a", "3");
        let all: Vec<_> = p.iter().collect();
        assert_eq!(all, [("a", "3"), ("sign", "x"), ("z", "2")]);
        p.remove("sign");
        assert_eq!(p.len(), 2);
    }
}
