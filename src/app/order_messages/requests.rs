//! Order requests: checked, recorded once per (tenant, correlation id), made into an
//! automatic order for the user they name, answered GRANTED or DENIED. A redelivered request
//! creates nothing and gets the answer recorded the first time.

use super::messages::ResponseStatus::{Denied, Granted};
use super::messages::{OrderRequestMessage, OrderResponse, Reply, ResponseErrorType as Error};
use super::{OrderMessageService, is_transient};
use crate::app::orders::{Applied, AutomaticOrder, MAX_CORRELATION_ID};
use crate::app::{AppError, AppResult, Requester, Role};
use chrono::Utc;
use regards_order_actors::domain::{FileSelectionDescription, Tenant};
use regards_order_actors::ports::OrderRequestRecord;

/// Longest user name (the original's owner column).
const MAX_USER: usize = 128;

/// A message as the broker delivered it.
#[derive(Debug, Clone, Default)]
pub struct IncomingMessage {
    /// The `regards.tenant` header.
    pub tenant: Option<String>,
    /// The message's `correlation_id` property, then its `message_id`: the correlation id
    /// of a request whose body has none (a redelivery keeps it).
    pub correlation_property: Option<String>,
    /// The message's content (JSON expected).
    pub body: Vec<u8>,
}

impl IncomingMessage {
    /// The correlation id of an answer to this message: the body's, else the property's,
    /// else a generated one.
    pub(super) fn correlation_id(&self, from_body: Option<&str>) -> String {
        from_body
            .or(self.correlation_property.as_deref())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("auto-correlation-id-{}", uuid::Uuid::new_v4()))
    }

    /// The correlation id the body names, even when the rest of the body is unusable.
    pub(super) fn body_correlation_id(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        value.get("correlationId")?.as_str().map(str::to_owned)
    }
}

impl OrderMessageService {
    /// Answers an order request, creating its order when it is granted. Errors are the
    /// database's or the engine's unavailability: the request is to be handled again later.
    pub async fn order_request(&self, message: &IncomingMessage) -> AppResult<Reply> {
        let routing_key = message.tenant.clone().unwrap_or_default();
        let unrecorded = |response| Reply {
            routing_key: routing_key.clone(),
            response,
            recorded: None,
        };
        let tenant = match message.tenant.as_deref().map(Tenant::parse) {
            Some(Ok(tenant)) => tenant,
            Some(Err(e)) => {
                let correlation_id =
                    message.correlation_id(message.body_correlation_id().as_deref());
                let why = format!("invalid tenant in header regards.tenant: {e}");
                return Ok(unrecorded(denied(correlation_id, Error::Forbidden, why)));
            }
            None => {
                let correlation_id =
                    message.correlation_id(message.body_correlation_id().as_deref());
                let why = "no tenant: the header regards.tenant is missing";
                return Ok(unrecorded(denied(correlation_id, Error::Forbidden, why)));
            }
        };
        let request: OrderRequestMessage = match serde_json::from_slice(&message.body) {
            Ok(request) => request,
            Err(e) => {
                let correlation_id =
                    message.correlation_id(message.body_correlation_id().as_deref());
                let why = format!("the message is not an order request: {e}");
                return Ok(unrecorded(denied(
                    correlation_id,
                    Error::InvalidContent,
                    why,
                )));
            }
        };
        let correlation_id = message.correlation_id(request.correlation_id.as_deref());
        let user = match request.user.as_deref().map(str::trim) {
            Some(user) if !user.is_empty() && user.chars().count() <= MAX_USER => user.to_owned(),
            Some(user) if !user.is_empty() => {
                let why = format!("user is longer than {MAX_USER} characters");
                return Ok(unrecorded(denied(correlation_id, Error::Forbidden, why)));
            }
            _ => {
                let why = "no user: an order request names the user it is for";
                return Ok(unrecorded(denied(correlation_id, Error::Forbidden, why)));
            }
        };
        let order = match checked(request, correlation_id.clone()) {
            Ok(order) => order,
            Err(faults) => {
                let why = faults.join("; ");
                return Ok(unrecorded(denied(
                    correlation_id,
                    Error::InvalidContent,
                    why,
                )));
            }
        };
        let recorded = |response| Reply {
            routing_key: routing_key.clone(),
            response,
            recorded: Some(tenant.clone()),
        };
        let known = self
            .store
            .claim_order_request(&tenant, &correlation_id, &user, Utc::now())
            .await?;
        if let Some(known) = known {
            if known.owner != user {
                let why = "correlationId is already used by another user's request";
                return Ok(unrecorded(denied(
                    correlation_id,
                    Error::InvalidContent,
                    why,
                )));
            }
            if let Some(response) = self.recorded_answer(&tenant, &known).await? {
                return Ok(recorded(response));
            }
        }
        let requester = Requester {
            tenant: tenant.clone(),
            email: user,
            role: Role::RegisteredUser,
            request_id: format!("amqp:{correlation_id}"),
        };
        let applied = self.orders.apply(&requester, order).await?;
        let (order_id, response) = answer(applied)?;
        self.store
            .record_order_answer(&tenant, &correlation_id, order_id, &response.to_json())
            .await?;
        tracing::info!(
            tenant = %tenant, correlation_id, order_id, status = ?response.status,
            error_type = ?response.error_type, "order request answered"
        );
        Ok(recorded(response))
    }

