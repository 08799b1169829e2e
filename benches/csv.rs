//! The CSV export of orders.
//!
//! **Measured:** `orders::csv::Export` writing 1 000 000 orders (cycling over 1 024 distinct
//! headers, with varying sizes and counts) with the `csv` crate, the chunk taken every 64 KiB,
//! as the export stream does.
//!
//! **Baseline:** the same 10 fields written with one `write!` per line straight into the same
//! kind of buffer, dates written as Unix timestamps (no date formatting): the cost of the
//! export without the API date format and without the per-line `String`.

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use regards_order::orders::csv::{COLUMNS, Export};
use regards_order_actors::domain::order::{OrderHeader, OrderKind, OrderStatus};

/// Lines per iteration.
const ORDERS: usize = 1_000_000;
/// Distinct headers the lines cycle over.
const HEADERS: usize = 1_024;
/// Bytes gathered before the buffer is handed over (and emptied), as in the export.
const CHUNK_BYTES: usize = 64 * 1024;

/// Distinct headers: various owners, statuses and dates (some with sub-second parts, some
/// without an expiration date).
fn headers() -> Vec<OrderHeader> {
    const STATUSES: [OrderStatus; 5] = [
        OrderStatus::Running,
        OrderStatus::Done,
        OrderStatus::DoneWithWarning,
        OrderStatus::Pending,
        OrderStatus::Expired,
    ];
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (0..HEADERS)
        .map(|i| {
            let creation: DateTime<Utc> = start
                + chrono::Duration::seconds(i as i64 * 3_607)
                + chrono::Duration::microseconds((i as i64 % 4) * 250_000);
            OrderHeader {
                id: 1_000 + i as i64,
                owner: format!("user{}@example.org", i % 97),
                label: format!("Order of {creation}"),
                kind: OrderKind::User,
                creation_date: creation,
                expiration_date: (i % 7 != 0).then(|| creation + chrono::Duration::days(3)),
                status: STATUSES[i % STATUSES.len()],
                status_date: creation + chrono::Duration::milliseconds(i as i64 * 1_234),
                percent_completed: (i % 101) as i32,
                files_in_error: (i % 3) as i32,
                available_count: 0,
                waiting_for_user: false,
                correlation_id: format!("corr-{i}"),
                frontend_url: None,
                message: None,
            }
        })
        .collect()
}

/// The (header, files size, files count) of line `i`.
fn row(headers: &[OrderHeader], i: usize) -> (&OrderHeader, i64, i64) {
    let size = (i as i64 % 10_000) * 1_048_576;
    (&headers[i % headers.len()], size, (i % 500) as i64)
}

/// Renders `ORDERS` lines with `csv::Export`; answers the bytes written.
fn render(headers: &[OrderHeader]) -> usize {
    let Ok(mut export) = Export::new() else {
        panic!("the header is written in memory")
    };
    let mut total = 0;
    for i in 0..ORDERS {
        let (h, size, count) = row(headers, i);
        if let Err(e) = export.push(h, size, count) {
            panic!("writing into a Vec cannot fail: {e}");
        }
        if export.pending() >= CHUNK_BYTES {
            total += black_box(export.take().map(|b| b.len()).unwrap_or_default());
        }
    }
    total + export.take().map(|b| b.len()).unwrap_or_default()
}

/// The baseline: the same fields with `write!`, dates as Unix timestamps.
fn render_baseline(headers: &[OrderHeader], buffer: &mut Vec<u8>) -> usize {
    buffer.clear();
    buffer.extend_from_slice(COLUMNS.join(";").as_bytes());
    let mut total = 0;
    for i in 0..ORDERS {
        let (h, size, count) = row(headers, i);
        let written = writeln!(
            buffer,
            "{};{};{};{};{};{};{};{};{};{}",
            h.id,
            h.creation_date.timestamp(),
            h.expiration_date.map(|d| d.timestamp()).unwrap_or_default(),
            h.owner,
            h.status.as_str(),
            h.status_date.timestamp(),
            h.percent_completed,
            h.files_in_error,
            size,
            count
        );
        if let Err(e) = written {
            panic!("writing into a Vec cannot fail: {e}");
        }
        if buffer.len() >= CHUNK_BYTES {
            total += buffer.len();
            black_box(&buffer);
            buffer.clear();
        }
    }
    total + buffer.len()
}

fn export(c: &mut Criterion) {
    let headers = headers();
    let mut buffer = Vec::with_capacity(2 * CHUNK_BYTES);
    let mut group = c.benchmark_group("csv/1M_orders");
    // One iteration takes a fraction of a second: one per sample, 10 samples.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(ORDERS as u64));
    group.bench_function("baseline_write", |b| {
        b.iter(|| render_baseline(black_box(&headers), &mut buffer));
    });
    group.bench_function("csv_export", |b| {
        b.iter(|| render(black_box(&headers)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots take longer than the measurements on a small machine: off unless asked for
    // (`-- --plotting-backend plotters`).
    config = Criterion::default().without_plots();
    targets = export
}
criterion_main!(benches);
