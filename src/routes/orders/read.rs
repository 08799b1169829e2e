//! A4 (one order) and A13 (my orders).

use super::order_model;
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, Paging};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::ports::{OrderFilter, OrderSort, StatusFilter};

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
    let id = id.into_inner();
    let view = state.engine.view(&caller.tenant, id).await?;
    let (header, tasks, effectively_paused) = (view.header, view.tasks, view.effectively_paused);
    if header.owner != caller.email && !caller.role.is_super_admin() {
        return Err(ApiError::Forbidden(String::new()));
    }
    Ok(HttpResponse::Ok().json(order_model(
        &state,
        &caller,
        &header,
        &tasks,
        effectively_paused,
    )))
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
    let filter = OrderFilter {
        owner: Some(caller.email.clone()),
        statuses: Some(StatusFilter::Exclude(vec![OrderStatus::Deleted])),
        ..OrderFilter::default()
    };
    let sort = vec![(OrderSort::CreationDate, true)];
    super::orders_page(&state, &caller, &filter, &paging, sort, "/user/orders").await
}
