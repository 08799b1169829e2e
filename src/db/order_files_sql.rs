//! Queries on the files of orders (lookup with the order's owner, filtered pages, stream by id,
//! state and CRC-32 writes), shared by both backends as inherent methods that
//! `impl_order_store!` delegates to; the filter and sort SQL are plain functions.

use crate::db::order_search_sql::Bind;
use regards_order_actors::ports::{FileFilter, FileSort, StoreError};

/// The conditions of `filter` on the `order_files` columns, each starting with ` AND `,
/// numbering placeholders from `$first`; the values to bind follow in order.
pub fn file_filter_sql(filter: &FileFilter, first: usize) -> (String, Vec<Bind>) {
    let conditions = [
        ("dataset_task_id", filter.dataset_task_id.map(Bind::Int)),
        ("suborder_id", filter.suborder_id.map(Bind::Int)),
        (
            "state",
            filter.state.map(|s| Bind::Text(s.as_str().to_owned())),
        ),
    ];
    let mut sql = String::new();
    let mut binds = Vec::new();
    for (column, value) in conditions {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ${}", first + binds.len()));
            binds.push(value);
        }
    }
    (sql, binds)
}

/// The column of a sort key (the whitelist: nothing else reaches the SQL).
fn sort_column(sort: FileSort) -> &'static str {
    match sort {
        FileSort::Id => "id",
        FileSort::Filename => "filename",
        FileSort::FilesTaskId => "suborder_id",
        FileSort::State => "state",
        FileSort::Size => "size",
    }
}

/// The `ORDER BY` list of `sort` (descending = true), then `id` in the direction of the last
/// key (ascending when `sort` is empty) so that pages never overlap. NULL sizes sort as on
/// Postgres (last ascending, first descending) on both backends.
pub fn file_order_by(sort: &[(FileSort, bool)]) -> String {
    let direction = |descending: bool| {
        if descending {
            "DESC NULLS FIRST"
        } else {
            "ASC NULLS LAST"
        }
    };
    let mut parts: Vec<String> = sort
        .iter()
        .map(|(key, descending)| format!("{} {}", sort_column(*key), direction(*descending)))
        .collect();
    if !sort.iter().any(|(key, _)| *key == FileSort::Id) {
        let last_descending = sort.last().is_some_and(|(_, descending)| *descending);
        parts.push(format!("id {}", direction(last_descending)));
    }
    parts.join(", ")
}

/// `columns` (a `, `-separated list) qualified by `alias`, each keeping its name.
pub fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|column| {
            let column = column.trim();
            format!("{alias}.{column} AS {column}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stored CRC-32 (a BIGINT holding the u32).
pub fn crc_of(value: Option<i64>) -> Result<Option<u32>, StoreError> {
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("CRC-32 {v}"))))
        .transpose()
}

