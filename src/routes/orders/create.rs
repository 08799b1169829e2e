//! `POST /user/orders` and `POST /orders`: an order from the caller's basket (user or
//! applicative sub-order duration); `POST /user/orders/{id}/restart`: a new order from a
//! finished one's basket.

use super::{OrderModel, order_model};
use crate::app::orders::OrderOptions;
use crate::auth::{Authorised, Caller, roles};
use crate::http::{ApiError, JsonObject};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use regards_order_actors::domain::order::{OrderHeader, OrderKind};
use regards_order_actors::engine::{OrderSnapshot, Renderings};
use serde::Deserialize;

/// Body of create and restart (`{}` is fine).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequest {
    /// Unique per owner; generated when absent or blank.
    #[schema(max_length = 50)]
    pub label: Option<String>,
    pub on_success_url: Option<String>,
}

impl From<OrderRequest> for OrderOptions {
    fn from(request: OrderRequest) -> Self {
        OrderOptions {
            label: request.label,
            on_success_url: request.on_success_url,
        }
    }
}

/// 201 with the new (PENDING) order.
fn created(state: &AppState, caller: &Caller, header: OrderHeader) -> HttpResponse {
    let order = OrderSnapshot {
        header: header.into(),
        tasks: Default::default(),
        effectively_paused: false,
        rendered: Renderings::default(),
    };
    HttpResponse::Created().json(order_model(&state.public_url, caller.role, &order))
}

/// 201 with the new order, or 204 when the caller has no basket.
async fn from_basket(
    state: &AppState,
    caller: &Caller,
    request: OrderRequest,
    kind: OrderKind,
) -> Result<HttpResponse, ApiError> {
    let requester = caller.requester();
    let header = state
        .orders
        .create_from_basket(&requester, request.into(), kind)
        .await?;
    Ok(match header {
        Some(header) => created(state, caller, header),
        None => HttpResponse::NoContent().finish(),
    })
}

/// Turns the caller's basket into an order (user sub-order duration).
#[utoipa::path(post, path = "/user/orders", tag = "orders", request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 204, description = "no basket"),
        (status = 422, body = crate::http::Messages)))]
#[post("/user/orders")]
pub(crate) async fn create_user_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    from_basket(&state, &caller, body.into_inner(), OrderKind::User).await
}

/// Same, as an applicative order (applicative sub-order duration).
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 204, description = "no basket"),
        (status = 422, body = crate::http::Messages)))]
#[post("/orders")]
pub(crate) async fn create_app_order(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    from_basket(&state, &caller, body.into_inner(), OrderKind::App).await
}

/// A new order from a finished one's basket (the old order is untouched).
#[utoipa::path(post, path = "/user/orders/{orderId}/restart", tag = "orders",
    params(("orderId" = i64, Path,)), request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 401, body = crate::http::Messages),
        (status = 404), (status = 422, body = crate::http::Messages)))]
#[post("/user/orders/{id}/restart")]
pub(crate) async fn restart_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let header = state
        .orders
        .restart(&caller.requester(), *id, body.into_inner().into())
        .await?;
    Ok(created(&state, &caller, header))
}
