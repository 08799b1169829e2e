//! Pages of an order's files: those of a dataset task
//! (`GET /orders/{id}/dataset/{task}/files`), and the AVAILABLE ones of the order or of a
//! sub-order (`GET /orders/{id}/files/available`, `…/filesTask/{suborder}/files/available`).

use crate::app::downloads::{DatasetFile, PageRequest};
use crate::auth::{Authorised, Caller, roles};
use crate::http::{ApiError, EntityModel, Link, PagedModel, Paging};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use regards_order_actors::domain::order::{FileState, OrderFile};
use serde::Serialize;

/// A file as the dataset listing shows it (the original's OrderDataFile).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDataFile {
    pub id: i64,
    pub state: FileState,
    pub order_id: i64,
    pub files_task_id: i64,
    pub ip_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_error: Option<String>,
    pub product_id: String,
    pub version: i32,
    pub data_type: String,
    pub reference: bool,
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    pub online: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesize: Option<i64>,
    pub filename: String,
    pub types: Vec<String>,
}

/// An available file (the original's OrderDataFileDTO).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDataFileDto {
    pub id: i64,
    pub product_id: String,
    pub version: i32,
    pub download_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesize: Option<i64>,
    pub filename: String,
}

/// `sort` of the file listings, for the OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FileSortParam {
    /// `property,asc|desc` (default `id,asc`).
    #[param(pattern = "^ *(id|filename|filesTaskId|state|filesize|size)? *(,.*)?$")]
    sort: Option<String>,
}

/// `PagedModel<EntityModel<OrderDataFile>>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DataFilePage {
    metadata: crate::http::PageMetadata,
    content: Vec<DataFileModel>,
    links: Vec<Link>,
}

/// `EntityModel<OrderDataFile>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DataFileModel {
    content: OrderDataFile,
    links: Vec<Link>,
}

/// `PagedModel<EntityModel<OrderDataFileDTO>>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AvailableFilePage {
    metadata: crate::http::PageMetadata,
    content: Vec<AvailableFileModel>,
    links: Vec<Link>,
}

/// `EntityModel<OrderDataFileDTO>` (no links), for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AvailableFileModel {
    content: OrderDataFileDto,
    links: Vec<Link>,
}

/// The page the query asks for (400 when malformed).
pub(super) fn page_request(
    req: &HttpRequest,
    default_size: u32,
) -> Result<(Paging, PageRequest), ApiError> {
    let paging = Paging::from_request(req, default_size)?;
    let request = PageRequest {
        page: paging.page,
        size: paging.size,
        sort: paging.sort.clone(),
    };
    Ok((paging, request))
}

/// The files of a dataset task of the order (owner or super-admin; the task must be the
/// order's).
#[utoipa::path(get, path = "/orders/{orderId}/dataset/{datasetId}/files", tag = "downloads",
    params(("orderId" = i64, Path,), ("datasetId" = i64, Path,), crate::http::PagingParams, FileSortParam),
    responses((status = 200, body = DataFilePage), (status = 403), (status = 404)))]
#[get("/orders/{order_id}/dataset/{dataset_id}/files")]
pub(crate) async fn dataset_files(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (order_id, task_id) = path.into_inner();
    let (paging, page) = page_request(&req, 20)?;
    let requester = caller.requester();
    let found = state
        .downloads
        .dataset_files(&requester, order_id, task_id, &page)
        .await?;
    let base = &state.public_url;
    let content = found
        .files
        .into_iter()
        .map(|DatasetFile { file, online }| {
            let link = Link::new("self", format!("{base}/orders/files/{}", file.id));
            EntityModel {
                content: data_file(file, order_id, online),
                links: vec![link],
            }
        })
        .collect();
    let url = format!("{base}/orders/{order_id}/dataset/{task_id}/files");
    Ok(HttpResponse::Ok().json(PagedModel::new(content, found.total, &paging, &url)))
}

fn data_file(f: OrderFile, order_id: i64, online: bool) -> OrderDataFile {
    OrderDataFile {
        id: f.id,
        state: f.state,
        order_id,
        files_task_id: f.suborder_id,
        ip_id: f.object_urn,
        download_error: f.download_error,
        product_id: f.provider_id,
        version: f.version,
        data_type: f.data_type.as_str().to_owned(),
        reference: f.reference,
        uri: f.url,
        mime_type: f.mime_type,
        online,
        checksum: f.checksum.as_ref().map(|c| c.value.clone()),
        digest_algorithm: f.checksum.map(|c| c.algorithm),
        filesize: f.size,
        filename: f.filename,
        types: Vec::new(),
    }
}

async fn available(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    order_id: i64,
    suborder_id: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    let (paging, page) = page_request(req, 10)?;
    let requester = caller.requester();
    let found = state
        .downloads
        .available_files(&requester, order_id, suborder_id, &page)
        .await?;
    let base = &state.public_url;
    let content = found
        .files
        .into_iter()
        .map(|f| {
            EntityModel::bare(OrderDataFileDto {
                download_url: format!("{base}/orders/files/{}", f.id),
                id: f.id,
                product_id: f.provider_id,
                version: f.version,
                mime_type: f.mime_type,
                checksum: f.checksum.map(|c| c.value),
                filesize: f.size,
                filename: f.filename,
            })
        })
        .collect();
    let url = match suborder_id {
        Some(s) => format!("{base}/orders/{order_id}/filesTask/{s}/files/available"),
        None => format!("{base}/orders/{order_id}/files/available"),
    };
    Ok(HttpResponse::Ok().json(PagedModel::new(content, found.total, &paging, &url)))
}

/// The AVAILABLE files of an order (10 per page, by id).
#[utoipa::path(get, path = "/orders/{orderId}/files/available", tag = "downloads",
    params(("orderId" = i64, Path,), crate::http::PagingParams, FileSortParam),
    responses((status = 200, body = AvailableFilePage), (status = 403), (status = 404)))]
#[get("/orders/{order_id}/files/available")]
pub(crate) async fn available_files(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    order_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    available(&state, &caller, &req, *order_id, None).await
}

/// The AVAILABLE files of one sub-order.
#[utoipa::path(get, path = "/orders/{orderId}/filesTask/{filesTaskId}/files/available", tag = "downloads",
    params(("orderId" = i64, Path,), ("filesTaskId" = i64, Path,), crate::http::PagingParams, FileSortParam),
    responses((status = 200, body = AvailableFilePage), (status = 403), (status = 404)))]
#[get("/orders/{order_id}/filesTask/{suborder_id}/files/available")]
pub(crate) async fn available_files_of_suborder(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (order_id, suborder_id) = path.into_inner();
    available(&state, &caller, &req, order_id, Some(suborder_id)).await
}
