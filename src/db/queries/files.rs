//! File listings: one file with its order's owner (downloads), a sorted page (the file
//! listing endpoints), a keyset page by id (zip, metalink).

use super::super::rows::file_row;
use super::SqlStore;
use crate::db::errors::store_error;
use crate::db::sql::columns::{FILE_COLUMNS, crc_of, qualified};
use crate::db::sql::file_filter::{file_filter_sql, file_order_by};
use crate::db::sql::order_filter::bind_filter;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderFile;
use regards_order_actors::ports::{FileFilter, FileOfOrder, FilePage, FileSort, StoreResult};
use sqlx::Row;

impl SqlStore {
    pub(crate) async fn read_file_of_order(
        &self,
        tenant: &Tenant,
        file_id: i64,
    ) -> StoreResult<Option<FileOfOrder>> {
        let sql = format!(
            "SELECT {}, f.order_id AS order_id, f.crc32 AS crc32, o.owner AS owner \
             FROM order_files f JOIN orders o ON o.tenant = f.tenant AND o.id = f.order_id \
             WHERE f.tenant = $1 AND f.id = $2",
            qualified(FILE_COLUMNS, "f")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(file_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(FileOfOrder {
            order_id: row.try_get("order_id").map_err(store_error)?,
            owner: row.try_get("owner").map_err(store_error)?,
            file: file_row(&row)?,
            crc32: crc_of(row.try_get("crc32").map_err(store_error)?)?,
        }))
    }

    pub(crate) async fn read_files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        page: u32,
        size: u32,
        sort: &[(FileSort, bool)],
    ) -> StoreResult<FilePage> {
        let (conditions, binds) = file_filter_sql(filter, 3);
        let count_sql = format!(
            "SELECT COUNT(*) FROM order_files WHERE tenant = $1 AND order_id = $2{conditions}"
        );
        let total: i64 = bind_filter!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
                .bind(tenant.as_str())
                .bind(order_id),
            binds.iter().cloned()
        )
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let offset = u64::from(page) * u64::from(size);
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM order_files \
             WHERE tenant = $1 AND order_id = $2{conditions} \
             ORDER BY {} LIMIT {size} OFFSET {offset}",
            file_order_by(sort)
        );
        let files = bind_filter!(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(order_id),
            binds
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(file_row)
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(FilePage {
            files,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Up to `limit` of the order's files matching `filter` with an id above
    /// `after`, by id, with their CRC-32: one keyset page, which the `(order_id, id)`
    /// index serves without sorting the order.
    pub(crate) async fn read_order_files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderFile, Option<u32>)>> {
        let (conditions, binds) = file_filter_sql(filter, 4);
        let sql = format!(
            "SELECT {FILE_COLUMNS}, crc32 FROM order_files \
             WHERE tenant = $1 AND order_id = $2 AND id > $3{conditions} \
             ORDER BY id LIMIT {limit}"
        );
        let rows = bind_filter!(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant.as_str())
                .bind(order_id)
                .bind(after.unwrap_or(i64::MIN)),
            binds
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let file = file_row(row)?;
                let crc = crc_of(row.try_get("crc32").map_err(store_error)?)?;
                Ok((file, crc))
            })
            .collect()
    }
}
