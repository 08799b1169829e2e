//! The reminders of files waiting for their owner, on the schedule `notifications.reminder_cron`
//! (seconds first, UTC): the orders with available files, neither PENDING, DELETED, FAILED
//! nor EXPIRED, whose files last grew (or whose owner was last reminded) more than the
//! tenant's `delayBeforeEmailNotification` hours ago; one e-mail per owner (and tenant)
//! listing them, after which their date is now.
//!
//! Failures: an owner whose e-mail the SMTP server does not take keeps his orders' dates, so
//! the next run reminds him; a run the database fails is skipped. Either is logged when it
//! starts failing and when it works again, not at every run.

use super::letters::Letters;
use super::smtp::{MailError, Mailer};
use crate::config::OrderSettings;
use crate::events::WeakEventFeed;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::{Store, StoreResult};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRun {
    /// E-mails sent.
    pub sent: usize,
    /// Owners whose e-mail waits for the next run.
    pub failed: usize,
}

/// Sends the reminders.
pub struct Reminders {
    store: Arc<dyn Store>,
    mailer: Arc<Mailer>,
    letters: Arc<Letters>,
    /// The configuration's order settings: each tenant's defaults.
    orders: OrderSettings,
    /// The last run failed (logged once until one works).
    failing: AtomicBool,
}

/// Parses a cron expression with seconds (`sec min hour day-of-month month day-of-week`).
pub fn schedule(expression: &str) -> anyhow::Result<cron::Schedule> {
    cron::Schedule::from_str(expression).map_err(|e| {
        anyhow::anyhow!("notifications.reminder_cron '{expression}' is not a cron expression: {e}")
    })
}

impl Reminders {
    /// Reminders of `store`'s orders, sent with `mailer`.
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<Mailer>,
        letters: Arc<Letters>,
        orders: OrderSettings,
    ) -> Self {
        Self {
            store,
            mailer,
            letters,
            orders,
            failing: AtomicBool::new(false),
        }
    }

    /// Runs at each time of `schedule` while `feed` lives (the service runs).
    pub fn spawn(
        self: Arc<Self>,
        schedule: cron::Schedule,
        feed: WeakEventFeed,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            // The next time after now, each time: a run longer than the schedule's step
            // skips the times it overran instead of running them back to back.
            while let Some(next) = schedule.upcoming(Utc).next() {
                let wait = (next - Utc::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                if feed.upgrade().is_none() {
                    return;
                }
                self.run_once(Utc::now()).await;
            }
        })
    }

    /// Reminds every owner with orders waiting at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> ReminderRun {
        let mut run = ReminderRun::default();
        let mut first_error = None;
        match self.store.tenants_with_available_files().await {
            Ok(tenants) => {
                for tenant in tenants {
                    if let Err(e) = self
                        .remind_tenant(&tenant, now, &mut run, &mut first_error)
                        .await
                    {
                        run.failed += 1;
                        first_error.get_or_insert(format!("database: {e}"));
                    }
                }
            }
            Err(e) => {
                run.failed += 1;
                first_error = Some(format!("database: {e}"));
            }
        }
        self.log(run, first_error);
        run
    }

    /// Reminds the owners of `tenant`'s waiting orders.
    async fn remind_tenant(
        &self,
        tenant: &Tenant,
        now: DateTime<Utc>,
        run: &mut ReminderRun,
        first_error: &mut Option<String>,
    ) -> StoreResult<()> {
        let settings =
            crate::orders::settings::effective(self.store.as_ref(), tenant, &self.orders).await?;
        let waiting = self
            .store
            .waiting_orders(tenant, now - settings.reminder_delay)
            .await?;
        for orders in waiting.chunk_by(|a, b| a.header.owner == b.header.owner) {
            let owner = &orders[0].header.owner;
            let email = self.letters.reminder(tenant, owner, orders);
            match self.mailer.send(&email).await {
                Ok(()) => {}
                Err(MailError::Permanent(e)) => {
                    // Retrying cannot help; the dates move on so that it is not tried daily.
                    tracing::error!(owner = %owner, error = %e, "reminder dropped");
                }
                Err(MailError::Transient(e)) => {
                    run.failed += 1;
                    first_error.get_or_insert(e);
                    continue;
                }
            }
            let ids: Vec<i64> = orders.iter().map(|o| o.header.id).collect();
            self.store.reminded(tenant, &ids, now).await?;
            run.sent += 1;
        }
        Ok(())
    }

    /// Logs a run that failed after one that worked, and the reverse.
    fn log(&self, run: ReminderRun, first_error: Option<String>) {
        match first_error {
            Some(error) if !self.failing.swap(true, Ordering::Relaxed) => tracing::warn!(
                failed = run.failed,
                sent = run.sent,
                error,
                "reminders not all sent; the next runs try again"
            ),
            Some(_) => {}
            None if self.failing.swap(false, Ordering::Relaxed) => {
                tracing::info!(sent = run.sent, "reminders sent again");
            }
            None if run.sent > 0 => tracing::info!(sent = run.sent, "reminders sent"),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_schedule_and_every_second_parse() {
        let Ok(weekdays) = schedule("0 0 7 * * MON-FRI") else {
            panic!("the default parses")
        };
        let Some(next) = weekdays.upcoming(Utc).next() else {
            panic!("a next time")
        };
        assert_eq!(next.format("%H:%M:%S").to_string(), "07:00:00");
        assert!(schedule("* * * * * *").is_ok());
        assert!(schedule("every day").is_err());
    }
}
