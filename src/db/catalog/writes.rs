//! Catalogue imports: datasets an object names, object rows upserted in multi-row statements,
//! and their files replaced.

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::CATALOG_FILE_CHUNK;
use regards_order_actors::domain::{CatalogObject, Tenant};
use regards_order_actors::ports::StoreResult;
use sqlx::types::Json;

impl SqlStore {
    /// Creates the datasets `objects` name that do not exist yet, with their URN as label (a
    /// dataset named by an item but never imported).
    pub(crate) async fn insert_missing_datasets(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        objects: &[CatalogObject],
    ) -> StoreResult<()> {
        let datasets: std::collections::BTreeSet<&str> =
            objects.iter().map(|o| o.dataset_urn.as_str()).collect();
        for urn in datasets {
            sqlx::query(
                "INSERT INTO datasets (tenant, urn, label) VALUES ($1, $2, $2) \
                 ON CONFLICT (tenant, urn) DO NOTHING",
            )
            .bind(tenant.as_str())
            .bind(urn)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }

    /// Inserts or replaces the rows of `objects`, in one statement.
    pub(crate) async fn upsert_object_rows(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        objects: &[CatalogObject],
    ) -> StoreResult<()> {
        let mut insert = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO catalog_objects \
             (tenant, urn, dataset_urn, provider_id, label, properties, summary) ",
        );
        insert.push_values(objects, |mut row, o| {
            row.push_bind(tenant.as_str())
                .push_bind(o.urn.as_str())
                .push_bind(o.dataset_urn.as_str())
                .push_bind(o.provider_id.as_str())
                .push_bind(o.label.as_deref())
                .push_bind(Json(&o.properties))
                .push_bind(Json(o.summary()));
        });
        insert.push(
            " ON CONFLICT (tenant, urn) DO UPDATE SET \
             dataset_urn = excluded.dataset_urn, provider_id = excluded.provider_id, \
             label = excluded.label, properties = excluded.properties, \
             summary = excluded.summary",
        );
        insert
            .build()
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Deletes the files of `objects` and inserts the given ones, in multi-row statements.
    pub(crate) async fn replace_object_files(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        objects: &[CatalogObject],
    ) -> StoreResult<()> {
        let mut delete = sqlx::QueryBuilder::<Db>::new("DELETE FROM catalog_files WHERE tenant = ");
        delete
            .push_bind(tenant.as_str())
            .push(" AND object_urn IN (");
        let mut list = delete.separated(", ");
        for o in objects {
            list.push_bind(o.urn.as_str());
        }
        delete.push(")");
        delete
            .build()
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        let files: Vec<_> = objects
            .iter()
            .flat_map(|o| o.files.iter().map(move |f| (o.urn.as_str(), f)))
            .collect();
        for file_chunk in files.chunks(CATALOG_FILE_CHUNK) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO catalog_files (tenant, object_urn, filename, url, \
                 mime_type, size, checksum, checksum_algo, data_type, reference) ",
            );
            insert.push_values(file_chunk, |mut row, (urn, f)| {
                row.push_bind(tenant.as_str())
                    .push_bind(*urn)
                    .push_bind(f.filename.as_str())
                    .push_bind(f.url.as_str())
                    .push_bind(f.mime_type.as_deref())
                    .push_bind(f.size)
                    .push_bind(f.checksum.as_ref().map(|c| c.value.as_str()))
                    .push_bind(f.checksum.as_ref().map(|c| c.algorithm.as_str()))
                    .push_bind(f.data_type.as_str())
                    .push_bind(f.reference);
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
