//! One callback's delivery: a task that posts the callback's events one at a time, in id
//! order, from its stored cursor. The next event waits until the current one is delivered or
//! given up; the cursor is stored after each failed attempt, and after delivered events every
//! `SAVE_EVERY` events and at the end of each batch read (one write per event made a burst
//! queue up behind the database), so a restart resumes where the task stood: at most
//! `SAVE_EVERY` events delivered but not yet recorded are sent again, with the same
//! `X-Regards-Event-Id`.

use super::cursor::{self, AfterFailure, RetryPolicy};
use super::report::Report;
use super::sender::Sender;
use crate::events::WeakEventFeed;
use chrono::Utc;
use regards_order_actors::domain::events::StoredEvent;
use regards_order_actors::domain::webhook::{Webhook, WebhookScope};
use regards_order_actors::ports::EventScope;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Events read from the outbox at once.
const BATCH: u32 = 100;
/// Delivered events after which the cursor is stored within a batch.
const SAVE_EVERY: usize = 20;
/// Wait after the database failed to give events or take the cursor.
const DATABASE_RETRY: Duration = Duration::from_secs(1);
/// Longest wait for new events without looking (a missed wake-up only delays).
const LOOK_EVERY: Duration = Duration::from_secs(5);

/// What a delivery task needs besides its callback.
#[derive(Clone)]
pub struct Context {
    pub feed: WeakEventFeed,
    pub sender: Arc<Sender>,
    pub policy: RetryPolicy,
    pub report: Arc<Report>,
}

/// Why a task ends.
struct Stopped;

/// How one event's delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Delivered; the cursor past it is not stored yet.
    Delivered,
    /// Given up; the cursor is stored.
    GivenUp,
}

/// Delivers `webhook`'s events until `stop` is cancelled, the feed is gone or the callback is
/// deleted.
pub async fn deliver(mut webhook: Webhook, context: Context, stop: CancellationToken) {
    let scope = match webhook.scope {
        WebhookScope::Owner => EventScope::Owner(webhook.tenant.clone(), webhook.owner.clone()),
        WebhookScope::Tenant => EventScope::Tenant(webhook.tenant.clone()),
    };
    let Some(feed) = context.feed.upgrade() else {
        return;
    };
    let mut head = feed.watch_head();
    drop(feed);
    let task = Task {
        context: &context,
        stop: &stop,
    };
    loop {
        if task.wait_for_retry(&webhook).await.is_err() {
            return;
        }
        let Some((events, head_before)) = task.read(&webhook, &scope).await else {
            return;
        };
        if events.is_empty() {
            // Nothing of its scope up to the head read before: it is not behind.
            context.report.caught_up(webhook.id, head_before);
            tokio::select! {
                _ = stop.cancelled() => return,
                changed = head.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep(LOOK_EVERY) => {}
            }
            continue;
        }
        if task.deliver_batch(&mut webhook, &events).await.is_err() {
            return;
        }
    }
}

/// The loop's steps, each ending early when the task must stop.
struct Task<'a> {
    context: &'a Context,
    stop: &'a CancellationToken,
}

