//! Evaluation of the query tree against one [`Searchable`], and glob matching.

use std::borrow::Cow;

use serde_json::{Number, Value};

use super::Searchable;
use super::{Bound, Field, Node, Pattern};

impl Node {
    /// Whether `item` satisfies this node.
    pub(crate) fn matches(&self, item: &Searchable<'_>) -> bool {
        match self {
            Node::All => true,
            Node::Not(inner) => !inner.matches(item),
            Node::And(parts) => parts.iter().all(|n| n.matches(item)),
            Node::Or(parts) => parts.iter().any(|n| n.matches(item)),
            Node::Exists(field) => {
                let json = json_values(field, item);
                fixed_value(field, item).is_some() || json.iter().any(|v| !v.is_null())
            }
            Node::Term(Field::Any, pattern) => matches_anywhere(pattern, item),
            Node::Term(field, pattern) => {
                let values = scalars(field, item);
                values.iter().any(|s| pattern_matches(pattern, s))
            }
            Node::Range(field, lower, upper) => {
                let values = scalars(field, item);
                values.iter().any(|s| in_range(s, lower, upper))
            }
        }
    }
}

/// A value that can be compared with a query value.
enum Scalar<'a> {
    Str(&'a str),
    Num(&'a Number),
    Bool(bool),
}

impl Scalar<'_> {
    /// The string form wildcards and string ranges work on.
    fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Str(s) => Cow::Borrowed(s),
            Scalar::Num(n) => Cow::Owned(n.to_string()),
            Scalar::Bool(b) => Cow::Owned(b.to_string()),
        }
    }
}

/// The value of the fields that are not properties.
fn fixed_value<'a>(field: &Field, item: &Searchable<'a>) -> Option<&'a str> {
    match field {
        Field::Id => Some(item.id),
        Field::Dataset => Some(item.dataset),
        Field::ProviderId => Some(item.provider_id),
        Field::Any | Field::Property(_) => None,
    }
}

/// The properties a field refers to.
fn json_values<'a>(field: &Field, item: &Searchable<'a>) -> Vec<&'a Value> {
    match field {
        Field::ProviderId => item.properties.get("providerId").into_iter().collect(),
        Field::Property(name) => property(item.properties, name),
        Field::Any | Field::Id | Field::Dataset => Vec::new(),
    }
}

/// The property `name`: the whole name first (`platform.name` may be a flat key),
/// then a dotted path, where arrays of objects contribute each element's member.
fn property<'a>(properties: &'a Value, name: &str) -> Vec<&'a Value> {
    if let Some(value) = properties.get(name) {
        return vec![value];
    }
    if !name.contains('.') {
        return Vec::new();
    }
    let mut frontier = vec![properties];
    for key in name.split('.') {
        frontier = frontier
            .into_iter()
            .flat_map(|v| children(v, key))
            .collect();
    }
    frontier
}

fn children<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    match value {
        Value::Array(items) => items.iter().filter_map(|v| v.get(key)).collect(),
        other => other.get(key).into_iter().collect(),
    }
}

/// The comparable values of a field; an array contributes its elements (one
/// level only, which is what STAC uses and keeps the cost flat).
fn scalars<'a>(field: &Field, item: &Searchable<'a>) -> Vec<Scalar<'a>> {
    let mut out: Vec<_> = fixed_value(field, item)
        .map(Scalar::Str)
        .into_iter()
        .collect();
    for value in json_values(field, item) {
        match value {
            Value::Array(items) => out.extend(items.iter().filter_map(scalar)),
            other => out.extend(scalar(other)),
        }
    }
    out
}

