//! Metalink 4 (RFC 5854, `urn:ietf:params:xml:ns:metalink`).
//!
//! Children of `metalink` and of `file` may come in any order (the RFC's schema interleaves
//! them), so `generator` and `published` are written first, before any file is known.

use super::MetalinkFile;
use super::xml;

/// Everything before the first `file`; `published` is the time the document is written.
pub(super) fn header(out: &mut String) {
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<metalink xmlns="urn:ietf:params:xml:ns:metalink">"#,
        "\n    <generator>regards-order/",
        env!("CARGO_PKG_VERSION"),
        "</generator>\n    <published>",
    ));
    out.push_str(&chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    out.push_str("</published>\n");
}

/// One `file` element.
pub(super) fn file(out: &mut String, file: &MetalinkFile) {
    out.push_str("    <file name=\"");
    xml::attr(out, &xml::file_name(file));
    out.push_str("\">\n");
    if let Some(size) = file.size {
        out.push_str("        <size>");
        out.push_str(&size.to_string());
        out.push_str("</size>\n");
    }
    if let Some((algorithm, digest)) = xml::checksum(file) {
        out.push_str("        <hash type=\"");
        out.push_str(algorithm.v4_name());
        out.push_str("\">");
        out.push_str(&digest);
        out.push_str("</hash>\n");
    }
    out.push_str("        <url>");
    xml::text(out, &file.url);
    out.push_str("</url>\n    </file>\n");
}

/// Everything after the last `file`.
pub(super) fn footer(out: &mut String) {
    out.push_str("</metalink>\n");
}
