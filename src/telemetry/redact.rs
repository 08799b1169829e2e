//! Secrets kept out of logs: passwords in URLs, tokens in query strings, and JWTs wherever
//! they appear. Applied to request targets, to the configuration logged at start, and — as
//! a last guard — to every log line the service writes.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret.
const MASK: &str = "***";

/// `scheme://user:password@`: the password is what is masked. The user part stops at the
/// first `/`, `?`, `#`, quote or blank, and the password runs to the last `@` before those,
/// so that an unescaped `@` in a password is masked too.
static URL_PASSWORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:"'\\]*:)[^\s/?#"'\\]*@"#).ok()
});

/// A token passed in a query string: `orderToken=…`, `token=…`, `access_token=…`.
static QUERY_TOKEN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?P<head>[?&;](?:ordertoken|token|access_token)=)[^&#\s"'\\]+"#).ok()
});

/// A JSON Web Token: three base64url parts, the first two JSON objects (`eyJ`).
static JWT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+").ok()
});

/// `text` with URL passwords, query-string tokens and JWTs masked.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    let replacements: [(&LazyLock<Option<Regex>>, &str); 3] = [
        (&URL_PASSWORD, "${head}***@"),
        (&QUERY_TOKEN, "${head}***"),
        (&JWT, MASK),
    ];
    for (pattern, replacement) in replacements {
        if let Some(regex) = pattern.as_ref()
            && regex.is_match(&out)
        {
            out = Cow::Owned(regex.replace_all(&out, replacement).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        for (text, expected) in [
            (
                "postgres://regards:s3cr3t@db:5432/orders",
                "postgres://regards:***@db:5432/orders",
            ),
            (
                "database_url: Some(\"postgres://u:p@ss:w@h/db?sslmode=x\")",
                "database_url: Some(\"postgres://u:***@h/db?sslmode=x\")",
            ),
            (
                "root: \"https://user:tok@example.org/pub/\" and http://h/x",
                "root: \"https://user:***@example.org/pub/\" and http://h/x",
            ),
            (
                "postgres://postgres@127.0.0.1/db",
                "postgres://postgres@127.0.0.1/db",
            ),
            ("sqlite://data/x.db", "sqlite://data/x.db"),
        ] {
            assert_eq!(redact(text), expected);
        }
    }

    #[test]
    fn tokens_in_queries_and_jwts_are_masked() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1QHgifQ.c2lnbmF0dXJl";
        assert_eq!(
            redact(&format!("/orders/public/files/3?orderToken={jwt}&scope=P")),
            "/orders/public/files/3?orderToken=***&scope=P"
        );
        assert_eq!(redact("/x?scope=P&TOKEN=abc#f"), "/x?scope=P&TOKEN=***#f");
        assert_eq!(
            redact(&format!("bearer {jwt} refused")),
            "bearer *** refused"
        );
        assert_eq!(redact("/x?tokens=1&mytoken=2"), "/x?tokens=1&mytoken=2");
        assert!(matches!(redact("nothing to hide"), Cow::Borrowed(_)));
    }
}
