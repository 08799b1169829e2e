//! The columns of an order file that its summary (a metalink's entry) needs, and the summary
//! built from them: the same for both backends, whichever way each reads its rows.

use regards_order_actors::domain::Checksum;
use regards_order_actors::ports::FileSummary;

/// Columns of `order_files` read into a `FileSummary`, in the order of `SummaryRow`.
pub const SUMMARY_COLUMNS: &str = "id, filename, size, mime_type, checksum, checksum_algo";

/// The values of `SUMMARY_COLUMNS`: id, filename, size, mime type, checksum, algorithm.
pub type SummaryRow = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The summary of a row of `SUMMARY_COLUMNS` (a checksum without an algorithm keeps an
/// empty one, as a whole file row does).
pub fn summary_of(row: SummaryRow) -> FileSummary {
    let (id, filename, size, mime_type, checksum, algorithm) = row;
    FileSummary {
        id,
        filename,
        size,
        mime_type,
        checksum: checksum.map(|value| Checksum {
            algorithm: algorithm.unwrap_or_default(),
            value,
        }),
    }
}
