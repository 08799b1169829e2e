//! What the e-mails of orders need from the database: whether an order's creation e-mail was
//! decided, and the orders whose available files wait for their owner (the reminders).

use crate::domain::Tenant;
use crate::domain::order::OrderHeader;
use crate::ports::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An order as the creation e-mail needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreationNotice {
    pub header: OrderHeader,
    /// The creation e-mail was sent already, or found not due.
    pub decided: bool,
}

/// An order with files waiting for its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingOrder {
    pub header: OrderHeader,
    /// When its available files last grew or its owner was last reminded of them.
    pub available_update_date: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// The order and whether its creation e-mail is decided; None when it is gone.
    async fn creation_notice(
        &self,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<Option<CreationNotice>>;

    /// Records that the order's creation e-mail is decided (sent, or not due).
    async fn creation_decided(&self, tenant: &Tenant, order_id: i64) -> StoreResult<()>;

    /// The tenants having orders with available files.
    async fn tenants_with_available_files(&self) -> StoreResult<Vec<Tenant>>;

    /// The orders of `tenant` with available files, neither PENDING, DELETED, FAILED nor
    /// EXPIRED, whose files last grew (or whose owner was last reminded) before `before`,
    /// by owner then id.
    async fn waiting_orders(
        &self,
        tenant: &Tenant,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<WaitingOrder>>;

    /// Records that the owner of these orders was reminded of them at `at`.
    async fn reminded(
        &self,
        tenant: &Tenant,
        order_ids: &[i64],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
