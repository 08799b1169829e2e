//! A condition on catalogue objects that a store can check before handing rows over.

/// A condition every object a selection can match meets, derived from its query: a scan may
/// leave out the objects that fail it (the store checks it in its own query language, so a
/// selection of one owner reads that owner's rows, not the whole dataset). It is only a
/// pre-filter: the caller still evaluates the selection on every row it gets, so a store may
/// return rows that fail it, and must never leave out one that meets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ObjectPrefilter {
    /// Every object.
    #[default]
    Any,
    /// The object's URN is this one.
    Urn(String),
    /// The object's provider id is this one.
    ProviderId(String),
    /// This string is a value (or a key) somewhere in the object's properties, at any depth.
    /// Only built (see [`ObjectPrefilter::property_string`]) for strings that JSON writes
    /// as they are between two quotes, so a store may look for `"text"` in the JSON text.
    PropertyString(String),
    /// Every one of these holds (two or more parts).
    AllOf(Vec<ObjectPrefilter>),
    /// At least one of these holds (two or more parts).
    AnyOf(Vec<ObjectPrefilter>),
}

/// Most conditions one pre-filter holds: past it, a query is long enough that the scan reads
/// everything (a bound on the SQL a store builds from it).
pub const MAX_PREFILTER_TERMS: usize = 64;

impl ObjectPrefilter {
    /// The property-string condition, or [`ObjectPrefilter::Any`] when JSON escapes a
    /// character of `text` (a quote, a backslash, a control character): its JSON text would
    /// then not hold `text` as written.
    pub fn property_string(text: &str) -> Self {
        if text
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control())
        {
            return ObjectPrefilter::Any;
        }
        ObjectPrefilter::PropertyString(text.to_owned())
    }

    /// Both hold: `Any` parts drop out, nested conjunctions are flattened.
    pub fn all_of(parts: impl IntoIterator<Item = ObjectPrefilter>) -> Self {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                ObjectPrefilter::Any => {}
                ObjectPrefilter::AllOf(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        Self::bounded(kept, ObjectPrefilter::AllOf)
    }

    /// One holds: a single `Any` part makes the whole `Any` (nothing can be left out).
    pub fn any_of(parts: impl IntoIterator<Item = ObjectPrefilter>) -> Self {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                ObjectPrefilter::Any => return ObjectPrefilter::Any,
                ObjectPrefilter::AnyOf(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        if kept.is_empty() {
            // No part at all: nothing is known, so nothing may be left out.
            return ObjectPrefilter::Any;
        }
        Self::bounded(kept, ObjectPrefilter::AnyOf)
    }

    /// How many plain conditions (URN, provider id, property string) it holds.
    pub fn terms(&self) -> usize {
        match self {
            ObjectPrefilter::Any => 0,
            ObjectPrefilter::Urn(_)
            | ObjectPrefilter::ProviderId(_)
            | ObjectPrefilter::PropertyString(_) => 1,
            ObjectPrefilter::AllOf(parts) | ObjectPrefilter::AnyOf(parts) => {
                parts.iter().map(Self::terms).sum()
            }
        }
    }

    /// One part stands alone, none is `Any`; too many terms give `Any` (reading every
    /// object is always allowed).
    fn bounded(
        mut parts: Vec<ObjectPrefilter>,
        combine: fn(Vec<ObjectPrefilter>) -> ObjectPrefilter,
    ) -> Self {
        let combined = match parts.len() {
            0 => return ObjectPrefilter::Any,
            1 => parts.pop().unwrap_or_default(),
            _ => combine(parts),
        };
        if combined.terms() > MAX_PREFILTER_TERMS {
            return ObjectPrefilter::Any;
        }
        combined
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectPrefilter::{self, AllOf, AnyOf, PropertyString, Urn};

    fn s(text: &str) -> ObjectPrefilter {
        PropertyString(text.to_owned())
    }

    #[test]
    fn strings_that_json_escapes_are_not_looked_for() {
        assert_eq!(ObjectPrefilter::property_string("user1"), s("user1"));
        assert_eq!(ObjectPrefilter::property_string("é 🚀"), s("é 🚀"));
        for text in ["a\"b", "a\\b", "a\nb", "\u{1}"] {
            assert_eq!(ObjectPrefilter::property_string(text), ObjectPrefilter::Any);
        }
    }

    #[test]
    fn combinations_simplify() {
        let any = ObjectPrefilter::Any;
        assert_eq!(ObjectPrefilter::all_of([any.clone(), s("a")]), s("a"));
        assert_eq!(ObjectPrefilter::all_of([any.clone()]), any);
        assert_eq!(ObjectPrefilter::any_of([any.clone(), s("a")]), any);
        assert_eq!(ObjectPrefilter::any_of([]), any);
        let nested = ObjectPrefilter::all_of([AllOf(vec![s("a"), s("b")]), s("c")]);
        assert_eq!(nested, AllOf(vec![s("a"), s("b"), s("c")]));
        let either = ObjectPrefilter::any_of([s("a"), AnyOf(vec![Urn("u".into()), s("b")])]);
        assert_eq!(either.terms(), 3);
    }

    #[test]
    fn too_many_terms_read_everything() {
        let many = (0..=super::MAX_PREFILTER_TERMS).map(|i| s(&i.to_string()));
        assert_eq!(ObjectPrefilter::any_of(many.clone()), ObjectPrefilter::Any);
        assert_eq!(ObjectPrefilter::all_of(many), ObjectPrefilter::Any);
    }
}
