//! Order writes (ids, creation, batched changes, removal, settings), shared by both backends;
//! the reads are in `order_read_sql`, the file queries (and file writes) in `order_files_sql`.

/// Task rows per multi-row INSERT (11 binds each).
pub const TASK_CHUNK: usize = 500;
/// Sub-order rows per multi-row INSERT (5 binds each).
pub const SUBORDER_CHUNK: usize = 1_000;
/// File rows per multi-row INSERT (18 binds each): under SQLite's 32 766 bind limit.
pub const FILE_CHUNK: usize = 1_000;
/// Ids per `IN (...)` list.
pub const ID_CHUNK: usize = 1_000;

/// Implements `ChangeWriter`, `OrderJournal` and `OrderQueries` for `$store` (a struct with a `pool` field) on database `$db`.
macro_rules! impl_order_store {
    ($store:ident, $db:ty) => {
        crate::db::order_read_sql::impl_order_reads!($store, $db);
        crate::db::order_files_sql::impl_order_file_queries!($store, $db);
        crate::db::order_header_sql::impl_order_header_writes!($store, $db);

        impl $store {
            /// Deletes the order's files and sub-orders (and its dataset tasks if `tasks`).
            async fn delete_order_content(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                tasks: bool,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
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
            async fn lock_order(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
            ) -> regards_order_actors::ports::StoreResult<()> {
                sqlx::query("UPDATE orders SET status = status WHERE tenant = $1 AND id = $2")
                    .bind(tenant.as_str())
                    .bind(order_id)
                    .execute(&mut *conn)
                    .await
                    .map_err(crate::db::errors::store_error)?;
                Ok(())
            }

            /// Locks the order row for the creation's transaction (a write, so that SQLite takes
            /// its write lock before reading and Postgres locks the row) and answers the header
            /// to store: None when the order was deleted or removed meanwhile; the stored
            /// status and its date when a pause was committed meanwhile.
            async fn lock_for_creation(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                header: &regards_order_actors::domain::order::OrderHeader,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::domain::order::OrderHeader>,
            > {
                use crate::db::errors::store_error;
                use regards_order_actors::domain::order::OrderStatus;
                use sqlx::Row;
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
                let status: OrderStatus = crate::db::order_rows::parse_name("order status", &status)?;
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

            /// Deletes the order, its tasks, sub-orders, files and archived basket.
            async fn delete_order(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                id: i64,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
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

            /// Inserts the row of a new order.
            async fn insert_order(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                header: &regards_order_actors::domain::order::OrderHeader,
            ) -> regards_order_actors::ports::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO orders (id, tenant, owner, label, kind, creation_date, \
                     expiration_date, status, status_date, percent_completed, files_in_error, \
                     available_count, waiting_for_user, correlation_id, frontend_url, message) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(header.id)
                .bind(tenant.as_str())
                .bind(&header.owner)
                .bind(&header.label)
                .bind(header.kind.as_str())
                .bind(header.creation_date)
                .bind(header.expiration_date)
                .bind(header.status.as_str())
                .bind(header.status_date)
                .bind(header.percent_completed)
                .bind(header.files_in_error)
                .bind(header.available_count)
                .bind(header.waiting_for_user)
                .bind(&header.correlation_id)
                .bind(header.frontend_url.as_deref())
                .bind(header.message.as_deref())
                .execute(&mut *conn)
                .await
                .map_err(crate::db::order_rows::order_write_error)?;
                Ok(())
            }

        }

        #[async_trait::async_trait]
        impl regards_order_actors::ports::ChangeWriter for $store {
            async fn apply_changes(
                &self,
                changes: &[&regards_order_actors::ports::OrderChange],
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                use regards_order_actors::ports::OrderChange;
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                // Files in batch order (a drop then later states); the headers, which only
                // touch the orders table, together at the end. A removed order's header
                // updates no row.
                for change in changes {
                    match change {
                        OrderChange::Header { .. } => {}
                        OrderChange::FileStates { tenant, order_id, files } => {
                            Self::write_file_states(&mut tx, tenant, *order_id, files).await?;
                        }
                        OrderChange::Crcs { tenant, crcs } => {
                            Self::write_crcs(&mut tx, tenant, crcs).await?;
                        }
                        // Dataset tasks stay: they keep the order's statistics. The order row
                        // is locked first, so that a creation storing files concurrently
                        // either commits before (and its files are dropped) or after (and
                        // finds the order deleted).
                        OrderChange::DropFiles { tenant, order_id } => {
                            Self::lock_order(&mut tx, tenant, *order_id).await?;
                            Self::delete_order_content(&mut tx, tenant, *order_id, false).await?;
                        }
                        OrderChange::Remove { tenant, order_id } => {
                            Self::lock_order(&mut tx, tenant, *order_id).await?;
                            Self::delete_order(&mut tx, tenant, *order_id).await?;
                        }
                    }
                }
                let headers = crate::db::order_header_sql::last_headers(changes.iter().filter_map(
                    |change| match *change {
                        OrderChange::Header { tenant, header } => Some((tenant, header)),
                        _ => None,
                    },
                ));
                Self::write_order_headers(&mut tx, &headers).await?;
                tx.commit().await.map_err(store_error)
            }
        }

        #[async_trait::async_trait]
        impl regards_order_actors::ports::OrderJournal for $store {
            async fn store_creation(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                header: &regards_order_actors::domain::order::OrderHeader,
                tasks: &[regards_order_actors::domain::order::DatasetTask],
                suborders: &[regards_order_actors::domain::order::SubOrder],
                files: &[regards_order_actors::domain::order::OrderFile],
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::ports::CreationWrite> {
                use crate::db::errors::store_error;
                use crate::db::order_sql::{FILE_CHUNK, SUBORDER_CHUNK, TASK_CHUNK};
                use regards_order_actors::ports::CreationWrite;
                use sqlx::types::Json;
                let t = tenant.as_str();
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                let Some(header) = Self::lock_for_creation(&mut tx, tenant, header).await? else {
                    tx.commit().await.map_err(store_error)?;
                    return Ok(CreationWrite::Discarded);
                };
                let header = &header;
                Self::delete_order_content(&mut tx, tenant, header.id, true).await?;
                for chunk in tasks.chunks(TASK_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO dataset_tasks (id, tenant, order_id, dataset_urn, \
                         dataset_label, objects_count, files_count, files_size, \
                         selection_requests, process, file_filter) ",
                    );
                    insert.push_values(chunk, |mut row, task| {
                        row.push_bind(task.id)
                            .push_bind(t)
                            .push_bind(header.id)
                            .push_bind(task.dataset_urn.as_str())
                            .push_bind(task.dataset_label.as_str())
                            .push_bind(task.objects_count)
                            .push_bind(task.files_count)
                            .push_bind(task.files_size)
                            .push_bind(Json(&task.selection_requests))
                            .push_bind(task.process.as_ref().map(Json))
                            .push_bind(task.file_filter.as_ref().map(Json));
                    });
                    insert.build().execute(&mut *tx).await.map_err(store_error)?;
                }
                for chunk in suborders.chunks(SUBORDER_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO suborders (id, tenant, order_id, dataset_task_id, external) ",
                    );
                    insert.push_values(chunk, |mut row, suborder| {
                        row.push_bind(suborder.id)
                            .push_bind(t)
                            .push_bind(header.id)
                            .push_bind(suborder.dataset_task_id)
                            .push_bind(suborder.external);
                    });
                    insert.build().execute(&mut *tx).await.map_err(store_error)?;
                }
                for chunk in files.chunks(FILE_CHUNK) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO order_files (id, tenant, order_id, suborder_id, \
                         dataset_task_id, state, filename, url, mime_type, size, checksum, \
                         checksum_algo, data_type, reference, object_urn, provider_id, version, \
                         download_error) ",
                    );
                    insert.push_values(chunk, |mut row, f| {
                        row.push_bind(f.id)
                            .push_bind(t)
                            .push_bind(header.id)
                            .push_bind(f.suborder_id)
                            .push_bind(f.dataset_task_id)
                            .push_bind(f.state.as_str())
                            .push_bind(f.filename.as_str())
                            .push_bind(f.url.as_str())
                            .push_bind(f.mime_type.as_deref())
                            .push_bind(f.size)
                            .push_bind(f.checksum.as_ref().map(|c| c.value.as_str()))
                            .push_bind(f.checksum.as_ref().map(|c| c.algorithm.as_str()))
                            .push_bind(f.data_type.as_str())
                            .push_bind(f.reference)
                            .push_bind(f.object_urn.as_str())
                            .push_bind(f.provider_id.as_str())
                            .push_bind(f.version)
                            .push_bind(f.download_error.as_deref());
                    });
                    insert.build().execute(&mut *tx).await.map_err(store_error)?;
                }
                Self::write_order_headers(&mut tx, &[(tenant, header)]).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(CreationWrite::Written)
            }

            async fn load_order(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::StoredOrder>,
            > {
                self.read_order(tenant, id).await
            }

            async fn order_header(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::ListedOrder>,
            > {
                self.read_order_header(tenant, id).await
            }

            async fn suborder_locations(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                suborder_id: i64,
            ) -> regards_order_actors::ports::StoreResult<Vec<(i64, String)>> {
                self.read_suborder_locations(tenant, order_id, suborder_id).await
            }

            async fn orders_to_recover(
                &self,
            ) -> regards_order_actors::ports::StoreResult<Vec<regards_order_actors::ports::OrderRef>>
            {
                self.read_orders_to_recover().await
            }
        }

        #[async_trait::async_trait]
        impl regards_order_actors::ports::OrderQueries for $store {
            async fn reserve_ids(
                &self,
                kind: regards_order_actors::ports::IdKind,
                count: i64,
            ) -> regards_order_actors::ports::StoreResult<i64> {
                use crate::db::errors::store_error;
                let count = count.max(0);
                sqlx::query(
                    "INSERT INTO id_blocks (name, next) VALUES ($1, 1) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(kind.as_str())
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                // One statement: concurrent reservations get disjoint blocks.
                sqlx::query_scalar(
                    "UPDATE id_blocks SET next = next + $2 WHERE name = $1 RETURNING next - $2",
                )
                .bind(kind.as_str())
                .bind(count)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)
            }

            async fn create_order(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                header: &regards_order_actors::domain::order::OrderHeader,
                basket_owner: &str,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                Self::insert_order(&mut *tx, tenant, header).await?;
                Self::archive_basket(&mut *tx, tenant, basket_owner, header.id).await?;
                tx.commit().await.map_err(store_error)
            }

            async fn create_order_from_archive(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                header: &regards_order_actors::domain::order::OrderHeader,
                from: i64,
            ) -> regards_order_actors::ports::StoreResult<bool> {
                use crate::db::errors::store_error;
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                Self::insert_order(&mut *tx, tenant, header).await?;
                if !Self::copy_archived_basket(&mut *tx, tenant, from, header.id).await? {
                    // Nothing to restart from: the order row goes too.
                    tx.rollback().await.map_err(store_error)?;
                    return Ok(false);
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn search_orders(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                filter: &regards_order_actors::ports::OrderFilter,
                page: &regards_order_actors::ports::PageRequest,
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::ports::OrderPage>
            {
                self.read_orders_page(tenant, filter, page).await
            }

            async fn orders_for_csv_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                filter: &regards_order_actors::ports::OrderFilter,
                after: Option<i64>,
                limit: u32,
            ) -> regards_order_actors::ports::StoreResult<
                Vec<(regards_order_actors::domain::order::OrderHeader, i64, i64)>,
            > {
                self.read_orders_with_totals(tenant, filter, after, limit).await
            }

            async fn file_of_order(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                file_id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::FileOfOrder>,
            > {
                self.read_file_of_order(tenant, file_id).await
            }

            async fn files_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                filter: &regards_order_actors::ports::FileFilter,
                page: u32,
                size: u32,
                sort: &[(regards_order_actors::ports::FileSort, bool)],
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::ports::FilePage>
            {
                self.read_files_page(tenant, order_id, filter, page, size, sort).await
            }

            async fn order_files_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                filter: &regards_order_actors::ports::FileFilter,
                after: Option<i64>,
                limit: u32,
            ) -> regards_order_actors::ports::StoreResult<
                Vec<(regards_order_actors::domain::order::OrderFile, Option<u32>)>,
            > {
                self.read_order_files_page(tenant, order_id, filter, after, limit).await
            }

            async fn setting(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                name: &str,
            ) -> regards_order_actors::ports::StoreResult<Option<serde_json::Value>> {
                use crate::db::errors::store_error;
                use sqlx::types::Json;
                let value: Option<Json<serde_json::Value>> = sqlx::query_scalar(
                    "SELECT value FROM tenant_settings WHERE tenant = $1 AND name = $2",
                )
                .bind(tenant.as_str())
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(value.map(|v| v.0))
            }

            async fn put_setting(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                name: &str,
                value: &serde_json::Value,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                sqlx::query(
                    "INSERT INTO tenant_settings (tenant, name, value) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant, name) DO UPDATE SET value = excluded.value",
                )
                .bind(tenant.as_str())
                .bind(name)
                .bind(sqlx::types::Json(value))
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn delete_setting(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                name: &str,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                sqlx::query("DELETE FROM tenant_settings WHERE tenant = $1 AND name = $2")
                    .bind(tenant.as_str())
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_order_store;
