//! A page of an order's sub-orders with their files counted per state (the progress of each
//! sub-order): one grouped query over the page's sub-orders, through the
//! `(order_id, suborder_id)` index, so a page costs its sub-orders' files, not the order's.

use super::SqlStore;
use crate::db::errors::store_error;
use crate::db::sql::columns::parse_name;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileState, SubOrder};
use regards_order_actors::ports::{StoreResult, SubOrderCounts, SubOrderPage};
use sqlx::Row;

impl SqlStore {
    pub(crate) async fn read_suborders_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        page: u32,
        size: u32,
    ) -> StoreResult<SubOrderPage> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM suborders WHERE tenant = $1 AND order_id = $2",
        )
        .bind(tenant.as_str())
        .bind(order_id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let offset = i64::from(page) * i64::from(size);
        let rows = sqlx::query(
            "SELECT s.id AS id, s.dataset_task_id AS dataset_task_id, s.external AS external, \
                    f.state AS state, COUNT(f.id) AS files, \
                    CAST(COALESCE(SUM(CASE WHEN f.size > 0 THEN f.size ELSE 0 END), 0) AS BIGINT) \
                      AS bytes \
             FROM (SELECT id, dataset_task_id, external FROM suborders \
                   WHERE tenant = $1 AND order_id = $2 ORDER BY id LIMIT $3 OFFSET $4) s \
             LEFT JOIN order_files f ON f.order_id = $2 AND f.suborder_id = s.id \
             GROUP BY s.id, s.dataset_task_id, s.external, f.state \
             ORDER BY s.id",
        )
        .bind(tenant.as_str())
        .bind(order_id)
        .bind(i64::from(size))
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut suborders: Vec<SubOrderCounts> = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id").map_err(store_error)?;
            if suborders.last().is_none_or(|s| s.suborder.id != id) {
                suborders.push(SubOrderCounts {
                    suborder: SubOrder {
                        id,
                        dataset_task_id: row.try_get("dataset_task_id").map_err(store_error)?,
                        external: row.try_get("external").map_err(store_error)?,
                    },
                    states: Vec::new(),
                });
            }
            // A sub-order without files has one row whose state is NULL.
            let state: Option<String> = row.try_get("state").map_err(store_error)?;
            let (Some(state), Some(last)) = (state, suborders.last_mut()) else {
                continue;
            };
            let files: i64 = row.try_get("files").map_err(store_error)?;
            let bytes: i64 = row.try_get("bytes").map_err(store_error)?;
            let state: FileState = parse_name("file state", &state)?;
            last.states
                .push((state, u64::try_from(files).unwrap_or(0), bytes));
        }
        Ok(SubOrderPage {
            suborders,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}
