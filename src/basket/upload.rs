//! The upload variant of a selection: a text file of provider ids, one per line.

/// An uploaded file longer than `MAX_UPLOAD_LINES` lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The file has {0} lines, more than the {MAX_UPLOAD_LINES} allowed")]
pub struct TooManyLines(pub usize);

/// Longest accepted file, in lines (`regards.order.basket.upload.file.max.lines`).
pub const MAX_UPLOAD_LINES: usize = 1000;
/// Largest accepted upload file: 1000 provider ids of reasonable length.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
/// Largest upload request: the file and the multipart framing around it.
pub const MAX_UPLOAD_REQUEST_BYTES: usize = MAX_UPLOAD_BYTES + 16 * 1024;
/// Provider ids per catalogue query, as the original batches them.
pub const PROVIDER_IDS_PER_QUERY: usize = 100;

/// The provider ids of an uploaded file: trimmed, blank lines skipped, duplicates kept once.
/// More than `MAX_UPLOAD_LINES` lines are refused.
pub fn provider_id_lines(text: &str) -> Result<Vec<String>, TooManyLines> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_UPLOAD_LINES {
        return Err(TooManyLines(lines.len()));
    }
    let mut ids: Vec<String> = Vec::new();
    for line in lines {
        let id = line.trim();
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// The `q` the original writes for a chunk of provider ids (kept in the stored request).
pub fn provider_ids_query(ids: &[String]) -> String {
    let quoted: Vec<String> = ids
        .iter()
        .map(|id| format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("providerId:({})", quoted.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_skips_blanks_and_dedups() {
        let ids = provider_id_lines(" a \r\n\nb\na\n");
        assert!(matches!(ids, Ok(ref v) if v == &["a".to_owned(), "b".to_owned()]));
    }

    #[test]
    fn refuses_more_than_a_thousand_lines() {
        let text = "x\n".repeat(MAX_UPLOAD_LINES + 1);
        assert_eq!(
            provider_id_lines(&text),
            Err(TooManyLines(MAX_UPLOAD_LINES + 1))
        );
        assert!(provider_id_lines(&"x\n".repeat(MAX_UPLOAD_LINES)).is_ok());
    }

    #[test]
    fn quotes_ids_in_the_stored_query() {
        let q = provider_ids_query(&["a".into(), "b\"c".into()]);
        assert_eq!(q, "providerId:(\"a\" OR \"b\\\"c\")");
    }
}
