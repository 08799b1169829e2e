use super::super::fixture::error;
use super::super::{Bound, Field, MAX_DEPTH, Node, Pattern, Query};
use super::parse;

fn tree(q: &str) -> Node {
    match parse(q) {
        Ok(node) => node,
        Err(e) => panic!("{q:?} should parse: {e}"),
    }
}

fn same(a: &str, b: &str) {
    assert_eq!(tree(a), tree(b), "{a:?} vs {b:?}");
}

fn prop(name: &str) -> Field {
    Field::Property(name.to_owned())
}

fn exact(field: Field, value: &str) -> Node {
    Node::Term(field, Pattern::Exact(value.to_owned()))
}

fn term(field: &str, value: &str) -> Node {
    exact(prop(field), value)
}

#[test]
fn and_binds_tighter_than_or() {
    same("a:1 OR b:2 AND c:3", "a:1 OR (b:2 AND c:3)");
    assert_ne!(tree("a:1 OR b:2 AND c:3"), tree("(a:1 OR b:2) AND c:3"));
    same("a:1 && b:2 || c:3", "(a:1 AND b:2) OR c:3");
    let and = Node::And(vec![term("b", "2"), term("c", "3")]);
    assert_eq!(
        tree("a:1 OR b:2 AND c:3"),
        Node::Or(vec![term("a", "1"), and])
    );
}

#[test]
fn juxtaposition_means_and() {
    same("a:1 b:2", "a:1 AND b:2");
    same("a:1 OR b:2 c:3", "a:1 OR (b:2 AND c:3)");
    same("a:1 and b:2", "a:1 AND and AND b:2");
    let and = Node::And(vec![term("a", "1"), term("b", "2"), term("c", "3")]);
    assert_eq!(tree("a:1 b:2 c:3"), and);
}

#[test]
fn not_binds_tighter_than_and() {
    same("NOT a:1 AND b:2", "(NOT a:1) AND b:2");
    same("NOT a:1 OR b:2", "(NOT a:1) OR b:2");
    same("!a:1", "NOT a:1");
    same("-a:1", "NOT a:1");
    same("a:1 -b:2", "a:1 AND NOT b:2");
    same("NOT NOT a:1", "NOT (NOT a:1)");
    assert_eq!(tree("-a:1"), Node::Not(Box::new(term("a", "1"))));
}

#[test]
fn field_groups_apply_the_field() {
    same("f:(x OR y)", "f:x OR f:y");
    same("f:(x y)", "f:x AND f:y");
    same("f:(x AND NOT y)", "f:x AND NOT f:y");
    same("f:(x -(y OR z))", "f:x AND NOT (f:y OR f:z)");
    same("f:([1 TO 2] OR \"a b\")", "f:[1 TO 2] OR f:\"a b\"");
    same("f:(*)", "f:*");
    same("*:(x OR y)", "x OR y");
}

#[test]
fn fields_and_values() {
    assert_eq!(tree("f:*"), Node::Exists(prop("f")));
    assert_eq!(tree("ipId:x"), exact(Field::Id, "x"));
    same("tags:x", "dataset:x");
    same("*:x", "x");
    assert_eq!(tree("\"two words\""), exact(Field::Any, "two words"));
    assert!(matches!(
        tree("senti*"),
        Node::Term(Field::Any, Pattern::Glob(_))
    ));
    assert_eq!(tree("f:-5"), term("f", "-5"));
    assert_eq!(tree("f: \"a:b\""), term("f", "a:b"));
    assert_eq!(tree("eo\\:cloud_cover:1"), term("eo:cloud_cover", "1"));
    assert_eq!(tree("eo:cloud_cover:1"), term("eo", "cloud_cover:1"));
    assert_eq!(tree("a.b\\ c:x\\*"), term("a.b c", "x*"));
}

#[test]
fn ranges() {
    let end = Some("2020-01-01T00:00:00Z".to_owned());
    let range = Node::Range(prop("f"), Bound::new(None, false), Bound::new(end, true));
    assert_eq!(tree("f:{* TO 2020-01-01T00:00:00Z]"), range);
    assert_eq!(tree("f:{* TO \"2020-01-01T00:00:00Z\"]"), range);
    same("f:[a TO b}", "f:([a TO b})");
}

/// Checks the error position and that the message contains `words`.
fn fails_at(q: &str, position: usize, words: &str) {
    let e = error(q);
    assert_eq!(e.position, position, "{q:?}: {e}");
    assert!(e.message.contains(words), "{q:?}: {e}");
}

#[test]
fn errors_name_the_problem_and_its_position() {
    fails_at("(a:1", 0, "never closed");
    fails_at("a:1)", 3, "no matching '('");
    fails_at("a:(x OR y", 2, "never closed");
    fails_at("a:", 2, "missing value after 'a:'");
    fails_at("a: OR b", 3, "missing value after 'a:'");
    fails_at("a:\"abc", 2, "unterminated quoted string");
    fails_at("a:[1 TO", 2, "unterminated range");
    fails_at("a:[1 TO 2", 2, "unterminated range");
    fails_at("a:[1 2]", 5, "expected 'TO'");
    fails_at("a:[1 TO 2)", 9, "expected ']' or '}'");
    fails_at("a:[ TO 2]", 4, "expected a range bound");
    fails_at("a:1 AND", 4, "'AND' must be followed by a term");
    fails_at("a:1 ||", 4, "'||' must be followed by a term");
    fails_at("NOT", 0, "'NOT' must be followed by a term");
    fails_at("a:1 -", 4, "'-' must be followed by a term");
    fails_at("a:1 AND OR b:2", 4, "'AND' must be followed");
    fails_at("OR a:1", 0, "'OR' must be preceded by a term");
    fails_at("[1 TO 2]", 0, "a range needs a field");
    fails_at("()", 1, "expected a term but found ')'");
    fails_at("a:1 ]", 4, "unexpected ']'");
    fails_at(":x", 0, "expected a term but found ':'");
    fails_at("a\\", 1, "escape character");
    // Positions count characters, not bytes.
    fails_at("é:\"x", 2, "unterminated quoted string");
    fails_at("titre:éé🚀 AND", 10, "'AND' must be followed");
    let e = error("a:1)");
    let shown = "malformed query at character 3: unbalanced parenthesis: ')' has no matching '('";
    assert_eq!(e.to_string(), shown);
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| format!("{}a:1{}", "(".repeat(n), ")".repeat(n));
    assert!(Query::parse(&deep(MAX_DEPTH)).is_ok());
    fails_at(&deep(MAX_DEPTH + 1), MAX_DEPTH, "nested too deeply");
    let nots = |n: usize| format!("{}a:1", "NOT ".repeat(n));
    assert!(Query::parse(&nots(MAX_DEPTH)).is_ok());
    fails_at(&nots(MAX_DEPTH + 1), 4 * MAX_DEPTH, "nested too deeply");
    let dashes = format!("{}a", "-".repeat(9_000));
    fails_at(&dashes, MAX_DEPTH, "nested too deeply");
    fails_at(&"f:(".repeat(3_000), 3 * MAX_DEPTH + 2, "nested too deeply");
}
