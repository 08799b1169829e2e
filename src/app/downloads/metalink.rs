//! The order's metalink: one `file` per order file with its size, type, checksum and a URL to
//! the public file endpoint carrying a token for the order's owner, so that a metalink fetched
//! anonymously works. Metalink 4 on request. Streamed from the database.

use super::{DownloadBody, DownloadService, Streamed};
use crate::app::{AppError, AppResult, Requester, Role};
use crate::auth::OrderClaims;
use crate::downloads::metalink::{MetalinkFile, MetalinkVersion, stream};
use chrono::Utc;
use futures::StreamExt;
use futures::stream::BoxStream;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{OrderHeader, OrderStatus};
use regards_order_actors::ports::{FileSummary, Store};
use std::sync::Arc;

/// Pages of files read ahead of the document being written: the next page is read while the
/// last one is written out.
const PAGES_AHEAD: usize = 1;

/// An order's metalink document.
pub struct MetalinkDownload {
    /// `order_<id>_<date>.metalink` (or `.meta4`).
    pub name: String,
    pub version: MetalinkVersion,
    /// The document, of a length not known in advance.
    pub body: DownloadBody,
}

impl DownloadService {
    /// The metalink of an order the requester may read, in `version`.
    pub async fn metalink(
        &self,
        requester: &Requester,
        order_id: i64,
        version: MetalinkVersion,
    ) -> AppResult<Streamed<MetalinkDownload>> {
        let order = self.readable_order(requester, order_id).await?;
        let slot = self.limits.acquire(&requester.tenant, &requester.email)?;
        let download = self.metalink_of(&requester.tenant, &order.header, version)?;
        Ok(Streamed {
            download,
            slot: Some(slot),
        })
    }

    /// The metalink of the order a public token's `claims` name (404 when unknown or of
    /// another tenant, 403 when the token is not its owner's).
    pub async fn public_metalink(
        &self,
        requester: &Requester,
        claims: &OrderClaims,
        version: MetalinkVersion,
    ) -> AppResult<Streamed<MetalinkDownload>> {
        let order = self.order_of_token(requester, claims).await?;
        // Counted against the owner the token names, whoever holds the token.
        let slot = self
            .limits
            .acquire(&requester.tenant, &order.header.owner)?;
        let download = self.metalink_of(&requester.tenant, &order.header, version)?;
        Ok(Streamed {
            download,
            slot: Some(slot),
        })
    }

    /// The metalink of `header`'s order (not found, silently as the original, for PENDING,
    /// FAILED, DELETED and EXPIRED orders).
    fn metalink_of(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        version: MetalinkVersion,
    ) -> AppResult<MetalinkDownload> {
        if matches!(
            header.status,
            OrderStatus::Pending
                | OrderStatus::Failed
                | OrderStatus::Deleted
                | OrderStatus::Expired
        ) {
            return Err(AppError::NotFound(None));
        }
        let expires = header.expiration_date.unwrap_or_else(Utc::now);
        let token = self
            .order_tokens
            .issue(
                tenant.as_str(),
                &header.owner,
                Role::RegisteredUser,
                header.id,
                expires,
            )
            .map_err(|e| AppError::Internal(e.into()))?;
        let links = Links {
            base: format!("{}/orders/public/files", self.public_url),
            query: format!("orderToken={token}&scope={}", url_encode(tenant.as_str())),
        };
        let files = files(self.store.clone(), tenant.clone(), header.id, links);
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        Ok(MetalinkDownload {
            name: format!("order_{}_{now}.{}", header.id, version.extension()),
            version,
            body: DownloadBody {
                stream: stream(version, files),
                length: None,
            },
        })
    }
}

/// How the URL of a file is written: `<base>/<id>?<query>`.
struct Links {
    base: String,
    query: String,
}

/// The order's files as metalink entries, read as a stream.
fn files(
    store: Arc<dyn Store>,
    tenant: Tenant,
    order_id: i64,
    links: Links,
) -> BoxStream<'static, std::io::Result<MetalinkFile>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(PAGES_AHEAD);
    // On the worker thread that serves the request, as the request's own futures: a task of
    // the runtime instead is scheduled apart from them, and each page handed over costs more.
    tokio::task::spawn_local(async move {
        let mut pages = store.file_summaries(&tenant, order_id);
        // A page is read once the channel has room for it: a stalled client holds the page
        // being written and the next one, not a third one read and waiting.
        while let Ok(room) = tx.reserve().await {
            let Some(page) = pages.next().await else {
                return;
            };
            let page = page.map_err(|e| std::io::Error::other(e.to_string()));
            let failed = page.is_err();
            room.send(page);
            if failed {
                return;
            }
        }
    });
    let links = Arc::new(links);
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
        .flat_map(move |page| {
            // Entries are made as the document takes them, not a page at a time: a URL is
            // most of an entry's memory.
            let links = links.clone();
            let entries: Box<dyn Iterator<Item = _> + Send> = match page {
                Ok(files) => Box::new(files.into_iter().map(move |file| Ok(links.entry(file)))),
                Err(error) => Box::new(std::iter::once(Err(error))),
            };
            futures::stream::iter(entries)
        })
        .boxed()
}

impl Links {
    /// The metalink entry of `file`.
    fn entry(&self, file: FileSummary) -> MetalinkFile {
        MetalinkFile {
            url: format!("{}/{}?{}", self.base, file.id, self.query),
            name: file.filename,
            size: file.size.and_then(|s| u64::try_from(s).ok()),
            mime_type: file.mime_type,
            checksum: file.checksum.map(|c| (c.algorithm, c.value)),
        }
    }
}

/// Percent-encodes a query value (tenants are `[A-Za-z0-9_.-]`, so this is a safeguard).
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
