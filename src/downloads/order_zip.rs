//! The order's zip (A14): every AVAILABLE file at request time, flat, same name + checksum
//! written once, other same names renamed `name (1).ext`, failures listed in `NOTICE.txt`;
//! stored entries with a layout planned before the first byte (exact `Content-Length`,
//! `Range` support). A complete download marks the files DOWNLOADED (failures DOWNLOAD_ERROR);
//! a client that disconnects leaves them AVAILABLE.

use crate::downloads::completion::{Outcome, watch};
use crate::downloads::range::{RangeAnswer, answer};
use crate::downloads::single::record;
use crate::downloads::zip::{Crc32, EntryNames, EntrySource, ZipEntry, ZipLayout, crc32, stream};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::header;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileState, OrderFile};
use regards_order_actors::ports::{ByteRange, FileFilter, Storage};
use std::io;
use std::sync::Arc;

/// Where one entry's bytes come from.
enum Part {
    File {
        storage: Arc<dyn Storage>,
        url: String,
    },
    Notice(Bytes),
}

/// The entries' sources, in entry order.
struct Sources(Vec<Part>);

#[async_trait]
impl EntrySource for Sources {
    async fn open(
        &self,
        index: usize,
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        match self.0.get(index) {
            Some(Part::File { storage, url }) => {
                let range = (offset > 0).then_some(ByteRange {
                    start: offset,
                    end: None,
                });
                let content = storage.open(url, range).await.map_err(io::Error::other)?;
                Ok(content.stream)
            }
            Some(Part::Notice(bytes)) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                Ok(futures::stream::once(futures::future::ready(Ok(bytes.slice(start..)))).boxed())
            }
            None => Err(io::Error::other(format!("no zip entry {index}"))),
        }
    }
}

/// The archive planned for an order.
struct Plan {
    entries: Vec<ZipEntry>,
    sources: Vec<Part>,
    /// Written (or skipped as duplicates): DOWNLOADED once the zip is complete.
    downloaded: Vec<i64>,
    /// Could not be added: DOWNLOAD_ERROR, listed in NOTICE.txt.
    failed: Vec<(i64, String, String)>,
    crcs: Vec<(i64, u32)>,
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

/// Files checked at once while planning (they are independent; local checks are cheap).
const CHECKS_AT_ONCE: usize = 32;

/// What the check of one file found.
struct Checked {
    file: OrderFile,
    outcome: Result<(Arc<dyn Storage>, u32, u64), String>,
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
    let (known, measured) = match (crc, size) {
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
    let outcome = known.map(|(c, size)| (storage, c, size));
    Checked {
        file,
        outcome,
        measured,
    }
}

impl Plan {
    /// Adds a checked file under a unique name (a same-name, same-checksum file is skipped
    /// but still counts as downloaded).
    fn add(&mut self, names: &mut EntryNames, checked: Checked, date: DateTime<Utc>) {
        let file = checked.file;
        let (storage, crc, size) = match checked.outcome {
            Ok(found) => found,
            Err(reason) => {
                self.failed.push((file.id, file.filename, reason));
                return;
            }
        };
        if checked.measured {
            self.crcs.push((file.id, crc));
        }
        let checksum = file.checksum.as_ref().map(|c| c.value.as_str());
        if let Some(name) = names.add(&file.filename, checksum) {
            self.entries.push(ZipEntry {
                name,
                size,
                crc32: crc,
                modified: date,
            });
            self.sources.push(Part::File {
                storage,
                url: file.url,
            });
        }
        self.downloaded.push(file.id);
    }

    /// Adds `NOTICE.txt` when some files failed: one line per file, no final newline.
    fn add_notice(&mut self, names: &mut EntryNames, date: DateTime<Utc>) {
        if self.failed.is_empty() {
            return;
        }
        let lines: Vec<String> = self
            .failed
            .iter()
            .map(|(_, name, reason)| format!("Failed to download file ({name}): {reason}."))
            .collect();
        let text = Bytes::from(lines.join("\n"));
        let name = names
            .add("NOTICE.txt", None)
            .unwrap_or_else(|| "NOTICE.txt".into());
        self.entries.push(ZipEntry {
            name,
            size: text.len() as u64,
            crc32: crc32(&text),
            modified: date,
        });
        self.sources.push(Part::Notice(text));
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
    let files: Vec<(OrderFile, Option<u32>)> = state
        .store
        .order_files(tenant, order_id, &filter)
        .try_collect()
        .await?;
    let mut plan = Plan {
        entries: Vec::new(),
        sources: Vec::new(),
        downloaded: Vec::new(),
        failed: Vec::new(),
        crcs: Vec::new(),
    };
    let mut names = EntryNames::new();
    // Checked concurrently, named in order: the archive's layout stays deterministic.
    let mut checked = futures::stream::iter(files)
        .map(|(file, crc)| check(state, file, crc))
        .buffered(CHECKS_AT_ONCE);
    while let Some(c) = checked.next().await {
        plan.add(&mut names, c, date);
    }
    if plan.downloaded.is_empty() && plan.failed.is_empty() {
        return Err(ApiError::NoContent);
    }
    plan.add_notice(&mut names, date);
    record_measured_crcs(state, tenant, order_id, std::mem::take(&mut plan.crcs)).await;
    Ok(plan)
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
    let plan = plan(state, tenant, order_id, created).await?;
    let outcome_files: Vec<(i64, FileState, Option<String>)> = plan
        .downloaded
        .iter()
        .map(|id| (*id, FileState::Downloaded, None))
        .chain(
            plan.failed
                .iter()
                .map(|(id, _, reason)| (*id, FileState::DownloadError, Some(reason.clone()))),
        )
        .collect();
    let layout = Arc::new(ZipLayout::new(plan.entries));
    let total = layout.total_length();
    let wanted = answer(range, total);
    let (mut response, byte_range, reaches_end) = match wanted {
        RangeAnswer::Unsatisfiable => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{total}")))
                .finish());
        }
        RangeAnswer::Full => (HttpResponse::Ok(), None, true),
        RangeAnswer::Partial { start, end } => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{total}"),
            ));
            (r, Some(start..end + 1), end + 1 == total)
        }
    };
    let length = byte_range.as_ref().map_or(total, |r| r.end - r.start);
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let (engine, tenant) = (state.engine.clone(), tenant.clone());
    let outcome = Outcome {
        completed: Box::pin(async move {
            if reaches_end {
                record(&engine, &tenant, order_id, outcome_files).await;
            }
        }),
        broken: Box::pin(async {}),
    };
    let body = stream(layout, byte_range, Arc::new(Sources(plan.sources)));
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
