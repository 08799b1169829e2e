//! What the database itself does, measured on the scenario's own database next to the
//! service's tables: bulk inserts of order-file rows, and single-row updates.

use crate::service::{Backend, Database};
use anyhow::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The service's SQLite settings (src/db/sqlite.rs): WAL, synchronous NORMAL, busy timeout.
fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    let path = url.trim_start_matches("sqlite://");
    Ok(SqliteConnectOptions::from_str("sqlite://")?
        .filename(Path::new(path))
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10)))
}

const COLUMNS: &str = "id, tenant, order_id, suborder_id, dataset_task_id, state, filename, url, \
                       mime_type, size, checksum, checksum_algo, data_type, reference, object_urn, \
                       provider_id, version, download_error, crc32";

/// A scratch copy of `order_files` (same columns and indexes), empty.
const SQLITE_SCRATCH: &str = "DROP TABLE IF EXISTS loadtest_order_files;
CREATE TABLE loadtest_order_files (
    id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, order_id BIGINT NOT NULL,
    suborder_id BIGINT NOT NULL, dataset_task_id BIGINT NOT NULL, state TEXT NOT NULL,
    filename TEXT NOT NULL, url TEXT NOT NULL, mime_type TEXT, size BIGINT, checksum TEXT,
    checksum_algo TEXT, data_type TEXT NOT NULL, reference BOOLEAN NOT NULL,
    object_urn TEXT NOT NULL, provider_id TEXT NOT NULL, version INTEGER NOT NULL,
    download_error TEXT, crc32 INTEGER);
CREATE INDEX loadtest_order_files_suborder ON loadtest_order_files (order_id, suborder_id);
CREATE INDEX loadtest_order_files_state ON loadtest_order_files (order_id, state);";

const PG_SCRATCH: &str = "DROP TABLE IF EXISTS loadtest_order_files;
CREATE TABLE loadtest_order_files (LIKE order_files INCLUDING ALL);";

/// Inserts `rows` order-file rows into a scratch table; gives rows per second.
/// Postgres: one COPY; SQLite: one transaction of prepared inserts.
pub async fn bulk_insert(db: &Database, rows: usize) -> Result<f64> {
    let row = |i: usize| {
        let order = (i / 5000) as i64 + 1;
        (
            i as i64 + 1,
            order,
            format!("file-{i}.dat"),
            format!("file:///tmp/online/file-{i}.dat"),
            format!("URN:LOAD:{i}"),
            format!("item-{i}"),
        )
    };
    match db.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect_with(&sqlite_options(&db.url)?).await?;
            sqlx::raw_sql(SQLITE_SCRATCH).execute(&mut conn).await?;
            let insert = format!(
                "INSERT INTO loadtest_order_files ({COLUMNS}) VALUES \
                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
            );
            let started = Instant::now();
            let mut tx = conn.begin().await?;
            for i in 0..rows {
                let (id, order, filename, url, urn, provider) = row(i);
                sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                    .bind(id)
                    .bind("load")
                    .bind(order)
                    .bind(order)
                    .bind(order)
                    .bind("PENDING")
                    .bind(filename)
                    .bind(url)
                    .bind("application/octet-stream")
                    .bind(1024_i64)
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind("RAWDATA")
                    .bind(false)
                    .bind(urn)
                    .bind(provider)
                    .bind(1_i32)
                    .bind(None::<String>)
                    .bind(None::<i64>)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            let rate = rows as f64 / started.elapsed().as_secs_f64();
            sqlx::raw_sql("DROP TABLE loadtest_order_files")
                .execute(&mut conn)
                .await?;
            conn.close().await.ok();
            Ok(rate)
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await?;
            sqlx::raw_sql(PG_SCRATCH).execute(&mut conn).await?;
            // The rows as COPY text, prepared before the clock starts.
            let mut chunks = Vec::new();
            let mut chunk = String::with_capacity(1 << 20);
            for i in 0..rows {
                let (id, order, filename, url, urn, provider) = row(i);
                chunk.push_str(&format!(
                    "{id}\tload\t{order}\t{order}\t{order}\tPENDING\t{filename}\t{url}\t\
                     application/octet-stream\t1024\t\\N\t\\N\tRAWDATA\tf\t{urn}\t{provider}\t1\t\\N\t\\N\n"
                ));
                if chunk.len() > (1 << 20) - 512 {
                    chunks.push(std::mem::replace(
                        &mut chunk,
                        String::with_capacity(1 << 20),
                    ));
                }
            }
            chunks.push(chunk);
            let started = Instant::now();
            let mut copy = conn
                .copy_in_raw(&format!(
                    "COPY loadtest_order_files ({COLUMNS}) FROM STDIN (FORMAT text)"
                ))
                .await?;
            for c in chunks {
                copy.send(c.into_bytes()).await?;
            }
            copy.finish().await?;
            let rate = rows as f64 / started.elapsed().as_secs_f64();
            sqlx::raw_sql("DROP TABLE loadtest_order_files")
                .execute(&mut conn)
                .await?;
            conn.close().await.ok();
            Ok(rate)
        }
    }
}

/// `connections` tasks on a pool of as many connections, each updating its own row by
/// primary key, one autocommit statement at a time, for `duration`; gives updates per second.
pub async fn update_rate(db: &Database, connections: usize, duration: Duration) -> Result<f64> {
    let setup = "DROP TABLE IF EXISTS loadtest_rows;
        CREATE TABLE loadtest_rows (id BIGINT PRIMARY KEY, counter BIGINT NOT NULL);";
    let update = "UPDATE loadtest_rows SET counter = counter + 1 WHERE id = $1";
    macro_rules! measure {
        ($pool:expr) => {{
            let pool = $pool;
            pool.execute(setup).await?;
            for id in 0..connections as i64 {
                sqlx::query("INSERT INTO loadtest_rows (id, counter) VALUES ($1, 0)")
                    .bind(id)
                    .execute(&pool)
                    .await?;
            }
            let count = Arc::new(AtomicU64::new(0));
            let started = Instant::now();
            let deadline = started + duration;
            let mut tasks = tokio::task::JoinSet::new();
            for id in 0..connections as i64 {
                let pool = pool.clone();
                let count = count.clone();
                tasks.spawn(async move {
                    while Instant::now() < deadline {
                        sqlx::query(update).bind(id).execute(&pool).await?;
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    anyhow::Ok(())
                });
            }
            while let Some(r) = tasks.join_next().await {
                r??;
            }
            let rate = count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
            pool.execute("DROP TABLE loadtest_rows").await?;
            pool.close().await;
            rate
        }};
    }
    let rate = match db.backend {
        Backend::Sqlite => measure!(
            SqlitePoolOptions::new()
                .max_connections(connections as u32)
                .min_connections(connections as u32)
                .connect_with(sqlite_options(&db.url)?)
                .await?
        ),
        Backend::Postgres => measure!(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(connections as u32)
                .min_connections(connections as u32)
                .connect(&db.url)
                .await?
        ),
    };
    Ok(rate)
}
