//! The progress of each sub-order of an order (`GET /orders/{id}/filesTasks`): its files
//! counted per state, bytes, percentage. The original has no such listing; the web interface
//! draws a bar per sub-order from it, and a script can follow a large order part by part.

use super::listings::page_request;
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, EntityModel, Link, PagedModel};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use regards_order_actors::domain::order::FileState;
use regards_order_actors::ports::SubOrderCounts;
use serde::Serialize;

/// A sub-order (the original's "files task") and where its files stand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilesTaskProgress {
    pub id: i64,
    pub order_id: i64,
    pub dataset_task_id: i64,
    /// Its files are references outside the archive, available at once.
    pub external: bool,
    pub files_count: u64,
    pub pending_count: u64,
    pub available_count: u64,
    pub downloaded_count: u64,
    /// ERROR, PROCESSING_ERROR and DOWNLOAD_ERROR files.
    pub files_in_error_count: u64,
    /// Bytes of its files whose size is known.
    pub files_size: i64,
    /// Of those bytes, the share no longer waiting to be retrieved (by files when no size is
    /// known); 100 only once no file is pending, as the order's `percentCompleted`.
    pub percent_completed: u8,
    /// Nothing left to retrieve and something to download.
    pub waiting_for_user: bool,
}

/// `PagedModel<EntityModel<FilesTaskProgress>>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FilesTaskPage {
    metadata: crate::http::PageMetadata,
    content: Vec<FilesTaskModel>,
    links: Vec<Link>,
}

/// `EntityModel<FilesTaskProgress>` with its `available` files link.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FilesTaskModel {
    content: FilesTaskProgress,
    links: Vec<Link>,
}

fn progress(order_id: i64, s: &SubOrderCounts) -> FilesTaskProgress {
    let pending = s.count(FileState::Pending);
    let available_count = s.count(FileState::Available);
    FilesTaskProgress {
        id: s.suborder.id,
        order_id,
        dataset_task_id: s.suborder.dataset_task_id,
        external: s.suborder.external,
        files_count: s.files(),
        pending_count: pending,
        available_count,
        downloaded_count: s.count(FileState::Downloaded),
        files_in_error_count: s.count(FileState::Error)
            + s.count(FileState::ProcessingError)
            + s.count(FileState::DownloadError),
        files_size: s.bytes(),
        percent_completed: s.percent_completed(),
        waiting_for_user: pending == 0 && available_count > 0,
    }
}

/// The sub-orders of an order, by id, each with its files counted per state (20 per page;
/// owner or admin).
#[utoipa::path(get, path = "/orders/{orderId}/filesTasks", tag = "downloads",
    params(("orderId" = i64, Path,), crate::http::PagingParams),
    responses((status = 200, body = FilesTaskPage), (status = 400), (status = 403), (status = 404)))]
#[get("/orders/{order_id}/filesTasks")]
pub(crate) async fn suborders(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    order_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let order_id = order_id.into_inner();
    let (paging, page) = page_request(&req, 20)?;
    let found = state
        .downloads
        .suborders(&caller.requester(), order_id, &page)
        .await?;
    let base = &state.public_url;
    let content = found
        .suborders
        .iter()
        .map(|s| EntityModel {
            content: progress(order_id, s),
            links: vec![Link::new(
                "available",
                format!(
                    "{base}/orders/{order_id}/filesTask/{}/files/available",
                    s.suborder.id
                ),
            )],
        })
        .collect();
    let url = format!("{base}/orders/{order_id}/filesTasks");
    Ok(HttpResponse::Ok().json(PagedModel::new(content, found.total, &paging, &url)))
}
