//! Registered webhooks and their delivery cursors. A callback's cursor lives in its own row,
//! written after each attempt, so that a restart (or a crash) resumes each callback where it
//! stood.

use crate::domain::Tenant;
use crate::domain::webhook::{NewWebhook, Webhook, WebhookCursor};
use crate::ports::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Events a callback has yet to deliver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookBacklog {
    /// Events in its scope and types after its cursor.
    pub events: i64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new callback. Its cursor starts at the outbox's newest event, read in the
    /// same statement: it hears of what happens from now on, not of the past.
    async fn add_webhook(&self, new: &NewWebhook, now: DateTime<Utc>) -> StoreResult<Webhook>;

    /// The callbacks of `tenant` (of `owner` only when given), oldest first.
    async fn webhooks_of(&self, tenant: &Tenant, owner: Option<&str>) -> StoreResult<Vec<Webhook>>;

    /// Every callback of every tenant, for the delivery at start.
    async fn every_webhook(&self) -> StoreResult<Vec<Webhook>>;

    /// Deletes callback `id` of `tenant` (and of `owner` when given); false when there is
    /// none such.
    async fn remove_webhook(
        &self,
        tenant: &Tenant,
        owner: Option<&str>,
        id: i64,
    ) -> StoreResult<bool>;

    /// Stores where callback `id` stands; false when it no longer exists.
    async fn save_webhook_cursor(&self, id: i64, cursor: &WebhookCursor) -> StoreResult<bool>;

    /// What `webhook` has yet to deliver, as its stored cursor says.
    async fn webhook_backlog(&self, webhook: &Webhook) -> StoreResult<WebhookBacklog>;
}
