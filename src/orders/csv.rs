//! The CSV export: the original's header and columns, `;`-separated, streamed. Written with
//! the `csv` crate: a field holding `;`, `"` or a line break is quoted (RFC 4180), and a text
//! cell that a spreadsheet would read as a formula is neutralised as OWASP recommends.

use bytes::Bytes;
use futures::StreamExt;
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::domain::{Tenant, dates};
use regards_order_actors::ports::{OrderFilter, OrderQueries};
use std::sync::Arc;
use tokio::sync::mpsc;

/// The columns of the header line.
pub const COLUMNS: [&str; 10] = [
    "ORDER_ID",
    "CREATION_DATE",
    "EXPIRATION_DATE",
    "OWNER",
    "STATUS",
    "STATUS_DATE",
    "PERCENT_COMPLETE",
    "FILES_IN_ERROR",
    "FILES_SIZE",
    "FILES_COUNT",
];

/// Lines buffered between the database reader and the HTTP body (back-pressure).
const BUFFERED_CHUNKS: usize = 16;
/// Bytes gathered before a chunk is sent.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written: one starting like a formula gets a leading `'`, which spreadsheets
/// show as text. Only user-supplied text goes through this: numbers stay numbers.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The export being written: the header, then one record per order, taken in chunks.
pub struct Export {
    writer: csv::Writer<Vec<u8>>,
    /// Numbers are written here first: no allocation per field.
    scratch: String,
}

impl Export {
    /// An export holding the header line.
    pub fn new() -> csv::Result<Self> {
        let mut writer = Self::writer();
        writer.write_record(COLUMNS)?;
        Ok(Self {
            writer,
            scratch: String::new(),
        })
    }

    /// `;`-separated, `\n`-terminated (as the original), quoting only fields that need it.
    fn writer() -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(Vec::with_capacity(CHUNK_BYTES * 2))
    }

    /// Appends the line of order `h` (`files_size` and `files_count` summed over its tasks).
    pub fn push(&mut self, h: &OrderHeader, files_size: i64, files_count: i64) -> csv::Result<()> {
        let expiration = h
            .expiration_date
            .as_ref()
            .map(dates::format)
            .unwrap_or_default();
        self.number(h.id)?;
        self.writer.write_field(dates::format(&h.creation_date))?;
        self.writer.write_field(expiration)?;
        self.writer.write_field(neutralised(&h.owner).as_bytes())?;
        self.writer.write_field(h.status.as_str())?;
        self.writer.write_field(dates::format(&h.status_date))?;
        self.number(h.percent_completed)?;
        self.number(h.files_in_error)?;
        self.number(files_size)?;
        self.number(files_count)?;
        self.writer.write_record(None::<&[u8]>)
    }

    /// Writes a number field (never quoted, never neutralised: a number is not user text).
    fn number(&mut self, n: impl std::fmt::Display) -> csv::Result<()> {
        use std::fmt::Write;
        self.scratch.clear();
        let _ = write!(self.scratch, "{n}");
        self.writer.write_field(self.scratch.as_bytes())
    }

    /// Bytes written since the last `take` (those still in the writer's buffer excepted).
    pub fn pending(&self) -> usize {
        self.writer.get_ref().len()
    }

    /// Everything written since the last `take`.
    pub fn take(&mut self) -> std::io::Result<Bytes> {
        let full = std::mem::replace(&mut self.writer, Self::writer());
        let bytes = full.into_inner().map_err(|e| e.into_error())?;
        Ok(Bytes::from(bytes))
    }
}

/// The export as a stream of chunks: memory does not grow with the number of orders. A
/// database failure ends the stream with an error, so the client sees a broken transfer
/// rather than a short file.
pub fn stream(
    store: Arc<dyn OrderQueries>,
    tenant: Tenant,
    filter: OrderFilter,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(BUFFERED_CHUNKS);
    // On the worker thread that serves the request, as the request's own futures.
    tokio::task::spawn_local(async move {
        if let Err(e) = write_export(store, tenant, filter, &tx).await {
            tracing::error!(error = %e, "CSV export failed");
            let _ = tx.send(Err(e)).await;
        }
    });
    tokio_stream_from(rx)
}

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Reads the matching orders page by page and sends the export in chunks; an error ends it.
/// A client gone (the receiver dropped) ends it quietly.
async fn write_export(
    store: Arc<dyn OrderQueries>,
    tenant: Tenant,
    filter: OrderFilter,
    tx: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), std::io::Error> {
    let mut export = Export::new().map_err(std::io::Error::other)?;
    let mut rows = store.orders_for_csv(&tenant, &filter);
    while let Some(row) = rows.next().await {
        let (header, size, count) = row.map_err(|e| std::io::Error::other(e.to_string()))?;
        export
            .push(&header, size, count)
            .map_err(std::io::Error::other)?;
        if export.pending() >= CHUNK_BYTES && tx.send(Ok(export.take()?)).await.is_err() {
            return Ok(());
        }
    }
    let _ = tx.send(Ok(export.take()?)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use regards_order_actors::domain::order::{OrderKind, OrderStatus};

    fn header(id: i64, owner: &str) -> OrderHeader {
        let date = Utc
            .with_ymd_and_hms(2025, 1, 23, 14, 42, 27)
            .single()
            .unwrap_or_default();
        OrderHeader {
            id,
            owner: owner.to_owned(),
            label: "l".into(),
            kind: OrderKind::User,
            creation_date: date,
            expiration_date: None,
            status: OrderStatus::Running,
            status_date: date,
            percent_completed: 23,
            files_in_error: 0,
            available_count: 0,
            waiting_for_user: false,
            correlation_id: "c".into(),
            frontend_url: None,
            message: None,
        }
    }

    fn export(owners: &[&str]) -> String {
        let mut export = Export::new().expect("header");
        for (i, owner) in owners.iter().enumerate() {
            export
                .push(&header(i as i64 + 1, owner), -5, 14)
                .expect("line");
        }
        String::from_utf8(export.take().expect("bytes").to_vec()).expect("utf-8")
    }

    #[test]
    fn plain_lines_are_the_original_ones() {
        assert_eq!(
            export(&["user@x.fr"]),
            "ORDER_ID;CREATION_DATE;EXPIRATION_DATE;OWNER;STATUS;STATUS_DATE;PERCENT_COMPLETE;\
             FILES_IN_ERROR;FILES_SIZE;FILES_COUNT\n\
             1;2025-01-23T14:42:27Z;;user@x.fr;RUNNING;2025-01-23T14:42:27Z;23;0;-5;14\n"
        );
    }

    #[test]
    fn separators_quotes_and_formulas_stay_in_their_cell() {
        let owners = [
            "a;b\"c\nd@x.fr",
            "=HYPERLINK(\"http://evil\")",
            "+1",
            "@a",
            "\tt",
            "-2",
        ];
        let text = export(&owners);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(rows.len(), owners.len());
        assert_eq!(&rows[0][3], owners[0], "quoted, not split");
        for (row, owner) in rows.iter().zip(owners).skip(1) {
            assert_eq!(row.len(), COLUMNS.len());
            assert_eq!(row[3], format!("'{owner}"), "neutralised");
            assert_eq!(&row[8], "-5", "numbers are not text cells");
        }
    }
}
