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
mod tests {
    use super::super::fixture::{hit, hit_with};
    use super::Glob;
    use serde_json::json;

    fn yes(q: &str) {
        assert!(hit(q), "{q:?} should match");
    }

    fn no(q: &str) {
        assert!(!hit(q), "{q:?} should not match");
    }

    #[test]
    fn values_compare_by_type() {
        yes("platform:sentinel-2a");
        yes("title:\"Tuile 31TCJ é 🚀\"");
        no("platform:Sentinel-2a");
        no("platform:sentinel");
        yes("eo\\:cloud_cover:10");
        yes("sat\\:relative_orbit:51.0");
        no("eo\\:cloud_cover:ten");
        no("sat\\:relative_orbit:\"51 \"");
        yes("published:true");
        no("published:TRUE");
    }

    #[test]
    fn arrays_and_nested_paths() {
        yes("instruments:msi");
        yes("instruments:(msi AND other)");
        no("instruments:nope");
        assert!(hit_with("n:[2 TO 3]", &json!({ "n": [1, 2.5] })));
        yes("processing.level:L1C");
        yes("bands.name:B02");
        yes("platform.name:flat-key");
        no("processing.level.x:L1C");
    }

    #[test]
    fn missing_and_null_never_match() {
        for q in ["nope:x", "note:x", "note:*", "nope:*", "note:[* TO *]"] {
            no(q);
        }
        for q in ["NOT nope:x", "-note:x", "platform:*", "processing:*"] {
            yes(q);
        }
    }

    #[test]
    fn numeric_ranges() {
        for range in [
            "[10 TO 20]",
            "[5 TO 10]",
            "[* TO 10]",
            "[* TO *]",
            "{9.5 TO 1e2}",
        ] {
            yes(&format!("eo\\:cloud_cover:{range}"));
        }
        for range in ["{10 TO 20]", "[5 TO 10}", "[11 TO *]", "{* TO 10}"] {
            no(&format!("eo\\:cloud_cover:{range}"));
        }
        // Numeric, not lexicographic: "51" sorts before "6".
        yes("sat\\:relative_orbit:[6 TO 100]");
        // A bound that is no number falls back to strings: "51" sorts after "5".
        yes("sat\\:relative_orbit:[5 TO x]");
    }

    #[test]
    fn string_and_date_ranges() {
        yes("datetime:[2020-01-01 TO 2020-01-02]");
        yes("datetime:[2020-01-01T10:00:00Z TO 2020-01-01T10:00:00Z]");
        yes("datetime:[\"2019-12-31\" TO *}");
        yes("platform:[sentinel TO sentinel-3]");
        yes("published:[false TO true]");
        no("datetime:[2020-01-02 TO *]");
        no("datetime:{2020-01-01T10:00:00Z TO *]");
        no("datetime:[* TO 2020-01-01]");
    }

    #[test]
    fn wildcards_glob_the_string_form() {
        for q in [
            "platform:sentinel-?a",
            "platform:*2a",
            "title:*é*",
            "title:*🚀",
        ] {
            yes(q);
        }
        for q in [
            "eo\\:cloud_cover:1*",
            "published:t*",
            "datetime:2020-01-01T*",
        ] {
            yes(q);
        }
        for q in ["platform:S*", "platform:sentinel\\*", "platform:\"sent*\""] {
            no(q);
        }
        assert!(hit_with("f:a\\*b", &json!({ "f": "a*b" })));
    }

    #[test]
    fn object_fields() {
        yes("id:URN:AIP:DATA:project:1234:V1");
        yes("ipId:\"URN:AIP:DATA:project:1234:V1\"");
        yes("providerId:S2A_*");
        yes("dataset:URN*s2*");
        yes("tags:\"URN:AIP:DATASET:project:s2:V1\"");
        no("id:urn*");
        no("providerId:other");
        assert!(hit_with(
            "providerId:other",
            &json!({ "providerId": "other" })
        ));
    }

    #[test]
    fn bare_terms_ignore_case() {
        for q in [
            "SENTINEL-2a",
            "Descending",
            "msi",
            "s2a_msil1c_20200101",
            "senti*",
            "*:msi",
        ] {
            yes(q);
        }
        yes("\"urn:aip:data:project:1234:v1\"");
        yes("\"tuile 31tcj É 🚀\"");
        for q in ["nothing", "L1C", "10", "true", "sentinel"] {
            no(q);
        }
    }

    #[test]
    fn boolean_logic() {
        yes("platform:sentinel-2a AND NOT published:false");
        yes("platform:nope OR published:true AND msi");
        no("(platform:nope OR published:true) AND nothing");
        yes("platform:(sentinel-2b OR sentinel-2a) -note:*");
    }

    #[test]
    fn glob_matching() {
        let glob = |p: &str| Glob::new(&p.chars().map(|c| (c, false)).collect::<Vec<_>>());
        for (pattern, text) in [("*", ""), ("**", "x"), ("a*b*c", "abxbc"), ("é?", "é🚀")] {
            assert!(glob(pattern).matches(text), "{pattern} {text}");
        }
        for (pattern, text) in [("a?c", "ac"), ("?", ""), ("a*b", "abc"), ("*a", "ab")] {
            assert!(!glob(pattern).matches(text), "{pattern} {text}");
        }
        assert!(glob("A*").to_lowercase().matches("ab"));
    }
}
