//! A5 pause, A6 resume, A8 retry, A9 delete, A10 remove: the order's actor decides; refusals
//! answer 401 with the original's reason code.

use crate::auth::{Authorised, Caller, roles};
use crate::http::ApiError;
use crate::orders::settings;
use crate::state::AppState;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, put, web};
use regards_order_actors::domain::order::OrderKind;
use regards_order_actors::engine::{Action, OrderSnapshot, Requester};
use tracing_actix_web::RequestId;

/// Who asks, with the request id for the actor's logs.
pub(super) fn requester(caller: &Caller, req: &HttpRequest) -> Requester {
    Requester {
        email: caller.email.clone(),
        is_admin: caller.role.is_admin(),
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

/// Runs `action` on the order: 404 unknown, 401 refused, 503 when it could not be committed.
pub(super) async fn act(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: i64,
    action: Action,
) -> Result<OrderSnapshot, ApiError> {
    let requester = requester(caller, req);
    let snapshot = state
        .engine
        .act(&caller.tenant, id, action, requester)
        .await?;
    Ok(snapshot)
}

async fn run(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: i64,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    act(&state, &caller, &req, id, action).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Pauses the order (retrievals stop launching).
#[utoipa::path(put, path = "/user/orders/pause/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/pause/{id}")]
pub(crate) async fn pause_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    run(caller, state, req, *id, Action::Pause).await
}

/// Resumes a paused order once its retrievals have ended.
#[utoipa::path(put, path = "/user/orders/resume/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/resume/{id}")]
pub(crate) async fn resume_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    run(caller, state, req, *id, Action::Resume).await
}

/// Retries the files in error.
#[utoipa::path(put, path = "/user/orders/{orderId}/retry", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/{id}/retry")]
pub(crate) async fn retry_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let orders = &state.settings.orders;
    let effective = settings::effective(state.store.as_ref(), &caller.tenant, orders).await?;
    let kind = state
        .store
        .order_header(&caller.tenant, *id)
        .await?
        .map(|o| o.header.kind);
    let suborder_duration = match kind {
        Some(OrderKind::App) => effective.app_suborder,
        _ => effective.user_suborder,
    };
    let action = Action::Retry {
        suborder_duration,
        max_lifetime: effective.expiration_max,
    };
    run(caller, state, req, *id, action).await
}

/// Deletes the order (soft): its files go, the order stays as DELETED.
#[utoipa::path(delete, path = "/user/orders/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[delete("/user/orders/{id}")]
pub(crate) async fn delete_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    run(caller, state, req, *id, Action::Delete).await
}

/// Removes a deleted order for good (PROJECT_ADMIN and INSTANCE_ADMIN only).
#[utoipa::path(delete, path = "/user/orders/remove/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 403), (status = 404)))]
#[delete("/user/orders/remove/{id}")]
pub(crate) async fn remove_order(
    caller: Authorised<roles::InstanceAdmin>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    act(&state, &caller, &req, *id, Action::Remove).await?;
    Ok(HttpResponse::Ok().finish())
}
