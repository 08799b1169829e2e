//! What operators see of the webhooks among the event channels (`/admin/actors`,
//! `/metrics`): one channel, `webhooks`, standing at the slowest callback's position, failing
//! as many callbacks as wait for a retry, with the newest failure. One channel for all
//! callbacks, so that the metrics' labels do not grow with the users' registrations.

use crate::events::{ChannelHealth, WeakEventFeed};
use dashmap::DashMap;
use regards_order_actors::domain::webhook::Webhook;
use std::sync::atomic::Ordering;

/// The channel's name among the event channels.
pub const CHANNEL: &str = "webhooks";

/// Where one callback stands.
#[derive(Debug, Clone, Default)]
struct Standing {
    /// The last event id it is done with, or the head it has caught up with when nothing
    /// of its scope came since.
    position: i64,
    failing: bool,
    last_error: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

/// Gathers the callbacks' positions into the `webhooks` channel.
pub struct Report {
    feed: WeakEventFeed,
    standings: DashMap<i64, Standing>,
}

impl Report {
    pub fn new(feed: WeakEventFeed) -> Self {
        Report {
            feed,
            standings: DashMap::new(),
        }
    }

    /// Records where `webhook` stands, as its cursor says.
    pub fn stands(&self, webhook: &Webhook) {
        let cursor = &webhook.cursor;
        let last_error = cursor.last_error_at.zip(cursor.last_error.clone());
        let mut standing = self.standings.entry(webhook.id).or_default();
        standing.position = standing.position.max(cursor.last_id);
        standing.failing = cursor.failing();
        standing.last_error = last_error;
        drop(standing);
        self.publish();
    }

    /// Records that `id` has nothing to deliver up to `head`.
    pub fn caught_up(&self, id: i64, head: i64) {
        if let Some(mut standing) = self.standings.get_mut(&id) {
            standing.position = standing.position.max(head);
        }
        self.publish();
    }

    /// Forgets callback `id` (deleted).
    pub fn forget(&self, id: i64) {
        self.standings.remove(&id);
        self.publish();
    }

    /// Writes the channel's figures where the event backlog reads them.
    fn publish(&self) {
        let Some(feed) = self.feed.upgrade() else {
            return;
        };
        let lags = feed.lags();
        if self.standings.is_empty() {
            lags.forget(CHANNEL);
            return;
        }
        let mut slowest = i64::MAX;
        let mut health = ChannelHealth::default();
        let mut newest_error = None;
        for standing in self.standings.iter() {
            slowest = slowest.min(standing.position);
            health.failing += u64::from(standing.failing);
            if let Some((at, error)) = &standing.last_error
                && newest_error.as_ref().is_none_or(|(newest, _)| at > newest)
            {
                newest_error = Some((*at, error.clone()));
            }
        }
        health.last_error = newest_error.map(|(_, error)| error);
        lags.cell(CHANNEL).store(slowest, Ordering::Relaxed);
        lags.set_health(CHANNEL, health);
    }
}
