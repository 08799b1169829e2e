//! The Postgres backend (production).

use crate::db::{errors::store_error, migrations};
use anyhow::Context;
use async_trait::async_trait;
use regards_order_actors::ports::{Backend, DatabaseProbe, Store, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// Store on a Postgres database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Notified after each commit that wrote events (see `EventLog::event_signal`).
    events_signal: std::sync::Arc<tokio::sync::Notify>,
}

impl PgStore {
    /// Connects and migrates; a call waits at most `wait` for a connection (a server that is
    /// down fails calls after that, as unavailable).
    pub async fn connect(url: &str, wait: Duration) -> anyhow::Result<Self> {
        // Custom plans for every execution: sqlx prepares statements, and after five runs
        // Postgres may switch to a generic plan costed on the statistics of the moment. On a
        // table that grows during a bulk import (empty when first analysed) that plan is a
        // sequential scan, which made a 100 000-item import quadratic (3 minutes instead of 7 s).
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid Postgres URL {}", crate::db::redact(url)))?
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(wait)
            // A connection given back while the driver still counts a transaction open (its
            // COMMIT and ROLLBACK failed, as on a full disk) is closed: reused, its next
            // transactions would be savepoints that commit nothing.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", crate::db::redact(url)))?;
        migrations::postgres()
            .run(&pool)
            .await
            .context("cannot apply Postgres migrations")?;
        Ok(Self {
            pool,
            events_signal: Default::default(),
        })
    }
}

// What this backend writes its own way: many order-file rows at once.
mod bulk;
// What it reads its own way: a page of file summaries.
mod file_summaries;
// How it finds a string in a catalogue object's JSON properties.
mod json_text;

// The SQL both backends share, compiled here for Postgres (see `db/mod.rs`): each folder is
// loaded by the other backend too, which `duplicate_mod` would otherwise refuse.
type Db = Postgres;
type SqlStore = PgStore;
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

impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

#[async_trait]
impl DatabaseProbe for PgStore {
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

impl PgStore {
    /// The outbox's lock, held until the transaction ends: transactions writing events
    /// take their ids one after the other, so ids increase in commit order and a reader
    /// that follows ids never passes one that commits later.
    pub(crate) async fn lock_event_ids(conn: &mut sqlx::PgConnection) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock(7246001)")
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
