//! Recursive-descent parser building the query tree. It only recurses through
//! parentheses and NOT, both counted against [`MAX_DEPTH`], and AND/OR chains are
//! kept flat, so no input can overflow the stack here, in evaluation or in `Drop`.
//!
//! ```text
//! query   := or? EOF
//! or      := and (OR and)*
//! and     := unary ((AND)? unary)*          juxtaposition means AND
//! unary   := NOT unary | primary            NOT is also `!` and `-`
//! primary := '(' or ')' | range | QUOTED | WORD | WORD ':' value
//! value   := '(' or ')' | range | QUOTED | WORD   with the field as context
//! range   := ('[' | '{') bound TO bound (']' | '}')
//! ```

use super::lexer::{Tok, Token, Word, tokenize};
use super::{Bound, Field, MAX_DEPTH, Node, Pattern, QueryError, join};

/// Returned by `peek` past the end, so that it never needs to fail.
static EOF: Tok = Tok::Eof;

/// Parses a whole query.
pub(crate) fn parse(q: &str) -> Result<Node, QueryError> {
    let mut parser = Parser {
        tokens: tokenize(q)?,
        next: 0,
        depth: 0,
    };
    if matches!(parser.peek(), Tok::Eof) {
        return Ok(Node::All);
    }
    let node = parser.or(None)?;
    let at = parser.here();
    match parser.peek() {
        Tok::Eof => Ok(node),
        Tok::RParen => fail(at, "unbalanced parenthesis: ')' has no matching '('"),
        other => fail(at, format!("unexpected {}", other.describe())),
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Current nesting of parentheses and NOT.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.next).map_or(&EOF, |t| &t.kind)
    }

    /// Position of the next token (the end of the query once all are read).
    fn here(&self) -> usize {
        let token = self.tokens.get(self.next).or(self.tokens.last());
        token.map_or(0, |t| t.pos)
    }

    /// Takes the next token (tokens are read once, so it is moved out).
    fn bump(&mut self) -> (usize, Tok) {
        let at = self.here();
        let Some(token) = self.tokens.get_mut(self.next) else {
            return (at, Tok::Eof);
        };
        self.next += 1;
        (at, std::mem::take(&mut token.kind))
    }

    /// A word, a quoted string, a group or a range: what may follow `field:`.
    fn starts_value(&self) -> bool {
        let tok = self.peek();
        matches!(tok, Tok::Word(_) | Tok::Quoted(_))
            || matches!(tok, Tok::LParen | Tok::RangeOpen(_))
    }

    fn starts_term(&self) -> bool {
        self.starts_value() || matches!(self.peek(), Tok::Not(_))
    }

    /// After operator `op` at `at`, a term must follow.
    fn require_term(&self, at: usize, op: &str) -> Result<(), QueryError> {
        if self.starts_term() {
            return Ok(());
        }
        fail(at, format!("'{op}' must be followed by a term"))
    }

    /// Runs `inner` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        at: usize,
        inner: impl FnOnce(&mut Self) -> Result<Node, QueryError>,
    ) -> Result<Node, QueryError> {
        if self.depth >= MAX_DEPTH {
            let levels = format!("more than {MAX_DEPTH} levels of parentheses or NOT");
            return fail(at, format!("nested too deeply ({levels})"));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    /// `ctx` is the field of the enclosing field group, if any.
    fn or(&mut self, ctx: Option<&Field>) -> Result<Node, QueryError> {
        let mut parts = vec![self.and(ctx)?];
        while let Tok::Or(op) = self.peek() {
            let op = *op;
            let (at, _) = self.bump();
            self.require_term(at, op)?;
            parts.push(self.and(ctx)?);
        }
        Ok(join(parts, Node::Or))
    }

    fn and(&mut self, ctx: Option<&Field>) -> Result<Node, QueryError> {
        let mut parts = vec![self.unary(ctx)?];
        loop {
            if let Tok::And(op) = self.peek() {
                let op = *op;
                let (at, _) = self.bump();
                self.require_term(at, op)?;
            } else if !self.starts_term() {
                break;
            }
            parts.push(self.unary(ctx)?);
        }
        Ok(join(parts, Node::And))
    }

    fn unary(&mut self, ctx: Option<&Field>) -> Result<Node, QueryError> {
        let Tok::Not(op) = self.peek() else {
            return self.primary(ctx);
        };
        let op = *op;
        let (at, _) = self.bump();
        self.require_term(at, op)?;
        let inner = self.nested(at, |p| p.unary(ctx))?;
        Ok(Node::Not(Box::new(inner)))
    }

    fn primary(&mut self, ctx: Option<&Field>) -> Result<Node, QueryError> {
        match self.bump() {
            (at, Tok::LParen) => self.parens(at, ctx),
            (at, Tok::RangeOpen(inclusive)) => self.range(at, inclusive, ctx),
            (_, Tok::Quoted(text)) => {
                let field = ctx.cloned().unwrap_or(Field::Any);
                Ok(Node::Term(field, Pattern::Exact(text)))
            }
            (_, Tok::Word(word)) => match ctx {
                Some(field) => Ok(word_node(field, word)),
                None => self.clause(word),
            },
            (at, other) => Err(unexpected(at, &other)),
        }
    }

    /// A word at top level: a bare term, or the field of `field:value`.
    fn clause(&mut self, word: Word) -> Result<Node, QueryError> {
        if !matches!(self.peek(), Tok::Colon) {
            return Ok(word_node(&Field::Any, word));
        }
        self.bump();
        let field = field_of(&word);
        if self.starts_value() {
            return self.primary(Some(&field));
        }
        fail(self.here(), format!("missing value after '{}:'", word.text))
    }

    fn parens(&mut self, open: usize, ctx: Option<&Field>) -> Result<Node, QueryError> {
        self.nested(open, |p| {
            let node = p.or(ctx)?;
            match p.bump() {
                (_, Tok::RParen) => Ok(node),
                (_, Tok::Eof) => fail(open, "unbalanced parenthesis: '(' is never closed"),
                (at, other) => Err(expected(at, "')'", &other)),
            }
        })
    }

    fn range(&mut self, open: usize, low: bool, ctx: Option<&Field>) -> Result<Node, QueryError> {
        let field = match ctx {
            Some(field) if *field != Field::Any => field.clone(),
            _ => return fail(open, "a range needs a field: field:[a TO b]"),
        };
        let lower = self.bound(open)?;
        match self.bump() {
            (_, Tok::Word(w)) if w.is("TO") => {}
            (_, Tok::Eof) => return Err(unterminated(open)),
            (at, other) => return Err(expected(at, "'TO' in range", &other)),
        }
        let upper = self.bound(open)?;
        let high = match self.bump() {
            (_, Tok::RangeClose(inclusive)) => inclusive,
            (_, Tok::Eof) => return Err(unterminated(open)),
            (at, other) => return Err(expected(at, "']' or '}'", &other)),
        };
        Ok(Node::Range(
            field,
            Bound::new(lower, low),
            Bound::new(upper, high),
        ))
    }

    fn bound(&mut self, open: usize) -> Result<Option<String>, QueryError> {
        match self.bump() {
            (_, Tok::Word(w)) if w.is_star() => Ok(None),
            (_, Tok::Word(w)) if !w.is("TO") => Ok(Some(w.text)),
            (_, Tok::Quoted(text)) => Ok(Some(text)),
            (_, Tok::Eof) => Err(unterminated(open)),
            (at, other) => Err(expected(at, "a range bound", &other)),
        }
    }
}

fn fail<T>(at: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError::new(at, message))
}

