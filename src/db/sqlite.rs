//! The embedded SQLite backend (a file under `data_dir`, WAL mode).

use crate::db::{errors::store_error, migrations};
use anyhow::Context;
use async_trait::async_trait;
use regards_order_actors::ports::{Backend, DatabaseProbe, Store, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Store on a SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Notified after each commit that wrote events (see `EventLog::event_signal`).
    events_signal: std::sync::Arc<tokio::sync::Notify>,
}

impl SqliteStore {
    /// Opens (creating it and its folder if needed) and migrates the database file; a write
    /// waits at most `wait` for another connection's write to end.
    pub async fn connect(url: &str, wait: Duration) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url}"))?
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL: readers never wait for the writer; NORMAL is durable in WAL mode except
            // for the last transactions on power loss, not on a process crash.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(wait)
            // Each connection's page cache is its own (SQLite's default: ~2 MiB each, 16 MiB
            // for the pool, filled by the first large reads and kept for the process's life).
            // The file's pages stay in the OS page cache: a page missing here costs a read
            // system call, not a disk access. 512 KiB holds the indexes' upper levels.
            .pragma("cache_size", "-512");
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // SQLite has one writer at a time: a few connections serve concurrent readers.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(wait)
            // A COMMIT that fails on an I/O error (an unwritable or full disk) is rolled back
            // by SQLite itself, but the driver still counts the transaction open: its ROLLBACK
            // fails, and the connection's next transactions become savepoints whose rollback
            // leaves a transaction open — later writes on it would be acknowledged and never
            // committed. A connection released while the driver counts a transaction is closed.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .after_connect(|conn, _| Box::pin(refuse_read_only(conn)))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {url}"))?;
        migrations::sqlite()
            .run(&pool)
            .await
            .context("cannot apply SQLite migrations")?;
        Ok(Self {
            pool,
            events_signal: Default::default(),
        })
    }
}

/// Fails when the new connection cannot write. A connection that first reaches the file (or
/// its WAL) while it cannot be written — a read-only or immutable file, during an outage —
/// is read-only for good, even once the file is writable again: kept in the pool, it would
/// fail writes long after the outage. Only a write tells (`BEGIN IMMEDIATE` succeeds on such
/// a connection), so the header's user version is written back unchanged and rolled back;
/// this waits for another connection's write like any write.
async fn refuse_read_only(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let written = async {
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *conn)
            .await?;
        let same = format!("PRAGMA user_version = {version}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(same))
            .execute(&mut *conn)
            .await
    }
    .await;
    sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
    written.map(|_| ())
}

// What this backend writes its own way: many order-file rows at once.
mod bulk;
// What it reads its own way: a page of file summaries.
mod file_summaries;
// How it finds a string in a catalogue object's JSON properties.
mod json_text;

// The SQL both backends share, compiled here for SQLite (see `db/mod.rs`): each folder is
// loaded by the other backend too, which `duplicate_mod` would otherwise refuse.
type Db = Sqlite;
type SqlStore = SqliteStore;
#[allow(clippy::duplicate_mod)]
#[path = "basket/mod.rs"]
mod basket;
#[allow(clippy::duplicate_mod)]
#[path = "catalog/mod.rs"]
mod catalog;
#[allow(clippy::duplicate_mod)]
#[path = "events/mod.rs"]
mod events;
#[allow(clippy::duplicate_mod)]
#[path = "journal/mod.rs"]
mod journal;
#[allow(clippy::duplicate_mod)]
#[path = "notifications/mod.rs"]
mod notifications;
#[allow(clippy::duplicate_mod)]
#[path = "queries/mod.rs"]
mod queries;
#[allow(clippy::duplicate_mod)]
#[path = "rows.rs"]
mod rows;
#[allow(clippy::duplicate_mod)]
#[path = "webhooks/mod.rs"]
mod webhooks;

impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

#[async_trait]
impl DatabaseProbe for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn probe_write(&self) -> StoreResult<()> {
        sqlx::query(crate::db::PROBE_WRITE)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

impl SqliteStore {
    /// Nothing to do: SQLite has one writer at a time, so ids already increase in commit
    /// order (see the Postgres store's version).
    pub(crate) async fn lock_event_ids(_conn: &mut SqliteConnection) -> StoreResult<()> {
        Ok(())
    }
}
