//! Webhook delivery: one task per registered callback (see `worker.rs`), each from the cursor
//! in its row, so that a slow or dead receiver holds back only its own callback; deliveries
//! in flight are bounded for all of them together (`webhooks.max_parallel`). The engine never
//! waits for a receiver: it writes events to the outbox, and the tasks read them from there.

mod cursor;
mod report;
mod sender;
mod signature;
mod target;
mod worker;

pub use cursor::RetryPolicy;
pub use report::CHANNEL;
pub use signature::sign;
pub use target::{TargetError, check_target};

use super::{EventFeed, WeakEventFeed};
use crate::config::WebhookSettings;
use dashmap::DashMap;
use regards_order_actors::domain::webhook::Webhook;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Wait after the database failed to list the callbacks at start.
const DATABASE_RETRY: Duration = Duration::from_secs(1);

/// The running deliveries (cheap to clone); every task stops with the last handle.
#[derive(Clone)]
pub struct WebhookDelivery {
    inner: Arc<Inner>,
}

struct Inner {
    context: worker::Context,
    /// Each callback's task, by callback id.
    tasks: DashMap<i64, CancellationToken>,
    /// Parent of every task's token.
    all: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.all.cancel();
    }
}

impl WebhookDelivery {
    /// Starts delivering for every stored callback (listed once the database answers) and
    /// for those registered from now on (`started`).
    pub fn start(feed: &EventFeed, settings: &WebhookSettings) -> anyhow::Result<Self> {
        let context = worker::Context {
            feed: feed.downgrade(),
            sender: Arc::new(sender::Sender::new(settings)?),
            report: Arc::new(report::Report::new(feed.downgrade())),
            policy: RetryPolicy {
                first_retry: Duration::from_secs(settings.first_retry_secs),
                max_attempts: settings.max_attempts,
            },
        };
        let delivery = WebhookDelivery {
            inner: Arc::new(Inner {
                context,
                tasks: DashMap::new(),
                all: CancellationToken::new(),
            }),
        };
        tokio::spawn(start_stored(
            Arc::downgrade(&delivery.inner),
            feed.downgrade(),
        ));
        Ok(delivery)
    }

    /// Starts delivering for `webhook` (nothing when it already runs).
    pub fn started(&self, webhook: Webhook) {
        start_task(&self.inner, webhook);
    }

    /// Stops delivering for callback `id` (deleted).
    pub fn stopped(&self, id: i64) {
        if let Some((_, stop)) = self.inner.tasks.remove(&id) {
            stop.cancel();
        }
        self.inner.context.report.forget(id);
    }

    /// Callbacks whose task runs.
    pub fn running(&self) -> usize {
        self.inner.tasks.len()
    }
}

/// Starts one task per stored callback, retrying while the database is away.
async fn start_stored(inner: std::sync::Weak<Inner>, feed: WeakEventFeed) {
    let mut logged = false;
    loop {
        let Some(live) = feed.upgrade() else { return };
        let listed = live.store().every_webhook().await;
        drop(live);
        match listed {
            Ok(webhooks) => {
                let Some(inner) = inner.upgrade() else { return };
                let count = webhooks.len();
                for webhook in webhooks {
                    start_task(&inner, webhook);
                }
                if count > 0 {
                    tracing::info!(webhooks = count, "webhook delivery resumed");
                }
                return;
            }
            Err(e) => {
                if !logged {
                    tracing::warn!(error = %e, "webhooks wait for the database");
                    logged = true;
                }
                tokio::time::sleep(DATABASE_RETRY).await;
            }
        }
    }
}

/// Spawns `webhook`'s task unless one runs.
fn start_task(inner: &Inner, webhook: Webhook) {
    let id = webhook.id;
    let dashmap::Entry::Vacant(slot) = inner.tasks.entry(id) else {
        return;
    };
    let stop = inner.all.child_token();
    slot.insert(stop.clone());
    inner.context.report.stands(&webhook);
    tokio::spawn(worker::deliver(webhook, inner.context.clone(), stop));
}
