//! One file of an order: PENDING is to be asked again later, ERROR cannot be served, else it
//! is streamed from its storage, whole or a byte range. It is marked DOWNLOADED once the bytes
//! served cover it whole (one answer, or ranges that add up: a client that disconnects may
//! resume), DOWNLOAD_ERROR when its storage cannot serve it or the source breaks.

use super::coverage::{OnCovered, Served};
use super::records::{self, FileOutcome};
use super::{ByteRange, DownloadBody, DownloadService, Streamed};
use crate::app::{AppError, AppResult, Requester};
use crate::auth::OrderClaims;
use crate::downloads::completion::{Outcome, watch};
use crate::downloads::exact::exactly;
use futures::StreamExt;
use futures::future::BoxFuture;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::FileState;
use regards_order_actors::engine::Download;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::{FileOfOrder, Storage};
use std::ops::Range;
use std::sync::Arc;

/// What the client is told when a storage fails: its address stays in the log.
const STORAGE_UNAVAILABLE: &str =
    "The file cannot be read from its storage now, please try again later";

/// Reason recorded for a file whose source broke while it was sent.
const SOURCE_BROKEN: &str = "Cannot completely retrieve data file from storage";

/// What a request for one file finds.
pub enum FileDownload {
    /// PENDING: being restored from a nearline storage; to be asked again later.
    Pending,
    /// ERROR: the file could not be restored and cannot be served.
    Failed,
    /// Ready to be served from its storage.
    Ready(ServableFile),
}

/// A file its storage holds, to be opened for the bytes to serve.
pub struct ServableFile {
    pub name: String,
    pub mime_type: String,
    /// Its size, when the catalogue knows it (else no range can be served).
    pub size: Option<u64>,
    storage: Arc<dyn Storage>,
    url: String,
    of: FileRef,
}

/// The file an outcome is recorded for.
#[derive(Clone)]
struct FileRef {
    engine: Engine,
    tenant: Tenant,
    order_id: i64,
    file_id: i64,
}

impl FileRef {
    async fn record(&self, state: FileState, reason: Option<String>) {
        let outcome: FileOutcome = (self.file_id, state, reason);
        records::files_downloaded(&self.engine, &self.tenant, self.order_id, vec![outcome]).await;
    }

    /// The storage cannot serve the file now: it is marked DOWNLOAD_ERROR with `cause`, which
    /// is logged; the client is asked to come back, without the storage's address.
    async fn storage_failed(&self, cause: String) -> AppError {
        tracing::warn!(
            order_id = self.order_id,
            file_id = self.file_id,
            %cause,
            "file not served: its storage failed"
        );
        self.record(FileState::DownloadError, Some(cause)).await;
        AppError::Unavailable(STORAGE_UNAVAILABLE.to_owned())
    }
}

impl DownloadService {
    /// One file, for its owner or a super-admin (404 unknown, 403 not his, `LimitReached` when
    /// the requester has as many streams as allowed).
    pub async fn file(
        &self,
        requester: &Requester,
        file_id: i64,
    ) -> AppResult<Streamed<FileDownload>> {
        let found = self.readable_file(requester, file_id).await?;
        let slot = self.limits.acquire(&requester.tenant, &requester.email)?;
        let download = self.prepare(&requester.tenant, found).await?;
        Ok(Streamed {
            download,
            slot: Some(slot),
        })
    }

    /// One file with a public order token's `claims`; `headers_only` takes no stream slot.
    pub async fn public_file(
        &self,
        requester: &Requester,
        claims: &OrderClaims,
        file_id: i64,
        headers_only: bool,
    ) -> AppResult<Streamed<FileDownload>> {
        let found = self.file_of_token(requester, claims, file_id).await?;
        // Counted against the order's owner, whom the token names.
        let slot = match headers_only {
            true => None,
            false => Some(self.limits.acquire(&requester.tenant, &found.owner)?),
        };
        let download = self.prepare(&requester.tenant, found).await?;
        Ok(Streamed { download, slot })
    }

    /// What the file's state allows, with its storage found.
    async fn prepare(&self, tenant: &Tenant, found: FileOfOrder) -> AppResult<FileDownload> {
        let file = found.file;
        match file.state {
            FileState::Pending => return Ok(FileDownload::Pending),
            FileState::Error => return Ok(FileDownload::Failed),
            _ => {}
        }
        let of = FileRef {
            engine: self.engine.clone(),
            tenant: tenant.clone(),
            order_id: found.order_id,
            file_id: file.id,
        };
        let Some(storage) = self.storages.resolve(&file.url) else {
            return Err(of
                .storage_failed(format!("No storage holds {}", file.url))
                .await);
        };
        Ok(FileDownload::Ready(ServableFile {
            name: file.filename,
            mime_type: file
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: file.size.and_then(|s| u64::try_from(s).ok()),
            storage,
            url: file.url,
            of,
        }))
    }
}

impl ServableFile {
    /// Bytes served for `range` (the whole file when `None`), when known in advance.
    pub fn length(&self, range: Option<ByteRange>) -> Option<u64> {
        match (range, self.size) {
            (
                Some(ByteRange {
                    start,
                    end: Some(end),
                }),
                _,
            ) => Some(end.saturating_sub(start) + 1),
            (Some(ByteRange { start, end: None }), Some(size)) => Some(size.saturating_sub(start)),
            (None, size) => size,
            (Some(_), None) => None,
        }
    }

    /// Opens the file for `range` (a range within its size; the whole file when `None`). The
    /// body must be exactly as long as announced, and its end is told to the order.
    pub async fn open(self, range: Option<ByteRange>) -> AppResult<DownloadBody> {
        let length = self.length(range);
        let content = match self.storage.open(&self.url, range).await {
            Ok(content) => content,
            Err(e) => return Err(self.of.storage_failed(e.to_string()).await),
        };
        let outcome = outcome(self.of, range, self.size);
        let stream = match length {
            Some(length) => exactly(content.stream, length),
            None => content.stream,
        };
        Ok(DownloadBody {
            stream: watch(stream.boxed(), outcome),
            length,
        })
    }
}

/// The bytes `range` covers in a file of `size` bytes.
fn span(range: Option<ByteRange>, size: u64) -> Range<u64> {
    match range {
        Some(ByteRange { start, end }) => start..end.map_or(size, |end| end + 1),
        None => 0..size,
    }
}

/// How a download of the file ends: DOWNLOADED once the ranges served cover the whole file
/// (one full answer, or several ranges), DOWNLOAD_ERROR when the source fails.
fn outcome(of: FileRef, range: Option<ByteRange>, size: Option<u64>) -> Outcome {
    let broken_of = of.clone();
    let broken: BoxFuture<'static, ()> = Box::pin(async move {
        let reason = SOURCE_BROKEN.to_owned();
        broken_of
            .record(FileState::DownloadError, Some(reason))
            .await;
    });
    let downloaded_of = of.clone();
    let downloaded: OnCovered = Box::new(move || {
        Box::pin(async move { downloaded_of.record(FileState::Downloaded, None).await })
    });
    let Some(size) = size else {
        // Without a known size there is no range: only a whole answer ends.
        return Outcome {
            completed: downloaded(),
            broken,
            cut: None,
        };
    };
    let served = Served {
        engine: of.engine,
        tenant: of.tenant,
        order_id: of.order_id,
        download: Download::File(of.file_id),
        size,
        range: span(range, size),
    };
    served.outcome(downloaded, broken)
}
