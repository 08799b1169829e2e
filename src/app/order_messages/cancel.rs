//! Cancel requests: a PENDING or RUNNING order is paused, then deleted once its retrievals
//! have stopped (the original's 20 looks, 5 s apart); any other order not yet DELETED is
//! deleted at once. Nothing is published when the order is cancelled; a cancellation that
//! cannot be done is answered FAILED with why (the original set the order's status to
//! ERROR with that message instead).

use super::IncomingMessage;
use super::messages::ResponseStatus::Failed;
use super::messages::{CancelRequestMessage, OrderResponse, Reply, ResponseErrorType as Error};
use super::{OrderMessageService, is_transient};
use crate::app::{AppError, AppResult, Requester, Role};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::engine::EngineError;

/// Who cancels: the service itself, with the rights of the tenant's administrators (it
/// reads and manages any order of the tenant).
fn service_admin(tenant: &Tenant, request_id: &str) -> Requester {
    Requester {
        tenant: tenant.clone(),
        email: "regards-order@amqp".into(),
        role: Role::ProjectAdmin,
        request_id: request_id.into(),
    }
}

impl OrderMessageService {
    /// Cancels the order the request names: None once it is deleted, the FAILED answer when
    /// it cannot be. Errors are the database's or the engine's unavailability: the request
    /// is to be handled again later (cancelling again is harmless).
    pub async fn cancel_request(&self, message: &IncomingMessage) -> AppResult<Option<Reply>> {
        let routing_key = message.tenant.clone().unwrap_or_default();
        let failed = |correlation_id: String, order_id: Option<i64>, kind, why: String| {
            tracing::warn!(tenant = %routing_key, correlation_id, order_id, why, "order not cancelled");
            Some(Reply {
                routing_key: routing_key.clone(),
                response: OrderResponse {
                    order_id,
                    ..OrderResponse::refused(Failed, correlation_id, kind, why)
                },
                recorded: None,
            })
        };
        let request: CancelRequestMessage = match serde_json::from_slice(&message.body) {
            Ok(request) => request,
            Err(e) => {
                let correlation_id =
                    message.correlation_id(message.body_correlation_id().as_deref());
                let why = format!("the message is not a cancel request: {e}");
                return Ok(failed(correlation_id, None, Error::InvalidContent, why));
            }
        };
        let correlation_id = message.correlation_id(request.correlation_id.as_deref());
        let order_id = request.order_id;
        let tenant = match message.tenant.as_deref().map(Tenant::parse) {
            Some(Ok(tenant)) => tenant,
            _ => {
                let why = "no valid tenant in header regards.tenant".to_owned();
                return Ok(failed(
                    correlation_id,
                    Some(order_id),
                    Error::Forbidden,
                    why,
                ));
            }
        };
        let admin = service_admin(&tenant, &format!("amqp-cancel:{correlation_id}"));
        match self.cancel(&admin, order_id).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, correlation_id, order_id, "order cancelled");
                Ok(None)
            }
            Err(e) if is_transient(&e) => Err(e),
            Err(AppError::NotFound(_) | AppError::Engine(EngineError::NotFound)) => {
                let why = format!("no order {order_id} in tenant {tenant}");
                Ok(failed(
                    correlation_id,
                    Some(order_id),
                    Error::InvalidContent,
                    why,
                ))
            }
            Err(e) => {
                let why = format!("the order cannot be cancelled: {e}");
                Ok(failed(
                    correlation_id,
                    Some(order_id),
                    Error::InternalError,
                    why,
                ))
            }
        }
    }

    /// Pauses the order if it runs, waits for its retrievals to stop, deletes it.
    async fn cancel(&self, admin: &Requester, order_id: i64) -> AppResult<()> {
        let order = self.orders.get(admin, order_id).await?;
        match order.header.status {
            OrderStatus::Deleted => return Ok(()),
            OrderStatus::Pending | OrderStatus::Running => {
                self.orders.pause(admin, order_id).await?;
                self.wait_paused(admin, order_id).await?;
            }
            OrderStatus::Paused => self.wait_paused(admin, order_id).await?,
            _ => {}
        }
        match self.orders.delete(admin, order_id).await {
            // A cancellation of the same order running meanwhile (a redelivery) deleted it.
            Err(AppError::Engine(EngineError::Refused(_)))
                if self.orders.get(admin, order_id).await?.header.status
                    == OrderStatus::Deleted =>
            {
                Ok(())
            }
            done => done,
        }
    }

    /// Waits until the paused order's retrievals have stopped, within the bounded wait.
    async fn wait_paused(&self, admin: &Requester, order_id: i64) -> AppResult<()> {
        for _ in 0..self.cancel_wait.polls {
            let order = self.orders.get(admin, order_id).await?;
            if order.effectively_paused || order.header.status != OrderStatus::Paused {
                return Ok(());
            }
            tokio::time::sleep(self.cancel_wait.poll).await;
        }
        Err(AppError::Conflict(format!(
            "its retrievals did not stop within {} × {:?}",
            self.cancel_wait.polls, self.cancel_wait.poll
        )))
    }
}
