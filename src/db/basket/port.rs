//! `BasketStore` on this backend. A basket is small: it is loaded and saved whole, in one
//! transaction, and callers serialise changes per owner.

use super::SqlStore;
use crate::db::errors::store_error;
use async_trait::async_trait;
use regards_order_actors::domain::{Basket, Tenant};
use regards_order_actors::ports::{BasketStore, StoreResult};
use sqlx::types::Json;

#[async_trait]
impl BasketStore for SqlStore {
    async fn load_basket(&self, tenant: &Tenant, owner: &str) -> StoreResult<Option<Basket>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM baskets \
             WHERE tenant = $1 AND owner = $2 AND order_id IS NULL",
        )
        .bind(tenant.as_str())
        .bind(owner)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        match id {
            Some(id) => Ok(Some(self.basket_by_id(id, owner.to_owned()).await?)),
            None => Ok(None),
        }
    }

    async fn archived_basket(&self, tenant: &Tenant, order_id: i64) -> StoreResult<Option<Basket>> {
        let found: Option<(i64, String)> =
            sqlx::query_as("SELECT id, owner FROM baskets WHERE tenant = $1 AND order_id = $2")
                .bind(tenant.as_str())
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        match found {
            Some((id, owner)) => Ok(Some(self.basket_by_id(id, owner).await?)),
            None => Ok(None),
        }
    }

    async fn save_basket(&self, tenant: &Tenant, basket: &Basket) -> StoreResult<Basket> {
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

    async fn delete_basket(&self, tenant: &Tenant, owner: &str) -> StoreResult<()> {
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
