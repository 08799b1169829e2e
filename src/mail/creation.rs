//! The creation e-mail, a durable channel of the outbox (`run_channel`, cursor `mail`): the
//! first ORDER_STATUS event of an order that tells the end of its creation decides it. Sent
//! when the order was created with an `onSuccessUrl` and its creation ended neither FAILED,
//! DONE_WITH_WARNING nor ERROR; either way the order row records that it is decided, so that
//! a later status (a retry making a FAILED order RUNNING) sends nothing.
//!
//! A status PAUSED does not decide: an order paused while PENDING keeps PAUSED when its
//! creation ends, and its e-mail goes with its next status (RUNNING once resumed).
//!
//! Failures: while the SMTP server cannot take the e-mail (or the database cannot say or
//! record what is due), the channel's cursor stays before the event and the e-mail is tried
//! again after 1 s, doubling to 60 s; a warning is logged at the first failure of an e-mail
//! and a line once it is sent. Nothing is lost: the outbox keeps the event
//! (`events.retention_hours`). An e-mail the server refuses for good is logged as an error
//! and dropped. The order never waits for any of this.

use super::letters::Letters;
use super::smtp::{MailError, Mailer};
use crate::events::{ChannelHealth, Delivery, EventChannel, WeakEventFeed};
use async_trait::async_trait;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::{EventType, StoredEvent};
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::ports::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The channel's cursor name.
pub const CHANNEL: &str = "mail";
/// First wait after a failure; it doubles up to [`LONGEST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(60);

/// Sends the creation e-mails.
pub struct CreationMails {
    store: Arc<dyn Store>,
    mailer: Arc<Mailer>,
    letters: Arc<Letters>,
    failures: Mutex<Failures>,
    /// Where operators see the channel's health (`/admin/actors`, `/metrics`).
    feed: WeakEventFeed,
}

/// The e-mail now failing, for the backoff and for logging each failure once.
#[derive(Default)]
struct Failures {
    /// The event whose e-mail fails, and how many attempts failed.
    failing: Option<(i64, u32)>,
    /// Orders whose e-mail was sent but not recorded as decided (the database failed just
    /// after): not sent twice when the event is tried again.
    sent: HashSet<(Tenant, i64)>,
}

/// Why an event must be tried again.
struct Retry {
    why: String,
}

impl Retry {
    fn database(e: impl std::fmt::Display) -> Self {
        Retry {
            why: format!("database: {e}"),
        }
    }
}

impl CreationMails {
    /// The channel over `store`, sending with `mailer`; its health is shown with `feed`'s
    /// channels.
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<Mailer>,
        letters: Arc<Letters>,
        feed: WeakEventFeed,
    ) -> Self {
        Self {
            store,
            mailer,
            letters,
            failures: Mutex::new(Failures::default()),
            feed,
        }
    }

    /// Shows operators how the channel fares.
    fn tell_health(&self, health: ChannelHealth) {
        if let Some(feed) = self.feed.upgrade() {
            feed.lags().set_health(CHANNEL, health);
        }
    }

    /// Decides the creation e-mail `stored` may tell of.
    async fn handle(&self, stored: &StoredEvent) -> Result<(), Retry> {
        let event = &stored.event;
        if event.kind != EventType::OrderStatus
            || matches!(event.status, OrderStatus::Pending | OrderStatus::Paused)
        {
            return Ok(());
        }
        let notice = self
            .store
            .creation_notice(&event.tenant, event.order_id)
            .await
            .map_err(Retry::database)?;
        let Some(notice) = notice.filter(|n| !n.decided) else {
            return Ok(());
        };
        let due = notice.header.frontend_url.is_some()
            && !matches!(
                event.status,
                OrderStatus::Failed | OrderStatus::DoneWithWarning | OrderStatus::Error
            );
        let key = (event.tenant.clone(), event.order_id);
        if due && !self.lock().sent.contains(&key) {
            self.send(&event.tenant, &notice.header).await?;
            self.lock().sent.insert(key.clone());
        }
        self.store
            .creation_decided(&event.tenant, event.order_id)
            .await
            .map_err(Retry::database)?;
        self.lock().sent.remove(&key);
        Ok(())
    }

    /// Sends the creation e-mail of `header`'s order (a refusal for good is logged, and
    /// counts as decided).
    async fn send(
        &self,
        tenant: &Tenant,
        header: &regards_order_actors::domain::order::OrderHeader,
    ) -> Result<(), Retry> {
        let email = match self.letters.creation(tenant, header) {
            Ok(email) => email,
            Err(e) => {
                tracing::error!(order_id = header.id, error = %e, "creation e-mail not written");
                return Ok(());
            }
        };
        match self.mailer.send(&email).await {
            Ok(()) => {
                tracing::info!(order_id = header.id, tenant = %tenant, "creation e-mail sent");
                Ok(())
            }
            Err(MailError::Permanent(e)) => {
                tracing::error!(order_id = header.id, error = %e, "creation e-mail dropped");
                Ok(())
            }
            Err(MailError::Transient(why)) => Err(Retry { why }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding it cannot leave it inconsistent: take it anyway.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a failure of `event`'s e-mail: logged and shown at its first attempt; answers
    /// the wait.
    fn failed(&self, event: &StoredEvent, retry: &Retry) -> Duration {
        let mut failures = self.lock();
        let attempts = match failures.failing {
            Some((id, attempts)) if id == event.id => attempts + 1,
            _ => {
                tracing::warn!(
                    order_id = event.event.order_id,
                    event_id = event.id,
                    error = retry.why,
                    "creation e-mail not sent; it is tried again until it is"
                );
                // One connection per e-mail: nothing to tell of a connection kept.
                self.tell_health(ChannelHealth {
                    connected: None,
                    failing: 1,
                    last_error: Some(retry.why.clone()),
                });
                1
            }
        };
        failures.failing = Some((event.id, attempts));
        let wait = FIRST_RETRY.saturating_mul(1 << attempts.saturating_sub(1).min(6));
        wait.min(LONGEST_RETRY)
    }

    /// Notes that `event` went through; logs the end of its failures.
    fn succeeded(&self, event: &StoredEvent) {
        let mut failures = self.lock();
        if let Some((id, attempts)) = failures.failing
            && id == event.id
        {
            tracing::info!(
                order_id = event.event.order_id,
                attempts = attempts + 1,
                "creation e-mail went through after failures"
            );
            failures.failing = None;
            self.tell_health(ChannelHealth::default());
        }
    }
}

#[async_trait]
impl EventChannel for CreationMails {
    fn name(&self) -> String {
        CHANNEL.to_owned()
    }

    async fn deliver(&self, events: &[StoredEvent]) -> Delivery {
        for stored in events {
            match self.handle(stored).await {
                Ok(()) => self.succeeded(stored),
                Err(retry) => {
                    let retry_in = self.failed(stored, &retry);
                    return Delivery::UpTo {
                        id: stored.id - 1,
                        retry_in,
                    };
                }
            }
        }
        Delivery::Done
    }
}
