//! One file of an order: `GET /orders/files/{id}` for its owner, and
//! `GET|HEAD /orders/public/files/{id}?orderToken=` with a public order token.

use super::{TokenQuery, answers};
use crate::auth::{Authorised, Caller, roles};
use crate::http::{ApiError, StreamGuard};
use crate::state::AppState;
use actix_web::http::header::RANGE;
use actix_web::{HttpRequest, HttpResponse, get, head, web};

fn range(req: &HttpRequest) -> Option<&str> {
    req.headers().get(RANGE).and_then(|v| v.to_str().ok())
}

/// One file of an order, for its owner (or a super-admin); `Range` answers 206.
#[utoipa::path(get, path = "/orders/files/{dataFileId}", tag = "downloads",
    params(("dataFileId" = i64, Path,)),
    responses((status = 200, description = "the file"), (status = 206, description = "a byte range"),
        (status = 202, description = "PENDING: retry later"), (status = 403), (status = 404),
        (status = 416), (status = 422, description = "the file is in ERROR"),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/orders/files/{id}")]
pub(crate) async fn download_file(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let requester = caller.requester();
    let streamed = state.downloads.file(&requester, *id).await?;
    let guard = StreamGuard::hold(streamed.slot, &req, &state.settings);
    let answer = answers::file(streamed.download, range(&req), false).await;
    guard.protect_result(answer)
}

/// The file a public order token opens. The token must be signed and not expired (401
/// otherwise, with the reason, before anything about the file is told).
async fn public(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: i64,
    query: &TokenQuery,
    head: bool,
) -> Result<HttpResponse, ApiError> {
    let claims = query.claims(state, ApiError::Unauthorized)?;
    let requester = caller.requester();
    let streamed = state
        .downloads
        .public_file(&requester, &claims, id, head)
        .await?;
    let guard = StreamGuard::hold(streamed.slot, req, &state.settings);
    let answer = answers::file(streamed.download, range(req), head).await;
    guard.protect_result(answer)
}

/// One file with a public order token (anonymous calls add `scope=<tenant>`).
#[utoipa::path(get, path = "/orders/public/files/{dataFileId}", tag = "downloads",
    params(("dataFileId" = i64, Path,), ("orderToken" = String, Query,)),
    security(("bearer" = []), ("scope" = [])),
    responses((status = 200, description = "the file"), (status = 206), (status = 202), (status = 400),
        (status = 401, description = "bad or expired token"),
        (status = 403, description = "the token does not open this file (unknown, or of another order)"),
        (status = 404, description = "unknown file (super-admins)"), (status = 416), (status = 422),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/orders/public/files/{id}")]
pub(crate) async fn public_file(
    caller: Authorised<roles::Public>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    public(&state, &caller, &req, *id, &query, false).await
}

/// Same, headers only.
#[utoipa::path(head, path = "/orders/public/files/{dataFileId}", tag = "downloads",
    params(("dataFileId" = i64, Path,), ("orderToken" = String, Query,)),
    security(("bearer" = []), ("scope" = [])),
    responses((status = 200), (status = 202), (status = 400), (status = 401),
        (status = 403, description = "the token does not open this file (unknown, or of another order)"),
        (status = 404, description = "unknown file (super-admins)"), (status = 422)))]
#[head("/orders/public/files/{id}")]
pub(crate) async fn public_file_head(
    caller: Authorised<roles::Public>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    public(&state, &caller, &req, *id, &query, true).await
}
