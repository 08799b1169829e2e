//! Rows of the order and catalogue tables as domain values, for one backend's row type.

use super::Db;
use crate::db::errors::store_error;
use crate::db::sql::columns::parse_name;
use regards_order_actors::domain::order::{DatasetTask, OrderFile, OrderHeader, OrderKind};
use regards_order_actors::domain::{CatalogFile, Checksum, DataType};
use regards_order_actors::ports::{StoreError, StoreResult};
use sqlx::Row;
use sqlx::types::Json;

/// An `orders` row (`HEADER_COLUMNS`) as an `OrderHeader`.
pub(crate) fn header_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<OrderHeader> {
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

/// A `dataset_tasks` row (`TASK_COLUMNS`) as `(order id, DatasetTask)`.
pub(crate) fn task_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<(i64, DatasetTask)> {
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

/// An `order_files` row (`FILE_COLUMNS`) as an `OrderFile`.
pub(crate) fn file_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<OrderFile> {
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

/// A `catalog_files` row as a `CatalogFile`.
pub(crate) fn catalog_file(row: &<Db as sqlx::Database>::Row) -> StoreResult<CatalogFile> {
    let data_type: String = row.try_get("data_type").map_err(store_error)?;
    let checksum: Option<String> = row.try_get("checksum").map_err(store_error)?;
    let algorithm: Option<String> = row.try_get("checksum_algo").map_err(store_error)?;
    Ok(CatalogFile {
        filename: row.try_get("filename").map_err(store_error)?,
        url: row.try_get("url").map_err(store_error)?,
        mime_type: row.try_get("mime_type").map_err(store_error)?,
        size: row.try_get("size").map_err(store_error)?,
        checksum: checksum.map(|value| Checksum {
            algorithm: algorithm.unwrap_or_default(),
            value,
        }),
        data_type: data_type.parse::<DataType>().map_err(StoreError::Corrupt)?,
        reference: row.try_get("reference").map_err(store_error)?,
    })
}
