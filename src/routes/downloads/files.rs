//! B2 `GET /orders/files/{id}` and B3/B4 `GET|HEAD /orders/public/files/{id}?orderToken=`.

use super::access::check_owner;
use crate::auth::{Authorised, Caller, roles};
use crate::downloads::guard::StreamGuard;
use crate::downloads::single;
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::http::header::RANGE;
use actix_web::{HttpRequest, HttpResponse, get, head, web};
use regards_order_actors::domain::order::FileState;
use regards_order_actors::ports::FileOfOrder;
use serde::Deserialize;

/// Query of the public endpoints.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenQuery {
    pub order_token: Option<String>,
}

fn missing(id: i64) -> ApiError {
    ApiError::NotFound(Some(format!("Data file with id: {id} doesn't exist.")))
}

/// The file, if it exists in the caller's tenant.
async fn lookup(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Option<FileOfOrder>, ApiError> {
    Ok(state.store.file_of_order(&caller.tenant, id).await?)
}

/// The file as its order's actor knows it: a PENDING read from the database may be stale
/// by the flush delay, so the actor writes first and the file is read again.
async fn fresh(
    state: &AppState,
    caller: &Caller,
    found: FileOfOrder,
) -> Result<FileOfOrder, ApiError> {
    let id = found.file.id;
    if found.file.state == FileState::Pending
        && super::access::sync_order(state, &caller.tenant, found.order_id).await
    {
        return lookup(state, caller, id).await?.ok_or_else(|| missing(id));
    }
    Ok(found)
}

/// The file (404 when unknown), as its order's actor knows it.
async fn find(state: &AppState, caller: &Caller, id: i64) -> Result<FileOfOrder, ApiError> {
    let found = lookup(state, caller, id)
        .await?
        .ok_or_else(|| missing(id))?;
    fresh(state, caller, found).await
}

fn range(req: &HttpRequest) -> Option<&str> {
    req.headers().get(RANGE).and_then(|v| v.to_str().ok())
}

/// One file of an order, for its owner (or a super-admin); `Range` answers 206.
#[utoipa::path(get, path = "/orders/files/{dataFileId}", tag = "downloads",
    params(("dataFileId" = i64, Path,)),
    responses((status = 200, description = "the file"), (status = 206, description = "a byte range"),
        (status = 202, description = "PENDING: retry later"), (status = 403), (status = 404),
        (status = 416), (status = 422, description = "the file is in ERROR"),
        (status = 429, response = inline(crate::downloads::guard::TooManyStreams))))]
#[get("/orders/files/{id}")]
pub(crate) async fn download_file(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let found = find(&state, &caller, *id).await?;
    check_owner(&caller, &found.owner)?;
    let guard = StreamGuard::take(&state, &req, &caller.tenant, &caller.email)?;
    let answer = single::serve(&state, &caller.tenant, found, range(&req), false).await;
    guard.protect_result(answer)
}

/// The file a public order token opens: signed, not expired (401 otherwise, before anything
/// about the file is told), of this tenant, naming the file's order, issued for its owner. A
/// missing file and a file the token does not open get the same empty 403, so that a token
/// tells nothing of the ids of other orders' files. A super-admin's bearer token may read
/// any file of the tenant (404 when missing).
async fn file_for_token(
    state: &AppState,
    caller: &Caller,
    token: Option<&str>,
    id: i64,
) -> Result<FileOfOrder, ApiError> {
    let token = token.ok_or_else(|| {
        ApiError::BadRequest("Required parameter 'orderToken' is not present".into())
    })?;
    let claims = state
        .order_tokens
        .verify(token)
        .map_err(ApiError::Unauthorized)?;
    if caller.role.is_super_admin() {
        return find(state, caller, id).await;
    }
    let opened = if claims.tenant == caller.tenant.as_str() {
        lookup(state, caller, id)
            .await?
            .filter(|found| claims.order_id() == Some(found.order_id) && claims.sub == found.owner)
    } else {
        None
    };
    match opened {
        Some(found) => fresh(state, caller, found).await,
        None => Err(ApiError::Forbidden(String::new())),
    }
}

async fn public(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: i64,
    token: Option<&str>,
    head: bool,
) -> Result<HttpResponse, ApiError> {
    let found = file_for_token(state, caller, token, id).await?;
    if head {
        // Headers only: no stream, no slot.
        return single::serve(state, &caller.tenant, found, range(req), head).await;
    }
    // Counted against the order's owner, whom the token names.
    let guard = StreamGuard::take(state, req, &caller.tenant, &found.owner)?;
    let answer = single::serve(state, &caller.tenant, found, range(req), head).await;
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
        (status = 429, response = inline(crate::downloads::guard::TooManyStreams))))]
#[get("/orders/public/files/{id}")]
pub(crate) async fn public_file(
    caller: Authorised<roles::Public>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    public(
        &state,
        &caller,
        &req,
        *id,
        query.order_token.as_deref(),
        false,
    )
    .await
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
    public(
        &state,
        &caller,
        &req,
        *id,
        query.order_token.as_deref(),
        true,
    )
    .await
}
