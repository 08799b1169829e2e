//! Tokenizer. What a character means depends on where it stands (see [`Mode`]),
//! so that colons in timestamps and dashes in negative numbers need no escaping
//! after `field:`, while `-` and `!` still act as NOT in front of a term.

use super::eval::Glob;
use super::{MAX_QUERY_CHARS, QueryError};

/// One lexical element of a query.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Tok {
    /// An unquoted word, escapes resolved.
    Word(Word),
    /// A quoted string, escapes resolved.
    Quoted(String),
    /// The `:` between a field and its value.
    Colon,
    LParen,
    RParen,
    /// `[` (true: inclusive) or `{`.
    RangeOpen(bool),
    /// `]` (true: inclusive) or `}`.
    RangeClose(bool),
    /// `AND` or `&&`, spelled as written (for error messages).
    And(&'static str),
    /// `OR` or `||`.
    Or(&'static str),
    /// `NOT`, `!` or `-`.
    Not(&'static str),
    #[default]
    Eof,
}

/// An unquoted word.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    /// The text with escapes resolved.
    pub(crate) text: String,
    /// Present when the word holds an unescaped `*` or `?`.
    pub(crate) glob: Option<Glob>,
    /// Whether any character was escaped: such a word is never a keyword.
    pub(crate) escaped: bool,
}

impl Tok {
    /// The token as named in error messages.
    pub(crate) fn describe(&self) -> String {
        let symbol = match self {
            Tok::Word(w) => return format!("'{}'", w.text),
            Tok::Quoted(_) => return "a quoted string".to_owned(),
            Tok::Eof => return "the end of the query".to_owned(),
            Tok::And(op) | Tok::Or(op) | Tok::Not(op) => op,
            Tok::Colon => ":",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::RangeOpen(true) => "[",
            Tok::RangeOpen(false) => "{",
            Tok::RangeClose(true) => "]",
            Tok::RangeClose(false) => "}",
        };
        format!("'{symbol}'")
    }
}

impl Word {
    /// An unescaped lone `*`.
    pub(crate) fn is_star(&self) -> bool {
        self.glob.is_some() && self.text == "*"
    }

    /// Whether the word is the (unescaped) keyword `keyword`.
    pub(crate) fn is(&self, keyword: &str) -> bool {
        !self.escaped && self.text == keyword
    }
}

/// A token and the character position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) pos: usize,
}

/// Where the lexer stands, which decides what `:`, `-`, `!` and keywords mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Top level or plain parentheses: `:` ends a field name; operators apply.
    Term,
    /// Inside `field:( … )`: operators apply, `:` is an ordinary character.
    Group,
    /// Right after `field:`: one value, where `:`, `-` and `!` are ordinary.
    Value,
    /// Between `[`/`{` and `]`/`}`: no operators, `:` is ordinary.
    Range,
}

/// Splits `q` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(q: &str) -> Result<Vec<Token>, QueryError> {
    // Reading one character too many tells a too long query without scanning it all.
    let chars: Vec<char> = q.chars().take(MAX_QUERY_CHARS + 1).collect();
    if chars.len() > MAX_QUERY_CHARS {
        let message = format!("query too long (more than {MAX_QUERY_CHARS} characters)");
        return Err(QueryError::new(MAX_QUERY_CHARS, message));
    }
    let lexer = Lexer {
        chars,
        at: 0,
        after_colon: false,
        groups: Vec::new(),
        in_range: false,
    };
    lexer.run()
}

struct Lexer {
    chars: Vec<char>,
    /// Index of the next character.
    at: usize,
    /// The previous token was a `:`.
    after_colon: bool,
    /// One entry per open parenthesis: whether it is (inside) a field group.
    groups: Vec<bool>,
    in_range: bool,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn run(mut self) -> Result<Vec<Token>, QueryError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.at += 1;
                continue;
            }
            let pos = self.at;
            let kind = self.token(c)?;
            self.track(&kind);
            out.push(Token { kind, pos });
        }
        out.push(Token {
            kind: Tok::Eof,
            pos: self.at,
        });
        Ok(out)
    }

    fn mode(&self) -> Mode {
        if self.in_range {
            Mode::Range
        } else if self.after_colon {
            Mode::Value
        } else if self.groups.last() == Some(&true) {
            Mode::Group
        } else {
            Mode::Term
        }
    }

    /// Reads the token starting with `c` (not a space).
    fn token(&mut self, c: char) -> Result<Tok, QueryError> {
        let mode = self.mode();
        let prefix_ops = matches!(mode, Mode::Term | Mode::Group);
        let logic = mode != Mode::Range;
        let next = self.peek(1);
        let (kind, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' | '{' => (Tok::RangeOpen(c == '['), 1),
            ']' | '}' => (Tok::RangeClose(c == ']'), 1),
            ':' if mode == Mode::Term => (Tok::Colon, 1),
            '!' if prefix_ops => (Tok::Not("!"), 1),
            '-' if prefix_ops => (Tok::Not("-"), 1),
            '&' if logic && next == Some('&') => (Tok::And("&&"), 2),
            '|' if logic && next == Some('|') => (Tok::Or("||"), 2),
            '"' => return self.quoted(),
            _ => return self.word(mode),
        };
        self.at += len;
        Ok(kind)
    }

    /// Updates the context after `kind` was read.
    fn track(&mut self, kind: &Tok) {
        match kind {
            Tok::LParen => {
                let group = self.after_colon || self.groups.last() == Some(&true);
                self.groups.push(group);
            }
            Tok::RParen => {
                self.groups.pop();
            }
            Tok::RangeOpen(_) => self.in_range = true,
            Tok::RangeClose(_) => self.in_range = false,
            _ => {}
        }
        self.after_colon = matches!(kind, Tok::Colon);
    }

    fn quoted(&mut self) -> Result<Tok, QueryError> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                let message = "unterminated quoted string: missing closing '\"'";
                return Err(QueryError::new(start, message));
            };
            self.at += 1;
            match c {
                '"' => return Ok(Tok::Quoted(text)),
                // A trailing backslash is left to the end-of-input error above.
                '\\' => {
                    if let Some(escaped) = self.peek(0) {
                        text.push(escaped);
                        self.at += 1;
                    }
                }
                _ => text.push(c),
            }
        }
    }

    /// Reads an unquoted word; the caller made sure it has at least one character.
    fn word(&mut self, mode: Mode) -> Result<Tok, QueryError> {
        let mut pieces = Vec::new();
        while let Some(c) = self.peek(0) {
            if ends_word(c, mode) {
                break;
            }
            if c == '\\' {
                let Some(escaped) = self.peek(1) else {
                    let message = "escape character '\\' at the end of the query";
                    return Err(QueryError::new(self.at, message));
                };
                pieces.push((escaped, true));
                self.at += 2;
            } else {
                pieces.push((c, false));
                self.at += 1;
            }
        }
        Ok(classify(&pieces, mode))
    }
}

