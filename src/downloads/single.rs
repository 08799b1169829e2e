//! One file of an order (B2, B3, B4): 202 while PENDING, 422 in ERROR, else streamed from its
//! storage with `Range` support; it is marked DOWNLOADED once the bytes served cover it whole
//! (one answer, or ranges that add up: a client that disconnects may resume), DOWNLOAD_ERROR
//! when the source breaks.

use crate::downloads::completion::{Outcome, watch};
use crate::downloads::coverage::{OnCovered, Served};
use crate::downloads::exact::exactly;
use crate::downloads::range::{RangeAnswer, answer};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::header;
use futures::StreamExt;
use futures::future::BoxFuture;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::FileState;
use regards_order_actors::engine::Download;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::{ByteRange, FileOfOrder};

/// How long a client should wait before asking again for a file being restored.
const RETRY_AFTER_SECS: &str = "10";

/// Records the end of downloads of an order's files (best effort: a failure is logged).
pub async fn record(
    engine: &Engine,
    tenant: &Tenant,
    order_id: i64,
    files: Vec<(i64, FileState, Option<String>)>,
) {
    if let Err(e) = engine.files_downloaded(tenant, order_id, files).await {
        tracing::warn!(order_id, "download outcome not recorded: {e:?}");
    }
}

/// Records CRC-32s measured while serving an order's files (best effort: a CRC not recorded
/// is measured again next time). They reach the database through the order's actor.
pub async fn record_crcs(engine: &Engine, tenant: &Tenant, order_id: i64, crcs: Vec<(i64, u32)>) {
    if crcs.is_empty() {
        return;
    }
    if let Err(e) = engine.record_crcs(tenant, order_id, crcs).await {
        tracing::warn!(order_id, "CRC-32s not recorded: {e:?}");
    }
}

/// `Content-Disposition` of a file.
pub fn disposition(name: &str) -> String {
    let safe: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// How a download of the file ends: DOWNLOADED once the ranges served cover the whole file
/// (one full answer, or several ranges), DOWNLOAD_ERROR when the source fails.
fn outcome(
    state: &AppState,
    tenant: &Tenant,
    found: &FileOfOrder,
    wanted: RangeAnswer,
    size: Option<u64>,
) -> Outcome {
    let (engine, order_id, id) = (state.engine.clone(), found.order_id, found.file.id);
    let broken_engine = engine.clone();
    let broken_tenant = tenant.clone();
    let broken: BoxFuture<'static, ()> = Box::pin(async move {
        let reason = "Cannot completely retrieve data file from storage".to_owned();
        let failed = vec![(id, FileState::DownloadError, Some(reason))];
        record(&broken_engine, &broken_tenant, order_id, failed).await;
    });
    let (engine_now, tenant_now) = (engine.clone(), tenant.clone());
    let downloaded: OnCovered = Box::new(move || {
        Box::pin(async move {
            let files = vec![(id, FileState::Downloaded, None)];
            record(&engine_now, &tenant_now, order_id, files).await;
        })
    });
    let Some(size) = size else {
        // Without a known size there is no range: only a whole answer ends.
        return Outcome {
            completed: downloaded(),
            broken,
            cut: None,
        };
    };
    let range = match wanted {
        RangeAnswer::Partial { start, end } => start..end + 1,
        _ => 0..size,
    };
    let served = Served {
        engine,
        tenant: tenant.clone(),
        order_id,
        download: Download::File(id),
        size,
        range,
    };
    served.outcome(downloaded, broken)
}

/// Answers a file download; `head` answers headers only.
pub async fn serve(
    state: &AppState,
    tenant: &Tenant,
    found: FileOfOrder,
    range: Option<&str>,
    head: bool,
) -> Result<HttpResponse, ApiError> {
    let file = &found.file;
    match file.state {
        FileState::Pending => {
            return Ok(HttpResponse::Accepted()
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS))
                .finish());
        }
        FileState::Error => return Ok(HttpResponse::UnprocessableEntity().finish()),
        _ => {}
    }
    let mime = file
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let Some(storage) = state.storages.resolve(&file.url) else {
        let reason = format!("No storage holds {}", file.url);
        record(
            &state.engine,
            tenant,
            found.order_id,
            vec![(file.id, FileState::DownloadError, Some(reason.clone()))],
        )
        .await;
        return Err(ApiError::Unavailable(reason));
    };
    let size = file.size.and_then(|s| u64::try_from(s).ok());
    let wanted = match size {
        Some(length) => answer(range, length),
        None => RangeAnswer::Full,
    };
    let mut response = match wanted {
        RangeAnswer::Unsatisfiable => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((
                    header::CONTENT_RANGE,
                    format!("bytes */{}", size.unwrap_or(0)),
                ))
                .finish());
        }
        RangeAnswer::Full => HttpResponse::Ok(),
        RangeAnswer::Partial { start, end } => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{}", size.unwrap_or(0)),
            ));
            r
        }
    };
    response
        .content_type(mime)
        .insert_header((header::CONTENT_DISPOSITION, disposition(&file.filename)))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    let expected = match (wanted, size) {
        (RangeAnswer::Partial { start, end }, _) => Some(end - start + 1),
        (_, Some(length)) => Some(length),
        _ => None,
    };
    if head {
        // A sized body that is never polled: actix writes its Content-Length and, for a HEAD
        // request, no body.
        return Ok(match expected {
            Some(length) => response
                .no_chunking(length)
                .streaming(futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>()),
            None => response.finish(),
        });
    }
    let byte_range = match wanted {
        RangeAnswer::Partial { start, end } => Some(ByteRange {
            start,
            end: Some(end),
        }),
        _ => None,
    };
    let content = match storage.open(&file.url, byte_range).await {
        Ok(c) => c,
        Err(e) => {
            record(
                &state.engine,
                tenant,
                found.order_id,
                vec![(file.id, FileState::DownloadError, Some(e.to_string()))],
            )
            .await;
            return Err(ApiError::Unavailable(e.to_string()));
        }
    };
    let outcome = outcome(state, tenant, &found, wanted, size);
    let body = match expected {
        Some(length) => {
            response.no_chunking(length);
            exactly(content.stream, length)
        }
        None => content.stream,
    };
    Ok(response.streaming(watch(body.boxed(), outcome)))
}
