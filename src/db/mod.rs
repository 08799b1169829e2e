//! Database stores: SQLite (embedded default) and Postgres, behind the `Store` port.
//!
//! Both backends run the same SQL (`$N` placeholders and every statement here are valid in
//! both). That SQL is written once, as plain Rust, in folders that each backend compiles as
//! its own modules: `sqlite.rs` and `postgres.rs` define `Db` (the sqlx database) and
//! `SqlStore` (their store) and mount `journal/`, `queries/`, `basket/`, `catalog/` and
//! `rows.rs` with `#[path]`. So "go to definition" from a port's implementation lands on the
//! query itself, and the compiler checks the one text against both drivers. (A generic
//! function over `sqlx::Database` would need a bound per bound type and executor; a macro per
//! store hid every query behind its expansion.)
//!
//! - `journal/`: what the engine writes and reads back (`ChangeWriter`, `OrderJournal`).
//! - `queries/`: what the services ask (`OrderQueries`).
//! - `basket/`, `catalog/`: `BasketStore`, `CatalogStore`.
//! - `sql/`: SQL text that does not depend on the backend (columns, filters, batch sizes),
//!   compiled once.
//!
//! What differs — connection options, migrations, column types — stays in the backend's
//! module.

mod errors;
pub mod migrations;
mod postgres;
mod sql;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use anyhow::Context;
pub use regards_order_actors::ports::Backend;
use regards_order_actors::ports::Store;
use std::sync::Arc;
use std::time::Duration;

/// The backend `url` selects, from its scheme.
pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!("database_url must start with sqlite:// or postgres://")
    }
}

/// Longest wait of a call for a connection (Postgres) or for the write lock (SQLite) when
/// none is given: past it the call fails as the database's unavailability.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Connects to `url`, applies pending migrations and returns the store.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    connect_waiting(url, DEFAULT_WAIT).await
}

/// Same, with calls that wait at most `wait` for a connection or the write lock, so that a
/// request reaching a database that is down answers 503 within a bounded time.
pub async fn connect_waiting(url: &str, wait: Duration) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match backend_of(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::connect(url, wait).await?),
        Backend::Postgres => Arc::new(PgStore::connect(url, wait).await?),
    };
    Ok(store)
}

/// Overwrites the prober's row: succeeds only when the database takes writes.
const PROBE_WRITE: &str = "INSERT INTO health_probe (id, probed_at) VALUES (1, $1) \
                           ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at";

/// Longest wait of `migrate` for a connection or the write lock: an operator's command on a
/// busy database (a running service, a loaded machine) waits rather than fails.
const MIGRATE_WAIT: Duration = Duration::from_secs(30);

/// Applies pending migrations to `url` and returns.
pub async fn migrate(url: &str) -> anyhow::Result<()> {
    connect_waiting(url, MIGRATE_WAIT)
        .await
        .with_context(|| format!("cannot migrate {}", redact(url)))?;
    Ok(())
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn picks_the_backend_from_the_scheme() {
        assert_eq!(backend_of("sqlite://x").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("postgresql://x").ok(), Some(Backend::Postgres));
        assert!(backend_of("mysql://x").is_err());
    }
}
