//! The order's zip: every AVAILABLE file at request time, flat, same name + checksum written
//! once, other same names renamed `name (1).ext`, failures listed in `NOTICE.txt`; stored
//! entries with a layout planned before the first byte (exact length, any byte range). Once
//! the ranges served of the archive cover it whole (one answer or several), its files are
//! marked DOWNLOADED (failures DOWNLOAD_ERROR); a range alone, even one reaching the end,
//! leaves them AVAILABLE.

use super::coverage::{OnCovered, Served, archive_key};
use super::{ByteRange, DownloadBody, DownloadService, Streamed, records};
use crate::app::{AppError, AppResult, Requester};
use crate::downloads::completion::watch;
use crate::downloads::order_plan::{OrderSources, Outcomes, Plan, Planner, RECORD_CHUNK};
use crate::downloads::zip::{Crc32, SpilledLayout, stream_archive};
use crate::storage::Storages;
use chrono::{DateTime, Utc};
use futures::stream::{StreamExt, TryStreamExt};
use futures::{FutureExt, future::BoxFuture};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileState, OrderFile};
use regards_order_actors::engine::Download;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::{FileFilter, Storage};
use std::io;
use std::ops::Range;
use std::sync::Arc;

/// Files checked at once while planning (they are independent; local checks are cheap).
const CHECKS_AT_ONCE: usize = 32;

/// CRC-32s passed on per call to the order while planning.
const CRC_CHUNK: usize = 5_000;

/// A planned zip of an order, to be opened for the bytes to serve.
pub struct ZipDownload {
    /// `order_<id>_<date>.zip`.
    pub name: String,
    /// Length of the whole archive.
    pub total: u64,
    layout: Arc<SpilledLayout>,
    sources: OrderSources,
    outcomes: Outcomes,
    engine: Engine,
    tenant: Tenant,
    order_id: i64,
}

/// What the check of one file found.
struct Checked {
    file: OrderFile,
    /// Its CRC-32 and size, or why it cannot be added.
    outcome: Result<(u32, u64), String>,
    /// A CRC-32 computed now, to record.
    measured: bool,
}

impl DownloadService {
    /// The zip of an order the requester may read (`Empty` when no file is AVAILABLE).
    pub async fn zip(
        &self,
        requester: &Requester,
        order_id: i64,
    ) -> AppResult<Streamed<ZipDownload>> {
        let tenant = &requester.tenant;
        let order = self.readable_order(requester, order_id).await?;
        // Before planning: the plan reads the order's files, which is work enough to refuse.
        let slot = self.limits.acquire(tenant, &requester.email)?;
        // Entries are dated with the order's creation: the same request gives the same bytes,
        // which resumed (Range) downloads rely on.
        let plan = self
            .plan(tenant, order_id, order.header.creation_date)
            .await?;
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let download = ZipDownload {
            name: format!("order_{order_id}_{now}.zip"),
            total: plan.layout.total_length(),
            layout: Arc::new(plan.layout),
            sources: OrderSources {
                storages: Arc::clone(&self.storages),
                notice: plan.notice,
            },
            outcomes: plan.outcomes,
            engine: self.engine.clone(),
            tenant: tenant.clone(),
            order_id,
        };
        Ok(Streamed {
            download,
            slot: Some(slot),
        })
    }

