//! The persistence actors' batches: one transaction per batch, files first in batch order
//! (their states in one statement per run of changes between drops, see the backend's
//! `bulk.rs`), then every order's last header in one multi-row `UPDATE … FROM (VALUES …)`, then the
//! events the batch tells (the outbox).

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::{FileStateRows, HEADER_CHUNK, ID_CHUNK};
use async_trait::async_trait;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::ports::{ChangeWriter, OrderChange, StoreResult};

#[async_trait]
impl ChangeWriter for SqlStore {
    async fn apply_changes(&self, changes: &[&OrderChange]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // Files in batch order (a drop then later states): the states of consecutive
        // changes are written together, in one statement, before a drop or at the end. The
        // headers, which only touch the orders table, together at the end. A removed
        // order's header updates no row.
        let mut states = FileStateRows::default();
        for change in changes {
            match change {
                OrderChange::Header { .. } => {}
                OrderChange::FileStates {
                    tenant,
                    order_id,
                    files,
                } => states.add(tenant, *order_id, files),
                OrderChange::Crcs { tenant, crcs } => {
                    Self::write_crcs(&mut tx, tenant, crcs).await?;
                }
                // Dataset tasks stay: they keep the order's statistics. The order row
                // is locked first, so that a creation storing files concurrently
                // either commits before (and its files are dropped) or after (and
                // finds the order deleted).
                OrderChange::DropFiles { tenant, order_id } => {
                    Self::write_file_states(&mut tx, &states.take()).await?;
                    Self::lock_order(&mut tx, tenant, *order_id).await?;
                    Self::delete_order_content(&mut tx, tenant, *order_id, false).await?;
                }
                OrderChange::Remove { tenant, order_id } => {
                    Self::write_file_states(&mut tx, &states.take()).await?;
                    Self::lock_order(&mut tx, tenant, *order_id).await?;
                    Self::delete_order(&mut tx, tenant, *order_id).await?;
                }
                OrderChange::Events(_) => {}
            }
        }
        Self::write_file_states(&mut tx, &states.take()).await?;
        let headers =
            crate::db::sql::batches::last_headers(changes.iter().filter_map(
                |change| match *change {
                    OrderChange::Header { tenant, header } => Some((tenant, header)),
                    _ => None,
                },
            ));
        Self::write_order_headers(&mut tx, &headers).await?;
        // The outbox last: on Postgres its lock is then held only until the commit.
        let events: Vec<_> = changes
            .iter()
            .filter_map(|change| match *change {
                OrderChange::Events(events) => Some(events.iter()),
                _ => None,
            })
            .flatten()
            .collect();
        Self::write_events(&mut tx, &events).await?;
        tx.commit().await.map_err(store_error)?;
        if !events.is_empty() {
            self.events_signal.notify_one();
        }
        Ok(())
    }
}

impl SqlStore {
    /// Deletes the order's files and sub-orders (and its dataset tasks if `tasks`).
    pub(crate) async fn delete_order_content(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        order_id: i64,
        tasks: bool,
    ) -> StoreResult<()> {
        let mut statements = vec![
            "DELETE FROM order_files WHERE tenant = $1 AND order_id = $2",
            "DELETE FROM suborders WHERE tenant = $1 AND order_id = $2",
        ];
        if tasks {
            statements.push("DELETE FROM dataset_tasks WHERE tenant = $1 AND order_id = $2");
        }
        for sql in statements {
            sqlx::query(sql)
                .bind(tenant.as_str())
                .bind(order_id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Locks the order row until the end of the transaction (a write: SQLite takes its
    /// write lock, Postgres locks the row).
    pub(crate) async fn lock_order(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE orders SET status = status WHERE tenant = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(order_id)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Deletes the order, its tasks, sub-orders, files and archived basket.
    pub(crate) async fn delete_order(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        id: i64,
    ) -> StoreResult<()> {
        Self::delete_order_content(&mut *conn, tenant, id, true).await?;
        sqlx::query("DELETE FROM orders WHERE tenant = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        // The basket the order was made from.
        Self::delete_archived_basket(&mut *conn, tenant, id).await
    }

    /// Records CRC-32s, one `UPDATE … CASE id` per chunk of ids.
    pub(crate) async fn write_crcs(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        crcs: &[(i64, u32)],
    ) -> StoreResult<()> {
        // By id (the last value of an id wins): rows are locked in one order.
        let crcs: std::collections::BTreeMap<i64, u32> = crcs.iter().copied().collect();
        let crcs: Vec<(i64, u32)> = crcs.into_iter().collect();
        if crcs.is_empty() {
            return Ok(());
        }
        for chunk in crcs.chunks(ID_CHUNK) {
            let mut update =
                sqlx::QueryBuilder::<Db>::new("UPDATE order_files SET crc32 = CASE id");
            for (id, crc) in chunk {
                update
                    .push(" WHEN ")
                    .push_bind(*id)
                    .push(" THEN ")
                    .push_bind(i64::from(*crc));
            }
            update
                .push(" ELSE crc32 END WHERE tenant = ")
                .push_bind(tenant.as_str())
                .push(" AND id IN (");
            let mut list = update.separated(", ");
            for (id, _) in chunk {
                list.push_bind(*id);
            }
            update.push(")");
            update
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Writes the mutable columns of each order row, one statement per chunk. A row whose
    /// available files grow gets `available_update_date` = now: the reminders of files
    /// waiting for their owner count from it.
    pub(crate) async fn write_order_headers(
        conn: &mut <Db as sqlx::Database>::Connection,
        headers: &[(&Tenant, &OrderHeader)],
    ) -> StoreResult<()> {
        let now = chrono::Utc::now();
        for chunk in headers.chunks(HEADER_CHUNK) {
            let mut update = sqlx::QueryBuilder::<Db>::new(
                "UPDATE orders SET available_update_date = CASE \
                 WHEN v.column9 > orders.available_count THEN ",
            );
            update.push_bind(now).push(
                " ELSE orders.available_update_date END, \
                 label = v.column3, expiration_date = v.column4, \
                 status = v.column5, status_date = v.column6, \
                 percent_completed = v.column7, files_in_error = v.column8, \
                 available_count = v.column9, waiting_for_user = v.column10, \
                 message = v.column11 FROM (",
            );
            update.push_values(chunk, |mut row, (tenant, header)| {
                row.push_bind(tenant.as_str())
                    .push_bind(header.id)
                    .push_bind(header.label.as_str())
                    .push_bind(header.expiration_date)
                    .push_bind(header.status.as_str())
                    .push_bind(header.status_date)
                    .push_bind(header.percent_completed)
                    .push_bind(header.files_in_error)
                    .push_bind(header.available_count)
                    .push_bind(header.waiting_for_user)
                    .push_bind(header.message.as_deref());
            });
            update.push(") AS v WHERE orders.tenant = v.column1 AND orders.id = v.column2");
            update
                .build()
                .execute(&mut *conn)
                .await
                .map_err(crate::db::sql::columns::order_write_error)?;
        }
        Ok(())
    }
}
