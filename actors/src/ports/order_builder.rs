//! The creation port: turns an order's archived basket into dataset tasks, sub-orders and
//! files (the service implements it with its catalogue).

use crate::domain::Tenant;
use crate::domain::order::{DatasetTask, OrderFile, OrderHeader, SubOrder};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What creation computed for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreationPlan {
    pub tasks: Vec<DatasetTask>,
    pub suborders: Vec<SubOrder>,
    pub files: Vec<OrderFile>,
    pub expiration: DateTime<Utc>,
    /// Why the order is empty, when it has no dataset task.
    pub empty_message: String,
}

/// Why creation failed: the text becomes the order's message, the order FAILED.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CreationError {
    pub message: String,
    /// When the order expires anyway (now + sub-order duration).
    pub expiration: DateTime<Utc>,
    /// The database failed, not the order (busy, unreachable): creation is tried again later
    /// instead of failing the order.
    pub transient: bool,
}

/// Computes the content of new orders.
#[async_trait]
pub trait OrderBuilder: Send + Sync {
    /// The plan of `header`'s order, from the basket archived for it.
    async fn plan(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
    ) -> Result<CreationPlan, CreationError>;
}
