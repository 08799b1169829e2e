//! `GET /user/orders/{id}`: one order; `GET /user/orders`: the caller's orders.

use super::{order_model, orders_page};
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, Paging};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};

/// The order as its actor sees it when active, else as stored (404 when unknown, 403 when the
/// caller is neither its owner nor a super-admin; both without body, as the original).
#[utoipa::path(get, path = "/user/orders/{orderId}", tag = "orders",
    params(("orderId" = i64, Path,)),
    responses((status = 200, body = super::OrderModel), (status = 403), (status = 404)))]
#[get("/user/orders/{id}")]
pub(crate) async fn get_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order = state.orders.get(&caller.requester(), *id).await?;
    Ok(HttpResponse::Ok().json(order_model(&state.public_url, caller.role, &order)))
}

/// The caller's orders, DELETED ones excepted, newest first (page size 20 by default).
#[utoipa::path(get, path = "/user/orders", tag = "orders",
    params(crate::http::PagingParams),
    responses((status = 200, body = super::OrderPage)))]
#[get("/user/orders")]
pub(crate) async fn my_orders(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::from_request(&req, 20)?;
    let listing = state
        .orders
        .list_mine(&caller.requester(), paging.page, paging.size)
        .await?;
    let page = orders_page(
        &state.public_url,
        caller.role,
        &listing,
        &paging,
        "/user/orders",
    );
    Ok(HttpResponse::Ok().json(page))
}
