//! Rows of the order tables → domain structs, shared by both backends, and the error mapping
//! of the order insert.

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

/// A closure turning an `orders` row (`HEADER_COLUMNS`) of database `$db` into an `OrderHeader`.
macro_rules! header_row {
    ($db:ty) => {
        |row: &<$db as sqlx::Database>::Row| -> regards_order_actors::ports::StoreResult<
            regards_order_actors::domain::order::OrderHeader,
        > {
            use crate::db::errors::store_error;
            use crate::db::order_rows::parse_name;
            use regards_order_actors::domain::order::{OrderHeader, OrderKind};
            use regards_order_actors::ports::StoreError;
            use sqlx::Row;
            let kind: String = row.try_get("kind").map_err(store_error)?;
            let status: String = row.try_get("status").map_err(store_error)?;
            Ok(OrderHeader {
                id: row.try_get("id").map_err(store_error)?,
                owner: row.try_get("owner").map_err(store_error)?,
                label: row.try_get("label").map_err(store_error)?,
                kind: OrderKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown order kind '{kind}'")))?,
                creation_date: row.try_get("creation_date").map_err(store_error)?,
                expiration_date: row.try_get("expiration_date").map_err(store_error)?,
                status: parse_name("order status", &status)?,
                status_date: row.try_get("status_date").map_err(store_error)?,
                percent_completed: row.try_get("percent_completed").map_err(store_error)?,
                files_in_error: row.try_get("files_in_error").map_err(store_error)?,
                available_count: row.try_get("available_count").map_err(store_error)?,
                waiting_for_user: row.try_get("waiting_for_user").map_err(store_error)?,
                correlation_id: row.try_get("correlation_id").map_err(store_error)?,
                frontend_url: row.try_get("frontend_url").map_err(store_error)?,
                message: row.try_get("message").map_err(store_error)?,
            })
        }
    };
}

/// A closure turning a `dataset_tasks` row (`TASK_COLUMNS`) of database `$db` into
/// `(order id, DatasetTask)`.
macro_rules! task_row {
    ($db:ty) => {
        |row: &<$db as sqlx::Database>::Row| -> regards_order_actors::ports::StoreResult<(
            i64,
            regards_order_actors::domain::order::DatasetTask,
        )> {
            use crate::db::errors::store_error;
            use regards_order_actors::domain::order::DatasetTask;
            use sqlx::Row;
            use sqlx::types::Json;
            let requests: Json<_> = row.try_get("selection_requests").map_err(store_error)?;
            let process: Option<Json<_>> = row.try_get("process").map_err(store_error)?;
            let filter: Option<Json<_>> = row.try_get("file_filter").map_err(store_error)?;
            let task = DatasetTask {
                id: row.try_get("id").map_err(store_error)?,
                dataset_urn: row.try_get("dataset_urn").map_err(store_error)?,
                dataset_label: row.try_get("dataset_label").map_err(store_error)?,
                objects_count: row.try_get("objects_count").map_err(store_error)?,
                files_count: row.try_get("files_count").map_err(store_error)?,
                files_size: row.try_get("files_size").map_err(store_error)?,
                selection_requests: requests.0,
                process: process.map(|p| p.0),
                file_filter: filter.map(|f| f.0),
            };
            Ok((row.try_get("order_id").map_err(store_error)?, task))
        }
    };
}

/// A closure turning an `order_files` row (`FILE_COLUMNS`) of database `$db` into an
/// `OrderFile`.
macro_rules! file_row {
    ($db:ty) => {
        |row: &<$db as sqlx::Database>::Row| -> regards_order_actors::ports::StoreResult<
            regards_order_actors::domain::order::OrderFile,
        > {
            use crate::db::errors::store_error;
            use crate::db::order_rows::parse_name;
            use regards_order_actors::domain::Checksum;
            use regards_order_actors::domain::order::OrderFile;
            use sqlx::Row;
            let state: String = row.try_get("state").map_err(store_error)?;
            let data_type: String = row.try_get("data_type").map_err(store_error)?;
            let checksum: Option<String> = row.try_get("checksum").map_err(store_error)?;
            let algorithm: Option<String> = row.try_get("checksum_algo").map_err(store_error)?;
            Ok(OrderFile {
                id: row.try_get("id").map_err(store_error)?,
                suborder_id: row.try_get("suborder_id").map_err(store_error)?,
                dataset_task_id: row.try_get("dataset_task_id").map_err(store_error)?,
                state: parse_name("file state", &state)?,
                filename: row.try_get("filename").map_err(store_error)?,
                url: row.try_get("url").map_err(store_error)?,
                mime_type: row.try_get("mime_type").map_err(store_error)?,
                size: row.try_get("size").map_err(store_error)?,
                checksum: checksum.map(|value| Checksum {
                    algorithm: algorithm.unwrap_or_default(),
                    value,
                }),
                data_type: parse_name("data type", &data_type)?,
                reference: row.try_get("reference").map_err(store_error)?,
                object_urn: row.try_get("object_urn").map_err(store_error)?,
                provider_id: row.try_get("provider_id").map_err(store_error)?,
                version: row.try_get("version").map_err(store_error)?,
                download_error: row.try_get("download_error").map_err(store_error)?,
            })
        }
    };
}

pub(crate) use file_row;
pub(crate) use header_row;
pub(crate) use task_row;
