//! The `q` query language of basket selections (`searchParameters.q`): a documented
//! subset of the Lucene query syntax, parsed once and evaluated against each
//! catalogue data object.
//!
//! # Syntax
//!
//! * **Terms.** `field:value` matches when the field equals `value`;
//!   `field:"quoted value"` allows spaces and special characters (inside quotes,
//!   `\"` is a quote and `\\` a backslash). In unquoted values, the special
//!   characters `( ) [ ] { } " \ * ?` and spaces are escaped with `\`. Colons after
//!   the field's own colon belong to the value, so
//!   `datetime:2020-01-01T10:00:00Z` needs no quoting, and a value right after
//!   `field:` may start with `-` (`offset:-5`).
//! * **Fields.** `id` and `ipId` are the object's URN, `providerId` its provider id
//!   (or a `providerId` property), `dataset` and `tags` its dataset URN; any other
//!   name is a STAC property. `a.b.c` walks nested objects (a property literally
//!   named `a.b.c` wins). A colon inside a property name must be escaped:
//!   `eo\:cloud_cover:[0 TO 10]` (without `\`, `eo:cloud_cover:10` means field `eo`).
//! * **Ranges.** `field:[a TO b]` is inclusive, `field:{a TO b}` exclusive,
//!   `[a TO b}` and `{a TO b]` are mixed, `*` is an open bound. The comparison is
//!   numeric when the property is a number and both bounds are numbers, otherwise
//!   lexicographic on strings, which orders ISO-8601 dates correctly. Beware that
//!   `[* TO 2020-01-31]` excludes `2020-01-31T10:00:00Z` (it sorts after
//!   `2020-01-31`): write `{* TO 2020-02-01}` instead.
//! * **Wildcards.** In unquoted values, `*` matches any run of characters and `?`
//!   exactly one, case-sensitively, on the value's string form (`cloud:1*` matches
//!   `10.5`). `field:*` matches when the field exists and is not null; a bare `*`
//!   or `*:*` matches everything, as does an empty query.
//! * **Operators.** `AND`/`&&`, `OR`/`||`, `NOT`/`!` and a leading `-` on a term
//!   (keywords are upper case; `and` is an ordinary word). Terms written side by
//!   side are combined with AND (Lucene's default is OR, but a selection is meant
//!   to narrow down: `platform:S2A processing:L1C` selects objects that have both).
//!   NOT binds tighter than AND, AND tighter than OR: `a:1 OR b:2 c:3` is
//!   `a:1 OR (b:2 AND c:3)`. Parentheses group.
//! * **Field groups.** `field:(v1 OR v2)` applies every value inside to `field`;
//!   AND, OR, NOT, `-`, wildcards and ranges are allowed inside, e.g.
//!   `platform:(sentinel-2a OR sentinel-2b)`, `cloud:([0 TO 5] OR 100)`. Inside a
//!   group, `:` is part of the value: fields cannot be nested.
//! * **Bare terms.** A term without a field, e.g. `sentinel-2a`, matches when the
//!   id, the provider id, or any top-level string property (or string in a
//!   top-level array) equals it, ignoring case; wildcards are allowed.
//! * **Matching.** Strings compare exactly and case-sensitively; number properties
//!   compare numerically (`cloud:10` matches `10` and `10.0`); boolean properties
//!   match `true`/`false`; an array matches when one of its elements does; a
//!   missing or null property never matches, so `NOT field:x` and `-field:x` select
//!   objects without `field`.
//! * **Limits.** At most 10 000 characters and 100 nested levels of parentheses
//!   and NOT. Errors give the 0-based character position of the problem.

mod eval;
mod lexer;
mod parser;
mod prefilter;

use eval::Glob;
use regards_order_actors::ports::ObjectPrefilter;

/// Longest accepted query, in characters: bounds parsing and matching costs.
const MAX_QUERY_CHARS: usize = 10_000;
/// Deepest accepted nesting of parentheses and NOT: the parser, the evaluator and
/// `Drop` all recurse over the tree, so its depth must stay small.
const MAX_DEPTH: usize = 100;

// The query tree, built by the parser and walked by the evaluator.

