//! What a restart reads back: many whole orders per query (headers, tasks, sub-orders and
//! file slots of up to [`ID_CHUNK`] orders of one tenant in four queries), instead of four
//! queries per order.

use super::super::rows::header_row;
use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::ID_CHUNK;
use crate::db::sql::columns::{HEADER_COLUMNS, parse_name};
use futures::TryStreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileSlot, OrderHeader, SubOrder};
use regards_order_actors::ports::{OrderRef, StoreResult, StoredOrder};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

impl SqlStore {
    pub(crate) async fn read_orders(
        &self,
        orders: &[OrderRef],
    ) -> StoreResult<Vec<(Tenant, StoredOrder)>> {
        let mut by_tenant: BTreeMap<&Tenant, Vec<i64>> = BTreeMap::new();
        for order in orders {
            by_tenant.entry(&order.tenant).or_default().push(order.id);
        }
        let mut loaded = Vec::with_capacity(orders.len());
        for (tenant, ids) in by_tenant {
            for chunk in ids.chunks(ID_CHUNK) {
                for stored in self.read_orders_of(tenant, chunk).await? {
                    loaded.push((tenant.clone(), stored));
                }
            }
        }
        Ok(loaded)
    }

    /// The orders `ids` of `tenant` that exist, whole.
    async fn read_orders_of(&self, tenant: &Tenant, ids: &[i64]) -> StoreResult<Vec<StoredOrder>> {
        let headers = self.read_headers(tenant, ids).await?;
        let ids: Vec<i64> = headers.iter().map(|h| h.id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tasks = self.read_tasks(tenant, &ids).await?;
        let mut suborders = self.read_suborders(tenant, &ids).await?;
        let mut files = self.read_file_slots(tenant, &ids).await?;
        Ok(headers
            .into_iter()
            .map(|header| StoredOrder {
                tasks: tasks.remove(&header.id).unwrap_or_default(),
                suborders: suborders.remove(&header.id).unwrap_or_default(),
                files: files.remove(&header.id).unwrap_or_default(),
                header,
            })
            .collect())
    }

    /// `SELECT … WHERE tenant = $1 AND <column> IN (ids…) <tail>`.
    fn in_ids(
        select: &str,
        tenant: &Tenant,
        column: &str,
        ids: &[i64],
        tail: &str,
    ) -> sqlx::QueryBuilder<Db> {
        let mut query = sqlx::QueryBuilder::<Db>::new(select);
        query
            .push(" WHERE tenant = ")
            .push_bind(tenant.as_str())
            .push(format!(" AND {column} IN ("));
        let mut list = query.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        query.push(")").push(tail);
        query
    }

    async fn read_headers(&self, tenant: &Tenant, ids: &[i64]) -> StoreResult<Vec<OrderHeader>> {
        let select = format!("SELECT {HEADER_COLUMNS} FROM orders");
        let mut query = Self::in_ids(&select, tenant, "id", ids, " ORDER BY id");
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(header_row).collect()
    }

    async fn read_suborders(
        &self,
        tenant: &Tenant,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Vec<SubOrder>>> {
        let select = "SELECT order_id, id, dataset_task_id, external FROM suborders";
        let mut query = Self::in_ids(select, tenant, "order_id", ids, " ORDER BY order_id, id");
        let mut suborders: HashMap<i64, Vec<SubOrder>> = HashMap::new();
        for row in query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
        {
            let order_id: i64 = row.try_get("order_id").map_err(store_error)?;
            suborders.entry(order_id).or_default().push(SubOrder {
                id: row.try_get("id").map_err(store_error)?,
                dataset_task_id: row.try_get("dataset_task_id").map_err(store_error)?,
                external: row.try_get("external").map_err(store_error)?,
            });
        }
        Ok(suborders)
    }

    /// The slots of the orders' files, each order's by id. Streamed: only the slots are kept.
    async fn read_file_slots(
        &self,
        tenant: &Tenant,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, Vec<FileSlot>>> {
        let select = "SELECT order_id, id, suborder_id, size, state FROM order_files";
        let mut query = Self::in_ids(select, tenant, "order_id", ids, " ORDER BY order_id, id");
        let mut files: HashMap<i64, Vec<FileSlot>> = HashMap::new();
        let mut rows = query.build().fetch(&self.pool);
        while let Some(row) = rows.try_next().await.map_err(store_error)? {
            let order_id: i64 = row.try_get("order_id").map_err(store_error)?;
            let size: Option<i64> = row.try_get("size").map_err(store_error)?;
            let state: String = row.try_get("state").map_err(store_error)?;
            files.entry(order_id).or_default().push(FileSlot {
                id: row.try_get("id").map_err(store_error)?,
                suborder_id: row.try_get("suborder_id").map_err(store_error)?,
                size: size.unwrap_or(-1),
                state: parse_name("file state", &state)?,
            });
        }
        for slots in files.values_mut() {
            slots.shrink_to_fit();
        }
        Ok(files)
    }
}
