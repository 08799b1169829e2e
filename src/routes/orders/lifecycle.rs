//! The lifecycle actions on an order: pause, resume, retry, delete (soft) and remove (for
//! good). Each answers 200 with no body; 404 for an unknown order, 401 with the original's
//! reason code when the order's state or the caller's role refuses the action.

use crate::auth::{Authorised, roles};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, put, web};

/// Pauses the order (retrievals stop launching).
#[utoipa::path(put, path = "/user/orders/pause/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/pause/{id}")]
pub(crate) async fn pause_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.pause(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Resumes a paused order once its retrievals have ended.
#[utoipa::path(put, path = "/user/orders/resume/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/resume/{id}")]
pub(crate) async fn resume_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.resume(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Retries the files in error.
#[utoipa::path(put, path = "/user/orders/{orderId}/retry", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[put("/user/orders/{id}/retry")]
pub(crate) async fn retry_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.retry(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Deletes the order (soft): its files go, the order stays as DELETED.
#[utoipa::path(delete, path = "/user/orders/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 404)))]
#[delete("/user/orders/{id}")]
pub(crate) async fn delete_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.delete(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Removes a deleted order for good (PROJECT_ADMIN and INSTANCE_ADMIN only).
#[utoipa::path(delete, path = "/user/orders/remove/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200), (status = 401, body = crate::http::Messages), (status = 403), (status = 404)))]
#[delete("/user/orders/remove/{id}")]
pub(crate) async fn remove_order(
    caller: Authorised<roles::InstanceAdmin>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.orders.remove(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().finish())
}
