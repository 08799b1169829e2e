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

/// Registers every resource. The application registers `method_not_allowed::configure` before
/// it, for the methods no resource serves.
pub fn configure(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    basket::configure(cfg);
    catalog::configure(cfg);
    openapi::configure(cfg);
    events::configure(cfg);
    webhooks::configure(cfg);
    orders::configure(cfg);
    settings::configure(cfg);
    admin::configure(cfg);
    downloads::configure(cfg);
    ui::configure(cfg);
}
