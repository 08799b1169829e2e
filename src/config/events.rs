//! Settings of order events and their channels: the outbox, SSE, webhooks, e-mail, AMQP.

use serde::Deserialize;
use std::path::PathBuf;

/// The outbox and the live streams.
#[derive(Debug, Clone, Deserialize)]
pub struct EventSettings {
    /// Events older than this are pruned from the outbox.
    pub retention_hours: u64,
    /// A comment line is sent on idle SSE streams this often.
    pub heartbeat_secs: u64,
    /// SSE streams one user may hold at once; the next answers 429.
    pub max_streams_per_user: usize,
}

/// Webhook delivery.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    /// Attempts of one event before the callback gives it up.
    pub max_attempts: u32,
    /// Callbacks may target loopback and private addresses (tests, closed networks).
    pub allow_private_targets: bool,
    /// Wait before the first retry; it doubles with each failed attempt.
    pub first_retry_secs: u64,
    /// Longest wait of one delivery for the receiver's answer.
    pub timeout_secs: u64,
    /// Deliveries in flight at once, all callbacks together (each callback has one at most).
    pub max_parallel: usize,
    /// Callbacks one user (or one tenant's ADMINs together) may register.
    pub max_per_user: usize,
}

/// The SMTP server e-mails go through (no e-mail without it).
#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    /// `smtp://host:port` (plain), `smtps://` (TLS) or `smtp://…?tls=required` (STARTTLS).
    pub url: String,
    /// The sender address.
    pub from: String,
    /// Longest time one e-mail may take to send (connection included): past it, it is
    /// retried.
    #[serde(default = "defaults::smtp_timeout_secs")]
    pub timeout_secs: u64,
}

/// E-mail content and schedule.
#[derive(Debug, Clone, Deserialize)]
pub struct NotificationSettings {
    /// Folder whose template files replace the embedded defaults.
    pub templates_dir: Option<PathBuf>,
    /// When reminders are sent (cron with seconds, as the original's).
    pub reminder_cron: String,
}

/// The AMQP broker REGARDS services talk to (no AMQP without it).
#[derive(Debug, Clone, Deserialize)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost`.
    pub url: String,
    #[serde(default = "defaults::request_queue")]
    pub request_queue: String,
    #[serde(default = "defaults::cancel_queue")]
    pub cancel_queue: String,
    #[serde(default = "defaults::response_exchange")]
    pub response_exchange: String,
    /// Requests handed to the service before it acknowledges any (the broker's prefetch).
    #[serde(default = "defaults::prefetch")]
    pub prefetch: u16,
    /// The connection's name on the broker (management UI, `rabbitmqctl list_connections`).
    #[serde(default = "defaults::connection_name")]
    pub connection_name: String,
    /// Longest wait between two connection attempts (the wait doubles from 0.5 s up to it).
    #[serde(default = "defaults::reconnect_max_secs")]
    pub reconnect_max_secs: u64,
    /// A cancelled order that is still running is looked at this often until its
    /// retrievals have stopped…
    #[serde(default = "defaults::cancel_poll_millis")]
    pub cancel_poll_millis: u64,
    /// …at most this many times; then the cancellation fails.
    #[serde(default = "defaults::cancel_polls")]
    pub cancel_polls: u32,
}

impl AmqpSettings {
    /// Refuses what cannot work: a URL other than `amqp://` (no TLS stack is built in), an
    /// empty or over-long name, no cancellation poll.
    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if !self.url.starts_with("amqp://") {
            anyhow::bail!("amqp.url must start with amqp:// (amqps:// is not supported)");
        }
        let names = [
            &self.request_queue,
            &self.cancel_queue,
            &self.response_exchange,
            &self.connection_name,
        ];
        if names.iter().any(|n| n.is_empty() || n.len() > 255) {
            anyhow::bail!("amqp queue, exchange and connection names must hold 1 to 255 bytes");
        }
        if self.cancel_polls == 0 || self.cancel_poll_millis == 0 {
            anyhow::bail!("amqp.cancel_polls and amqp.cancel_poll_millis must be > 0");
        }
        Ok(())
    }
}

mod defaults {
    pub fn smtp_timeout_secs() -> u64 {
        30
    }
    pub fn request_queue() -> String {
        "regards.order.request".into()
    }
    pub fn cancel_queue() -> String {
        "regards.order.cancel".into()
    }
    pub fn response_exchange() -> String {
        "regards.order.response".into()
    }
    pub fn prefetch() -> u16 {
        16
    }
    pub fn connection_name() -> String {
        "regards-order".into()
    }
    pub fn reconnect_max_secs() -> u64 {
        30
    }
    /// The original's `regards.order.cancel.loop.duration`.
    pub fn cancel_poll_millis() -> u64 {
        5000
    }
    pub fn cancel_polls() -> u32 {
        20
    }
}
