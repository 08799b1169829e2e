//! The outbox, read side: what the event channels (SSE, webhooks, e-mail, AMQP) read. Events
//! are written with the changes that cause them (`OrderChange::Events`, creation, a new
//! order's row), in the same transaction; ids increase in commit order.

use crate::domain::Tenant;
use crate::domain::events::StoredEvent;
use crate::ports::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::Notify;

/// Whose events a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventScope {
    /// Every tenant's (the service's own channels).
    All,
    /// One tenant's orders.
    Tenant(Tenant),
    /// One user's orders in one tenant.
    Owner(Tenant, String),
}

impl EventScope {
    /// Whether `event` is in this scope.
    pub fn contains(&self, event: &StoredEvent) -> bool {
        match self {
            EventScope::All => true,
            EventScope::Tenant(tenant) => event.event.tenant == *tenant,
            EventScope::Owner(tenant, owner) => {
                event.event.tenant == *tenant && event.event.owner == *owner
            }
        }
    }
}

#[async_trait]
pub trait EventLog: Send + Sync {
    /// Events with an id above `after`, in id order, at most `limit`.
    async fn events_after(
        &self,
        after: i64,
        scope: &EventScope,
        limit: u32,
    ) -> StoreResult<Vec<StoredEvent>>;

    /// The highest id stored (0 when none).
    async fn last_event_id(&self) -> StoreResult<i64>;

    /// Where a channel's delivery stands (the last id it is done with), if it ever stood.
    async fn event_cursor(&self, channel: &str) -> StoreResult<Option<i64>>;

    /// Records that a channel is done with every event up to `id`.
    async fn set_event_cursor(&self, channel: &str, id: i64) -> StoreResult<()>;

    /// Deletes events written before `before`; answers how many.
    async fn prune_events(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// Notified after each commit that wrote events (readers also look now and then, so a
    /// missed notification only delays).
    fn event_signal(&self) -> Arc<Notify>;
}
