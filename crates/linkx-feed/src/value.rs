//! The parsed document's values: JSON-like (strings, numbers, lists, dictionaries), shaped
//! like Python feedparser's result, but cheaper to build and drop than `serde_json`'s.
//!
//! A feed of thousands of entries builds tens of thousands of small dictionaries, almost all
//! of whose keys are fixed words (`title`, `type`, `href`). A [`Dict`] keeps its pairs in one
//! vector, in insertion order, with keys that borrow those words instead of allocating them;
//! [`FeedDocument::to_json`](crate::FeedDocument::to_json) converts to `serde_json` (keys
//! sorted) only when the whole document is printed.

use std::borrow::Cow;

/// A dictionary key: a fixed word, or a name built while parsing.
pub type Key = Cow<'static, str>;

/// One value of the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Array(Vec<Value>),
    Object(Dict),
}

static NULL: Value = Value::Null;

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Dict> {
        match self {
            Value::Object(d) => Some(d),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The value under `key` when this is a dictionary.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|d| d.get(key))
    }

    /// The same value as `serde_json` (dictionary keys sorted, as feedparser's printer does).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(n) => Json::from(*n),
            Value::Float(n) => Json::from(*n),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(a) => Json::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(d) => Json::Object(d.to_json()),
        }
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        i64::try_from(n).map_or(Value::Float(n as f64), Value::Int)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Float(n)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl std::ops::Index<&str> for Value {
    type Output = Value;

    /// The value under `key`, or null (never panics).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;

    /// The list's item at `index`, or null (never panics).
    fn index(&self, index: usize) -> &Value {
        self.as_array().and_then(|a| a.get(index)).unwrap_or(&NULL)
    }
}

/// A dictionary: key/value pairs in insertion order, each key once.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    pairs: Vec<(Key, Value)>,
}

impl Dict {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.pairs.iter().position(|(k, _)| k == key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.pairs[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).map(|i| &mut self.pairs[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` (allocated only when new to this dictionary).
    pub fn set(&mut self, key: &str, value: Value) {
        match self.position(key) {
            Some(i) => self.pairs[i].1 = value,
            None => self.pairs.push((Key::Owned(key.to_string()), value)),
        }
    }

    /// Sets `key`, returning the value it replaces.
    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.pairs[i].1, value)),
            None => {
                self.pairs.push((key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        Some(self.pairs.remove(i).1)
    }

    /// The value under `key`, inserted by `make` when absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.pairs.push((Key::Owned(key.to_string()), make()));
                self.pairs.len() - 1
            }
        };
        &mut self.pairs[i].1
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.pairs.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The same dictionary as `serde_json` (keys sorted).
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }
}

/// Equal when both hold the same keys with equal values, in whatever order.
impl PartialEq for Dict {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl std::ops::Index<&str> for Dict {
    type Output = Value;

    /// The value under `key`, or null (never panics).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Dict {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut d = Dict::new();
        d.extend(iter);
        d
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for Dict {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}

impl IntoIterator for Dict {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.pairs.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_once_and_replaced_in_place() {
        let mut d = Dict::new();
        assert_eq!(d.insert("title".into(), Value::String("a".into())), None);
        d.insert("link".into(), Value::String("l".into()));
        let old = d.insert("title".into(), Value::String("b".into()));
        assert_eq!(old, Some(Value::String("a".into())));
        assert_eq!(d.len(), 2);
        assert_eq!(d["title"], "b");
        assert_eq!(d["missing"], Value::Null);
        assert_eq!(d.remove("title"), Some(Value::String("b".into())));
        assert!(!d.contains_key("title"));
    }

    #[test]
    fn equality_ignores_order_and_json_sorts_keys() {
        let a: Dict = [("b", Value::Int(1)), ("a", Value::Null)]
            .into_iter()
            .collect();
        let b: Dict = [("a", Value::Null), ("b", Value::Int(1))]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        let json = Value::Object(a).to_json().to_string();
        assert_eq!(json, r#"{"a":null,"b":1}"#);
    }
}