/// Defines the file queries on `$store` (a struct with a `pool` field) for database `$db`.
macro_rules! impl_order_file_queries {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Sets the state and error text of files, one UPDATE per (state, error) and chunk.
            async fn write_file_states(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                files: &[(i64, regards_order_actors::domain::order::FileState, Option<String>)],
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                use crate::db::order_sql::ID_CHUNK;
                let mut groups: std::collections::BTreeMap<(&str, Option<&str>), Vec<i64>> =
                    std::collections::BTreeMap::new();
                for (id, state, error) in files {
                    groups.entry((state.as_str(), error.as_deref())).or_default().push(*id);
                }
                for ((state, error), ids) in groups {
                    for chunk in ids.chunks(ID_CHUNK) {
                        let mut update =
                            sqlx::QueryBuilder::<$db>::new("UPDATE order_files SET state = ");
                        update
                            .push_bind(state)
                            .push(", download_error = ")
                            .push_bind(error)
                            .push(" WHERE tenant = ")
                            .push_bind(tenant.as_str())
                            .push(" AND order_id = ")
                            .push_bind(order_id)
                            .push(" AND id IN (");
                        let mut list = update.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        update.push(")");
                        update.build().execute(&mut *conn).await.map_err(store_error)?;
                    }
                }
                Ok(())
            }

            /// Records CRC-32s, one `UPDATE … CASE id` per chunk of ids.
            async fn write_crcs(
                conn: &mut <$db as sqlx::Database>::Connection,
                tenant: &regards_order_actors::domain::Tenant,
                crcs: &[(i64, u32)],
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::errors::store_error;
                use crate::db::order_sql::ID_CHUNK;
                // By id (the last value of an id wins): rows are locked in one order.
                let crcs: std::collections::BTreeMap<i64, u32> = crcs.iter().copied().collect();
                let crcs: Vec<(i64, u32)> = crcs.into_iter().collect();
                if crcs.is_empty() {
                    return Ok(());
                }
                for chunk in crcs.chunks(ID_CHUNK) {
                    let mut update =
                        sqlx::QueryBuilder::<$db>::new("UPDATE order_files SET crc32 = CASE id");
                    for (id, crc) in chunk {
                        update
                            .push(" WHEN ")
                            .push_bind(*id)
                            .push(" THEN ")
                            .push_bind(i64::from(*crc));
                    }
                    update
                        .push(" ELSE crc32 END WHERE tenant = ")
                        .push_bind(tenant.as_str())
                        .push(" AND id IN (");
                    let mut list = update.separated(", ");
                    for (id, _) in chunk {
                        list.push_bind(*id);
                    }
                    update.push(")");
                    update.build().execute(&mut *conn).await.map_err(store_error)?;
                }
                Ok(())
            }

            async fn read_file_of_order(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                file_id: i64,
            ) -> regards_order_actors::ports::StoreResult<
                Option<regards_order_actors::ports::FileOfOrder>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_files_sql::{crc_of, qualified};
                use crate::db::order_rows::{FILE_COLUMNS, file_row};
                use sqlx::Row;
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
                Ok(Some(regards_order_actors::ports::FileOfOrder {
                    order_id: row.try_get("order_id").map_err(store_error)?,
                    owner: row.try_get("owner").map_err(store_error)?,
                    file: file_row!($db)(&row)?,
                    crc32: crc_of(row.try_get("crc32").map_err(store_error)?)?,
                }))
            }

            async fn read_files_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                filter: &regards_order_actors::ports::FileFilter,
                page: u32,
                size: u32,
                sort: &[(regards_order_actors::ports::FileSort, bool)],
            ) -> regards_order_actors::ports::StoreResult<regards_order_actors::ports::FilePage>
            {
                use crate::db::errors::store_error;
                use crate::db::order_files_sql::{file_filter_sql, file_order_by};
                use crate::db::order_rows::{FILE_COLUMNS, file_row};
                use crate::db::order_search_sql::bind_filter;
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
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str()).bind(order_id),
                    binds
                )
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?
                .iter()
                .map(file_row!($db))
                .collect::<regards_order_actors::ports::StoreResult<Vec<_>>>()?;
                Ok(regards_order_actors::ports::FilePage {
                    files,
                    total: u64::try_from(total).unwrap_or(0),
                })
            }

            /// Up to `limit` of the order's files matching `filter` with an id above
            /// `after`, by id, with their CRC-32: one keyset page, which the `(order_id, id)`
            /// index serves without sorting the order.
            async fn read_order_files_page(
                &self,
                tenant: &regards_order_actors::domain::Tenant,
                order_id: i64,
                filter: &regards_order_actors::ports::FileFilter,
                after: Option<i64>,
                limit: u32,
            ) -> regards_order_actors::ports::StoreResult<
                Vec<(regards_order_actors::domain::order::OrderFile, Option<u32>)>,
            > {
                use crate::db::errors::store_error;
                use crate::db::order_files_sql::{crc_of, file_filter_sql};
                use crate::db::order_rows::{FILE_COLUMNS, file_row};
                use crate::db::order_search_sql::bind_filter;
                use sqlx::Row;
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
                        let file = file_row!($db)(row)?;
                        let crc = crc_of(row.try_get("crc32").map_err(store_error)?)?;
                        Ok((file, crc))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_order_file_queries;

#[cfg(test)]
mod tests {
    use super::*;
    use regards_order_actors::domain::order::FileState;

    #[test]
    fn numbers_file_filter_placeholders_in_bind_order() {
        let filter = FileFilter {
            dataset_task_id: None,
            suborder_id: Some(7),
            state: Some(FileState::DownloadError),
        };
        let (sql, binds) = file_filter_sql(&filter, 3);
        assert_eq!(sql, " AND suborder_id = $3 AND state = $4");
        assert_eq!(binds, [Bind::Int(7), Bind::Text("DOWNLOAD_ERROR".into())]);
        assert_eq!(
            file_filter_sql(&FileFilter::default(), 3),
            (String::new(), Vec::new())
        );
    }

    #[test]
    fn sorts_files_with_an_id_tie_breaker() {
        assert_eq!(file_order_by(&[]), "id ASC NULLS LAST");
        assert_eq!(
            file_order_by(&[(FileSort::Size, true)]),
            "size DESC NULLS FIRST, id DESC NULLS FIRST"
        );
        assert_eq!(
            file_order_by(&[(FileSort::FilesTaskId, false), (FileSort::Id, true)]),
            "suborder_id ASC NULLS LAST, id DESC NULLS FIRST"
        );
    }

    #[test]
    fn qualifies_columns_and_reads_crcs() {
        assert_eq!(qualified("id, state", "f"), "f.id AS id, f.state AS state");
        assert_eq!(crc_of(Some(4_294_967_295)).ok(), Some(Some(u32::MAX)));
        assert!(crc_of(Some(-1)).is_err());
    }
}
