//! Order listings: a page of the admin search or of "my orders", a keyset page of the CSV
//! export with each order's totals.

use super::super::rows::header_row;
use super::SqlStore;
use crate::db::errors::store_error;
use crate::db::sql::columns::HEADER_COLUMNS;
use crate::db::sql::order_filter::{bind_filter, filter_sql, order_by};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::ports::{ListedOrder, OrderFilter, OrderPage, PageRequest, StoreResult};
use sqlx::Row;

impl SqlStore {
    pub(crate) async fn read_orders_page(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<OrderPage> {
        let (conditions, binds) = filter_sql(filter, 2);
        let count_sql = format!("SELECT COUNT(*) FROM orders WHERE tenant = $1{conditions}");
        let total: i64 = bind_filter!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)).bind(tenant.as_str()),
            binds.iter().cloned()
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let offset = u64::from(page.page) * u64::from(page.size);
        let sql = format!(
            "SELECT {HEADER_COLUMNS} FROM orders WHERE tenant = $1{conditions} \
             ORDER BY {} LIMIT {} OFFSET {offset}",
            order_by(&page.sort),
            page.size
        );
        let rows = bind_filter!(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str()),
            binds
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let headers = rows
            .iter()
            .map(header_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let ids: Vec<i64> = headers.iter().map(|h| h.id).collect();
        let mut tasks = self.read_tasks(tenant, &ids).await?;
        let orders = headers
            .into_iter()
            .map(|header| {
                let tasks = tasks.remove(&header.id).unwrap_or_default();
                ListedOrder { header, tasks }
            })
            .collect();
        Ok(OrderPage {
            orders,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Up to `limit` orders matching `filter` with an id above `after`, by id, with
    /// Σ files_size and Σ files_count of their tasks (one page of the CSV export).
    pub(crate) async fn read_orders_with_totals(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderHeader, i64, i64)>> {
        let (conditions, binds) = filter_sql(filter, 3);
        let total = |column: &str| {
            format!(
                "CAST(COALESCE((SELECT SUM(t.{column}) FROM dataset_tasks t \
                 WHERE t.tenant = orders.tenant AND t.order_id = orders.id), 0) AS BIGINT)"
            )
        };
        let sql = format!(
            "SELECT {HEADER_COLUMNS}, {} AS total_size, {} AS total_count FROM orders \
             WHERE tenant = $1 AND id > $2{conditions} ORDER BY id LIMIT {limit}",
            total("files_size"),
            total("files_count")
        );
        let rows = bind_filter!(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(after.unwrap_or(i64::MIN)),
            binds
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let header = header_row(row)?;
                let size: i64 = row.try_get("total_size").map_err(store_error)?;
                let count: i64 = row.try_get("total_count").map_err(store_error)?;
                Ok((header, size, count))
            })
            .collect()
    }
}
