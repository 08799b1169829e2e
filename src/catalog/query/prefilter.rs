//! The condition a store can check before the query is evaluated (see [`ObjectPrefilter`]):
//! what every object the query matches must meet, drawn from its exact terms.
//!
//! Each term gives a condition that every object it matches meets, or `Any` when none can
//! be drawn: `AND` keeps every part's, `OR` one of its parts' (`Any` if one part has none),
//! and `NOT` none (the objects a term misses are not known from a condition they all meet).

use super::{Field, Node, Pattern};
use regards_order_actors::ports::ObjectPrefilter;

impl Node {
    /// A condition every object this node matches meets.
    pub(crate) fn prefilter(&self) -> ObjectPrefilter {
        match self {
            Node::And(parts) => ObjectPrefilter::all_of(parts.iter().map(Node::prefilter)),
            Node::Or(parts) => ObjectPrefilter::any_of(parts.iter().map(Node::prefilter)),
            Node::Term(field, Pattern::Exact(text)) => exact_term(field, text),
            Node::All
            | Node::Not(_)
            | Node::Exists(_)
            | Node::Range(..)
            | Node::Term(_, Pattern::Glob(_)) => ObjectPrefilter::Any,
        }
    }
}

/// What `field:text` (exact) requires. A property equals `text` when it is that string, a
/// number equal to `text` read as a number, or a boolean `text` names: only the string case
/// is looked for in the JSON text, so a `text` that reads as a number or a boolean gives
/// `Any`. A bare term ignores case (and so cannot be looked for as written).
fn exact_term(field: &Field, text: &str) -> ObjectPrefilter {
    let only_strings = text.parse::<f64>().is_err() && text.parse::<bool>().is_err();
    match field {
        Field::Id => ObjectPrefilter::Urn(text.to_owned()),
        Field::ProviderId if only_strings => ObjectPrefilter::any_of([
            ObjectPrefilter::ProviderId(text.to_owned()),
            // `providerId` is also a property of that name.
            ObjectPrefilter::property_string(text),
        ]),
        Field::Property(_) if only_strings => ObjectPrefilter::property_string(text),
        Field::ProviderId | Field::Property(_) | Field::Dataset | Field::Any => {
            ObjectPrefilter::Any
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::query::Query;
    use regards_order_actors::ports::ObjectPrefilter::{self, AllOf, AnyOf, PropertyString};

    fn prefilter(q: &str) -> ObjectPrefilter {
        match Query::parse(q) {
            Ok(query) => query.prefilter(),
            Err(e) => panic!("{q:?} should parse: {e}"),
        }
    }

    fn s(text: &str) -> ObjectPrefilter {
        PropertyString(text.to_owned())
    }

    #[test]
    fn exact_string_terms_are_looked_for() {
        assert_eq!(prefilter("owner:user1"), s("user1"));
        assert_eq!(prefilter("a.b:\"x y\""), s("x y"));
        assert_eq!(
            prefilter("platform:S2 cloud:x"),
            AllOf(vec![s("S2"), s("x")])
        );
        assert_eq!(prefilter("p:a OR p:b"), AnyOf(vec![s("a"), s("b")]));
        assert_eq!(
            prefilter("p:(a OR b) AND -q:c"),
            AnyOf(vec![s("a"), s("b")])
        );
        assert_eq!(
            prefilter("id:URN:1"),
            ObjectPrefilter::Urn("URN:1".to_owned())
        );
        assert_eq!(
            prefilter("providerId:P1"),
            AnyOf(vec![ObjectPrefilter::ProviderId("P1".to_owned()), s("P1")])
        );
    }

    #[test]
    fn terms_that_may_match_otherwise_read_everything() {
        for q in [
            "",
            "cloud:10",
            "cloud:1e1",
            "flag:true",
            "providerId:12",
            "p:a*",
            "p:[a TO b]",
            "p:*",
            "NOT p:a",
            "sentinel",
            "dataset:URN:DS",
            "p:a OR cloud:[0 TO 1]",
            "p:\"a\\\"b\"",
        ] {
            assert_eq!(prefilter(q), ObjectPrefilter::Any, "{q}");
        }
        assert_eq!(prefilter("p:a AND cloud:10"), s("a"));
    }
}
