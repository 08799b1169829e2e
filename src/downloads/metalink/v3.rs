//! Metalink 3.0 (`http://www.metalinker.org/`), laid out like the original's JAXB output.
//!
//! The XSD's `metalinkType` and `fileType` use `xs:all`, so element order is free; `hash`
//! comes before `signature`/`pieces` in `verification` (an `xs:sequence`), and `files` needs
//! at least one `file`.

use super::MetalinkFile;
use super::xml;

/// Everything before the first `file`.
pub(super) fn header(out: &mut String) {
    out.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        "\n",
        r#"<metalink xmlns="http://www.metalinker.org/" version="3.0">"#,
        "\n    <files>\n",
    ));
}

/// One `file` element.
pub(super) fn file(out: &mut String, file: &MetalinkFile) {
    let name = xml::file_name(file);
    out.push_str("        <file name=\"");
    xml::attr(out, &name);
    out.push_str("\">\n            <identity>");
    xml::text(out, &name);
    out.push_str("</identity>\n");
    if let Some(size) = file.size {
        out.push_str("            <size>");
        out.push_str(&size.to_string());
        out.push_str("</size>\n");
    }
    if let Some(mime_type) = &file.mime_type {
        out.push_str("            <mimetype>");
        xml::text(out, mime_type);
        out.push_str("</mimetype>\n");
    }
    if let Some((algorithm, digest)) = xml::checksum(file) {
        out.push_str("            <verification>\n                <hash type=\"");
        out.push_str(algorithm.v3_name());
        out.push_str("\">");
        out.push_str(&digest);
        out.push_str("</hash>\n            </verification>\n");
    }
    out.push_str("            <resources>\n                <url type=\"");
    out.push_str(xml::url_type(&file.url));
    // A single source per file: its preference is the highest there is.
    out.push_str("\" preference=\"100\">");
    xml::text(out, &file.url);
    out.push_str("</url>\n            </resources>\n        </file>\n");
}

/// Everything after the last `file`.
pub(super) fn footer(out: &mut String) {
    out.push_str("    </files>\n</metalink>\n");
}
