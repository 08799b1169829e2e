//! `POST /catalog/import` (ADMIN): imports a STAC document into the caller's tenant.

use crate::auth::{Authorised, roles};
use crate::catalog::import::ImportReport;
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

/// What the import reads of a STAC document (other members are kept as properties or
/// ignored), for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StacDocument {
    #[schema(rename = "type")]
    kind: StacType,
    /// The URN of an Item (a data object) or a Collection (a dataset).
    id: Option<String>,
    /// An Item's dataset.
    collection: Option<String>,
    /// A Collection's label.
    title: Option<String>,
    /// An Item's properties (`providerId`, `title`, anything to query).
    properties: Option<serde_json::Map<String, serde_json::Value>>,
    /// An Item's files: `href`, `type`, `roles`, `file:size`, `file:checksum`, `regards:dataType`.
    assets: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// An ItemCollection's Items.
    features: Option<Vec<serde_json::Value>>,
}

/// The STAC document types the import takes, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum StacType {
    Feature,
    FeatureCollection,
    Collection,
    Catalog,
}

/// Imports a Collection, an Item or an ItemCollection; answers what was stored.
#[utoipa::path(post, path = "/catalog/import", tag = "catalog",
    params(("base" = Option<String>, Query, description = "base URL of relative asset hrefs",
        pattern = "^([Ff][Ii][Ll][Ee]|[Hh][Tt][Tt][Pp][Ss]?)://")),
    request_body(content = StacDocument, description = "a STAC Collection, Item or ItemCollection"),
    responses((status = 200, body = ImportReport), (status = 413, body = Messages),
        (status = 422, body = Messages)))]
#[post("/catalog/import")]
pub(super) async fn import(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let report = state
        .catalog
        .import(&caller.requester(), body, query.base.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
