//! The one error type of the HTTP boundary: picks the status and the original's
//! `{"messages": [...]}` body; internal causes are logged once and never sent.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use regards_order_actors::ports::StoreError;
use serde::Serialize;

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 204 with no body (no basket, empty selection).
    #[error("no content")]
    NoContent,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// A lifecycle action refused, with the original's reason code (401).
    #[error("{0}")]
    Refused(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// 404, with a message or (as the original does on several endpoints) empty.
    #[error("not found")]
    NotFound(Option<String>),
    /// 405: the path exists, without this method; answered with `Allow`.
    #[error("Request method '{method}' is not supported")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{}", .0.join("; "))]
    Unprocessable(Vec<String>),
    /// 429: a per-user limit is reached (streams at once); answered with `Retry-After`.
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: the database or the engine cannot take the request now; answered with
    /// `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The original's error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Messages {
    pub messages: Vec<String>,
}

impl ApiError {
    /// An internal error from a plain message.
    pub fn internal(message: &str) -> Self {
        ApiError::Internal(anyhow::anyhow!(message.to_owned()))
    }

    /// 422 with one message.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::Unprocessable(vec![message.into()])
    }

    fn messages(&self) -> Option<Vec<String>> {
        match self {
            ApiError::NoContent | ApiError::NotFound(None) => None,
            // The original answers 403 on orders with no body.
            ApiError::Forbidden(m) | ApiError::Unauthorized(m) if m.is_empty() => None,
            ApiError::NotFound(Some(m)) => Some(vec![m.clone()]),
            ApiError::Unprocessable(list) => Some(list.clone()),
            ApiError::Refused(code) => Some(vec![(*code).to_owned()]),
            ApiError::Internal(_) => Some(vec![
                "An unexpected error occurred, please consult the microservice log".to_owned(),
            ]),
            other => Some(vec![other.to_string()]),
        }
    }
}

/// Seconds a client is asked to wait after a 503 or a 429.
pub const RETRY_AFTER_SECS: u64 = 5;

pub use crate::app::DATABASE_UNAVAILABLE;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            // The outage is logged once by the database health monitor, not per request.
            tracing::debug!(error = %e, "database unavailable");
            return ApiError::Unavailable(DATABASE_UNAVAILABLE.to_owned());
        }
        ApiError::Internal(anyhow::Error::new(e))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NoContent => StatusCode::NO_CONTENT,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::Refused(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            // The whole chain, once, here; the client only gets the generic message.
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(
            self,
            ApiError::Unavailable(_) | ApiError::TooManyRequests(_)
        ) {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                RETRY_AFTER_SECS.to_string(),
            ));
        }
        if let ApiError::MethodNotAllowed { allow, .. } = self {
            response.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
        }
        match self.messages() {
            Some(messages) => response.json(Messages { messages }),
            None => response.finish(),
        }
    }
}

impl From<crate::app::AppError> for ApiError {
    fn from(e: crate::app::AppError) -> Self {
        use crate::app::AppError;
        match e {
            AppError::Empty => ApiError::NoContent,
            AppError::Invalid(m) => ApiError::BadRequest(m),
            AppError::Unprocessable(list) => ApiError::Unprocessable(list),
            AppError::NotFound(m) => ApiError::NotFound(m),
            AppError::Forbidden(m) => ApiError::Forbidden(m.unwrap_or_default()),
            AppError::Refused(code) => ApiError::Refused(code),
            AppError::Conflict(m) => ApiError::Conflict(m),
            AppError::TooLarge(m) => ApiError::PayloadTooLarge(m),
            AppError::LimitReached(m) => ApiError::TooManyRequests(m),
            AppError::Unavailable(m) => ApiError::Unavailable(m),
            AppError::Engine(e) => e.into(),
            AppError::Store(e) => e.into(),
            AppError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<regards_order_actors::engine::EngineError> for ApiError {
    fn from(e: regards_order_actors::engine::EngineError) -> Self {
        use regards_order_actors::engine::EngineError;
        match e {
            EngineError::NotFound => ApiError::NotFound(None),
            EngineError::Refused(refusal) => ApiError::Refused(refusal.code()),
            EngineError::DatabaseUnavailable => {
                ApiError::Unavailable(DATABASE_UNAVAILABLE.to_owned())
            }
            EngineError::NotCommitted(cause) => {
                let cause = anyhow::Error::new(cause);
                tracing::warn!(error = format!("{cause:#}"), "action not committed");
                ApiError::Unavailable(
                    "The action could not be saved, please try again later".to_owned(),
                )
            }
            EngineError::Busy(message) => ApiError::Unavailable(message.to_owned()),
            EngineError::Store(e) => ApiError::from(e),
        }
    }
}