fn ends_word(c: char, mode: Mode) -> bool {
    c.is_whitespace()
        || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"')
        || (c == ':' && mode == Mode::Term)
}

/// Turns the characters of a word (with their escaped flag) into a keyword or a word.
fn classify(pieces: &[(char, bool)], mode: Mode) -> Tok {
    let text: String = pieces.iter().map(|&(c, _)| c).collect();
    let escaped = pieces.iter().any(|&(_, e)| e);
    if !escaped && mode != Mode::Range {
        match text.as_str() {
            "AND" => return Tok::And("AND"),
            "OR" => return Tok::Or("OR"),
            "NOT" => return Tok::Not("NOT"),
            _ => {}
        }
    }
    let wild = pieces.iter().any(|&(c, e)| !e && (c == '*' || c == '?'));
    let glob = wild.then(|| Glob::new(pieces));
    Tok::Word(Word {
        text,
        glob,
        escaped,
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_QUERY_CHARS, Tok, tokenize};

    fn kinds(q: &str) -> Vec<Tok> {
        match tokenize(q) {
            Ok(tokens) => tokens.into_iter().map(|t| t.kind).collect(),
            Err(e) => panic!("{q:?} should lex: {e}"),
        }
    }

    /// The words, for comparing token texts without building globs.
    fn texts(q: &str) -> Vec<String> {
        let text = |t: Tok| match t {
            Tok::Word(w) => w.text,
            Tok::Quoted(s) => format!("\"{s}\""),
            other => format!("{other:?}"),
        };
        kinds(q).into_iter().map(text).collect()
    }

    #[test]
    fn colons_after_the_field_belong_to_the_value() {
        let expected = ["datetime", "Colon", "2020-01-01T10:00:00Z", "Eof"];
        assert_eq!(texts("datetime:2020-01-01T10:00:00Z"), expected);
        assert_eq!(
            texts("eo\\:cloud_cover:10"),
            ["eo:cloud_cover", "Colon", "10", "Eof"]
        );
        assert_eq!(
            texts("f:(a:b)"),
            ["f", "Colon", "LParen", "a:b", "RParen", "Eof"]
        );
    }

    #[test]
    fn dash_is_not_only_in_front_of_a_term() {
        let expected = ["f", "Colon", "-5", "Not(\"-\")", "g", "Colon", "a-b", "Eof"];
        assert_eq!(texts("f:-5 -g:a-b"), expected);
        assert_eq!(
            texts("f:(-x)"),
            ["f", "Colon", "LParen", "Not(\"-\")", "x", "RParen", "Eof"]
        );
    }

    #[test]
    fn operators_and_escaped_keywords() {
        let expected = [
            "a",
            "And(\"&&\")",
            "b",
            "Or(\"||\")",
            "Not(\"!\")",
            "c",
            "Eof",
        ];
        assert_eq!(texts("a && b || !c"), expected);
        assert_eq!(
            texts("AND \\OR NOT and"),
            ["And(\"AND\")", "OR", "Not(\"NOT\")", "and", "Eof"]
        );
        assert_eq!(texts("a&&b"), ["a&&b", "Eof"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(texts(r#""a \"b\" \\ c""#), ["\"a \"b\" \\ c\"", "Eof"]);
        assert_eq!(texts(r"a\ b\(c\)"), ["a b(c)", "Eof"]);
    }

    #[test]
    fn ranges_keep_to_and_colons_as_words() {
        let expected = [
            "f",
            "Colon",
            "RangeOpen(true)",
            "*",
            "TO",
            "2020-01-01T00:00:00Z",
            "RangeClose(false)",
            "Eof",
        ];
        assert_eq!(texts("f:[* TO 2020-01-01T00:00:00Z}"), expected);
    }

    #[test]
    fn wildcards_only_when_unescaped() {
        let glob = |q: &str| match kinds(q).into_iter().next() {
            Some(Tok::Word(w)) => w.glob.is_some(),
            other => panic!("{other:?}"),
        };
        assert!(glob("a*") && glob("?") && !glob("a\\*") && !glob("a\\?b"));
    }

    #[test]
    fn length_is_limited() {
        assert!(tokenize(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        for long in ["a".repeat(MAX_QUERY_CHARS + 1), "é".repeat(100_000)] {
            assert!(matches!(tokenize(&long), Err(e) if e.position == MAX_QUERY_CHARS));
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let positions = |q: &str| match tokenize(q) {
            Ok(tokens) => tokens.into_iter().map(|t| t.pos).collect::<Vec<_>>(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(positions("é:🚀 x"), [0, 1, 2, 4, 5]);
    }
}
