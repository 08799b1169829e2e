//! Order events: what the outbox holds and every channel (SSE, webhooks, e-mail, AMQP)
//! delivers. One shape everywhere; the id is the outbox's, given at commit.

use crate::domain::Tenant;
use crate::domain::dates;
use crate::domain::order::{OrderHeader, OrderStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Files becoming available are told at most this often per order (the last count is
/// always told: a deferred change is written once the delay has passed).
pub const FILES_AVAILABLE_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// What happened to an order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    OrderCreated,
    OrderStatus,
    SuborderDone,
    FilesAvailable,
    OrderExpired,
    OrderDeleted,
}

pub const ALL_EVENT_TYPES: [EventType; 6] = [
    EventType::OrderCreated,
    EventType::OrderStatus,
    EventType::SuborderDone,
    EventType::FilesAvailable,
    EventType::OrderExpired,
    EventType::OrderDeleted,
];

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderCreated => "ORDER_CREATED",
            EventType::OrderStatus => "ORDER_STATUS",
            EventType::SuborderDone => "SUBORDER_DONE",
            EventType::FilesAvailable => "FILES_AVAILABLE",
            EventType::OrderExpired => "ORDER_EXPIRED",
            EventType::OrderDeleted => "ORDER_DELETED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ALL_EVENT_TYPES.into_iter().find(|t| t.as_str() == text)
    }
}

/// An event as written in the outbox (its id is given by the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderEvent {
    /// Unique per event: writing a batch twice (a retried commit) stores it once.
    #[serde(skip)]
    pub key: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub tenant: Tenant,
    pub order_id: i64,
    pub owner: String,
    pub label: String,
    pub status: OrderStatus,
    pub percent_completed: i32,
    pub available_files_count: i32,
    pub files_in_error_count: i32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sub_order_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub total_sub_orders: Option<i64>,
    #[serde(with = "dates::required")]
    pub date: DateTime<Utc>,
}

impl OrderEvent {
    /// An event of `kind` showing the order as `header` says.
    pub fn of(
        kind: EventType,
        key: String,
        tenant: &Tenant,
        header: &OrderHeader,
        now: DateTime<Utc>,
    ) -> Self {
        OrderEvent {
            key,
            kind,
            tenant: tenant.clone(),
            order_id: header.id,
            owner: header.owner.clone(),
            label: header.label.clone(),
            status: header.status,
            percent_completed: header.percent_completed,
            available_files_count: header.available_count,
            files_in_error_count: header.files_in_error,
            sub_order_id: None,
            total_sub_orders: None,
            date: dates::truncate(now),
        }
    }

    /// With the sub-order it is about.
    pub fn for_suborder(mut self, sub_order_id: i64, total_sub_orders: i64) -> Self {
        self.sub_order_id = Some(sub_order_id);
        self.total_sub_orders = Some(total_sub_orders);
        self
    }
}

/// An event read back from the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: OrderEvent,
}

impl StoredEvent {
    /// The event's JSON, as every channel sends it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Gives events unique keys: the order id, a value unique to this life of the actor, and a
/// counter (formatted only when an event is made: an idle actor holds 24 bytes).
#[derive(Debug, Clone)]
pub struct EventKeys {
    order_id: i64,
    life: u64,
    next: u64,
}

impl EventKeys {
    pub fn new(order_id: i64, life: u64) -> Self {
        EventKeys {
            order_id,
            life,
            next: 0,
        }
    }

    /// Keys for a new life of an order's actor: never the same as an earlier life's, in
    /// this process or an earlier one (the clock moved on since).
    pub fn new_life(order_id: i64) -> Self {
        static LIVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = LIVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        Self::new(order_id, now.wrapping_add(count))
    }

    pub fn next_key(&mut self) -> String {
        self.next += 1;
        format!("{}-{:x}-{}", self.order_id, self.life, self.next)
    }
}

/// What the outbox last told of an order, to find what a new header tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBasis {
    pub status: OrderStatus,
    pub available_count: i32,
    /// When FILES_AVAILABLE was last written.
    pub files_told_at: Option<DateTime<Utc>>,
    /// A change of available files not told yet (too soon after the last one).
    pub files_deferred: bool,
}

impl EventBasis {
    /// The basis of an order as stored: what its events already told.
    pub fn of(header: &OrderHeader) -> Self {
        EventBasis {
            status: header.status,
            available_count: header.available_count,
            files_told_at: None,
            files_deferred: false,
        }
    }

    /// The events `header` tells against what was told before; the basis moves on.
    /// A status change is told at once (ORDER_DELETED / ORDER_EXPIRED for those
    /// statuses); more available files at most once per `FILES_AVAILABLE_EVERY`, or
    /// with a status change.
    pub fn diff(
        &mut self,
        tenant: &Tenant,
        header: &OrderHeader,
        now: DateTime<Utc>,
        keys: &mut EventKeys,
    ) -> Vec<OrderEvent> {
        let mut events = Vec::new();
        let status_changed = header.status != self.status;
        if status_changed {
            let kind = match header.status {
                OrderStatus::Deleted => EventType::OrderDeleted,
                OrderStatus::Expired => EventType::OrderExpired,
                _ => EventType::OrderStatus,
            };
            events.push(OrderEvent::of(kind, keys.next_key(), tenant, header, now));
            self.status = header.status;
        }
        let more_files = header.available_count > self.available_count;
        if header.available_count < self.available_count {
            // Downloads or a deletion: nothing became available.
            self.available_count = header.available_count;
            self.files_deferred = false;
        } else if more_files {
            let due = self
                .files_told_at
                .is_none_or(|at| now - at >= FILES_AVAILABLE_EVERY);
            if due || status_changed {
                events.push(OrderEvent::of(
                    EventType::FilesAvailable,
                    keys.next_key(),
                    tenant,
                    header,
                    now,
                ));
                self.available_count = header.available_count;
                self.files_told_at = Some(now);
                self.files_deferred = false;
            } else {
                self.files_deferred = true;
            }
        }
        events
    }

    /// How long until a deferred FILES_AVAILABLE may be written.
    pub fn deferred_for(&self, now: DateTime<Utc>) -> Option<std::time::Duration> {
        if !self.files_deferred {
            return None;
        }
        let at = self.files_told_at?;
        let left = (at + FILES_AVAILABLE_EVERY - now)
            .to_std()
            .unwrap_or(std::time::Duration::ZERO);
        Some(left)
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
