//! The order's metalink (A15, A16): one `file` per order file with its size, type, checksum
//! and a URL to the public file endpoint carrying a token for the order's owner — so a
//! metalink fetched anonymously works. Metalink 4 on request. Streamed from the database.

use crate::auth::Role;
use crate::downloads::metalink::{MetalinkFile, MetalinkVersion, stream};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::Utc;
use futures::StreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{OrderHeader, OrderStatus};
use regards_order_actors::ports::{FileFilter, Store};
use std::sync::Arc;

/// Answers the metalink of `header`'s order (404 with no body for PENDING, FAILED, DELETED
/// and EXPIRED orders, as the original).
pub fn serve(
    state: &AppState,
    tenant: &Tenant,
    header: &OrderHeader,
    version: MetalinkVersion,
) -> Result<HttpResponse, ApiError> {
    if matches!(
        header.status,
        OrderStatus::Pending | OrderStatus::Failed | OrderStatus::Deleted | OrderStatus::Expired
    ) {
        return Err(ApiError::NotFound(None));
    }
    let expires = header.expiration_date.unwrap_or_else(Utc::now);
    let token = state
        .order_tokens
        .issue(
            tenant.as_str(),
            &header.owner,
            Role::RegisteredUser,
            header.id,
            expires,
        )
        .map_err(|e| ApiError::Internal(e.into()))?;
    let base = format!("{}/orders/public/files", state.public_url);
    let query = format!("orderToken={token}&scope={}", url_encode(tenant.as_str()));
    let files = files(state.store.clone(), tenant.clone(), header.id, base, query);
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    Ok(HttpResponse::Ok()
        .content_type(version.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment;filename=order_{}_{now}.{}",
                header.id,
                version.extension()
            ),
        ))
        .streaming(stream(version, files)))
}

/// The order's files as metalink entries, read as a stream.
fn files(
    store: Arc<dyn Store>,
    tenant: Tenant,
    order_id: i64,
    base: String,
    query: String,
) -> futures::stream::BoxStream<'static, std::io::Result<MetalinkFile>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    actix_web::rt::spawn(async move {
        let filter = FileFilter::default();
        let mut rows = store.order_files(&tenant, order_id, &filter);
        while let Some(row) = rows.next().await {
            let item = row
                .map(|(f, _)| MetalinkFile {
                    url: format!("{base}/{}?{query}", f.id),
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
    let mut rx = rx;
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
