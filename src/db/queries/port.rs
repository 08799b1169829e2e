//! `OrderQueries` on this backend: ids, order rows with their archived basket, settings; the
//! listings are in `search` and `files`.

use super::SqlStore;
use crate::db::errors::store_error;
use async_trait::async_trait;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{OrderFile, OrderHeader};
use regards_order_actors::ports::{
    FileFilter, FileOfOrder, FilePage, FileSort, FileSummary, IdKind, OrderFilter, OrderPage,
    OrderQueries, PageRequest, StoreResult, SubOrderPage,
};
use sqlx::types::Json;

#[async_trait]
impl OrderQueries for SqlStore {
    async fn reserve_ids(&self, kind: IdKind, count: i64) -> StoreResult<i64> {
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
        tenant: &Tenant,
        header: &OrderHeader,
        basket_owner: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        Self::insert_order(&mut tx, tenant, header).await?;
        Self::archive_basket(&mut tx, tenant, basket_owner, header.id).await?;
        Self::write_created_event(&mut tx, tenant, header).await?;
        tx.commit().await.map_err(store_error)?;
        self.events_signal.notify_one();
        Ok(())
    }

    async fn create_order_from_archive(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        from: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        Self::insert_order(&mut tx, tenant, header).await?;
        if !Self::copy_archived_basket(&mut tx, tenant, from, header.id).await? {
            // Nothing to restart from: the order row goes too.
            tx.rollback().await.map_err(store_error)?;
            return Ok(false);
        }
        Self::write_created_event(&mut tx, tenant, header).await?;
        tx.commit().await.map_err(store_error)?;
        self.events_signal.notify_one();
        Ok(true)
    }

    async fn search_orders(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<OrderPage> {
        self.read_orders_page(tenant, filter, page).await
    }

    async fn orders_for_csv_page(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderHeader, i64, i64)>> {
        self.read_orders_with_totals(tenant, filter, after, limit)
            .await
    }

    async fn file_of_order(
        &self,
        tenant: &Tenant,
        file_id: i64,
    ) -> StoreResult<Option<FileOfOrder>> {
        self.read_file_of_order(tenant, file_id).await
    }

    async fn files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        page: u32,
        size: u32,
        sort: &[(FileSort, bool)],
    ) -> StoreResult<FilePage> {
        self.read_files_page(tenant, order_id, filter, page, size, sort)
            .await
    }

    async fn suborders_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        page: u32,
        size: u32,
    ) -> StoreResult<SubOrderPage> {
        self.read_suborders_page(tenant, order_id, page, size).await
    }

    async fn order_files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderFile, Option<u32>)>> {
        self.read_order_files_page(tenant, order_id, filter, after, limit)
            .await
    }

    async fn file_summaries_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<FileSummary>> {
        self.read_file_summaries_page(tenant, order_id, after, limit)
            .await
    }

    async fn setting(&self, tenant: &Tenant, name: &str) -> StoreResult<Option<serde_json::Value>> {
        let value: Option<Json<serde_json::Value>> =
            sqlx::query_scalar("SELECT value FROM tenant_settings WHERE tenant = $1 AND name = $2")
                .bind(tenant.as_str())
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(value.map(|v| v.0))
    }

    async fn put_setting(
        &self,
        tenant: &Tenant,
        name: &str,
        value: &serde_json::Value,
    ) -> StoreResult<()> {
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

    async fn delete_setting(&self, tenant: &Tenant, name: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM tenant_settings WHERE tenant = $1 AND name = $2")
            .bind(tenant.as_str())
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
