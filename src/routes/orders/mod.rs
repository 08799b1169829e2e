//! OrderController: creation, reading, lifecycle actions, search and CSV.

pub(crate) mod create;
pub(crate) mod lifecycle;
pub(crate) mod read;
pub(crate) mod search;

use create::{apply_order, create_app_order, create_user_order, restart_order};
use lifecycle::{delete_order, pause_order, remove_order, resume_order, retry_order};
use read::{get_order, my_orders};
use search::{export_csv, search_orders};

use crate::auth::Caller;
use crate::http::{ApiError, EntityModel, PagedModel, Paging};
use crate::orders::dto::{OrderDto, order_links};
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::web;
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::domain::order::{DatasetTask, OrderHeader};
use regards_order_actors::ports::{OrderFilter, OrderSort, PageRequest};

/// Registers the resource (paths with fixed segments before the `{id}` ones).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(apply_order)
        .service(create_user_order)
        .service(create_app_order)
        .service(my_orders)
        .service(search_orders)
        .service(export_csv)
        .service(pause_order)
        .service(resume_order)
        .service(remove_order)
        .service(restart_order)
        .service(retry_order)
        .service(get_order)
        .service(delete_order);
}

/// `EntityModel<OrderDto>` with the links the caller may follow.
pub(crate) fn order_model(
    state: &AppState,
    caller: &Caller,
    header: &OrderHeader,
    tasks: &[DatasetTask],
    effectively_paused: bool,
) -> EntityModel<OrderDto> {
    EntityModel {
        content: OrderDto::new(header, tasks),
        links: order_links(&state.public_url, header, tasks, effectively_paused, caller),
    }
}

/// Reads a page of orders matching `filter` and answers it as `PagedModel<EntityModel<OrderDto>>`
/// with links to `path`.
pub(crate) async fn orders_page(
    state: &AppState,
    caller: &Caller,
    filter: &OrderFilter,
    paging: &Paging,
    sort: Vec<(OrderSort, bool)>,
    path: &str,
) -> Result<HttpResponse, ApiError> {
    let request = PageRequest {
        page: paging.page,
        size: paging.size,
        sort,
    };
    let page = state
        .store
        .search_orders(&caller.tenant, filter, &request)
        .await?;
    let content = page
        .orders
        .iter()
        .map(|o| {
            // Listed orders are read from the database: a PAUSED one there has no run left.
            let paused = o.header.status == OrderStatus::Paused;
            order_model(state, caller, &o.header, &o.tasks, paused)
        })
        .collect();
    let url = format!("{}{path}", state.public_url);
    Ok(HttpResponse::Ok().json(PagedModel::new(content, page.total, paging, &url)))
}

/// `PagedModel<EntityModel<OrderDto>>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OrderPage {
    metadata: crate::http::PageMetadata,
    content: Vec<OrderModel>,
    links: Vec<crate::http::Link>,
}

/// `EntityModel<OrderDto>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OrderModel {
    content: OrderDto,
    links: Vec<crate::http::Link>,
}
