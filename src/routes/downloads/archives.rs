//! The order as one download: its zip (`GET /user/orders/{id}/download`), its metalink
//! (`GET /user/orders/{id}/metalink/download`) and the metalink a public order token names
//! (`GET /user/orders/metalink/download?orderToken=`).

use super::{TokenQuery, answers};
use crate::auth::{Authorised, roles};
use crate::downloads::metalink::negotiate;
use crate::http::{ApiError, StreamGuard};
use crate::state::AppState;
use actix_web::http::header::{ACCEPT, RANGE};
use actix_web::{HttpRequest, HttpResponse, get, web};

/// Every AVAILABLE file of the order as one zip (exact `Content-Length`, `Range` answered).
#[utoipa::path(get, path = "/user/orders/{orderId}/download", tag = "downloads",
    params(("orderId" = i64, Path,)),
    responses((status = 200, content_type = "application/octet-stream", description = "the zip"),
        (status = 206, description = "a byte range of the zip"), (status = 204, description = "no file available"),
        (status = 403), (status = 404), (status = 416),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/user/orders/{id}/download")]
pub(crate) async fn download_zip(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let requester = caller.requester();
    let streamed = state.downloads.zip(&requester, *id).await?;
    let guard = StreamGuard::hold(streamed.slot, &req, &state.settings);
    let range = req.headers().get(RANGE).and_then(|v| v.to_str().ok());
    Ok(guard.protect(answers::zip(streamed.download, range).await))
}

fn accept(req: &HttpRequest) -> Option<&str> {
    req.headers().get(ACCEPT).and_then(|v| v.to_str().ok())
}

/// The order's metalink (Metalink 3, or 4 with `Accept: application/metalink4+xml`).
#[utoipa::path(get, path = "/user/orders/{orderId}/metalink/download", tag = "downloads",
    params(("orderId" = i64, Path,)),
    responses((status = 200, content_type = "application/metalink+xml", description = "the metalink"),
        (status = 403), (status = 404, description = "unknown, or PENDING, FAILED, DELETED, EXPIRED"),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/user/orders/{id}/metalink/download")]
pub(crate) async fn metalink(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let requester = caller.requester();
    let version = negotiate(accept(&req));
    let streamed = state.downloads.metalink(&requester, *id, version).await?;
    let guard = StreamGuard::hold(streamed.slot, &req, &state.settings);
    Ok(guard.protect(answers::metalink(streamed.download)))
}

/// The metalink of the order a public token names (anonymous calls add `scope=<tenant>`).
#[utoipa::path(get, path = "/user/orders/metalink/download", tag = "downloads",
    params(("orderToken" = String, Query,)),
    security(("bearer" = []), ("scope" = [])),
    responses((status = 200, description = "the metalink"), (status = 400, description = "no token"),
        (status = 401, description = "bad or expired token"), (status = 404),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/user/orders/metalink/download")]
pub(crate) async fn public_metalink(
    caller: Authorised<roles::Public>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    // Refused with an empty 401, as the original.
    let claims = query.claims(&state, |_| ApiError::Unauthorized(String::new()))?;
    if claims.order_id().is_none() {
        return Err(ApiError::Unauthorized(String::new()));
    }
    let requester = caller.requester();
    let version = negotiate(accept(&req));
    let streamed = state
        .downloads
        .public_metalink(&requester, &claims, version)
        .await?;
    let guard = StreamGuard::hold(streamed.slot, &req, &state.settings);
    Ok(guard.protect(answers::metalink(streamed.download)))
}
