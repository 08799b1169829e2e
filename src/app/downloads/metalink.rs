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
use regards_order_actors::ports::{FileFilter, Store};
use std::sync::Arc;

/// Rows read ahead of the document being written.
const ROWS_AHEAD: usize = 64;

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
    let (tx, mut rx) = tokio::sync::mpsc::channel(ROWS_AHEAD);
    // On the worker thread that serves the request, as the request's own futures: a task of
    // the runtime instead is scheduled apart from them, and each page handed over costs more.
    tokio::task::spawn_local(async move {
        let filter = FileFilter::default();
        let mut rows = store.order_files(&tenant, order_id, &filter);
        while let Some(row) = rows.next().await {
            let item = row
                .map(|(f, _)| MetalinkFile {
                    url: format!("{}/{}?{}", links.base, f.id, links.query),
                    name: f.filename,
                    size: f.size.and_then(|s| u64::try_from(s).ok()),
                    mime_type: f.mime_type,
                    checksum: f.checksum.map(|c| (c.algorithm, c.value)),
                })
                .map_err(|e| std::io::Error::other(e.to_string()));
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
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
