//! Turning asset and link hrefs into absolute URLs, and URLs back into file names and paths.
//!
//! Only `http`, `https` and `file` URLs are produced, because those are the only locations a
//! catalogue file may have. Hrefs are URI references: their `%XX` escapes are kept as they are
//! and only characters that may not appear in a URL are escaped.

use std::path::{Path, PathBuf};

/// A `file://` URL of a local directory, with a trailing slash so that relative hrefs resolve
/// inside it.
pub(super) fn dir_url(dir: &Path) -> Result<String, String> {
    let text = dir
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", dir.display()))?;
    if !dir.is_absolute() {
        return Err(format!("{text} is not an absolute path"));
    }
    let mut url = format!("file://{}", escape(text, true));
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// Checks a base URL given by a client: it must be an absolute `file`, `http` or `https` URL.
pub(super) fn check_base(base: &str) -> Result<String, String> {
    match split_scheme(base) {
        Some((scheme, rest)) if is_supported(&scheme) && rest.starts_with("//") => {
            Ok(format!("{scheme}:{}", escape(rest, false)))
        }
        _ => Err(format!(
            "base URL '{base}' is not an absolute file://, http:// or https:// URL"
        )),
    }
}

/// Resolves `href` to an absolute URL. Relative hrefs resolve against `base` as a browser
/// would; an absolute path is a local file unless the base is an http(s) URL.
pub(super) fn resolve(href: &str, base: Option<&str>) -> Result<String, String> {
    if href.is_empty() {
        return Err("the href is empty".to_owned());
    }
    let href = escape(href, false);
    if let Some((scheme, rest)) = split_scheme(&href) {
        return absolute(&scheme, rest);
    }
    match base {
        Some(base) if href.starts_with("//") => {
            let scheme = split_scheme(base).map(|(s, _)| s).unwrap_or_default();
            absolute(&scheme, &href)
        }
        Some(base) => Ok(join(base, &href)),
        None if href.starts_with('/') && !href.starts_with("//") => Ok(join("file://", &href)),
        None => Err(format!(
            "relative href '{href}' cannot be resolved without a base URL"
        )),
    }
}

/// True for URLs of files served over http(s) rather than stored locally.
pub(super) fn is_http(url: &str) -> bool {
    matches!(split_scheme(url), Some((s, _)) if s == "http" || s == "https")
}

/// The last segment of a URL's percent-decoded path, as `to_path` reads it (an escaped `/`
/// separates too: `a%2Fb` is file `b` of folder `a`); `None` when it ends with `/`.
pub(super) fn file_name(url: &str) -> Option<String> {
    let (_, path, _) = split_url(url);
    let path = percent_decode(path);
    let name = path.rsplit('/').next().unwrap_or_default();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The local path of a `file://` URL (served on this host), percent-decoded.
pub(super) fn to_path(url: &str) -> Option<PathBuf> {
    let (origin, path, _) = split_url(url);
    matches!(origin, "file://" | "file://localhost").then(|| PathBuf::from(percent_decode(path)))
}

/// An absolute href with a scheme: kept if its scheme is supported.
fn absolute(scheme: &str, rest: &str) -> Result<String, String> {
    match scheme {
        "http" | "https" if rest.starts_with("//") => Ok(format!("{scheme}:{rest}")),
        "file" if rest.starts_with("//") => Ok(join(&format!("file:{rest}"), "")),
        // `file:/path` is a legal spelling of `file:///path`.
        "file" if rest.starts_with('/') => Ok(join("file://", rest)),
        "http" | "https" | "file" => Err(format!("'{scheme}:{rest}' is not an absolute URL")),
        _ => Err(format!(
            "unsupported URL scheme '{scheme}' (only http, https and file are)"
        )),
    }
}

fn is_supported(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "file")
}

/// The lower-cased scheme and the rest of an absolute URL, or `None` for a relative reference.
fn split_scheme(url: &str) -> Option<(String, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| (scheme.to_ascii_lowercase(), rest))
}

/// Splits an absolute URL into `scheme://authority`, path and `?query#fragment`.
fn split_url(url: &str) -> (&str, &str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    let suffix_start = url[path_start..]
        .find(['?', '#'])
        .map_or(url.len(), |i| path_start + i);
    (
        &url[..path_start],
        &url[path_start..suffix_start],
        &url[suffix_start..],
    )
}

