//! Saving a live basket whole: its row (reused when the owner has one), then its selections
//! and items rewritten.

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use regards_order_actors::domain::{DatasetSelection, Tenant};
use regards_order_actors::ports::StoreResult;
use sqlx::types::Json;

impl SqlStore {
    /// The id of `owner`'s live basket, created if needed: a basket created concurrently by
    /// the same owner is reused, not duplicated.
    pub(crate) async fn live_basket_id(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        owner: &str,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO baskets (tenant, owner) VALUES ($1, $2) \
             ON CONFLICT (tenant, owner) WHERE order_id IS NULL \
             DO UPDATE SET owner = excluded.owner RETURNING id",
        )
        .bind(tenant.as_str())
        .bind(owner)
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)
    }

    /// Deletes the basket's selections and their items.
    pub(crate) async fn clear_basket(
        conn: &mut <Db as sqlx::Database>::Connection,
        basket_id: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM basket_items WHERE basket_dataset_id IN \
             (SELECT id FROM basket_datasets WHERE basket_id = $1)",
        )
        .bind(basket_id)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        sqlx::query("DELETE FROM basket_datasets WHERE basket_id = $1")
            .bind(basket_id)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Inserts a dataset selection and its items; an existing selection keeps its id (clients
    /// address it by it), a new one (id 0) gets its id filled in.
    pub(crate) async fn insert_selection(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        basket_id: i64,
        selection: &mut DatasetSelection,
    ) -> StoreResult<()> {
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
            .bind(basket_id)
            .bind(&selection.dataset_urn)
            .bind(&selection.dataset_label)
            .bind(Json(&selection.summary))
            .bind(selection.process.as_ref().map(Json))
            .bind(selection.file_filter.as_ref().map(Json))
            .fetch_one(&mut *conn)
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
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }
}
