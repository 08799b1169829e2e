//! Order reads (load, header, sub-order files, recovery, search, CSV), shared by both backends
//! as inherent methods that `impl_order_store!` delegates to.

/// Defines the order reads on `$store` (a struct with a `pool` field) for database `$db`.
macro_rules! impl_order_reads {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The dataset tasks of `order_ids`, by order id, each list sorted by label.
            async fn read_tasks(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_ids: &[i64],
            ) -> regards_order_actors::ports::StoreResult<
                std::collections::HashMap<i64, Vec<regards_order_actors::domain::order::DatasetTask>>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_rows::{TASK_COLUMNS, task_row};
                use crate::db::order_sql::ID_CHUNK;
                let mut tasks: std::collections::HashMap<i64, Vec<_>> =
                    std::collections::HashMap::new();
                for chunk in order_ids.chunks(ID_CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {TASK_COLUMNS} FROM dataset_tasks WHERE tenant = "
                    ));
                    query.push_bind(tenant.as_str()).push(" AND order_id IN (");
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    query.push(") ORDER BY order_id, dataset_label, id");
                    let rows = query.build().fetch_all(&self.pool).await.map_err(store_error)?;
                    for row in &rows {
                        let (order_id, task) = task_row!($db)(row)?;
                        tasks.entry(order_id).or_default().push(task);
                    }
                }
                Ok(tasks)
            }

            async fn read_order_header(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::ListedOrder>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_rows::{HEADER_COLUMNS, header_row};
                let sql = format!("SELECT {HEADER_COLUMNS} FROM orders WHERE tenant = $1 AND id = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                let Some(row) = row else { return Ok(None) };
                let header = header_row!($db)(&row)?;
                let tasks = self.read_tasks(tenant, &[id]).await?.remove(&id).unwrap_or_default();
                Ok(Some(regards_order_actors::ports::ListedOrder { header, tasks }))
            }

            async fn read_order(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::StoredOrder>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_rows::parse_name;
                use futures::TryStreamExt;
                use regards_order_actors::domain::order::{FileSlot, SubOrder};
                use sqlx::Row;
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
                .collect::<regards_order_actors::ports::StoreResult<Vec<_>>>()?;
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
                Ok(Some(regards_order_actors::ports::StoredOrder {
                    header: listed.header,
                    tasks: listed.tasks,
                    suborders,
                    files,
                }))
            }

            async fn read_suborder_locations(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                suborder_id: i64,
            ) -> regards_order_actors::ports::StoreResult<Vec<(i64, String)>> {
                sqlx::query_as(
                    "SELECT id, url FROM order_files \
                     WHERE tenant = $1 AND order_id = $2 AND suborder_id = $3 ORDER BY id",
                )
                .bind(tenant.as_str())
                .bind(order_id)
                .bind(suborder_id)
                .fetch_all(&self.pool)
                .await
                .map_err(crate::db::errors::store_error)
            }

            async fn read_orders_to_recover(
                &self,
            ) -> regards_order_actors::ports::StoreResult<Vec<regards_order_actors::ports::OrderRef>>
            {
                use crate::db::errors::store_error;
                use regards_order_actors::domain::Tenant;
                use regards_order_actors::ports::{OrderRef, StoreError};
                use sqlx::Row;
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

            async fn read_orders_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                filter: &regards_order_actors::ports::OrderFilter,
                page: &regards_order_actors::ports::PageRequest,
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::ports::OrderPage>
            {
                use crate::db::errors::store_error;
                use crate::db::order_rows::{HEADER_COLUMNS, header_row};
                use crate::db::order_search_sql::{bind_filter, filter_sql, order_by};
                use regards_order_actors::ports::{ListedOrder, OrderPage};
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
                    .map(header_row!($db))
                    .collect::<regards_order_actors::ports::StoreResult<Vec<_>>>()?;
                let ids: Vec<i64> = headers.iter().map(|h| h.id).collect();
                let mut tasks = self.read_tasks(tenant, &ids).await?;
                let orders = headers
                    .into_iter()
                    .map(|header| {
                        let tasks = tasks.remove(&header.id).unwrap_or_default();
                        ListedOrder { header, tasks }
                    })
                    .collect();
                Ok(OrderPage { orders, total: u64::try_from(total).unwrap_or(0) })
            }

            /// Up to `limit` orders matching `filter` with an id above `after`, by id, with
            /// Σ files_size and Σ files_count of their tasks (one page of the CSV export).
            async fn read_orders_with_totals(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                filter: &regards_order_actors::ports::OrderFilter,
                after: Option<i64>,
                limit: u32,
            ) -> regards_order_actors::ports::StoreResult<
                Vec<(regards_order_actors::domain::order::OrderHeader, i64, i64)>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_rows::{HEADER_COLUMNS, header_row};
                use crate::db::order_search_sql::{bind_filter, filter_sql};
                use sqlx::Row;
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
                        let header = header_row!($db)(row)?;
                        let size: i64 = row.try_get("total_size").map_err(store_error)?;
                        let count: i64 = row.try_get("total_count").map_err(store_error)?;
                        Ok((header, size, count))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_order_reads;
