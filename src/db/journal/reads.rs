//! What the engine reads back: an order whole (activation), its header, a sub-order's file
//! locations (retrieval runs) and the orders a restart re-activates.

use super::super::rows::{header_row, task_row};
use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::ID_CHUNK;
use crate::db::sql::columns::{HEADER_COLUMNS, TASK_COLUMNS, parse_name};
use futures::TryStreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{DatasetTask, FileSlot, SubOrder};
use regards_order_actors::ports::{ListedOrder, OrderRef, StoreError, StoreResult, StoredOrder};
use sqlx::Row;

impl SqlStore {
    /// The dataset tasks of `order_ids`, by order id, each list sorted by label.
    pub(crate) async fn read_tasks(
        &self,
        tenant: &Tenant,
        order_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Vec<DatasetTask>>> {
        let mut tasks: std::collections::HashMap<i64, Vec<_>> = std::collections::HashMap::new();
        for chunk in order_ids.chunks(ID_CHUNK) {
            let mut query = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT {TASK_COLUMNS} FROM dataset_tasks WHERE tenant = "
            ));
            query.push_bind(tenant.as_str()).push(" AND order_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(") ORDER BY order_id, dataset_label, id");
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
            for row in &rows {
                let (order_id, task) = task_row(row)?;
                tasks.entry(order_id).or_default().push(task);
            }
        }
        Ok(tasks)
    }

    pub(crate) async fn read_order_header(
        &self,
        tenant: &Tenant,
        id: i64,
    ) -> StoreResult<Option<ListedOrder>> {
        let sql = format!("SELECT {HEADER_COLUMNS} FROM orders WHERE tenant = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let header = header_row(&row)?;
        let tasks = self
            .read_tasks(tenant, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(ListedOrder { header, tasks }))
    }

    pub(crate) async fn read_order(
        &self,
        tenant: &Tenant,
        id: i64,
    ) -> StoreResult<Option<StoredOrder>> {
        let Some(listed) = self.read_order_header(tenant, id).await? else {
            return Ok(None);
        };
        let suborders = sqlx::query(
            "SELECT id, dataset_task_id, external FROM suborders \
             WHERE tenant = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            Ok(SubOrder {
                id: row.try_get("id").map_err(store_error)?,
                dataset_task_id: row.try_get("dataset_task_id").map_err(store_error)?,
                external: row.try_get("external").map_err(store_error)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        // Streamed: an order may have a million files, only their slots are kept.
        let mut files = Vec::new();
        let mut rows = sqlx::query(
            "SELECT id, suborder_id, size, state FROM order_files \
             WHERE tenant = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(store_error)? {
            let size: Option<i64> = row.try_get("size").map_err(store_error)?;
            let state: String = row.try_get("state").map_err(store_error)?;
            files.push(FileSlot {
                id: row.try_get("id").map_err(store_error)?,
                suborder_id: row.try_get("suborder_id").map_err(store_error)?,
                size: size.unwrap_or(-1),
                state: parse_name("file state", &state)?,
            });
        }
        Ok(Some(StoredOrder {
            header: listed.header,
            tasks: listed.tasks,
            suborders,
            files,
        }))
    }

    pub(crate) async fn read_suborder_locations(
        &self,
        tenant: &Tenant,
        order_id: i64,
        suborder_id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, String)>> {
        sqlx::query_as(
            "SELECT id, url FROM order_files \
             WHERE tenant = $1 AND order_id = $2 AND suborder_id = $3 AND id > $4 \
             ORDER BY id LIMIT $5",
        )
        .bind(tenant.as_str())
        .bind(order_id)
        .bind(suborder_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    pub(crate) async fn read_orders_to_recover(&self) -> StoreResult<Vec<OrderRef>> {
        sqlx::query(
            "SELECT tenant, id FROM orders \
             WHERE status IN ('PENDING', 'RUNNING', 'PAUSED') \
             OR (status IN ('DONE', 'DONE_WITH_WARNING') AND available_count > 0) \
             ORDER BY tenant, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| {
            let tenant: String = row.try_get("tenant").map_err(store_error)?;
            Ok(OrderRef {
                tenant: Tenant::parse(&tenant)
                    .map_err(|e| StoreError::Corrupt(format!("tenant '{tenant}': {e}")))?,
                id: row.try_get("id").map_err(store_error)?,
            })
        })
        .collect()
    }
}
