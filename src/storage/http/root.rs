//! The root of an http storage, and the checks that keep every fetch — and every redirect —
//! under it.

use super::super::path::percent_decode;
use reqwest::Url;

/// Most redirects a fetch follows, all of them inside the root.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// An http(s) root URL, parsed.
#[derive(Debug, Clone)]
pub(crate) struct HttpRoot {
    url: Url,
}

impl HttpRoot {
    /// Parses `root`, an http(s) URL without query or fragment.
    pub(crate) fn parse(root: &str) -> Result<Self, String> {
        let url = Url::parse(root).map_err(|e| format!("{root} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("root {root} is not an http(s) URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("root {root} has a query or a fragment"));
        }
        check_segments(&url)?;
        Ok(Self { url })
    }

    /// The URL to fetch for `location`, normalised the way the server will read it (dot
    /// segments applied, `\` read as `/`), when it lies under the root. A location whose path
    /// hides a separator or a dot segment behind percent escapes (`%2f`, `%5c`, `%2e%2e`) is
    /// refused: a server that decodes them would leave the root.
    pub(crate) fn url_of(&self, location: &str) -> Result<Url, String> {
        let url = Url::parse(location).map_err(|e| format!("not a URL: {e}"))?;
        self.check(&url)?;
        Ok(url)
    }

    /// Checks that `url` (already parsed, hence normalised) lies under the root: same scheme,
    /// host, port and credentials, and a path inside the root's.
    pub(crate) fn check(&self, url: &Url) -> Result<(), String> {
        let root = &self.url;
        let same_server = url.scheme() == root.scheme()
            && url.host_str() == root.host_str()
            && url.port_or_known_default() == root.port_or_known_default()
            && url.username() == root.username()
            && url.password() == root.password();
        if !same_server || !self.holds_path(url.path()) {
            return Err(format!("not under {}", self.url));
        }
        check_segments(url)
    }

    /// True when `path` is the root's path or below it, segment by segment (`/data` holds
    /// `/data/x` but not `/database`).
    fn holds_path(&self, path: &str) -> bool {
        let root = self.url.path();
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || root.ends_with('/') || rest.starts_with('/'))
    }
}

/// Refuses a path with a segment that decodes to a separator or a dot segment.
fn check_segments(url: &Url) -> Result<(), String> {
    for segment in url.path().split('/') {
        let decoded = percent_decode(segment);
        let dots = decoded == b"." || decoded == b"..";
        if dots || decoded.iter().any(|b| matches!(b, b'/' | b'\\' | 0)) {
            return Err(format!(
                "the path segment '{segment}' hides a separator or a dot segment"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> HttpRoot {
        HttpRoot::parse(text).unwrap()
    }

    #[test]
    fn locations_are_normalised_before_the_check() {
        let pub_root = root("http://h.org/pub/");
        let fetched = |location: &str| pub_root.url_of(location).map(|u| u.to_string());
        assert_eq!(
            fetched("http://h.org/pub/a/./b/../c.tif").as_deref(),
            Ok("http://h.org/pub/a/c.tif")
        );
        assert_eq!(
            fetched("HTTP://H.ORG:80/pub/x").as_deref(),
            Ok("http://h.org/pub/x")
        );
        for escape in [
            "http://h.org/pub/../secret/x",
            "http://h.org/pub/%2e%2e/secret/x",
            "http://h.org/pub/.%2E/secret/x",
            "http://h.org/pub/%2E%2E%2fsecret/x",
            "http://h.org/pub/..%2fsecret/x",
            "http://h.org/pub/..%5csecret/x",
            "http://h.org/pub\\..\\secret/x",
            "http://h.org/pub%2f..%2fsecret",
            "http://h.org/public/x",
            "http://h.org:8080/pub/x",
            "https://h.org/pub/x",
            "http://u:p@h.org/pub/x",
            "http://other.org/pub/x",
        ] {
            assert!(fetched(escape).is_err(), "{escape} was accepted");
        }
    }

    #[test]
    fn roots_without_a_slash_own_whole_segments() {
        let data = root("http://h/data");
        assert!(data.url_of("http://h/data/x").is_ok());
        assert!(data.url_of("http://h/data?x=1").is_ok());
        assert!(data.url_of("http://h/database").is_err());
    }

    #[test]
    fn bad_roots_are_refused() {
        for bad in ["/local", "ftp://h/", "http://h/a?q", "http://h/a%2fb/"] {
            assert!(HttpRoot::parse(bad).is_err(), "{bad}");
        }
    }
}
