//! Durable channels (webhooks, e-mail, AMQP): each delivers the outbox's events in id
//! order from a cursor kept in the database, so a restart resumes where delivery stopped
//! and a duplicate after a crash carries an id the receiver has seen.

use super::feed::EventFeed;
use async_trait::async_trait;
use dashmap::DashMap;
use regards_order_actors::domain::events::StoredEvent;
use regards_order_actors::ports::EventScope;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Events handed to a channel at once.
const BATCH: u32 = 200;
/// Wait after the database failed to give events or take a cursor.
const DATABASE_RETRY: Duration = Duration::from_secs(1);

/// What a channel did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every event of the batch is delivered (or is none of the channel's business).
    Done,
    /// Events up to this id are delivered; the rest is tried again after `retry_in`.
    UpTo { id: i64, retry_in: Duration },
}

/// One way events leave the service.
#[async_trait]
pub trait EventChannel: Send + Sync + 'static {
    /// The cursor's name (stable across versions: renaming it re-delivers nothing, but
    /// starts from the newest event).
    fn name(&self) -> String;

    /// Delivers `events` (in id order, never empty).
    async fn deliver(&self, events: &[StoredEvent]) -> Delivery;
}

/// How a channel's other side answers, as the channel last saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelHealth {
    /// Whether the channel reaches its other side (a broker, an SMTP server); None when it
    /// keeps no connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connected: Option<bool>,
    /// Deliveries failing now (callbacks whose receiver refuses, e-mails not sent…).
    pub failing: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Where each channel stands, for `/admin/actors` and `/metrics`.
#[derive(Default)]
pub struct ChannelLags {
    cursors: DashMap<String, Arc<AtomicI64>>,
    health: DashMap<String, ChannelHealth>,
}

impl ChannelLags {
    /// The cell holding `channel`'s cursor (created at 0).
    pub fn cell(&self, channel: &str) -> Arc<AtomicI64> {
        self.cursors
            .entry(channel.to_owned())
            .or_default()
            .value()
            .clone()
    }

    /// Each channel with its cursor, by name.
    pub fn cursors(&self) -> Vec<(String, i64)> {
        let mut all: Vec<(String, i64)> = self
            .cursors
            .iter()
            .map(|e| (e.key().clone(), e.value().load(Ordering::Relaxed)))
            .collect();
        all.sort();
        all
    }

    /// Forgets a channel (a deleted webhook).
    pub fn forget(&self, channel: &str) {
        self.cursors.remove(channel);
        self.health.remove(channel);
    }

    /// Records how `channel`'s other side answers.
    pub fn set_health(&self, channel: &str, health: ChannelHealth) {
        self.health.insert(channel.to_owned(), health);
    }

    /// How `channel`'s other side answers (the default when never told).
    pub fn health(&self, channel: &str) -> ChannelHealth {
        self.health
            .get(channel)
            .map(|h| h.value().clone())
            .unwrap_or_default()
    }
}

/// Runs `channel` until the feed is dropped: delivers from its cursor (a new channel starts
/// at the newest event), stores the cursor after each delivered batch, waits for new
/// events. Returns the task's handle.
pub fn run_channel(
    feed: &EventFeed,
    channel: Arc<dyn EventChannel>,
) -> tokio::task::JoinHandle<()> {
    let weak = feed.downgrade();
    let cell = feed.lags().cell(&channel.name());
    let mut head = feed.watch_head();
    tokio::spawn(async move {
        let name = channel.name();
        let mut cursor = loop {
            let Some(feed) = weak.upgrade() else { return };
            match start_cursor(&feed, &name).await {
                Ok(cursor) => break cursor,
                Err(e) => {
                    tracing::debug!(channel = %name, error = %e, "channel waits for the database");
                    tokio::time::sleep(DATABASE_RETRY).await;
                }
            }
        };
        cell.store(cursor, Ordering::Relaxed);
        loop {
            let Some(feed) = weak.upgrade() else { return };
            let events = match feed
                .store()
                .events_after(cursor, &EventScope::All, BATCH)
                .await
            {
                Ok(events) => events,
                Err(_) => {
                    tokio::time::sleep(DATABASE_RETRY).await;
                    continue;
                }
            };
            let Some(last) = events.last().map(|e| e.id) else {
                // Nothing new: wait for the head to move (the feed stops: so do we).
                drop(feed);
                if head.changed().await.is_err() {
                    return;
                }
                continue;
            };
            let (done, retry_in) = match channel.deliver(&events).await {
                Delivery::Done => (last, None),
                Delivery::UpTo { id, retry_in } => (id.min(last), Some(retry_in)),
            };
            if done > cursor {
                save_cursor(&feed, &name, done).await;
                cursor = done;
                cell.store(cursor, Ordering::Relaxed);
            }
            drop(feed);
            if let Some(wait) = retry_in {
                tokio::time::sleep(wait).await;
            }
        }
    })
}

/// The stored cursor, or (first run) the newest event, stored.
async fn start_cursor(
    feed: &EventFeed,
    name: &str,
) -> Result<i64, regards_order_actors::ports::StoreError> {
    if let Some(cursor) = feed.store().event_cursor(name).await? {
        return Ok(cursor);
    }
    let head = feed.store().last_event_id().await?;
    feed.store().set_event_cursor(name, head).await?;
    Ok(head)
}

/// Stores a cursor, retrying while the database is down (the events stay delivered; losing
/// the cursor would only deliver them again).
async fn save_cursor(feed: &EventFeed, name: &str, id: i64) {
    let mut logged = false;
    while let Err(e) = feed.store().set_event_cursor(name, id).await {
        if !logged {
            tracing::warn!(channel = %name, error = %e, "cannot store the channel's cursor; retrying");
            logged = true;
        }
        tokio::time::sleep(DATABASE_RETRY).await;
    }
}
