//! The columns read from the order tables, the parsing of stored names and CRC-32s, and the
//! error mapping of the order insert: plain text and functions, the same for both backends.

use crate::db::errors::store_error;
use regards_order_actors::ports::{LABEL_CONSTRAINT, StoreError};

/// Columns of `orders` read into an `OrderHeader`.
pub const HEADER_COLUMNS: &str = "id, owner, label, kind, creation_date, expiration_date, \
     status, status_date, percent_completed, files_in_error, available_count, waiting_for_user, \
     correlation_id, frontend_url, message";

/// Columns of `dataset_tasks` read into an `(order id, DatasetTask)`.
pub const TASK_COLUMNS: &str = "id, order_id, dataset_urn, dataset_label, objects_count, \
     files_count, files_size, selection_requests, process, file_filter";

/// Columns of `order_files` read into an `OrderFile`.
pub const FILE_COLUMNS: &str = "id, suborder_id, dataset_task_id, state, filename, url, \
     mime_type, size, checksum, checksum_algo, data_type, reference, object_urn, provider_id, \
     version, download_error";

/// Maps an error of the order insert (or of a label change): a duplicate label is reported as
/// `LABEL_CONSTRAINT` on both backends. Postgres names the constraint; SQLite only says
/// `UNIQUE constraint failed: orders.tenant, orders.owner, orders.label`.
pub fn order_write_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
        && (db.constraint() == Some(LABEL_CONSTRAINT) || db.message().contains("orders.label"))
    {
        return StoreError::Constraint {
            constraint: LABEL_CONSTRAINT.to_owned(),
        };
    }
    store_error(e)
}

/// Parses a stored enum name (status, state, kind, data type).
pub fn parse_name<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown {what} '{value}'")))
}

/// `columns` (a `, `-separated list) qualified by `alias`, each keeping its name.
pub fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|column| {
            let column = column.trim();
            format!("{alias}.{column} AS {column}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stored CRC-32 (a BIGINT holding the u32).
pub fn crc_of(value: Option<i64>) -> Result<Option<u32>, StoreError> {
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("CRC-32 {v}"))))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifies_columns_and_reads_crcs() {
        assert_eq!(qualified("id, state", "f"), "f.id AS id, f.state AS state");
        assert_eq!(crc_of(Some(4_294_967_295)).ok(), Some(Some(u32::MAX)));
        assert!(crc_of(Some(-1)).is_err());
    }
}