    /// Plans the zip of every AVAILABLE file of the order, dated `date`, reading the files' rows
    /// page by page (a connection is held only while a page is read).
    async fn plan(&self, tenant: &Tenant, order_id: i64, date: DateTime<Utc>) -> AppResult<Plan> {
        let filter = FileFilter {
            state: Some(FileState::Available),
            ..FileFilter::default()
        };
        let mut planner = Planner::create(self.spill_dir.clone(), date)
            .await
            .map_err(spill_failed)?;
        let mut measured = Vec::new();
        // Checked concurrently, named in order: the archive's layout stays deterministic.
        let mut checked = self
            .store
            .order_files(tenant, order_id, &filter)
            .map_ok(|(file, crc)| check(&self.storages, file, crc).map(Ok))
            .try_buffered(CHECKS_AT_ONCE);
        while let Some(c) = checked.try_next().await? {
            if let (true, Ok((crc, _))) = (c.measured, &c.outcome) {
                measured.push((c.file.id, *crc));
                self.pass_on_crcs(tenant, order_id, &mut measured, CRC_CHUNK)
                    .await;
            }
            planner
                .add(&c.file, c.outcome)
                .await
                .map_err(spill_failed)?;
        }
        self.pass_on_crcs(tenant, order_id, &mut measured, 1).await;
        let plan = planner.finish().await.map_err(spill_failed)?;
        plan.ok_or(AppError::Empty)
    }

    /// Passes the measured CRC-32s on once at least `at_least` (and one) are waiting: a message
    /// to the order holds [`CRC_CHUNK`] of them at most.
    async fn pass_on_crcs(
        &self,
        tenant: &Tenant,
        order_id: i64,
        measured: &mut Vec<(i64, u32)>,
        at_least: usize,
    ) {
        if measured.len() >= at_least.max(1) {
            let crcs = std::mem::take(measured);
            records::crcs_measured(&self.engine, tenant, order_id, crcs).await;
        }
    }
}

impl ZipDownload {
    /// The bytes of the archive within `range` (the whole archive when `None`), exactly as
    /// many as announced; once the ranges served of this archive cover it, its files are
    /// marked.
    pub async fn open(self, range: Option<ByteRange>) -> DownloadBody {
        let Self {
            total,
            layout,
            sources,
            outcomes,
            engine,
            tenant,
            order_id,
            ..
        } = self;
        let byte_range: Option<Range<u64>> =
            range.map(|r| r.start..r.end.map_or(total, |end| end + 1));
        let length = byte_range.as_ref().map_or(total, |r| r.end - r.start);
        // The files are marked once the ranges served of this very archive cover it whole.
        let key = archive_key(total, &outcomes, byte_range.is_some()).await;
        let served = Served {
            engine: engine.clone(),
            tenant: tenant.clone(),
            order_id,
            download: Download::Archive(key),
            size: total,
            range: byte_range.clone().unwrap_or(0..total),
        };
        let record: OnCovered =
            Box::new(move || record_outcomes(outcomes, engine, tenant, order_id));
        let outcome = served.outcome(record, Box::pin(async {}));
        let stream = stream_archive(layout.archive(Arc::new(sources)), byte_range);
        DownloadBody {
            stream: watch(stream, outcome),
            length: Some(length),
        }
    }
}

/// Marks the archive's files, [`RECORD_CHUNK`] per message to the order.
fn record_outcomes(
    outcomes: Outcomes,
    engine: Engine,
    tenant: Tenant,
    order_id: i64,
) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let mut chunks = outcomes.chunks(RECORD_CHUNK);
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(files) => records::files_downloaded(&engine, &tenant, order_id, files).await,
                Err(error) => {
                    tracing::warn!(order_id, %error, "download outcomes not read back");
                    return;
                }
            }
        }
    })
}

/// Finds the file's storage and its CRC-32 and size; a local file is checked to exist before
/// the first byte, so a missing one goes into NOTICE.txt instead of breaking the archive.
async fn check(storages: &Storages, file: OrderFile, crc: Option<u32>) -> Checked {
    let Some(storage) = storages.resolve(&file.url) else {
        let outcome = Err("No storage holds this file".to_owned());
        return Checked {
            file,
            outcome,
            measured: false,
        };
    };
    let size = file.size.and_then(|s| u64::try_from(s).ok());
    let (outcome, measured) = match (crc, size) {
        (Some(c), Some(size)) if storage.cheap_to_read() => {
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

/// A spill file could not be written or read: the archive cannot be planned now.
fn spill_failed(error: io::Error) -> AppError {
    tracing::error!(%error, "zip plan not spilled");
    AppError::Unavailable("The archive cannot be prepared now".to_owned())
}
