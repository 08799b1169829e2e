//! Extractor settings so that malformed bodies, paths and queries get the original's 400
//! `{"messages": [...]}` answer instead of actix's plain-text one.

use crate::http::ApiError;
use actix_web::web;

/// JSON bodies: `limit` bytes at most; unreadable → 400.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(false)
        .error_handler(|err, _| {
            let message = match &err {
                actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
                | actix_web::error::JsonPayloadError::Overflow { .. } => {
                    return ApiError::PayloadTooLarge(err.to_string()).into();
                }
                other => format!("Malformed JSON request: {other}"),
            };
            ApiError::BadRequest(message).into()
        })
}

/// Path segments of the wrong type → 400.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Invalid path: {err}")).into())
}

/// Query parameters of the wrong type → 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Invalid query: {err}")).into())
}
