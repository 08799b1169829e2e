//! Streamed stored zips of order files.
//!
//! **Measured:** `downloads::zip::stream` of a whole stored archive of 64 entries of 1 MiB
//! (64 MiB of data) whose entries come from an in-memory `EntrySource` yielding 64 KiB `Bytes`
//! chunks (zero-copy slices), drained on a current-thread tokio runtime, in two ways:
//! * `zip_sum_len`: summing the chunk lengths, i.e. the cost of the archive machinery alone
//!   (layout lookups, generated headers, per-entry streams, size checks);
//! * `zip_copy`: copying every chunk into a reused 65 MiB buffer, as a consumer that writes
//!   the bytes somewhere would.
//!
//! **Baselines**, on the same 1 024 chunks of 64 KiB, without any archive:
//! * `baseline_sum_len`: iterating the chunks and summing their lengths, the absolute floor;
//! * `baseline_stream_sum_len`: the same chunks as one boxed stream drained on the same
//!   runtime, summing their lengths (compare with `zip_sum_len`: the difference is the
//!   archive machinery);
//! * `baseline_copy`: copying them into the reused buffer (compare with `zip_copy`).
//!
//! Throughput is counted in the 64 MiB of entry data for every case.

use std::hint::black_box;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use futures::stream::BoxStream;
use regards_order::downloads::zip::{EntrySource, ZipEntry, ZipLayout, crc32, stream};
use tokio::runtime::Runtime;

const ENTRIES: usize = 64;
const ENTRY_SIZE: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Entries held in memory, served as `CHUNK`-byte slices.
struct MemorySource(Vec<Bytes>);

#[async_trait::async_trait]
impl EntrySource for MemorySource {
    async fn open(
        &self,
        index: usize,
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let data = self
            .0
            .get(index)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such entry"))?;
        let data = data.slice(
            usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(data.len())..,
        );
        let chunks: Vec<io::Result<Bytes>> = (0..data.len())
            .step_by(CHUNK)
            .map(|start| Ok(data.slice(start..(start + CHUNK).min(data.len()))))
            .collect();
        Ok(futures::stream::iter(chunks).boxed())
    }
}

/// Entry `i`'s content: distinct bytes per entry.
fn content(i: usize) -> Bytes {
    (0..ENTRY_SIZE)
        .map(|j| (j.wrapping_mul(31) ^ i) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// Drains the archive; with `copy`, copies it into `buffer` (cleared first). Answers its length.
async fn drain(
    mut archive: BoxStream<'static, io::Result<Bytes>>,
    mut copy: Option<&mut Vec<u8>>,
) -> usize {
    let mut total = 0;
    if let Some(buffer) = copy.as_mut() {
        buffer.clear();
    }
    while let Some(chunk) = archive.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => panic!("zip stream failed: {e}"),
        };
        total += chunk.len();
        if let Some(buffer) = copy.as_mut() {
            buffer.extend_from_slice(&chunk);
        }
    }
    total
}

fn archive(c: &mut Criterion) {
    let runtime: Runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    let data: Vec<Bytes> = (0..ENTRIES).map(content).collect();
    let modified = Utc
        .with_ymd_and_hms(2024, 5, 6, 7, 8, 10)
        .single()
        .unwrap_or_default();
    let entries = data
        .iter()
        .enumerate()
        .map(|(i, d)| ZipEntry {
            name: format!("S2A_MSIL1C_{i:04}.SAFE/product.dat"),
            size: d.len() as u64,
            crc32: crc32(d),
            modified,
        })
        .collect();
    let layout = Arc::new(ZipLayout::new(entries));
    let source: Arc<dyn EntrySource> = Arc::new(MemorySource(data.clone()));
    let chunks: Vec<Bytes> = data
        .iter()
        .flat_map(|d| (0..d.len()).step_by(CHUNK).map(|s| d.slice(s..s + CHUNK)))
        .collect();
    let total = usize::try_from(layout.total_length()).unwrap_or(usize::MAX);
    let mut buffer: Vec<u8> = Vec::with_capacity(total);

    let length = runtime.block_on(drain(stream(layout.clone(), None, source.clone()), None));
    assert_eq!(length, total);
    assert!(total > ENTRIES * ENTRY_SIZE && total < ENTRIES * ENTRY_SIZE + 16 * 1024);

    let mut group = c.benchmark_group("zip/64x1MiB");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes((ENTRIES * ENTRY_SIZE) as u64));
    group.bench_function("baseline_sum_len", |b| {
        b.iter(|| black_box(&chunks).iter().map(Bytes::len).sum::<usize>());
    });
    group.bench_function("baseline_stream_sum_len", |b| {
        b.iter(|| {
            let plain = futures::stream::iter(chunks.clone().into_iter().map(Ok)).boxed();
            runtime.block_on(drain(plain, None))
        });
    });
    group.bench_function("zip_sum_len", |b| {
        b.iter(|| runtime.block_on(drain(stream(layout.clone(), None, source.clone()), None)));
    });
    group.bench_function("baseline_copy", |b| {
        b.iter(|| {
            buffer.clear();
            for chunk in black_box(&chunks) {
                buffer.extend_from_slice(chunk);
            }
            black_box(buffer.len())
        });
    });
    group.bench_function("zip_copy", |b| {
        b.iter(|| {
            let archive = stream(layout.clone(), None, source.clone());
            runtime.block_on(drain(archive, Some(&mut buffer)))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots take longer than the measurements on a small machine: off unless asked for
    // (`-- --plotting-backend plotters`).
    config = Criterion::default().without_plots();
    targets = archive
}
criterion_main!(benches);
