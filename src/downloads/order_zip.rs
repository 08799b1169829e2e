//! The order's zip (A14): every AVAILABLE file at request time, flat, same name + checksum
//! written once, other same names renamed `name (1).ext`, failures listed in `NOTICE.txt`;
//! stored entries with a layout planned before the first byte (exact `Content-Length`,
//! `Range` support). Once the ranges served of the archive cover it whole (one answer or
//! several), its files are marked DOWNLOADED (failures DOWNLOAD_ERROR); a range alone, even
//! one reaching the end, leaves them AVAILABLE.

use crate::downloads::completion::watch;
use crate::downloads::coverage::{OnCovered, Served, archive_key};
use crate::downloads::order_plan::{OrderSources, Plan, Planner};
use crate::downloads::range::{RangeAnswer, answer};
use crate::downloads::zip::{Crc32, stream_archive};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::stream::TryStreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileState, OrderFile};
use regards_order_actors::engine::Download;
use regards_order_actors::ports::{ByteRange, FileFilter, Storage};
use std::io;
use std::sync::Arc;

/// Reads a whole file to learn its CRC-32 and length (files not read since retrieval).
async fn measure(storage: &dyn Storage, url: &str) -> Result<(u32, u64), String> {
    let content = storage.open(url, None).await.map_err(|e| e.to_string())?;
    let mut hasher = Crc32::new();
    let mut stream = content.stream;
    while let Some(chunk) = stream.try_next().await.map_err(|e| e.to_string())? {
        hasher.update(&chunk);
    }
    Ok((hasher.value(), hasher.len()))
}

/// Files checked at once while planning (they are independent; local checks are cheap).
const CHECKS_AT_ONCE: usize = 32;

/// CRC-32s passed on per call to [`record_measured_crcs`].
const CRC_CHUNK: usize = 5_000;

/// What the check of one file found.
struct Checked {
    file: OrderFile,
    /// Its CRC-32 and size, or why it cannot be added.
    outcome: Result<(u32, u64), String>,
    /// A CRC-32 computed now, to record.
    measured: bool,
}

/// Finds the file's storage and its CRC-32 and size; a local file is checked to exist before
/// the first byte, so a missing one goes into NOTICE.txt instead of breaking the archive.
async fn check(state: &AppState, file: OrderFile, crc: Option<u32>) -> Checked {
    let Some(storage) = state.storages.resolve(&file.url) else {
        let outcome = Err("No storage holds this file".to_owned());
        return Checked {
            file,
            outcome,
            measured: false,
        };
    };
    let size = file.size.and_then(|s| u64::try_from(s).ok());
    let (outcome, measured) = match (crc, size) {
        (Some(c), Some(size)) if storage.kind() != "http" => {
            let at_end = Some(ByteRange {
                start: size,
                end: None,
            });
            let opened = storage.open(&file.url, at_end).await;
            (opened.map(|_| (c, size)).map_err(|e| e.to_string()), false)
        }
        (Some(c), Some(size)) => (Ok((c, size)), false),
        _ => (measure(storage.as_ref(), &file.url).await, true),
    };
    Checked {
        file,
        outcome,
        measured,
    }
}

/// CRC-32s measured while planning, recorded through the order's actor.
async fn record_measured_crcs(
    state: &AppState,
    tenant: &Tenant,
    order_id: i64,
    crcs: Vec<(i64, u32)>,
) {
    crate::downloads::single::record_crcs(&state.engine, tenant, order_id, crcs).await;
}

/// Passes the measured CRC-32s on once at least `at_least` (and one) are waiting: a message
/// to the order holds [`CRC_CHUNK`] of them at most.
async fn pass_on_crcs(
    state: &AppState,
    tenant: &Tenant,
    order_id: i64,
    measured: &mut Vec<(i64, u32)>,
    at_least: usize,
) {
    if measured.len() >= at_least.max(1) {
        record_measured_crcs(state, tenant, order_id, std::mem::take(measured)).await;
    }
}

/// A spill file could not be written or read: the archive cannot be planned now.
fn spill_failed(error: io::Error) -> ApiError {
    tracing::error!(%error, "zip plan not spilled");
    ApiError::Unavailable("The archive cannot be prepared now".to_owned())
}

/// Plans the zip of every AVAILABLE file of the order, dated `date`, reading the files' rows
/// page by page (a connection is held only while a page is read); 204 when there is none.
async fn plan(
    state: &AppState,
    tenant: &Tenant,
    order_id: i64,
    date: DateTime<Utc>,
) -> Result<Plan, ApiError> {
    let filter = FileFilter {
        state: Some(FileState::Available),
        ..FileFilter::default()
    };
    let dir = state.settings.data_dir.clone();
    let mut planner = Planner::create(dir, date).await.map_err(spill_failed)?;
    let mut measured = Vec::new();
    // Checked concurrently, named in order: the archive's layout stays deterministic.
    let mut checked = state
        .store
        .order_files(tenant, order_id, &filter)
        .map_ok(|(file, crc)| check(state, file, crc).map(Ok))
        .try_buffered(CHECKS_AT_ONCE);
    while let Some(c) = checked.try_next().await? {
        if let (true, Ok((crc, _))) = (c.measured, &c.outcome) {
            measured.push((c.file.id, *crc));
            pass_on_crcs(state, tenant, order_id, &mut measured, CRC_CHUNK).await;
        }
        planner
            .add(&c.file, c.outcome)
            .await
            .map_err(spill_failed)?;
    }
    pass_on_crcs(state, tenant, order_id, &mut measured, 1).await;
    let plan = planner.finish().await.map_err(spill_failed)?;
    plan.ok_or(ApiError::NoContent)
}

/// Answers the zip of an order the caller may read.
pub async fn serve(
    state: &AppState,
    tenant: &Tenant,
    order_id: i64,
    created: DateTime<Utc>,
    range: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    // Entries are dated with the order's creation: the same request gives the same bytes,
    // which resumed (Range) downloads rely on.
    let Plan {
        layout,
        notice,
        outcomes,
    } = plan(state, tenant, order_id, created).await?;
    let layout = Arc::new(layout);
    let total = layout.total_length();
    let wanted = answer(range, total);
    let (mut response, byte_range) = match wanted {
        RangeAnswer::Unsatisfiable => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{total}")))
                .finish());
        }
        RangeAnswer::Full => (HttpResponse::Ok(), None),
        RangeAnswer::Partial { start, end } => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{total}"),
            ));
            (r, Some(start..end + 1))
        }
    };
    let length = byte_range.as_ref().map_or(total, |r| r.end - r.start);
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    // The files are marked once the ranges served of this very archive cover it whole.
    let served = Served {
        engine: state.engine.clone(),
        tenant: tenant.clone(),
        order_id,
        download: Download::Archive(archive_key(total, &outcomes, byte_range.is_some()).await),
        size: total,
        range: byte_range.clone().unwrap_or(0..total),
    };
    let (engine, tenant) = (state.engine.clone(), tenant.clone());
    let record: OnCovered = Box::new(move || {
        Box::pin(async move { outcomes.record(&engine, &tenant, order_id).await })
    });
    let outcome = served.outcome(record, Box::pin(async {}));
    let sources = OrderSources {
        storages: Arc::clone(&state.storages),
        notice,
    };
    let body = stream_archive(layout.archive(Arc::new(sources)), byte_range);
    Ok(response
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment;filename=order_{order_id}_{now}.zip"),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(length)
        .streaming(watch(body, outcome)))
}
