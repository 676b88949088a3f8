//! A set of protocol fields: unique, validated names, kept in the bytewise
//! (ASCII) key order that signing needs.

use super::error::{Error, Result};
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
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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
        let mut fields = Vec::new();
        for (key, value) in pairs {
            let key = key.into();
            if !is_valid_key(&key) {
                return Err(Error::invalid(
                    &key,
                    format!("parameter name {key:?} is not allowed: use 1-64 of A-Z a-z 0-9 _ -"),
                ));
            }
            fields.push((key, value.into()));
        }
        fields.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = fields.windows(2).find(|w| w[0].0 == w[1].0) {
            let key = &pair[0].0;
            return Err(Error::invalid(key, format!("parameter {key:?} is given more than once")));
        }
        Ok(Params { fields })
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
        let value = value.into();
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
        self.fields.binary_search_by(|(k, _)| (**k).cmp(key))
    }
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
