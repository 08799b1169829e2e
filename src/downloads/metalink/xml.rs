//! XML escaping and the clean-up of the values written into a metalink.

use super::MetalinkFile;

/// Appends `value` to `out` escaped for element text.
pub(super) fn text(out: &mut String, value: &str) {
    escape(out, value, false);
}

/// Appends `value` to `out` escaped for a double-quoted attribute.
pub(super) fn attr(out: &mut String, value: &str) {
    escape(out, value, true);
}

fn escape(out: &mut String, value: &str, in_attribute: bool) {
    // Most of a value (URLs with a token, names, hashes) needs nothing: the runs between the
    // characters that do are copied in one go (every URL has a `&`, so a value is rarely
    // plain throughout).
    let mut rest = value;
    while let Some((at, c)) = rest
        .char_indices()
        .find(|&(_, c)| needs_escape(c, in_attribute))
    {
        out.push_str(&rest[..at]);
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            // `>` is only special in `]]>`, but escaping it always is simpler than tracking that.
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Parsers normalise raw whitespace in attributes to spaces: character references
            // keep it intact.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // Characters XML 1.0 forbids even as references would make the whole document
            // unreadable: a visible replacement keeps the rest usable.
            _ => out.push('\u{FFFD}'),
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// Whether `c` is not written as itself (in an attribute when `in_attribute`).
fn needs_escape(c: char, in_attribute: bool) -> bool {
    match c {
        '&' | '<' | '>' | '\r' => true,
        '"' | '\'' | '\t' | '\n' => in_attribute,
        c => !is_xml_char(c),
    }
}

/// Whether XML 1.0 (§2.2 `Char`) allows `c`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The name written for a file: its last path component, so that a download manager saving
/// it under that name cannot write outside its directory (`../x`, `/etc/x`, `a\b` on
/// Windows). Falls back to the URL's last path segment (as the original did for unnamed
/// files), then to `file`.
pub(super) fn file_name(file: &MetalinkFile) -> String {
    if let Some(name) = last_component(&file.name) {
        return name;
    }
    let path = file.url.split(['?', '#']).next().unwrap_or("");
    // Skip `scheme://host` so that a URL without a path does not yield its host name.
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let path = path.split_once('/').map_or("", |(_, rest)| rest);
    last_component(path).unwrap_or_else(|| "file".to_owned())
}

fn last_component(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    // Control characters are legal in names but make files hard to handle on every platform.
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// A checksum algorithm a metalink can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HashAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Reads the catalogue's algorithm name, whatever its case and separators
    /// (`SHA-256`, `sha256`, `SHA_256`).
    fn parse(name: &str) -> Option<Self> {
        let normalised: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match normalised.as_str() {
            "md5" => Some(Self::Md5),
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Length of a hex digest of this algorithm.
    fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha384 => 96,
            Self::Sha512 => 128,
        }
    }

    /// The name of the Metalink 3.0 XSD's `hashType`.
    pub(super) fn v3_name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The IANA "Hash Function Textual Names" name that RFC 5854 uses.
    pub(super) fn v4_name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha-1",
            Self::Sha256 => "sha-256",
            Self::Sha384 => "sha-384",
            Self::Sha512 => "sha-512",
        }
    }
}

/// The file's checksum as (algorithm, lower-case hex digest), when it can be published: a
/// hash a client cannot check, or one that is malformed and would fail every download, is
/// better left out.
pub(super) fn checksum(file: &MetalinkFile) -> Option<(HashAlgorithm, String)> {
    let (algorithm, digest) = file.checksum.as_ref()?;
    let algorithm = HashAlgorithm::parse(algorithm)?;
    let digest = digest.trim().to_ascii_lowercase();
    (digest.len() == algorithm.hex_len() && digest.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some((algorithm, digest))
}

/// The Metalink 3 `url/@type` for a URL: its scheme when the XSD knows it. aria2 ignores a
/// Metalink 3 URL without this attribute.
pub(super) fn url_type(url: &str) -> &'static str {
    const KNOWN: [&str; 8] = [
        "https",
        "http",
        "ftps",
        "ftp",
        "rsync",
        "bittorrent",
        "magnet",
        "ed2k",
    ];
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme.trim());
    KNOWN
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(scheme))
        // Our URLs are http(s); the XSD's default is http as well.
        .unwrap_or("http")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str, in_attribute: bool) -> String {
        let mut out = String::from("<");
        escape(&mut out, value, in_attribute);
        out
    }

    #[test]
    fn escapes_only_what_must_be() {
        let url = "http://h/f/1?orderToken=a.b.c&scope=P";
        assert_eq!(
            escaped(url, false),
            "<http://h/f/1?orderToken=a.b.c&amp;scope=P"
        );
        let odd = "a&b<c>d\"e'f\tg\nh\ri\u{1}j\u{FFFE}k é 中 🚀";
        assert_eq!(
            escaped(odd, false),
            "<a&amp;b&lt;c&gt;d\"e'f\tg\nh&#13;i\u{FFFD}j\u{FFFD}k é 中 🚀"
        );
        assert_eq!(
            escaped(odd, true),
            "<a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i\u{FFFD}j\u{FFFD}k é 中 🚀"
        );
        assert_eq!(escaped("", true), "<");
        assert_eq!(escaped("&", true), "<&amp;");
    }
}
