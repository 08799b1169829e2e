//! `EventLog` on this backend: the outbox read by the delivery channels.

use super::SqlStore;
use crate::db::errors::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::events::{OrderEvent, StoredEvent};
use regards_order_actors::ports::{EventLog, EventScope, StoreError, StoreResult};
use std::sync::Arc;
use tokio::sync::Notify;

#[async_trait]
impl EventLog for SqlStore {
    async fn events_after(
        &self,
        after: i64,
        scope: &EventScope,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>> {
        let mut select = sqlx::QueryBuilder::<super::Db>::new(
            "SELECT id, payload FROM order_events WHERE id > ",
        );
        select.push_bind(after);
        match scope {
            EventScope::All => {}
            EventScope::Tenant(tenant) => {
                select.push(" AND tenant = ").push_bind(tenant.as_str());
            }
            EventScope::Owner(tenant, owner) => {
                select
                    .push(" AND tenant = ")
                    .push_bind(tenant.as_str())
                    .push(" AND owner = ")
                    .push_bind(owner.as_str());
            }
        }
        select
            .push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<(i64, String)> = select
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|(id, payload)| {
                let event: OrderEvent = serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
                Ok(StoredEvent { id, event })
            })
            .collect()
    }

    async fn last_event_id(&self) -> StoreResult<i64> {
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM order_events")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(last.unwrap_or(0))
    }

    async fn event_cursor(&self, channel: &str) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT last_id FROM event_cursors WHERE channel = $1")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn set_event_cursor(&self, channel: &str, id: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO event_cursors (channel, last_id) VALUES ($1, $2) \
             ON CONFLICT (channel) DO UPDATE SET last_id = excluded.last_id",
        )
        .bind(channel)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn prune_events(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM order_events WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    fn event_signal(&self) -> Arc<Notify> {
        self.events_signal.clone()
    }
}
