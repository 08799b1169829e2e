//! The answers that follow an order requested by message, from the outbox's events: one
//! SUBORDER_DONE per sub-order ready, then DONE, or FAILED (with the download link when some
//! files are ready), as the original's `OrderResponseDtoEvent`s.

use super::OrderMessageService;
use super::messages::ResponseStatus::{Done, Failed, SuborderDone};
use super::messages::{OrderResponse, Reply, ResponseErrorType};
use crate::app::AppResult;
use regards_order_actors::domain::events::{EventType, OrderEvent};
use regards_order_actors::domain::order::OrderStatus;

/// Longest wait of an order's answers for its request's GRANTED answer.
const GRANT_WAIT_LIMIT: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// What an event asks of the message channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    /// Nothing: the event is not about an order requested by message, or tells nothing its
    /// requester is told.
    Nothing,
    /// This answer is to be published.
    Publish(Reply),
    /// The order's GRANTED answer is not yet confirmed by the broker: the answers that follow
    /// wait for it, so that the requester hears of the order first.
    NotYet,
}

impl OrderMessageService {
    /// What `event` asks of the message channel.
    pub async fn follow_up(&self, event: &OrderEvent) -> AppResult<FollowUp> {
        let Some(status) = told_status(event) else {
            return Ok(FollowUp::Nothing);
        };
        let Some(request) = self
            .store
            .request_of_order(&event.tenant, event.order_id)
            .await?
        else {
            return Ok(FollowUp::Nothing);
        };
        if request.response.is_some() && request.order_id != Some(event.order_id) {
            // The request was denied: this order of the same user and correlation id was
            // made otherwise (REST).
            return Ok(FollowUp::Nothing);
        }
        if request.response.is_none() || !request.answer_sent {
            // A request taken off its queue by hand would hold every later answer forever.
            if chrono::Utc::now() - request.received_at < GRANT_WAIT_LIMIT {
                return Ok(FollowUp::NotYet);
            }
            tracing::warn!(
                tenant = %event.tenant, order_id = event.order_id,
                correlation_id = request.correlation_id,
                "the order's request was never answered; its order's answers go without it"
            );
        }
        let mut response = OrderResponse {
            order_id: Some(event.order_id),
            ..OrderResponse::new(status, request.correlation_id)
        };
        let errors = i64::from(event.files_in_error_count);
        match status {
            SuborderDone => {
                response.download_link = Some(self.download_link(event.order_id));
                response.sub_order_id = event.sub_order_id;
                response.total_sub_orders = event.total_sub_orders;
                response.errors = Some(errors);
                if errors > 0 {
                    response.error_type = Some(ResponseErrorType::InternalError);
                }
            }
            Done => response.download_link = Some(self.download_link(event.order_id)),
            _ => {
                response.error_type = Some(ResponseErrorType::InternalError);
                response.errors = Some(errors);
                if event.status == OrderStatus::DoneWithWarning {
                    response.download_link = Some(self.download_link(event.order_id));
                    response.message = Some("some files of the order are in error".into());
                } else {
                    response.message = Some("the order failed".into());
                }
            }
        }
        Ok(FollowUp::Publish(Reply {
            routing_key: event.tenant.to_string(),
            response,
            recorded: None,
        }))
    }
}

/// The status an event tells the requester, if any: SUBORDER_DONE for a sub-order ready;
/// at the end, DONE for DONE, FAILED for DONE_WITH_WARNING and FAILED.
fn told_status(event: &OrderEvent) -> Option<super::ResponseStatus> {
    match (event.kind, event.status) {
        (EventType::SuborderDone, _) => Some(SuborderDone),
        (EventType::OrderStatus, OrderStatus::Done) => Some(Done),
        (EventType::OrderStatus, OrderStatus::DoneWithWarning | OrderStatus::Failed) => {
            Some(Failed)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::order_messages::ResponseStatus;
    use regards_order_actors::domain::Tenant;

    fn event(kind: EventType, status: OrderStatus) -> OrderEvent {
        OrderEvent {
            key: "k".into(),
            kind,
            tenant: Tenant::parse("t").expect("tenant"),
            order_id: 1,
            owner: "o".into(),
            label: "l".into(),
            status,
            percent_completed: 0,
            available_files_count: 0,
            files_in_error_count: 0,
            sub_order_id: None,
            total_sub_orders: None,
            date: chrono::Utc::now(),
        }
    }

    #[test]
    fn only_ready_suborders_and_final_statuses_are_told() {
        let told = |kind, status| told_status(&event(kind, status));
        assert_eq!(
            told(EventType::SuborderDone, OrderStatus::Running),
            Some(ResponseStatus::SuborderDone)
        );
        assert_eq!(
            told(EventType::OrderStatus, OrderStatus::Done),
            Some(ResponseStatus::Done)
        );
        for status in [OrderStatus::DoneWithWarning, OrderStatus::Failed] {
            assert_eq!(
                told(EventType::OrderStatus, status),
                Some(ResponseStatus::Failed)
            );
        }
        for status in [
            OrderStatus::Running,
            OrderStatus::Paused,
            OrderStatus::Pending,
        ] {
            assert_eq!(told(EventType::OrderStatus, status), None);
        }
        for kind in [
            EventType::OrderCreated,
            EventType::FilesAvailable,
            EventType::OrderDeleted,
            EventType::OrderExpired,
        ] {
            assert_eq!(told(kind, OrderStatus::Done), None);
        }
    }
}
