//! Storing what creation computed: tasks and sub-orders in multi-row inserts, files in the
//! backend's bulk insert (`bulk.rs`), in the transaction that locks the order row (an action
//! committed meanwhile wins).

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::{SUBORDER_CHUNK, TASK_CHUNK};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::{EventType, OrderEvent};
use regards_order_actors::domain::order::{
    DatasetTask, OrderFile, OrderHeader, OrderStatus, SubOrder,
};
use regards_order_actors::ports::{CreationWrite, StoreResult};
use sqlx::Row;
use sqlx::types::Json;

impl SqlStore {
    /// Locks the order row for the creation's transaction (a write, so that SQLite takes
    /// its write lock before reading and Postgres locks the row) and answers the header
    /// to store: None when the order was deleted or removed meanwhile; the stored
    /// status and its date when a pause was committed meanwhile.
    pub(crate) async fn lock_for_creation(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        header: &OrderHeader,
    ) -> StoreResult<Option<OrderHeader>> {
        let row = sqlx::query(
            "UPDATE orders SET status = status WHERE tenant = $1 AND id = $2 \
             RETURNING status, status_date",
        )
        .bind(tenant.as_str())
        .bind(header.id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get("status").map_err(store_error)?;
        let status: OrderStatus = crate::db::sql::columns::parse_name("order status", &status)?;
        match status {
            OrderStatus::Deleted => Ok(None),
            OrderStatus::Paused if header.status == OrderStatus::Running => {
                let mut kept = header.clone();
                kept.status = status;
                kept.status_date = row.try_get("status_date").map_err(store_error)?;
                Ok(Some(kept))
            }
            _ => Ok(Some(header.clone())),
        }
    }

    /// Writes what creation computed and `header` in one transaction (see
    /// `OrderJournal::store_creation`).
    pub(crate) async fn write_creation(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        tasks: &[DatasetTask],
        suborders: &[SubOrder],
        files: &[OrderFile],
        events: &[OrderEvent],
    ) -> StoreResult<CreationWrite> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let computed_status = header.status;
        let Some(header) = Self::lock_for_creation(&mut tx, tenant, header).await? else {
            tx.commit().await.map_err(store_error)?;
            return Ok(CreationWrite::Discarded);
        };
        let header = &header;
        Self::delete_order_content(&mut tx, tenant, header.id, true).await?;
        Self::insert_tasks(&mut tx, tenant, header.id, tasks).await?;
        Self::insert_suborders(&mut tx, tenant, header.id, suborders).await?;
        Self::insert_files(&mut tx, tenant, header.id, files).await?;
        Self::write_order_headers(&mut tx, &[(tenant, header)]).await?;
        let events = told_events(events, computed_status, header.status);
        Self::write_events(&mut tx, &events.iter().collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(store_error)?;
        if !events.is_empty() {
            self.events_signal.notify_one();
        }
        Ok(CreationWrite::Written)
    }

    /// Inserts an order's dataset tasks, one multi-row statement per chunk.
    async fn insert_tasks(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        order_id: i64,
        tasks: &[DatasetTask],
    ) -> StoreResult<()> {
        for chunk in tasks.chunks(TASK_CHUNK) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO dataset_tasks (id, tenant, order_id, dataset_urn, \
             dataset_label, objects_count, files_count, files_size, \
             selection_requests, process, file_filter) ",
            );
            insert.push_values(chunk, |mut row, task| {
                row.push_bind(task.id)
                    .push_bind(tenant.as_str())
                    .push_bind(order_id)
                    .push_bind(task.dataset_urn.as_str())
                    .push_bind(task.dataset_label.as_str())
                    .push_bind(task.objects_count)
                    .push_bind(task.files_count)
                    .push_bind(task.files_size)
                    .push_bind(Json(&task.selection_requests))
                    .push_bind(task.process.as_ref().map(Json))
                    .push_bind(task.file_filter.as_ref().map(Json));
            });
            insert
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Inserts an order's sub-orders, one multi-row statement per chunk.
    async fn insert_suborders(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        order_id: i64,
        suborders: &[SubOrder],
    ) -> StoreResult<()> {
        for chunk in suborders.chunks(SUBORDER_CHUNK) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO suborders (id, tenant, order_id, dataset_task_id, external) ",
            );
            insert.push_values(chunk, |mut row, suborder| {
                row.push_bind(suborder.id)
                    .push_bind(tenant.as_str())
                    .push_bind(order_id)
                    .push_bind(suborder.dataset_task_id)
                    .push_bind(suborder.external);
            });
            insert
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

/// The events creation tells, as stored: when a pause committed meanwhile kept its status,
/// the status change creation computed is not told, and the other events show the status
/// the order keeps.
fn told_events(
    events: &[OrderEvent],
    computed: OrderStatus,
    stored: OrderStatus,
) -> Vec<OrderEvent> {
    if computed == stored {
        return events.to_vec();
    }
    events
        .iter()
        .filter(|e| e.kind != EventType::OrderStatus)
        .map(|e| OrderEvent {
            status: stored,
            ..e.clone()
        })
        .collect()
}