/// What a term looks at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// No field (bare term): the id, provider id and string properties.
    Any,
    Id,
    ProviderId,
    Dataset,
    /// A property name, possibly a dotted path.
    Property(String),
}

/// The value a term compares with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pattern {
    Exact(String),
    Glob(Glob),
}

/// One end of a range; `None` is open (`*`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bound {
    pub(crate) value: Option<String>,
    pub(crate) inclusive: bool,
}

impl Bound {
    pub(crate) fn new(value: Option<String>, inclusive: bool) -> Self {
        Bound { value, inclusive }
    }
}

/// The query tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    All,
    /// The field is present and not null.
    Exists(Field),
    Term(Field, Pattern),
    Range(Field, Bound, Bound),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Node {
    /// Conjunction, kept flat so that combining many queries adds no depth.
    pub(crate) fn and(self, other: Node) -> Node {
        let mut parts = self.into_conjuncts();
        parts.extend(other.into_conjuncts());
        join(parts, Node::And)
    }

    fn into_conjuncts(self) -> Vec<Node> {
        match self {
            Node::All => Vec::new(),
            Node::And(parts) => parts,
            other => vec![other],
        }
    }
}

/// A single part stands alone; no part at all (only from `and`) matches everything.
fn join(mut parts: Vec<Node>, combine: fn(Vec<Node>) -> Node) -> Node {
    match parts.len() {
        0 => Node::All,
        1 => parts.pop().unwrap_or(Node::All),
        _ => combine(parts),
    }
}

/// A parsed query, ready to be matched against catalogue data objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Node,
}

/// A malformed query: a message naming the problem and the 0-based character position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed query at character {position}: {message}")]
pub struct QueryError {
    /// 0-based position of the problem, counted in characters (not bytes).
    pub position: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl QueryError {
    fn new(position: usize, message: impl Into<String>) -> Self {
        QueryError {
            position,
            message: message.into(),
        }
    }
}

/// What a query is evaluated against: one catalogue data object.
#[derive(Debug, Clone, Copy)]
pub struct Searchable<'a> {
    /// The object's URN: fields `id` and `ipId`.
    pub id: &'a str,
    /// Field `providerId` (a `providerId` property, if present, is searched too).
    pub provider_id: &'a str,
    /// The dataset URN: fields `dataset` and `tags`.
    pub dataset: &'a str,
    /// The STAC item's `properties` object: every other field.
    pub properties: &'a serde_json::Value,
}

impl Query {
    /// Parses `q`; an empty or blank string gives the query that matches everything.
    pub fn parse(q: &str) -> Result<Query, QueryError> {
        parser::parse(q).map(|root| Query { root })
    }

    /// Matches everything.
    pub fn all() -> Query {
        Query { root: Node::All }
    }

    /// Both must match (used to combine several `q` values).
    pub fn and(self, other: Query) -> Query {
        Query {
            root: self.root.and(other.root),
        }
    }

    /// Whether `item` is selected by this query.
    pub fn matches(&self, item: &Searchable<'_>) -> bool {
        self.root.matches(item)
    }

    /// A condition every object this query selects meets, for the store to check before
    /// `matches` runs (it narrows a scan, never decides alone).
    pub fn prefilter(&self) -> ObjectPrefilter {
        self.root.prefilter()
    }
}

/// Shared fixtures for the tests of this module and its children.
#[cfg(test)]
mod fixture {
    use super::{Query, Searchable};
    use serde_json::{Value, json};

    /// STAC-like properties exercising every kind of value.
    pub(super) fn props() -> Value {
        json!({
            "platform": "sentinel-2a",
            "eo:cloud_cover": 10.0,
            "sat:orbit_state": "descending",
            "sat:relative_orbit": 51,
            "datetime": "2020-01-01T10:00:00Z",
            "instruments": ["msi", "other"],
            "processing": { "level": "L1C", "baseline": 2.08 },
            "platform.name": "flat-key",
            "published": true,
            "note": null,
            "title": "Tuile 31TCJ é 🚀",
            "bands": [{ "name": "B01" }, { "name": "B02" }]
        })
    }

    /// Evaluates `q` (which must parse) against an object with `props`.
    pub(super) fn hit_with(q: &str, props: &Value) -> bool {
        let query = match Query::parse(q) {
            Ok(query) => query,
            Err(e) => panic!("{q:?} should parse: {e}"),
        };
        query.matches(&item(props))
    }

