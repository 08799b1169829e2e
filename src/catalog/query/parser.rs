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
#[path = "parser_tests.rs"]
mod tests;