fn expected(at: usize, what: &str, found: &Tok) -> QueryError {
    let found = found.describe();
    QueryError::new(at, format!("expected {what} but found {found}"))
}

fn unterminated(open: usize) -> QueryError {
    QueryError::new(open, "unterminated range: missing ']' or '}'")
}

fn unexpected(at: usize, tok: &Tok) -> QueryError {
    match tok {
        Tok::And(op) | Tok::Or(op) => {
            QueryError::new(at, format!("'{op}' must be preceded by a term"))
        }
        other => expected(at, "a term", other),
    }
}

/// The term a word stands for when applied to `field`.
fn word_node(field: &Field, word: Word) -> Node {
    if word.is_star() {
        return match field {
            Field::Any => Node::All,
            named => Node::Exists(named.clone()),
        };
    }
    let pattern = match word.glob {
        Some(glob) => Pattern::Glob(glob),
        None => Pattern::Exact(word.text),
    };
    Node::Term(field.clone(), pattern)
}

fn field_of(word: &Word) -> Field {
    if word.is_star() {
        return Field::Any;
    }
    match word.text.as_str() {
        "id" | "ipId" => Field::Id,
        "providerId" => Field::ProviderId,
        "dataset" | "tags" => Field::Dataset,
        name => Field::Property(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
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
        let shown =
            "malformed query at character 3: unbalanced parenthesis: ')' has no matching '('";
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
}
