//! `BasketStore` on this backend. A basket is small: it is loaded and saved whole, in one
//! transaction, and callers serialise changes per owner.

use super::SqlStore;
use crate::db::errors::store_error;
use async_trait::async_trait;
use regards_order_actors::domain::{Basket, Tenant};
use regards_order_actors::ports::{BasketStore, StoreResult};

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
        saved.id = Self::live_basket_id(&mut tx, tenant, &basket.owner).await?;
        Self::clear_basket(&mut tx, saved.id).await?;
        for selection in &mut saved.selections {
            Self::insert_selection(&mut tx, tenant, saved.id, selection).await?;
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
