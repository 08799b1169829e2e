//! Webhooks: callbacks that receive order events by HTTP `POST`, each delivering in event id
//! order from a cursor of its own (the last event it is done with, the attempts of the next
//! one), so that a slow receiver holds back only itself.

use crate::domain::Tenant;
use crate::domain::events::{ALL_EVENT_TYPES, EventType};
use chrono::{DateTime, Utc};

/// Whose orders a callback hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookScope {
    /// The orders of the user who registered it.
    Owner,
    /// Every order of the tenant (registered by an ADMIN).
    Tenant,
}

impl WebhookScope {
    /// The stored and shown name (`USER`, `TENANT`).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookScope::Owner => "USER",
            WebhookScope::Tenant => "TENANT",
        }
    }

    /// The scope a stored name stands for.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "USER" => Some(WebhookScope::Owner),
            "TENANT" => Some(WebhookScope::Tenant),
            _ => None,
        }
    }
}

/// The key deliveries are signed with: never printed, never answered.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// A secret from its text (not blank).
    pub fn parse(text: &str) -> Option<Self> {
        (!text.trim().is_empty()).then(|| WebhookSecret(text.to_owned()))
    }

    /// The key itself, to sign with or to store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

/// The event types a callback asked for, stored as one comma-separated column.
pub fn types_to_text(types: &[EventType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The event types of a stored column (unknown names are skipped: a type removed by a later
/// version is no longer delivered).
pub fn types_from_text(text: &str) -> Vec<EventType> {
    text.split(',').filter_map(EventType::parse).collect()
}

/// Every type, in their declared order: what a callback gets when it names none.
pub fn every_type() -> Vec<EventType> {
    ALL_EVENT_TYPES.to_vec()
}

/// A callback to register.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub tenant: Tenant,
    /// Who registered it (its owner; for an owner-scoped callback, whose orders it hears of).
    pub owner: String,
    pub scope: WebhookScope,
    pub url: String,
    pub secret: WebhookSecret,
    pub types: Vec<EventType>,
}

/// Where a callback's delivery stands, stored in its row after each attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookCursor {
    /// The last event id the callback is done with (delivered, given up, or not its type).
    pub last_id: i64,
    /// Failed attempts of the next event.
    pub attempts: u32,
    /// When the next event is tried again, after a failure.
    pub next_attempt: Option<DateTime<Utc>>,
    /// The last failure (kept after a success, until the next failure replaces it).
    pub last_error: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Events given up after `webhooks.max_attempts` failed attempts, since registration.
    pub given_up: i64,
}

impl WebhookCursor {
    /// True while the callback's next event has failed and waits for a retry.
    pub fn failing(&self) -> bool {
        self.attempts > 0
    }
}

/// A registered callback.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: i64,
    pub tenant: Tenant,
    pub owner: String,
    pub scope: WebhookScope,
    pub url: String,
    pub secret: WebhookSecret,
    pub types: Vec<EventType>,
    pub created_at: DateTime<Utc>,
    pub cursor: WebhookCursor,
}

impl Webhook {
    /// True when events of `kind` are for this callback.
    pub fn wants(&self, kind: EventType) -> bool {
        self.types.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_survive_their_column() {
        let types = vec![EventType::OrderStatus, EventType::FilesAvailable];
        assert_eq!(types_from_text(&types_to_text(&types)), types);
        assert_eq!(types_from_text(&types_to_text(&every_type())), every_type());
        assert_eq!(
            types_from_text("ORDER_CREATED,GONE"),
            vec![EventType::OrderCreated]
        );
    }

    #[test]
    fn a_secret_is_never_printed() {
        let secret = WebhookSecret::parse("s3cret").unwrap_or_else(|| unreachable!());
        assert!(!format!("{secret:?}").contains("s3cret"));
        assert!(WebhookSecret::parse("  ").is_none());
    }
}
