//! The CSV export: the original's header and columns, `;`-separated, streamed.

use bytes::Bytes;
use futures::StreamExt;
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::domain::{Tenant, dates};
use regards_order_actors::ports::{OrderFilter, Store};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The header line.
pub const HEADER: &str = "ORDER_ID;CREATION_DATE;EXPIRATION_DATE;OWNER;STATUS;STATUS_DATE;\
                          PERCENT_COMPLETE;FILES_IN_ERROR;FILES_SIZE;FILES_COUNT\n";

/// Lines buffered between the database reader and the HTTP body (back-pressure).
const BUFFERED_CHUNKS: usize = 16;
/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;

/// One line of the export.
pub fn line(h: &OrderHeader, files_size: i64, files_count: i64) -> String {
    format!(
        "{};{};{};{};{};{};{};{};{};{}\n",
        h.id,
        dates::format(&h.creation_date),
        h.expiration_date
            .as_ref()
            .map(dates::format)
            .unwrap_or_default(),
        h.owner,
        h.status.as_str(),
        dates::format(&h.status_date),
        h.percent_completed,
        h.files_in_error,
        files_size,
        files_count
    )
}

/// The export as a stream of chunks: memory does not grow with the number of orders. A
/// database failure ends the stream with an error, so the client sees a broken transfer
/// rather than a short file.
pub fn stream(
    store: Arc<dyn Store>,
    tenant: Tenant,
    filter: OrderFilter,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(BUFFERED_CHUNKS);
    actix_web::rt::spawn(async move {
        let mut chunk = String::from(HEADER);
        let mut rows = store.orders_for_csv(&tenant, &filter);
        while let Some(row) = rows.next().await {
            match row {
                Ok((header, size, count)) => chunk.push_str(&line(&header, size, count)),
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
            }
            if chunk.len() >= CHUNK_BYTES {
                let full = std::mem::take(&mut chunk);
                if tx.send(Ok(Bytes::from(full))).await.is_err() {
                    return;
                }
            }
        }
        let _ = tx.send(Ok(Bytes::from(chunk))).await;
    });
    tokio_stream_from(rx)
}

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
