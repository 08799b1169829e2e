//! `POST /catalog/import` (ADMIN): imports a STAC document into the caller's tenant.

use crate::auth::{Authorised, roles};
use crate::catalog::import::ImportReport;
use crate::catalog::import::import_bytes;
use crate::http::{ApiError, Messages};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import);
}

/// Query of the import.
#[derive(Debug, Deserialize)]
struct ImportQuery {
    /// Base URL that relative asset hrefs resolve against (`file:///dir/` or `http(s)://…/`).
    base: Option<String>,
}

/// Imports a Collection, an Item or an ItemCollection; answers what was stored.
#[utoipa::path(post, path = "/catalog/import", tag = "catalog",
    params(("base" = Option<String>, Query, description = "base URL of relative asset hrefs")),
    request_body(content = Object, description = "a STAC Collection, Item or ItemCollection"),
    responses((status = 200, body = ImportReport), (status = 413, body = Messages),
        (status = 422, body = Messages)))]
#[post("/catalog/import")]
pub(super) async fn import(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let report = import_bytes(
        state.store.as_ref(),
        &caller.tenant,
        body,
        query.base.as_deref(),
        state.storages.owns_location(),
    )
    .await
    .map_err(|e| {
        if e.is_client_error() {
            ApiError::unprocessable(e.to_string())
        } else {
            ApiError::Internal(anyhow::Error::new(e))
        }
    })?;
    Ok(HttpResponse::Ok().json(report))
}
