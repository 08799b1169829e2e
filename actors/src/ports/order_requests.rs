//! Order requests received by message (AMQP): each (tenant, correlation id) is handled once.
//! The request is recorded before its order is created, its answer once decided, and the
//! broker's confirmation of that answer; a redelivered request finds all three.

use crate::domain::Tenant;
use crate::ports::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequestRecord {
    pub correlation_id: String,
    /// The user the order is made for.
    pub owner: String,
    /// The order created, once it is.
    pub order_id: Option<i64>,
    /// The GRANTED or DENIED answer (JSON), once decided.
    pub response: Option<String>,
    /// The broker confirmed the answer.
    pub answer_sent: bool,
    /// When the request was first received.
    pub received_at: DateTime<Utc>,
}

#[async_trait]
pub trait OrderRequestLog: Send + Sync {
    /// Records a new request of `owner`; answers the record of the same correlation id when
    /// the tenant has one already (nothing is written then).
    async fn claim_order_request(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
        owner: &str,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Option<OrderRequestRecord>>;

    /// Stores the request's answer and the order it created, if any.
    async fn record_order_answer(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
        order_id: Option<i64>,
        response: &str,
    ) -> StoreResult<()>;

    /// Records that the broker confirmed the request's answer.
    async fn mark_order_answer_sent(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
    ) -> StoreResult<()>;

    /// The order of `owner` carrying this correlation id (an order committed by an attempt
    /// that stopped before recording its answer).
    async fn order_with_correlation(
        &self,
        tenant: &Tenant,
        owner: &str,
        correlation_id: &str,
    ) -> StoreResult<Option<i64>>;

    /// The request order `order_id` was created for, when it came by message. Found through
    /// the order's correlation id, so an order whose answer is not yet recorded is found.
    async fn request_of_order(
        &self,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<Option<OrderRequestRecord>>;

    /// Forgets requests received before `before` that need nothing more: answered, the answer
    /// confirmed by the broker, and no order (DENIED) or an order that no longer runs (its
    /// last answers come from events, kept as long). Answers how many went.
    async fn prune_order_requests(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
