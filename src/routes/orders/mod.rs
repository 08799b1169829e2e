//! The orders resource: creation (from the basket, automatic, restart), reading, lifecycle
//! actions, the operators' search and the CSV export.

pub(crate) mod apply;
pub(crate) mod create;
pub(crate) mod lifecycle;
mod links;
pub(crate) mod read;
pub(crate) mod search;
mod search_body;

use apply::apply_order;
use create::{create_app_order, create_user_order, restart_order};
use lifecycle::{delete_order, pause_order, remove_order, resume_order, retry_order};
use read::{get_order, my_orders};
use search::{export_csv, search_orders};

use crate::app::orders::OrderListing;
use crate::auth::Role;
use crate::http::{EntityModel, PagedModel, Paging};
use crate::orders::dto::OrderDto;
use actix_web::web;
use links::order_links;
use regards_order_actors::engine::OrderSnapshot;

/// Registers the resource: paths with fixed segments before the `{id}` ones of the same
/// method, the status read first.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // The most frequent request; `/user/orders/{id}` takes no other GET path of this module
    // (`/user/orders/apply` is a POST, `/user/orders/events` is registered before).
    cfg.service(get_order)
        .service(apply_order)
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
        .service(delete_order);
}

/// `EntityModel<OrderDto>` with the links `role` may follow.
pub(crate) fn order_model(base: &str, role: Role, order: &OrderSnapshot) -> EntityModel<OrderDto> {
    EntityModel {
        content: OrderDto::new(&order.header, &order.tasks),
        links: order_links(
            base,
            &order.header,
            &order.tasks,
            order.effectively_paused,
            role,
        ),
    }
}

/// A listing as `PagedModel<EntityModel<OrderDto>>` with links to `base` + `path`.
pub(crate) fn orders_page(
    base: &str,
    role: Role,
    listing: &OrderListing,
    paging: &Paging,
    path: &str,
) -> PagedModel<OrderDto> {
    let content = listing
        .orders
        .iter()
        .map(|o| order_model(base, role, o))
        .collect();
    PagedModel::new(content, listing.total, paging, &format!("{base}{path}"))
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
