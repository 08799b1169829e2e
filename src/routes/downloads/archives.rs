//! A14 zip, A15 metalink, A16 public metalink.

use super::access::readable_order;
use super::files::TokenQuery;
use crate::auth::{Authorised, roles};
use crate::downloads::guard::StreamGuard;
use crate::downloads::metalink::negotiate;
use crate::downloads::{order_metalink, order_zip};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::http::header::{ACCEPT, RANGE};
use actix_web::{HttpRequest, HttpResponse, get, web};

/// Every AVAILABLE file of the order as one zip (exact `Content-Length`, `Range` answered).
#[utoipa::path(get, path = "/user/orders/{orderId}/download", tag = "downloads",
    params(("orderId" = i64, Path,)),
    responses((status = 200, content_type = "application/octet-stream", description = "the zip"),
        (status = 206, description = "a byte range of the zip"), (status = 204, description = "no file available"),
        (status = 403), (status = 404), (status = 416),
        (status = 429, response = inline(crate::downloads::guard::TooManyStreams))))]
#[get("/user/orders/{id}/download")]
pub(crate) async fn download_zip(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order = readable_order(&state, &caller, *id).await?;
    // Before planning: the plan reads the order's files, which is work enough to refuse.
    let guard = StreamGuard::take(&state, &req, &caller.tenant, &caller.email)?;
    let range = req.headers().get(RANGE).and_then(|v| v.to_str().ok());
    let answer = order_zip::serve(
        &state,
        &caller.tenant,
        *id,
        order.header.creation_date,
        range,
    )
    .await;
    guard.protect_result(answer)
}

fn accept(req: &HttpRequest) -> Option<&str> {
    req.headers().get(ACCEPT).and_then(|v| v.to_str().ok())
}

/// The order's metalink (Metalink 3, or 4 with `Accept: application/metalink4+xml`).
#[utoipa::path(get, path = "/user/orders/{orderId}/metalink/download", tag = "downloads",
    params(("orderId" = i64, Path,)),
    responses((status = 200, content_type = "application/metalink+xml", description = "the metalink"),
        (status = 403), (status = 404, description = "unknown, or PENDING, FAILED, DELETED, EXPIRED"),
        (status = 429, response = inline(crate::downloads::guard::TooManyStreams))))]
#[get("/user/orders/{id}/metalink/download")]
pub(crate) async fn metalink(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order = readable_order(&state, &caller, *id).await?;
    let guard = StreamGuard::take(&state, &req, &caller.tenant, &caller.email)?;
    let answer = order_metalink::serve(
        &state,
        &caller.tenant,
        &order.header,
        negotiate(accept(&req)),
    );
    guard.protect_result(answer)
}

/// The metalink of the order a public token names (anonymous calls add `scope=<tenant>`).
#[utoipa::path(get, path = "/user/orders/metalink/download", tag = "downloads",
    params(("orderToken" = String, Query,)),
    security(("bearer" = []), ("scope" = [])),
    responses((status = 200, description = "the metalink"), (status = 400, description = "no token"),
        (status = 401, description = "bad or expired token"), (status = 404),
        (status = 429, response = inline(crate::downloads::guard::TooManyStreams))))]
#[get("/user/orders/metalink/download")]
pub(crate) async fn public_metalink(
    caller: Authorised<roles::Public>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let token = query.order_token.as_deref().ok_or_else(|| {
        ApiError::BadRequest("Required parameter 'orderToken' is not present".into())
    })?;
    let claims = state
        .order_tokens
        .verify(token)
        .map_err(|_| ApiError::Unauthorized(String::new()))?;
    let order_id = claims
        .order_id()
        .ok_or_else(|| ApiError::Unauthorized(String::new()))?;
    if claims.tenant != caller.tenant.as_str() {
        return Err(ApiError::NotFound(None));
    }
    let order = state
        .store
        .order_header(&caller.tenant, order_id)
        .await?
        .ok_or(ApiError::NotFound(None))?;
    if order.header.owner != claims.sub {
        return Err(ApiError::Forbidden(String::new()));
    }
    // Counted against the owner the token names, whoever holds the token.
    let guard = StreamGuard::take(&state, &req, &caller.tenant, &order.header.owner)?;
    let answer = order_metalink::serve(
        &state,
        &caller.tenant,
        &order.header,
        negotiate(accept(&req)),
    );
    guard.protect_result(answer)
}
