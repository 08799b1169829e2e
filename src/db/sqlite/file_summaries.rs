//! SQLite's way of reading a page of file summaries: one row holding the whole page.
//!
//! The driver runs SQLite on a thread of its own and hands every row to the async side one
//! at a time (a channel send and a wake-up each, and a copy of each value allocated on that
//! thread and freed on the other, which leaves glibc's per-thread arenas swollen). Aggregated
//! into one JSON array by SQLite, a page costs one hand-off and one allocation of that kind,
//! whatever its number of files.

use super::SqliteStore;
use crate::db::errors::store_error;
use crate::db::sql::file_summary::{SUMMARY_COLUMNS, SummaryRow, summary_of};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::{FileSummary, StoreError, StoreResult};
use sqlx::Row;
use std::sync::LazyLock;

/// The page as `[[id, filename, size, mime_type, checksum, checksum_algo], …]` by id (`[]`
/// when empty): `json_array` writes NULL as null and text as JSON strings, escaped.
static PAGE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT json_group_array(json_array({SUMMARY_COLUMNS}) ORDER BY id) \
         FROM (SELECT {SUMMARY_COLUMNS} FROM order_files \
               WHERE tenant = $1 AND order_id = $2 AND id > $3 ORDER BY id LIMIT $4)"
    )
});

impl SqliteStore {
    /// Up to `limit` of the order's files with an id above `after`, by id, summarised.
    pub(crate) async fn read_file_summaries_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<FileSummary>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(PAGE_SQL.as_str()))
            .bind(tenant.as_str())
            .bind(order_id)
            .bind(after.unwrap_or(i64::MIN))
            .bind(i64::from(limit))
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let page: &str = row.try_get(0).map_err(store_error)?;
        let rows: Vec<SummaryRow> = serde_json::from_str(page)
            .map_err(|e| StoreError::Corrupt(format!("page of file summaries: {e}")))?;
        Ok(rows.into_iter().map(summary_of).collect())
    }
}
