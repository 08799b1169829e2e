//! Postgres' way of reading a page of file summaries: the rows as they come (its driver
//! decodes them from the socket on the async side, so a row costs no hand-off).

use super::PgStore;
use crate::db::errors::store_error;
use crate::db::sql::file_summary::{SUMMARY_COLUMNS, SummaryRow, summary_of};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::{FileSummary, StoreResult};
use std::sync::LazyLock;

static PAGE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SUMMARY_COLUMNS} FROM order_files \
         WHERE tenant = $1 AND order_id = $2 AND id > $3 ORDER BY id LIMIT $4"
    )
});

impl PgStore {
    /// Up to `limit` of the order's files with an id above `after`, by id, summarised.
    pub(crate) async fn read_file_summaries_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<FileSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(PAGE_SQL.as_str()))
            .bind(tenant.as_str())
            .bind(order_id)
            .bind(after.unwrap_or(i64::MIN))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(summary_of).collect())
    }
}
