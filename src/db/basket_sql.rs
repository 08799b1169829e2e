//! Basket queries, shared by both backends. A basket is small: it is loaded and saved whole,
//! in one transaction, and callers serialise changes per owner.
//!
//! A user's live basket has no `order_id`; a basket archived for an order (creation moves
//! the live one there) has the order's id, so no e-mail can name it.

/// Implements `BasketStore` for `$store` (a struct with a `pool` field) on database `$db`,
/// and the archive statements that order creation and removal run in their transactions.
macro_rules! impl_basket_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The basket of id `id`, with its selections and items.
            async fn basket_by_id(
                &self,
                id: i64,
                owner: String,
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::domain::Basket>
            {
                use crate::db::errors::store_error;
                use regards_order_actors::domain::{
                    Basket, DatasetSelection, FileTypeSummary, ItemsSelection,
                };
                use sqlx::Row;
                use sqlx::types::Json;
                let mut basket = Basket { id, owner, selections: Vec::new() };
                let rows = sqlx::query(
                    "SELECT id, dataset_urn, dataset_label, summary, process, file_filter \
                     FROM basket_datasets WHERE basket_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for row in rows {
                    let summary: Json<FileTypeSummary> =
                        row.try_get("summary").map_err(store_error)?;
                    let process: Option<Json<_>> = row.try_get("process").map_err(store_error)?;
                    let filter: Option<Json<_>> =
                        row.try_get("file_filter").map_err(store_error)?;
                    basket.selections.push(DatasetSelection {
                        id: row.try_get("id").map_err(store_error)?,
                        dataset_urn: row.try_get("dataset_urn").map_err(store_error)?,
                        dataset_label: row.try_get("dataset_label").map_err(store_error)?,
                        summary: summary.0,
                        process: process.map(|p| p.0),
                        file_filter: filter.map(|f| f.0),
                        items: Vec::new(),
                    });
                }
                let items = sqlx::query(
                    "SELECT i.basket_dataset_id, i.date, i.request, i.summary \
                     FROM basket_items i JOIN basket_datasets d ON d.id = i.basket_dataset_id \
                     WHERE d.basket_id = $1 ORDER BY i.date",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                for row in items {
                    let selection_id: i64 =
                        row.try_get("basket_dataset_id").map_err(store_error)?;
                    let request: Json<_> = row.try_get("request").map_err(store_error)?;
                    let summary: Json<FileTypeSummary> =
                        row.try_get("summary").map_err(store_error)?;
                    let item = ItemsSelection {
                        date: row.try_get("date").map_err(store_error)?,
                        request: request.0,
                        summary: summary.0,
                    };
                    if let Some(s) = basket.selections.iter_mut().find(|s| s.id == selection_id) {
                        s.items.push(item);
                    }
                }
                basket.sort();
                Ok(basket)
            }

            /// Moves `owner`'s live basket to order `order_id` (none: nothing happens).
            async fn archive_basket(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                owner: &str,
                order_id: i64,
            ) -> regards_order_actors::ports::StoreResult<()> {
                sqlx::query(
                    "UPDATE baskets SET order_id = $3 \
                     WHERE tenant = $1 AND owner = $2 AND order_id IS NULL",
                )
                .bind(tenant.as_str())
                .bind(owner)
                .bind(order_id)
                .execute(&mut *conn)
                .await
                .map_err(crate::db::errors::store_error)?;
                Ok(())
            }

            /// Copies order `from`'s archived basket as order `to`'s (new rows); false when
            /// `from` has none.
            async fn copy_archived_basket(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                from: i64,
                to: i64,
            ) -> regards_order_actors::ports::StoreResult<bool> {
                use crate::db::errors::store_error;
                let found: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, owner FROM baskets WHERE tenant = $1 AND order_id = $2",
                )
                .bind(tenant.as_str())
                .bind(from)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                let Some((source, owner)) = found else { return Ok(false) };
                let basket: i64 = sqlx::query_scalar(
                    "INSERT INTO baskets (tenant, owner, order_id) VALUES ($1, $2, $3) \
                     RETURNING id",
                )
                .bind(tenant.as_str())
                .bind(owner)
                .bind(to)
                .fetch_one(&mut *conn)
                .await
                .map_err(store_error)?;
                let selections: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM basket_datasets WHERE basket_id = $1 ORDER BY id",
                )
                .bind(source)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                for selection in selections {
                    let copy: i64 = sqlx::query_scalar(
                        "INSERT INTO basket_datasets (tenant, basket_id, dataset_urn, \
                         dataset_label, summary, process, file_filter) \
                         SELECT tenant, $2, dataset_urn, dataset_label, summary, process, \
                         file_filter FROM basket_datasets WHERE id = $1 RETURNING id",
                    )
                    .bind(selection)
                    .bind(basket)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    sqlx::query(
                        "INSERT INTO basket_items (tenant, basket_dataset_id, date, request, \
                         summary) SELECT tenant, $2, date, request, summary \
                         FROM basket_items WHERE basket_dataset_id = $1",
                    )
                    .bind(selection)
                    .bind(copy)
                    .execute(&mut *conn)
                    .await
                    .map_err(store_error)?;
                }
                Ok(true)
            }

            /// Deletes order `order_id`'s archived basket.
            async fn delete_archived_basket(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
            ) -> regards_order_actors::ports::StoreResult<()> {
                let statements = [
                    "DELETE FROM basket_items WHERE basket_dataset_id IN (SELECT d.id FROM \
                     basket_datasets d JOIN baskets b ON b.id = d.basket_id \
                     WHERE b.tenant = $1 AND b.order_id = $2)",
                    "DELETE FROM basket_datasets WHERE basket_id IN \
                     (SELECT id FROM baskets WHERE tenant = $1 AND order_id = $2)",
                    "DELETE FROM baskets WHERE tenant = $1 AND order_id = $2",
                ];
                for sql in statements {
                    sqlx::query(sql)
                        .bind(tenant.as_str())
                        .bind(order_id)
                        .execute(&mut *conn)
                        .await
                        .map_err(crate::db::errors::store_error)?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl regards_order_actors::ports::BasketStore for $store {
            async fn load_basket(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                owner: &str,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::domain::Basket>,
            > {
                let id: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM baskets \
                     WHERE tenant = $1 AND owner = $2 AND order_id IS NULL",
                )
                .bind(tenant.as_str())
                .bind(owner)
                .fetch_optional(&self.pool)
                .await
                .map_err(crate::db::errors::store_error)?;
                match id {
                    Some(id) => Ok(Some(self.basket_by_id(id, owner.to_owned()).await?)),
                    None => Ok(None),
                }
            }

            async fn archived_basket(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::domain::Basket>,
            > {
                let found: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, owner FROM baskets WHERE tenant = $1 AND order_id = $2",
                )
                .bind(tenant.as_str())
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(crate::db::errors::store_error)?;
                match found {
                    Some((id, owner)) => Ok(Some(self.basket_by_id(id, owner).await?)),
                    None => Ok(None),
                }
            }

            async fn save_basket(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                basket: &regards_order_actors::domain::Basket,
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::domain::Basket>
            {
                use crate::db::errors::store_error;
                use sqlx::types::Json;
                let mut saved = basket.clone();
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                // A basket created concurrently by the same owner is reused, not duplicated.
                saved.id = sqlx::query_scalar(
                    "INSERT INTO baskets (tenant, owner) VALUES ($1, $2) \
                     ON CONFLICT (tenant, owner) WHERE order_id IS NULL \
                     DO UPDATE SET owner = excluded.owner RETURNING id",
                )
                .bind(tenant.as_str())
                .bind(&basket.owner)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                sqlx::query(
                    "DELETE FROM basket_items WHERE basket_dataset_id IN \
                     (SELECT id FROM basket_datasets WHERE basket_id = $1)",
                )
                .bind(saved.id)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                sqlx::query("DELETE FROM basket_datasets WHERE basket_id = $1")
                    .bind(saved.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                for selection in &mut saved.selections {
                    // Existing selections keep their id: clients address them by it.
                    let query = match selection.id {
                        0 => sqlx::query_scalar(
                            "INSERT INTO basket_datasets (tenant, basket_id, dataset_urn, \
                             dataset_label, summary, process, file_filter) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                        ),
                        id => sqlx::query_scalar(
                            "INSERT INTO basket_datasets (id, tenant, basket_id, dataset_urn, \
                             dataset_label, summary, process, file_filter) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                        )
                        .bind(id),
                    };
                    selection.id = query
                    .bind(tenant.as_str())
                    .bind(saved.id)
                    .bind(&selection.dataset_urn)
                    .bind(&selection.dataset_label)
                    .bind(Json(&selection.summary))
                    .bind(selection.process.as_ref().map(Json))
                    .bind(selection.file_filter.as_ref().map(Json))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    for item in &selection.items {
                        sqlx::query(
                            "INSERT INTO basket_items \
                             (tenant, basket_dataset_id, date, request, summary) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(tenant.as_str())
                        .bind(selection.id)
                        .bind(item.date)
                        .bind(Json(&item.request))
                        .bind(Json(&item.summary))
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    }
                }
                tx.commit().await.map_err(store_error)?;
                saved.sort();
                Ok(saved)
            }

            async fn delete_basket(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                owner: &str,
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                let statements = [
                    "DELETE FROM basket_items WHERE basket_dataset_id IN (SELECT d.id FROM \
                     basket_datasets d JOIN baskets b ON b.id = d.basket_id \
                     WHERE b.tenant = $1 AND b.owner = $2 AND b.order_id IS NULL)",
                    "DELETE FROM basket_datasets WHERE basket_id IN (SELECT id FROM baskets \
                     WHERE tenant = $1 AND owner = $2 AND order_id IS NULL)",
                    "DELETE FROM baskets WHERE tenant = $1 AND owner = $2 AND order_id IS NULL",
                ];
                for sql in statements {
                    sqlx::query(sql)
                        .bind(tenant.as_str())
                        .bind(owner)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)
            }
        }
    };
}

pub(crate) use impl_basket_store;