impl Task<'_> {
    /// Sleeps until the callback's next attempt, if it waits for one.
    async fn wait_for_retry(&self, webhook: &Webhook) -> Result<(), Stopped> {
        let Some(at) = webhook.cursor.next_attempt else {
            return Ok(());
        };
        let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        self.sleep(wait).await
    }

    /// Sleeps `wait`, unless stopped meanwhile.
    async fn sleep(&self, wait: Duration) -> Result<(), Stopped> {
        tokio::select! {
            _ = self.stop.cancelled() => Err(Stopped),
            _ = tokio::time::sleep(wait) => Ok(()),
        }
    }

    /// The next events after the cursor (waiting while the database is away), with the
    /// feed's head read before them; None once stopped.
    async fn read(&self, webhook: &Webhook, scope: &EventScope) -> Option<(Vec<StoredEvent>, i64)> {
        loop {
            let feed = self.context.feed.upgrade()?;
            let head = feed.head();
            let read = feed
                .store()
                .events_after(webhook.cursor.last_id, scope, BATCH)
                .await;
            drop(feed);
            match read {
                Ok(events) => return Some((events, head)),
                Err(e) => {
                    tracing::debug!(webhook = webhook.id, error = %e, "webhook waits for the database");
                    self.sleep(DATABASE_RETRY).await.ok()?;
                }
            }
        }
    }

    /// Delivers `events` in order, each until delivered or given up.
    async fn deliver_batch(
        &self,
        webhook: &mut Webhook,
        events: &[StoredEvent],
    ) -> Result<(), Stopped> {
        let mut unsaved = 0;
        for event in events {
            if !webhook.wants(event.event.kind) {
                // Not of its types: passed over, stored with the next move of the cursor.
                cursor::passed(&mut webhook.cursor, event.id);
                unsaved += 1;
                continue;
            }
            if self.deliver_one(webhook, event).await? == Outcome::Delivered {
                unsaved += 1;
            } else {
                unsaved = 0;
            }
            if unsaved >= SAVE_EVERY {
                self.save(webhook).await?;
                unsaved = 0;
            }
        }
        if unsaved > 0 {
            self.save(webhook).await?;
        }
        Ok(())
    }

    /// Attempts `event` until it is delivered or given up, storing the cursor after each
    /// failed attempt (a delivered event's cursor is stored by the batch).
    async fn deliver_one(
        &self,
        webhook: &mut Webhook,
        event: &StoredEvent,
    ) -> Result<Outcome, Stopped> {
        loop {
            if self.stop.is_cancelled() {
                return Err(Stopped);
            }
            let sent = tokio::select! {
                _ = self.stop.cancelled() => return Err(Stopped),
                sent = self.context.sender.send(webhook, event) => sent,
            };
            let error = match sent {
                Ok(()) => {
                    cursor::passed(&mut webhook.cursor, event.id);
                    return Ok(Outcome::Delivered);
                }
                Err(error) => error,
            };
            let now = Utc::now();
            let after = cursor::failed(
                &mut webhook.cursor,
                event.id,
                error.clone(),
                now,
                &self.context.policy,
            );
            self.save(webhook).await?;
            match after {
                AfterFailure::GivenUp => {
                    tracing::warn!(
                        webhook = webhook.id,
                        event = event.id,
                        attempts = self.context.policy.max_attempts,
                        error = %error,
                        "webhook event given up"
                    );
                    return Ok(Outcome::GivenUp);
                }
                AfterFailure::RetryAt(at) => {
                    tracing::debug!(webhook = webhook.id, event = event.id, error = %error, "webhook delivery failed");
                    self.sleep((at - now).to_std().unwrap_or(Duration::ZERO))
                        .await?;
                }
            }
        }
    }

    /// Stores the cursor, retrying while the database is away; stops when the callback was
    /// deleted meanwhile.
    async fn save(&self, webhook: &Webhook) -> Result<(), Stopped> {
        let mut logged = false;
        loop {
            let Some(feed) = self.context.feed.upgrade() else {
                return Err(Stopped);
            };
            let saved = feed
                .store()
                .save_webhook_cursor(webhook.id, &webhook.cursor)
                .await;
            drop(feed);
            match saved {
                Ok(true) => {
                    self.context.report.stands(webhook);
                    return Ok(());
                }
                Ok(false) => {
                    // Deleted meanwhile (or before this task started).
                    self.context.report.forget(webhook.id);
                    return Err(Stopped);
                }
                Err(e) => {
                    if !logged {
                        tracing::warn!(webhook = webhook.id, error = %e, "cannot store the webhook's cursor; retrying");
                        logged = true;
                    }
                    self.sleep(DATABASE_RETRY).await?;
                }
            }
        }
    }
}
