//! `GET /openapi.json`: the OpenAPI 3 document, generated from the handlers' annotations.

use super::responses::CommonResponses;
use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "regards-order",
        description = "Order engine API-compatible with the REGARDS Order service"
    ),
    paths(
        super::health::health,
        super::health::ready,
        super::health::metrics,
        super::catalog::import,
        super::catalog::datasets,
        super::catalog::search,
        super::basket::get_basket,
        super::basket::empty_basket,
        super::basket::add_selection,
        super::basket::upload_selection,
        super::basket::remove_dataset,
        super::basket::remove_item,
        super::basket::update_processing,
        super::basket::update_file_filters,
        super::orders::create::create_user_order,
        super::orders::create::create_app_order,
        super::orders::apply::apply_order,
        super::orders::read::get_order,
        super::orders::read::my_orders,
        super::orders::lifecycle::pause_order,
        super::orders::lifecycle::resume_order,
        super::orders::create::restart_order,
        super::orders::lifecycle::retry_order,
        super::orders::lifecycle::delete_order,
        super::orders::lifecycle::remove_order,
        super::orders::search::search_orders,
        super::orders::search::export_csv,
        super::settings::list_settings,
        super::settings::update_setting,
        super::settings::reset_setting,
        super::admin::actors,
        super::events::my_order_events,
        super::events::tenant_order_events,
        super::webhooks::register_mine,
        super::webhooks::list_mine,
        super::webhooks::delete_mine,
        super::webhooks::register_tenant,
        super::webhooks::list_tenant,
        super::webhooks::delete_tenant,
        super::downloads::archives::download_zip,
        super::downloads::archives::metalink,
        super::downloads::archives::public_metalink,
        super::downloads::files::download_file,
        super::downloads::files::public_file,
        super::downloads::files::public_file_head,
        super::downloads::listings::dataset_files,
        super::downloads::listings::available_files,
        super::downloads::listings::available_files_of_suborder,
        super::downloads::suborders::suborders,
        openapi_json,
    ),
    modifiers(&SecuritySchemes, &CommonResponses),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// Declares the bearer token every protected endpoint takes, and the `scope` (a tenant) that
/// anonymous calls to the public endpoints name instead.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        let scope = ApiKeyValue::with_description(
            "scope",
            "the tenant of an anonymous call (header `scope` works too)",
        );
        components.add_security_scheme("scope", SecurityScheme::ApiKey(ApiKey::Query(scope)));
    }
}

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json);
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "the OpenAPI 3 document")))]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
