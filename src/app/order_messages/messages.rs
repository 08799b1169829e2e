//! The messages REGARDS services exchange about orders: the order request
//! (`OrderRequestDto`), the cancel request and the answer (`OrderResponseDto`), in JSON.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An order request (`OrderRequestDto`); every member is checked by the service.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderRequestMessage {
    #[serde(default)]
    pub queries: Vec<String>,
    pub filters: Option<FiltersMessage>,
    pub correlation_id: Option<String>,
    /// The user the order is made for (mandatory over AMQP).
    pub user: Option<String>,
    pub size_limit_in_bytes: Option<i64>,
}

/// File filters of an order request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FiltersMessage {
    #[serde(default)]
    pub data_types: BTreeSet<String>,
    pub filename_reg_exp: Option<String>,
}

/// A cancel request (`OrderCancelRequestDto`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CancelRequestMessage {
    pub order_id: i64,
    pub correlation_id: Option<String>,
}

/// What an answer says of the request or its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseStatus {
    /// The order is created.
    Granted,
    /// No order was created (see the error type).
    Denied,
    /// The order failed, or a cancellation could not be done.
    Failed,
    /// A sub-order's files are ready to download.
    SuborderDone,
    /// The order is done: every file is ready.
    Done,
}

/// Why a request was denied or an order failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseErrorType {
    /// The message cannot be read or its content is invalid.
    InvalidContent,
    /// No user or tenant, or one that cannot be.
    Forbidden,
    /// The selection is larger than the request's `sizeLimitInBytes`.
    OrderLimitReached,
    /// The queries select no file.
    EmptyOrder,
    /// The order (or some of its files) failed.
    InternalError,
}

/// An answer (`OrderResponseDto`): members without a value are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponse {
    pub status: ResponseStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order_id: Option<i64>,
    pub correlation_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub download_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_type: Option<ResponseErrorType>,
    /// Files in error in the order.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub total_sub_orders: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sub_order_id: Option<i64>,
}

impl OrderResponse {
    /// An answer with a status and nothing else.
    pub fn new(status: ResponseStatus, correlation_id: impl Into<String>) -> Self {
        OrderResponse {
            status,
            order_id: None,
            correlation_id: correlation_id.into(),
            message: None,
            download_link: None,
            error_type: None,
            errors: None,
            total_sub_orders: None,
            sub_order_id: None,
        }
    }

    /// A refusal (`status`: DENIED or FAILED) with its type and message.
    pub fn refused(
        status: ResponseStatus,
        correlation_id: impl Into<String>,
        error_type: ResponseErrorType,
        message: impl Into<String>,
    ) -> Self {
        OrderResponse {
            error_type: Some(error_type),
            message: Some(message.into()),
            ..OrderResponse::new(status, correlation_id)
        }
    }

    /// The answer's JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// An answer and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The routing key: the tenant (empty when the request named none).
    pub routing_key: String,
    /// What is published.
    pub response: OrderResponse,
    /// The tenant whose request record notes that the answer was sent, if recorded.
    pub(super) recorded: Option<regards_order_actors::domain::Tenant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_leave_out_what_has_no_value() {
        let granted = OrderResponse {
            order_id: Some(7),
            ..OrderResponse::new(ResponseStatus::Granted, "c-1")
        };
        assert_eq!(
            granted.to_json(),
            r#"{"status":"GRANTED","orderId":7,"correlationId":"c-1"}"#
        );
        let denied = OrderResponse::refused(
            ResponseStatus::Denied,
            "c-2",
            ResponseErrorType::OrderLimitReached,
            "too large",
        );
        assert_eq!(
            denied.to_json(),
            r#"{"status":"DENIED","correlationId":"c-2","message":"too large","errorType":"ORDER_LIMIT_REACHED"}"#
        );
    }

    #[test]
    fn requests_read_the_original_members() {
        let request: OrderRequestMessage = serde_json::from_str(
            r#"{"queries":["a"],"filters":{"dataTypes":["RAWDATA"],"filenameRegExp":".*"},
               "correlationId":"c","user":"u@x.fr","sizeLimitInBytes":10}"#,
        )
        .expect("request");
        assert_eq!(request.queries, vec!["a"]);
        assert_eq!(request.user.as_deref(), Some("u@x.fr"));
        assert_eq!(request.size_limit_in_bytes, Some(10));
        let filters = request.filters.expect("filters");
        assert_eq!(filters.filename_reg_exp.as_deref(), Some(".*"));
        let cancel: CancelRequestMessage =
            serde_json::from_str(r#"{"orderId":3,"correlationId":"k"}"#).expect("cancel");
        assert_eq!(cancel.order_id, 3);
    }
}
