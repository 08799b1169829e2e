//! SQLite's way of writing many order-file rows: multi-row statements, chunked under its
//! bind limit (it has no arrays nor COPY).

use super::SqliteStore;
use crate::db::errors::store_error;
use crate::db::sql::batches::{FILE_CHUNK, FILE_STATE_CHUNK, FileStateRow};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderFile;
use regards_order_actors::ports::StoreResult;
use sqlx::{Sqlite, SqliteConnection};

impl SqliteStore {
    /// Inserts an order's files, one multi-row statement per chunk.
    pub(crate) async fn insert_files(
        conn: &mut SqliteConnection,
        tenant: &Tenant,
        order_id: i64,
        files: &[OrderFile],
    ) -> StoreResult<()> {
        for chunk in files.chunks(FILE_CHUNK) {
            let mut insert = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO order_files (id, tenant, order_id, suborder_id, \
                 dataset_task_id, state, filename, url, mime_type, size, checksum, \
                 checksum_algo, data_type, reference, object_urn, provider_id, version, \
                 download_error) ",
            );
            insert.push_values(chunk, |mut row, f| {
                row.push_bind(f.id)
                    .push_bind(tenant.as_str())
                    .push_bind(order_id)
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
            insert
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Sets the state and error text of files (each once), one `UPDATE … FROM (VALUES …)`
    /// per chunk: a batch of a few thousand changes is one statement.
    pub(crate) async fn write_file_states(
        conn: &mut SqliteConnection,
        rows: &[FileStateRow<'_>],
    ) -> StoreResult<()> {
        for chunk in rows.chunks(FILE_STATE_CHUNK) {
            let mut update = sqlx::QueryBuilder::<Sqlite>::new(
                "UPDATE order_files SET state = v.column4, download_error = v.column5 FROM (",
            );
            update.push_values(chunk, |mut row, file| {
                row.push_bind(file.tenant)
                    .push_bind(file.order_id)
                    .push_bind(file.id)
                    .push_bind(file.state)
                    .push_bind(file.error);
            });
            update.push(
                ") AS v WHERE order_files.id = v.column3 AND order_files.tenant = v.column1 \
                 AND order_files.order_id = v.column2",
            );
            update
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}
