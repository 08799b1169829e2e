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

/// The fastest bulk insert measured, and every method's rate.
pub struct BulkInsert {
    /// Rows per second of the fastest method.
    pub rate: f64,
    /// Each method and its rows per second, fastest first.
    pub methods: Vec<(&'static str, f64)>,
}

impl BulkInsert {
    /// "method rate, method rate" for the notes.
    pub fn describe(&self) -> String {
        self.methods
            .iter()
            .map(|(method, rate)| format!("{method} {rate:.0} rows/s"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The values of row `i`: id, order, filename, url, urn, provider id.
fn row(i: usize) -> (i64, i64, String, String, String, String) {
    let order = (i / 5000) as i64 + 1;
    (
        i as i64 + 1,
        order,
        format!("file-{i}.dat"),
        format!("file:///tmp/online/file-{i}.dat"),
        format!("URN:LOAD:{i}"),
        format!("item-{i}"),
    )
}

/// Inserts `rows` order-file rows into a scratch table in every way the database offers
/// for a bulk insert, each on a fresh table, and keeps the fastest: Postgres `COPY` in text
/// and in binary format; SQLite one transaction of prepared single-row inserts and one of
/// multi-row inserts.
pub async fn bulk_insert(db: &Database, rows: usize) -> Result<BulkInsert> {
    let mut methods = match db.backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect_with(&sqlite_options(&db.url)?).await?;
            let single = sqlite_single_rows(&mut conn, rows).await?;
            let multi = sqlite_multi_rows(&mut conn, rows).await?;
            conn.close().await.ok();
            vec![
                ("one transaction of single-row INSERTs", single),
                ("one transaction of 500-row INSERTs", multi),
            ]
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await?;
            let text = pg_copy(&mut conn, rows, false).await?;
            let binary = pg_copy(&mut conn, rows, true).await?;
            conn.close().await.ok();
            vec![("COPY text", text), ("COPY binary", binary)]
        }
    };
    methods.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(BulkInsert {
        rate: methods[0].1,
        methods,
    })
}

/// One transaction of prepared single-row inserts; rows per second.
async fn sqlite_single_rows(conn: &mut sqlx::SqliteConnection, rows: usize) -> Result<f64> {
    sqlx::raw_sql(SQLITE_SCRATCH).execute(&mut *conn).await?;
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
        .execute(&mut *conn)
        .await?;
    Ok(rate)
}

/// One transaction of multi-row inserts of 500 rows (9 500 binds, under SQLite's limit);
/// rows per second.
async fn sqlite_multi_rows(conn: &mut sqlx::SqliteConnection, rows: usize) -> Result<f64> {
    const PER_STATEMENT: usize = 500;
    sqlx::raw_sql(SQLITE_SCRATCH).execute(&mut *conn).await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    let ids: Vec<usize> = (0..rows).collect();
    for chunk in ids.chunks(PER_STATEMENT) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO loadtest_order_files ({COLUMNS}) "
        ));
        insert.push_values(chunk, |mut b, &i| {
            let (id, order, filename, url, urn, provider) = row(i);
            b.push_bind(id)
                .push_bind("load")
                .push_bind(order)
                .push_bind(order)
                .push_bind(order)
                .push_bind("PENDING")
                .push_bind(filename)
                .push_bind(url)
                .push_bind("application/octet-stream")
                .push_bind(1024_i64)
                .push_bind(None::<String>)
                .push_bind(None::<String>)
                .push_bind("RAWDATA")
                .push_bind(false)
                .push_bind(urn)
                .push_bind(provider)
                .push_bind(1_i32)
                .push_bind(None::<String>)
                .push_bind(None::<i64>);
        });
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    sqlx::raw_sql("DROP TABLE loadtest_order_files")
        .execute(&mut *conn)
        .await?;
    Ok(rate)
}

/// One `COPY … FROM STDIN` of the rows, prepared before the clock starts, in text or binary
/// format; rows per second.
async fn pg_copy(conn: &mut sqlx::PgConnection, rows: usize, binary: bool) -> Result<f64> {
    sqlx::raw_sql(PG_SCRATCH).execute(&mut *conn).await?;
    let mut chunks = Vec::new();
    let mut chunk: Vec<u8> = Vec::with_capacity(1 << 20);
    if binary {
        // Signature, flags, header extension length.
        chunk.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        chunk.extend_from_slice(&0_i32.to_be_bytes());
        chunk.extend_from_slice(&0_i32.to_be_bytes());
    }
    for i in 0..rows {
        let (id, order, filename, url, urn, provider) = row(i);
        if binary {
            binary_row(&mut chunk, id, order, &filename, &url, &urn, &provider);
        } else {
            chunk.extend_from_slice(
                format!(
                    "{id}\tload\t{order}\t{order}\t{order}\tPENDING\t{filename}\t{url}\t\
                     application/octet-stream\t1024\t\\N\t\\N\tRAWDATA\tf\t{urn}\t{provider}\t1\t\\N\t\\N\n"
                )
                .as_bytes(),
            );
        }
        if chunk.len() > (1 << 20) - 512 {
            chunks.push(std::mem::replace(&mut chunk, Vec::with_capacity(1 << 20)));
        }
    }
    if binary {
        chunk.extend_from_slice(&(-1_i16).to_be_bytes());
    }
    chunks.push(chunk);
    let format = if binary { "binary" } else { "text" };
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY loadtest_order_files ({COLUMNS}) FROM STDIN (FORMAT {format})"
        ))
        .await?;
    for c in chunks {
        copy.send(c).await?;
    }
    copy.finish().await?;
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    sqlx::raw_sql("DROP TABLE loadtest_order_files")
        .execute(&mut *conn)
        .await?;
    Ok(rate)
}

/// One tuple of COPY's binary format: the field count, then each field's length (-1 for
/// NULL) and bytes (integers big-endian).
fn binary_row(
    out: &mut Vec<u8>,
    id: i64,
    order: i64,
    filename: &str,
    url: &str,
    urn: &str,
    provider: &str,
) {
    let int8 = |out: &mut Vec<u8>, v: i64| {
        out.extend_from_slice(&8_i32.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    };
    let text = |out: &mut Vec<u8>, v: &str| {
        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
        out.extend_from_slice(v.as_bytes());
    };
    let null = |out: &mut Vec<u8>| out.extend_from_slice(&(-1_i32).to_be_bytes());
    out.extend_from_slice(&19_i16.to_be_bytes());
    int8(out, id);
    text(out, "load");
    int8(out, order);
    int8(out, order);
    int8(out, order);
    text(out, "PENDING");
    text(out, filename);
    text(out, url);
    text(out, "application/octet-stream");
    int8(out, 1024);
    null(out);
    null(out);
    text(out, "RAWDATA");
    out.extend_from_slice(&1_i32.to_be_bytes());
    out.push(0);
    text(out, urn);
    text(out, provider);
    out.extend_from_slice(&4_i32.to_be_bytes());
    out.extend_from_slice(&1_i32.to_be_bytes());
    null(out);
    null(out);
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