    /// The answer of a request seen before: as recorded, or GRANTED when an earlier attempt
    /// created the order and stopped before recording it; None when nothing was decided.
    async fn recorded_answer(
        &self,
        tenant: &Tenant,
        known: &OrderRequestRecord,
    ) -> AppResult<Option<OrderResponse>> {
        if let Some(json) = &known.response {
            let response = serde_json::from_str(json)
                .map_err(|e| AppError::internal(format!("recorded answer unreadable: {e}")))?;
            return Ok(Some(response));
        }
        let Some(order_id) = self
            .store
            .order_with_correlation(tenant, &known.owner, &known.correlation_id)
            .await?
        else {
            return Ok(None);
        };
        let response = granted(&known.correlation_id, order_id);
        self.store
            .record_order_answer(
                tenant,
                &known.correlation_id,
                Some(order_id),
                &response.to_json(),
            )
            .await?;
        Ok(Some(response))
    }
}

/// The automatic order the request asks, with its size limit, or its faults.
fn checked(
    request: OrderRequestMessage,
    correlation_id: String,
) -> Result<AutomaticOrder, Vec<String>> {
    if correlation_id.chars().count() > MAX_CORRELATION_ID {
        return Err(vec!["correlationId must be at most 255 characters".into()]);
    }
    if request.size_limit_in_bytes.is_some_and(|l| l < 0) {
        return Err(vec!["sizeLimitInBytes must not be negative".into()]);
    }
    let filter = request.filters.map(|f| FileSelectionDescription {
        file_types: f.data_types,
        file_name_pattern: f.filename_reg_exp,
    });
    if let Some(pattern) = filter.as_ref().and_then(|f| f.file_name_pattern.as_deref())
        && let Err(e) = regex::Regex::new(pattern)
    {
        return Err(vec![format!(
            "filters.filenameRegExp is not a regular expression: {e}"
        )]);
    }
    let mut order = AutomaticOrder::checked(request.queries, filter, Some(correlation_id))?;
    order.size_limit = request.size_limit_in_bytes;
    Ok(order)
}

/// The answer to each outcome, with the order created; an outcome caused by the database's
/// or the engine's unavailability is an error (the request is handled again later).
fn answer(applied: Applied) -> AppResult<(Option<i64>, OrderResponse)> {
    Ok(match applied {
        Applied::Granted {
            order_id,
            correlation_id,
        } => (Some(order_id), granted(&correlation_id, order_id)),
        Applied::SearchFailed {
            correlation_id,
            cause,
        } => {
            if is_transient(&cause) {
                return Err(cause);
            }
            let kind = match cause {
                AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::NotFound(_) => {
                    Error::InvalidContent
                }
                _ => Error::InternalError,
            };
            (
                None,
                denied(
                    correlation_id,
                    kind,
                    format!("a query cannot be run: {cause}"),
                ),
            )
        }
        Applied::NothingSelected { correlation_id } => (
            None,
            denied(
                correlation_id,
                Error::EmptyOrder,
                "the queries select no file",
            ),
        ),
        Applied::LimitReached {
            correlation_id,
            size,
            limit,
        } => (
            None,
            denied(
                correlation_id,
                Error::OrderLimitReached,
                format!("the selection holds {size} bytes, more than the limit of {limit}"),
            ),
        ),
        Applied::CreationFailed {
            correlation_id,
            cause,
        } => {
            if is_transient(&cause) {
                return Err(cause);
            }
            let why = format!("the order cannot be created: {cause}");
            (None, denied(correlation_id, Error::InternalError, why))
        }
    })
}

fn granted(correlation_id: &str, order_id: i64) -> OrderResponse {
    OrderResponse {
        order_id: Some(order_id),
        ..OrderResponse::new(Granted, correlation_id)
    }
}

fn denied(correlation_id: String, kind: Error, why: impl Into<String>) -> OrderResponse {
    OrderResponse::refused(Denied, correlation_id, kind, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> OrderRequestMessage {
        serde_json::from_str(json).expect("request")
    }

    #[test]
    fn requests_carry_their_size_limit_and_refuse_bad_content() {
        let order = checked(
            message(r#"{"queries":["a"],"sizeLimitInBytes":10}"#),
            "c".into(),
        )
        .expect("valid");
        assert_eq!(order.size_limit, Some(10));
        assert_eq!(order.correlation_id.as_deref(), Some("c"));
        for bad in [
            r#"{"queries":[]}"#,
            r#"{"queries":["a"],"sizeLimitInBytes":-1}"#,
            r#"{"queries":["a"],"filters":{"dataTypes":["RAWDATA"],"filenameRegExp":"("}}"#,
            r#"{"queries":["a"],"filters":{"dataTypes":[]}}"#,
        ] {
            assert!(checked(message(bad), "c".into()).is_err(), "{bad}");
        }
        assert!(checked(message(r#"{"queries":["a"]}"#), "c".repeat(256)).is_err());
    }

    #[test]
    fn the_correlation_id_comes_from_the_body_then_the_properties() {
        let incoming = IncomingMessage {
            tenant: None,
            correlation_property: Some("prop".into()),
            body: br#"{"correlationId": "body", "queries": 3}"#.to_vec(),
        };
        assert_eq!(incoming.body_correlation_id().as_deref(), Some("body"));
        assert_eq!(incoming.correlation_id(Some("body")), "body");
        assert_eq!(incoming.correlation_id(None), "prop");
        let bare = IncomingMessage::default();
        assert!(
            bare.correlation_id(None)
                .starts_with("auto-correlation-id-")
        );
    }
}
