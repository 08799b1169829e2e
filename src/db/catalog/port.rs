//! `CatalogStore` on this backend: datasets, data objects and their files, per tenant.

use super::super::rows::catalog_file;
use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::OBJECT_CHUNK;
use crate::db::sql::batches::SCAN_ID_CHUNK;
use async_trait::async_trait;
use regards_order_actors::domain::{CatalogFile, CatalogObject, Dataset, Tenant};
use regards_order_actors::ports::{
    CatalogCounts, CatalogStore, ObjectRow, ObjectScope, StoreResult,
};
use sqlx::Row;

#[async_trait]
impl CatalogStore for SqlStore {
    async fn upsert_datasets(&self, tenant: &Tenant, datasets: &[Dataset]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        for d in datasets {
            sqlx::query(
                "INSERT INTO datasets (tenant, urn, label) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant, urn) DO UPDATE SET label = excluded.label",
            )
            .bind(tenant.as_str())
            .bind(&d.urn)
            .bind(&d.label)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn upsert_objects(&self, tenant: &Tenant, objects: &[CatalogObject]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        Self::insert_missing_datasets(&mut tx, tenant, objects).await?;
        for chunk in objects.chunks(OBJECT_CHUNK) {
            Self::upsert_object_rows(&mut tx, tenant, chunk).await?;
            // Re-importing an object replaces its files.
            Self::replace_object_files(&mut tx, tenant, chunk).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    fn scan_objects<'a>(
        &'a self,
        tenant: &'a Tenant,
        scope: &'a ObjectScope,
    ) -> futures::stream::BoxStream<'a, StoreResult<ObjectRow>> {
        self.scan_pages(tenant, scope)
    }

    async fn all_datasets(&self, tenant: &Tenant) -> StoreResult<Vec<Dataset>> {
        let rows =
            sqlx::query("SELECT urn, label FROM datasets WHERE tenant = $1 ORDER BY label, urn")
                .bind(tenant.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(Dataset {
                    urn: row.try_get("urn").map_err(store_error)?,
                    label: row.try_get("label").map_err(store_error)?,
                })
            })
            .collect()
    }

    async fn datasets(&self, tenant: &Tenant, urns: &[String]) -> StoreResult<Vec<Dataset>> {
        let mut found = Vec::new();
        for chunk in urns.chunks(SCAN_ID_CHUNK) {
            let mut query =
                sqlx::QueryBuilder::<Db>::new("SELECT urn, label FROM datasets WHERE tenant = ");
            query.push_bind(tenant.as_str()).push(" AND urn IN (");
            let mut list = query.separated(", ");
            for urn in chunk {
                list.push_bind(urn.as_str());
            }
            query.push(")");
            for row in query
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?
            {
                found.push(Dataset {
                    urn: row.try_get("urn").map_err(store_error)?,
                    label: row.try_get("label").map_err(store_error)?,
                });
            }
        }
        Ok(found)
    }

    async fn object_files(&self, tenant: &Tenant, urn: &str) -> StoreResult<Vec<CatalogFile>> {
        let rows = sqlx::query(
            "SELECT filename, url, mime_type, size, checksum, checksum_algo, data_type, \
             reference FROM catalog_files WHERE tenant = $1 AND object_urn = $2 ORDER BY id",
        )
        .bind(tenant.as_str())
        .bind(urn)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(catalog_file).collect()
    }

    async fn files_of_objects(
        &self,
        tenant: &Tenant,
        urns: &[String],
    ) -> StoreResult<Vec<(String, CatalogFile)>> {
        let to_file = catalog_file;
        let mut found = Vec::new();
        for chunk in urns.chunks(SCAN_ID_CHUNK) {
            let mut query = sqlx::QueryBuilder::<Db>::new(
                "SELECT object_urn, filename, url, mime_type, size, checksum, \
                 checksum_algo, data_type, reference FROM catalog_files WHERE tenant = ",
            );
            query
                .push_bind(tenant.as_str())
                .push(" AND object_urn IN (");
            let mut list = query.separated(", ");
            for urn in chunk {
                list.push_bind(urn.as_str());
            }
            query.push(") ORDER BY object_urn, id");
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
            for row in &rows {
                let urn: String = row.try_get("object_urn").map_err(store_error)?;
                found.push((urn, to_file(row)?));
            }
        }
        Ok(found)
    }

    async fn counts(&self, tenant: &Tenant) -> StoreResult<CatalogCounts> {
        let count = |table: &'static str| {
            let sql = match table {
                "datasets" => "SELECT COUNT(*) FROM datasets WHERE tenant = $1",
                "objects" => "SELECT COUNT(*) FROM catalog_objects WHERE tenant = $1",
                _ => "SELECT COUNT(*) FROM catalog_files WHERE tenant = $1",
            };
            sqlx::query_scalar::<_, i64>(sql)
                .bind(tenant.as_str())
                .fetch_one(&self.pool)
        };
        Ok(CatalogCounts {
            datasets: count("datasets").await.map_err(store_error)?,
            objects: count("objects").await.map_err(store_error)?,
            files: count("files").await.map_err(store_error)?,
        })
    }
}
