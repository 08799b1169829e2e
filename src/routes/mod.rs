//! HTTP resources, one module each with its own route table.

mod admin;
mod basket;
mod catalog;
mod downloads;
mod events;
mod health;
pub mod method_not_allowed;
mod openapi;
mod orders;
mod responses;
mod settings;
mod ui;
mod webhooks;

use actix_web::web::ServiceConfig;

/// Registers every resource. The router tries them in this order, a `{parameter}` route at
/// the cost of a regex: the most requested come first (status reads right after the event
/// streams, whose `/user/orders/events` the order route would otherwise take). The methods no
/// resource serves are answered by `method_not_allowed::refuse_unserved_methods`, before
/// routing.
pub fn configure(cfg: &mut ServiceConfig) {
    method_not_allowed::prepare();
    health::configure(cfg);
    events::configure(cfg);
    orders::configure(cfg);
    basket::configure(cfg);
    catalog::configure(cfg);
    openapi::configure(cfg);
    webhooks::configure(cfg);
    settings::configure(cfg);
    admin::configure(cfg);
    downloads::configure(cfg);
    ui::configure(cfg);
}