fn scalar(value: &Value) -> Option<Scalar<'_>> {
    match value {
        Value::String(s) => Some(Scalar::Str(s)),
        Value::Number(n) => Some(Scalar::Num(n)),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn pattern_matches(pattern: &Pattern, value: &Scalar<'_>) -> bool {
    match (pattern, value) {
        (Pattern::Glob(glob), value) => glob.matches(&value.text()),
        (Pattern::Exact(text), Scalar::Str(s)) => text == s,
        (Pattern::Exact(text), Scalar::Num(n)) => {
            text.parse::<f64>().is_ok_and(|x| n.as_f64() == Some(x))
        }
        (Pattern::Exact(text), Scalar::Bool(b)) => text.parse::<bool>() == Ok(*b),
    }
}

/// A bare term: the id, the provider id or a top-level string property (or string
/// in a top-level array) equals it, ignoring case.
fn matches_anywhere(pattern: &Pattern, item: &Searchable<'_>) -> bool {
    let lower = match pattern {
        Pattern::Exact(text) => Pattern::Exact(text.to_lowercase()),
        Pattern::Glob(glob) => Pattern::Glob(glob.to_lowercase()),
    };
    let values = item
        .properties
        .as_object()
        .into_iter()
        .flat_map(|m| m.values());
    let elements = values.flat_map(|v| match v {
        Value::Array(items) => items.iter(),
        other => std::slice::from_ref(other).iter(),
    });
    let mut strings = [item.id, item.provider_id]
        .into_iter()
        .chain(elements.filter_map(Value::as_str));
    strings.any(|s| pattern_matches(&lower, &Scalar::Str(&s.to_lowercase())))
}

fn in_range(value: &Scalar<'_>, lower: &Bound, upper: &Bound) -> bool {
    if let Scalar::Num(n) = value
        && let (Some(x), Some(lo), Some(hi)) = (n.as_f64(), numeric(lower), numeric(upper))
    {
        return within(
            &x,
            (lo.as_ref(), lower.inclusive),
            (hi.as_ref(), upper.inclusive),
        );
    }
    let text = value.text();
    let lo = (lower.value.as_deref(), lower.inclusive);
    within(text.as_ref(), lo, (upper.value.as_deref(), upper.inclusive))
}

/// `Some(None)` for an open bound, `None` when the bound is not a number.
fn numeric(bound: &Bound) -> Option<Option<f64>> {
    match &bound.value {
        None => Some(None),
        Some(text) => text.parse().ok().map(Some),
    }
}

/// Whether `x` lies between the bounds, each given as (value or open, inclusive).
fn within<T: PartialOrd + ?Sized>(x: &T, lo: (Option<&T>, bool), hi: (Option<&T>, bool)) -> bool {
    let above = lo.0.is_none_or(|l| if lo.1 { x >= l } else { x > l });
    let below = hi.0.is_none_or(|h| if hi.1 { x <= h } else { x < h });
    above && below
}

#[derive(Debug, Clone, PartialEq)]
enum GlobTok {
    Lit(char),
    /// `?`
    One,
    /// `*`
    Many,
}

/// A wildcard pattern: `*` is any run of characters, `?` exactly one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glob(Vec<GlobTok>);

impl Glob {
    /// Builds the pattern from characters and whether each was escaped.
    pub(crate) fn new(pieces: &[(char, bool)]) -> Self {
        let tok = |&(c, escaped): &(char, bool)| match c {
            '*' if !escaped => GlobTok::Many,
            '?' if !escaped => GlobTok::One,
            _ => GlobTok::Lit(c),
        };
        Glob(pieces.iter().map(tok).collect())
    }

    fn to_lowercase(&self) -> Self {
        let lower = |t: &GlobTok| match t {
            GlobTok::Lit(c) => c.to_lowercase().map(GlobTok::Lit).collect(),
            other => vec![other.clone()],
        };
        Glob(self.0.iter().flat_map(lower).collect())
    }

    /// Iterative matching with backtracking to the last `*` only: linear space,
    /// at worst pattern × text steps, and no recursion.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0, 0);
        // Where to resume after the last `*`: pattern index, text index tried.
        let mut star: Option<(usize, usize)> = None;
        while let Some(c) = chars.get(t) {
            match self.0.get(p) {
                Some(GlobTok::Many) => {
                    p += 1;
                    star = Some((p, t));
                }
                Some(GlobTok::One) => (p, t) = (p + 1, t + 1),
                Some(GlobTok::Lit(l)) if l == c => (p, t) = (p + 1, t + 1),
                _ => match star {
                    Some((sp, st)) => {
                        (p, t) = (sp, st + 1);
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.0.iter().skip(p).all(|tok| *tok == GlobTok::Many)
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
