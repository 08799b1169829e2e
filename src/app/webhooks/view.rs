//! What the API shows of a callback (never its secret), and the figures operators watch.

use chrono::{DateTime, Utc};
use regards_order_actors::domain::dates;
use regards_order_actors::domain::events::EventType;
use regards_order_actors::domain::webhook::Webhook;
use regards_order_actors::ports::WebhookBacklog;
use serde::Serialize;

/// A registered callback and where its delivery stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub types: Vec<EventType>,
    /// Who registered it.
    pub owner: String,
    /// `USER`: the owner's orders; `TENANT`: every order of the tenant.
    pub scope: String,
    /// The last event id it is done with (delivered, given up, or not of its types).
    pub last_event_id: i64,
    /// Failed attempts of its next event (0 when it is not failing).
    pub attempts: u32,
    /// When its next event is tried again, while it is failing.
    #[serde(with = "dates::optional")]
    #[schema(schema_with = dates::optional_schema)]
    pub next_attempt: Option<DateTime<Utc>>,
    /// The last failure (kept after a later success).
    pub last_error: Option<String>,
    #[serde(with = "dates::optional")]
    #[schema(schema_with = dates::optional_schema)]
    pub last_error_date: Option<DateTime<Utc>>,
    /// Events given up after `webhooks.max_attempts` attempts.
    pub given_up_events: i64,
    /// Events waiting for it.
    pub backlog: i64,
    #[serde(with = "dates::required")]
    pub creation_date: DateTime<Utc>,
}

impl WebhookView {
    /// The view of `webhook` with `backlog`.
    pub fn of(webhook: &Webhook, backlog: WebhookBacklog) -> Self {
        let cursor = &webhook.cursor;
        WebhookView {
            id: webhook.id,
            url: webhook.url.clone(),
            types: webhook.types.clone(),
            owner: webhook.owner.clone(),
            scope: webhook.scope.as_str().to_owned(),
            last_event_id: cursor.last_id,
            attempts: cursor.attempts,
            next_attempt: cursor.next_attempt,
            last_error: cursor.last_error.clone(),
            last_error_date: cursor.last_error_at,
            given_up_events: cursor.given_up,
            backlog: backlog.events,
            creation_date: webhook.created_at,
        }
    }
}

/// How webhook delivery stands, for `/admin/actors` and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookFigures {
    /// Registered callbacks.
    pub callbacks: u64,
    /// Callbacks whose next event has failed and waits for a retry.
    pub failing: u64,
    /// Events waiting, all callbacks together.
    pub backlog_events: u64,
    /// Age of the oldest event waiting, in seconds (0 when none waits).
    pub oldest_undelivered_secs: u64,
    /// Events given up since the callbacks were registered.
    pub given_up_events: u64,
}

impl WebhookFigures {
    /// Counts `webhook` with its `backlog`.
    pub fn add(&mut self, webhook: &Webhook, backlog: &WebhookBacklog, now: DateTime<Utc>) {
        self.callbacks += 1;
        if webhook.cursor.failing() {
            self.failing += 1;
        }
        self.backlog_events += u64::try_from(backlog.events).unwrap_or(0);
        self.given_up_events += u64::try_from(webhook.cursor.given_up).unwrap_or(0);
        if let Some(oldest) = backlog.oldest {
            let age = u64::try_from((now - oldest).num_seconds()).unwrap_or(0);
            self.oldest_undelivered_secs = self.oldest_undelivered_secs.max(age);
        }
    }
}
