//! `POST /catalog/import` (ADMIN): imports a STAC document into the caller's tenant.
//! `GET /catalog/datasets` and `GET /catalog/search` (REGISTERED_USER): what a user may put in
//! the basket — the datasets, and the data objects a `q` query matches, page by page.

use crate::auth::{Authorised, roles};
use crate::catalog::import::ImportReport;
use crate::catalog::search::CatalogItem;
use crate::http::{ApiError, Messages, PageMetadata, Paging};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import).service(datasets).service(search);
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

/// A dataset as the listing shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DatasetView {
    /// The dataset's URN (what `datasetUrn` takes in a basket selection).
    urn: String,
    label: String,
}

/// Every dataset of the caller's tenant, ordered by label.
#[utoipa::path(get, path = "/catalog/datasets", tag = "catalog",
    responses((status = 200, body = Vec<DatasetView>)))]
#[get("/catalog/datasets")]
pub(super) async fn datasets(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let datasets = state.catalog.datasets(&caller.requester()).await?;
    let out: Vec<DatasetView> = datasets
        .into_iter()
        .map(|d| DatasetView {
            urn: d.urn,
            label: d.label,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Query of the search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// A query of the `q` language; blank or absent: everything.
    q: Option<String>,
    /// Only this dataset's objects (its URN).
    dataset: Option<String>,
}

/// A page of matching data objects.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogPage {
    metadata: PageMetadata,
    content: Vec<CatalogItem>,
}

/// The data objects `q` matches, ordered by URN (20 a page by default); 422 for a malformed
/// query, naming the character where it goes wrong.
#[utoipa::path(get, path = "/catalog/search", tag = "catalog", params(SearchQuery, crate::http::PagingParams),
    responses((status = 200, body = CatalogPage), (status = 422, body = Messages)))]
#[get("/catalog/search")]
pub(super) async fn search(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::from_request(&req, 20)?;
    let found = state
        .catalog
        .search(
            &caller.requester(),
            query.q.as_deref(),
            query.dataset.as_deref(),
            paging.page,
            paging.size,
        )
        .await?;
    let size = u64::from(paging.size);
    Ok(HttpResponse::Ok().json(CatalogPage {
        metadata: PageMetadata {
            size,
            total_elements: found.total,
            total_pages: found.total.div_ceil(size.max(1)),
            number: u64::from(paging.page),
        },
        content: found.items,
    }))
}
