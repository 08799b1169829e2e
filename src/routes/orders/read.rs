//! `GET /user/orders/{id}`: one order; `GET /user/orders`: the caller's orders.

use super::links::links_variant;
use super::{order_model, orders_page};
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, Paging};
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;

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
    // Built once per published snapshot and kind of reader: an unchanged order read again
    // answers the same bytes.
    let body = order
        .rendered
        .get_or_render(links_variant(caller.role), || {
            serde_json::to_vec(&order_model(&state.public_url, caller.role, &order))
                .map(Bytes::from)
        });
    let body = body.map_err(|e| ApiError::internal(&format!("cannot write the order: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
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