    /// Evaluates `q` against the object of [`props`].
    pub(super) fn hit(q: &str) -> bool {
        hit_with(q, &props())
    }

    pub(super) fn item(props: &Value) -> Searchable<'_> {
        Searchable {
            id: "URN:AIP:DATA:project:1234:V1",
            provider_id: "S2A_MSIL1C_20200101",
            dataset: "URN:AIP:DATASET:project:s2:V1",
            properties: props,
        }
    }

    /// The error `q` must give.
    pub(super) fn error(q: &str) -> super::QueryError {
        match Query::parse(q) {
            Ok(query) => panic!("{q:?} should not parse, got {query:?}"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{hit, item, props};
    use super::{MAX_DEPTH, Query};

    #[test]
    fn empty_queries_and_combination() {
        for q in ["", "   ", "\t\n", "*", "*:*", "(*)"] {
            assert_eq!(Query::parse(q), Ok(Query::all()), "{q:?}");
        }
        let Ok(cloudy) = Query::parse("eo\\:cloud_cover:[50 TO *]") else {
            panic!("should parse");
        };
        let Ok(s2) = Query::parse("platform:sentinel-2a") else {
            panic!("should parse");
        };
        let data = props();
        assert!(s2.clone().and(Query::all()).matches(&item(&data)));
        assert!(!s2.clone().and(cloudy.clone()).matches(&item(&data)));
        assert_eq!(Query::all().and(s2.clone()), s2);
        let left = s2.clone().and(cloudy.clone()).and(s2.clone());
        assert_eq!(left, s2.clone().and(cloudy.and(s2)));
    }

    #[test]
    fn many_combined_queries_stay_flat() {
        let Ok(one) = Query::parse("platform:sentinel-2a") else {
            panic!("should parse");
        };
        let mut all = Query::all();
        for _ in 0..100_000 {
            all = all.and(one.clone());
        }
        let data = props();
        assert!(all.matches(&item(&data)));
    }

    #[test]
    fn deep_not_still_evaluates() {
        assert!(hit(&format!(
            "{}platform:sentinel-2a",
            "NOT ".repeat(MAX_DEPTH)
        )));
        assert!(!hit(&format!(
            "{}platform:sentinel-2a",
            "-".repeat(MAX_DEPTH - 1)
        )));
    }

    /// Deterministic xorshift64 generator, enough to vary the fuzz input.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            usize::try_from(x % n as u64).unwrap_or(0)
        }
    }

    const PIECES: [&str; 34] = [
        "(",
        ")",
        "\"",
        "\\",
        ":",
        "[",
        "]",
        "{",
        "}",
        " TO ",
        "TO",
        " AND ",
        " OR ",
        "NOT ",
        "*",
        "-",
        "!",
        " ",
        "é",
        "a",
        "b",
        "f",
        "1",
        "9",
        "?",
        "&&",
        "||",
        "x:",
        "🚀",
        ".",
        "\t",
        "eo\\:c:",
        "2020-01-01T10:00:00Z",
        "\\:",
    ];

    #[test]
    fn random_queries_never_panic() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let data = props();
        let mut parsed = 0;
        for _ in 0..20_000 {
            let len = rng.below(24);
            let q: String = (0..len)
                .filter_map(|_| PIECES.get(rng.below(PIECES.len())))
                .copied()
                .collect();
            match Query::parse(&q) {
                Ok(query) => {
                    parsed += 1;
                    query.matches(&item(&data));
                }
                Err(e) => assert!(e.position <= q.chars().count(), "{q:?}: {e}"),
            }
        }
        assert!(parsed > 1_000, "only {parsed} random queries parsed");
    }

    #[test]
    fn huge_hostile_queries_return() {
        for q in [
            "(".repeat(100_000),
            "NOT ".repeat(100_000),
            "\"".repeat(100_000),
        ] {
            assert!(Query::parse(&q).is_err());
        }
        for q in [
            "(".repeat(9_999),
            "NOT ".repeat(2_499),
            "[".repeat(9_999),
            "a:".repeat(4_999),
        ] {
            let _ = Query::parse(&q);
        }
    }
}
