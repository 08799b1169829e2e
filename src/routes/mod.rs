//! HTTP resources, one module each with its own route table.

mod basket;
mod catalog;
mod health;
mod openapi;

use actix_web::web::ServiceConfig;

/// Registers every resource.
pub fn configure(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    basket::configure(cfg);
    catalog::configure(cfg);
    openapi::configure(cfg);
}
