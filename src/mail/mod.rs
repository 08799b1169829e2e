//! E-mails of orders, as the original sends them (REGARDS-REFERENCE §2.10): the creation
//! e-mail (a durable channel of the outbox, `creation.rs`) and the reminders of files waiting
//! for their owner (a schedule, `reminders.rs`), written from templates (`templates.rs`,
//! `letters.rs`) and sent over SMTP (`smtp.rs`). Without `[smtp]` nothing is sent.
//!
//! A mail failure never touches an order: the creation e-mail waits in the outbox and the
//! reminder in the order rows until the SMTP server takes them.

pub mod creation;
pub mod letters;
pub mod reminders;
pub mod smtp;
pub mod templates;

pub use creation::CreationMails;
pub use letters::Letters;
pub use reminders::{ReminderRun, Reminders};
pub use smtp::{Email, MailError, Mailer};
pub use templates::{TemplateName, Templates};

use crate::auth::OrderTokenCodec;
use crate::config::Settings;
use crate::events::{EventFeed, run_channel};
use std::sync::Arc;

/// Starts the creation e-mails and the reminders when `[smtp]` is configured; answers the
/// reminders (None without `[smtp]`). Fails on an invalid `[smtp]`, template or schedule.
pub fn start(
    settings: &Settings,
    feed: &EventFeed,
    public_url: String,
) -> anyhow::Result<Option<Arc<Reminders>>> {
    let Some(smtp) = &settings.smtp else {
        tracing::info!("no [smtp]: no e-mail is sent");
        return Ok(None);
    };
    let mailer = Arc::new(Mailer::new(smtp)?);
    let templates = Templates::load(settings.notifications.templates_dir.as_deref())?;
    let schedule = reminders::schedule(&settings.notifications.reminder_cron)?;
    let letters = Arc::new(Letters::new(
        templates,
        public_url,
        OrderTokenCodec::new(&settings.auth.order_secret),
    ));
    let store = feed.store().clone();
    run_channel(
        feed,
        Arc::new(CreationMails::new(
            store.clone(),
            mailer.clone(),
            letters.clone(),
            feed.downgrade(),
        )),
    );
    let reminders = Arc::new(Reminders::new(
        store,
        mailer,
        letters,
        settings.orders.clone(),
    ));
    reminders.clone().spawn(schedule, feed.downgrade());
    tracing::info!(
        cron = %settings.notifications.reminder_cron,
        "e-mails: creation e-mails from the outbox, reminders on schedule"
    );
    Ok(Some(reminders))
}