/// Resolves a relative reference (already escaped) against an absolute base URL.
fn join(base: &str, reference: &str) -> String {
    let (origin, base_path, _) = split_url(base);
    let (ref_path, suffix) = match reference.find(['?', '#']) {
        Some(i) => reference.split_at(i),
        None => (reference, ""),
    };
    let path = if ref_path.starts_with('/') {
        ref_path.to_owned()
    } else if ref_path.is_empty() {
        base_path.to_owned()
    } else {
        let dir = base_path.rfind('/').map_or("", |i| &base_path[..=i]);
        format!("{}{ref_path}", if dir.is_empty() { "/" } else { dir })
    };
    format!("{origin}{}{suffix}", remove_dot_segments(&path))
}

/// Applies `.` and `..` segments of an absolute path; `..` never climbs above the root.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// Escapes what may not appear in a URL. `%` is escaped only for real paths (`path_text`),
/// since in an href it already starts an escape.
fn escape(text: &str, path_text: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
            && !(path_text && matches!(c, '%' | '?' | '#'));
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Decodes `%XX` escapes; an invalid escape is kept literally.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_hrefs_resolve_inside_the_base_directory() {
        let base = Some("file:///data/stac/");
        assert_eq!(
            resolve("a/b.tif", base).unwrap(),
            "file:///data/stac/a/b.tif"
        );
        assert_eq!(
            resolve("./a/./b.tif", base).unwrap(),
            "file:///data/stac/a/b.tif"
        );
        assert_eq!(resolve("../../../x.tif", base).unwrap(), "file:///x.tif");
        let doc = Some("https://h.org/stac/items.json?page=2");
        assert_eq!(
            resolve("../d/x.tif?t=1", doc).unwrap(),
            "https://h.org/d/x.tif?t=1"
        );
        assert_eq!(
            resolve("/abs/x.tif", doc).unwrap(),
            "https://h.org/abs/x.tif"
        );
        assert_eq!(resolve("//cdn.org/x", doc).unwrap(), "https://cdn.org/x");
    }

    #[test]
    fn absolute_hrefs_are_kept_or_refused() {
        assert_eq!(resolve("/d/../x y.tif", None).unwrap(), "file:///x%20y.tif");
        assert_eq!(
            resolve("/x.tif", Some("file:///d/")).unwrap(),
            "file:///x.tif"
        );
        assert_eq!(resolve("file:/x.tif", None).unwrap(), "file:///x.tif");
        assert_eq!(resolve("HTTP://h/x", None).unwrap(), "http://h/x");
        assert!(resolve("s3://bucket/x", None).unwrap_err().contains("s3"));
        assert!(resolve("x.tif", None).unwrap_err().contains("base URL"));
        assert!(resolve("", None).is_err());
        assert!(resolve("http:x", None).is_err());
    }

    #[test]
    fn directories_become_escaped_file_urls() {
        let url = dir_url(Path::new("/tmp/my dir/100%")).unwrap();
        assert_eq!(url, "file:///tmp/my%20dir/100%25/");
        assert_eq!(
            to_path(&format!("{url}a%20b.tif")).unwrap(),
            Path::new("/tmp/my dir/100%/a b.tif")
        );
        assert!(dir_url(Path::new("rel")).is_err());
        assert!(to_path("http://h/x").is_none());
    }

    #[test]
    fn file_names_are_decoded_last_segments() {
        assert_eq!(
            file_name("http://h/a/my%20file.tif?x=1").unwrap(),
            "my file.tif"
        );
        assert_eq!(file_name("file:///a/%E2%82%AC%zz").unwrap(), "€%zz");
        assert!(file_name("http://h/a/").is_none());
        // A file name never holds a `/`: an escaped one separates like any other.
        assert_eq!(file_name("file:///d/a%2Fb.dat").unwrap(), "b.dat");
        assert!(file_name("file:///d/a%2F").is_none());
        assert!(file_name("http://h").is_none());
        assert!(is_http("https://h/x") && !is_http("file:///x"));
    }

    #[test]
    fn client_bases_must_be_absolute() {
        assert_eq!(check_base("http://h/d/").unwrap(), "http://h/d/");
        assert!(check_base("ftp://h/").is_err());
        assert!(check_base("/local/dir").is_err());
    }
}
