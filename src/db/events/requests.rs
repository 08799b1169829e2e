//! `OrderRequestLog` on this backend: the order requests received over AMQP.

use super::SqlStore;
use crate::db::errors::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::{OrderRequestLog, OrderRequestRecord, StoreResult};

/// A request row: correlation id, owner, order id, response, answer sent, received at.
type RequestRow = (
    String,
    String,
    Option<i64>,
    Option<String>,
    bool,
    DateTime<Utc>,
);

fn record(
    (correlation_id, owner, order_id, response, answer_sent, received_at): RequestRow,
) -> OrderRequestRecord {
    OrderRequestRecord {
        correlation_id,
        owner,
        order_id,
        response,
        answer_sent,
        received_at,
    }
}

#[async_trait]
impl OrderRequestLog for SqlStore {
    async fn claim_order_request(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
        owner: &str,
        received_at: DateTime<Utc>,
    ) -> StoreResult<Option<OrderRequestRecord>> {
        let inserted = sqlx::query(
            "INSERT INTO amqp_requests (tenant, correlation_id, owner, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, correlation_id) DO NOTHING",
        )
        .bind(tenant.as_str())
        .bind(correlation_id)
        .bind(owner)
        .bind(received_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        if inserted.rows_affected() == 1 {
            return Ok(None);
        }
        let row: Option<RequestRow> = sqlx::query_as(
            "SELECT correlation_id, owner, order_id, response, answer_sent, received_at \
             FROM amqp_requests \
             WHERE tenant = $1 AND correlation_id = $2",
        )
        .bind(tenant.as_str())
        .bind(correlation_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(record))
    }

    async fn record_order_answer(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
        order_id: Option<i64>,
        response: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE amqp_requests SET order_id = $3, response = $4 \
             WHERE tenant = $1 AND correlation_id = $2",
        )
        .bind(tenant.as_str())
        .bind(correlation_id)
        .bind(order_id)
        .bind(response)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn mark_order_answer_sent(
        &self,
        tenant: &Tenant,
        correlation_id: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE amqp_requests SET answer_sent = TRUE \
             WHERE tenant = $1 AND correlation_id = $2",
        )
        .bind(tenant.as_str())
        .bind(correlation_id)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn order_with_correlation(
        &self,
        tenant: &Tenant,
        owner: &str,
        correlation_id: &str,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT MIN(id) FROM orders WHERE tenant = $1 AND owner = $2 AND correlation_id = $3",
        )
        .bind(tenant.as_str())
        .bind(owner)
        .bind(correlation_id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn request_of_order(
        &self,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<Option<OrderRequestRecord>> {
        // The request's order id is set once its answer is recorded; until then the order's
        // correlation id finds it (the row is written before the order is created).
        let row: Option<RequestRow> = sqlx::query_as(
            "SELECT r.correlation_id, r.owner, r.order_id, r.response, r.answer_sent, \
                    r.received_at \
             FROM orders o JOIN amqp_requests r \
               ON r.tenant = o.tenant AND r.correlation_id = o.correlation_id \
                  AND r.owner = o.owner \
             WHERE o.tenant = $1 AND o.id = $2 AND (r.order_id IS NULL OR r.order_id = o.id)",
        )
        .bind(tenant.as_str())
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(row.map(record))
    }

    async fn prune_order_requests(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM amqp_requests \
             WHERE received_at < $1 AND answer_sent AND NOT EXISTS ( \
                 SELECT 1 FROM orders o \
                 WHERE o.tenant = amqp_requests.tenant AND o.id = amqp_requests.order_id \
                   AND o.status IN ('PENDING', 'RUNNING', 'PAUSED'))",
        )
        .bind(before)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
