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
use crate::http::{ApiError, EntityModel};
use crate::orders::dto::{OrderDto, order_links};
use crate::state::AppState;
use actix_web::web;
use regards_order_actors::domain::order::{DatasetTask, OrderHeader};
use regards_order_actors::engine::EngineError;

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

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Unavailable(m) => ApiError::Unavailable(m),
            EngineError::Store(m) => ApiError::Internal(anyhow::anyhow!(m)),
        }
    }
}

/// `EntityModel<OrderDto>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OrderModel {
    content: OrderDto,
    links: Vec<crate::http::Link>,
}
