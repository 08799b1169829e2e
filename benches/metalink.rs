//! Metalink documents of large orders.
//!
//! **Measured:** `downloads::metalink::stream` writing a Metalink 3 and a Metalink 4 document
//! for 100 000 files (name, size, MIME type, MD5 checksum, https URL), drained on a
//! current-thread tokio runtime while counting its bytes. The input stream is built outside
//! the measurement (`iter_batched`), so only the document's generation is timed.
//!
//! **Baseline:** the same 100 000 `file` elements, laid out as each version writes them,
//! produced with one `format!` per file appended to a `Vec<u8>` (no escaping, no name or
//! checksum checks, no stream). Both sides must produce documents of about the same size,
//! which is checked before measuring.

use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use futures::StreamExt;
use futures::stream::BoxStream;
use regards_order::downloads::metalink::{MetalinkFile, MetalinkVersion, stream};
use tokio::runtime::Runtime;

/// Files per document.
const FILES: usize = 100_000;

/// `FILES` files, as an order of Sentinel-2 products would list them.
fn files() -> Vec<MetalinkFile> {
    (0..FILES)
        .map(|i| {
            let name = format!("S2A_MSIL1C_20200101T{i:06}_N0208_R051_T31TCJ.zip");
            MetalinkFile {
                url: format!(
                    "https://regards.example.org/api/v1/rs-order/orders/aips/\
                     URN:AIP:DATA:project:{i:08}:V1/files/{i:032x}?scope=project"
                ),
                name,
                size: Some(700_000_000 + i as u64),
                mime_type: Some("application/zip".to_owned()),
                checksum: Some(("MD5".to_owned(), format!("{:032x}", i as u128 * 7_919))),
            }
        })
        .collect()
}

/// Drains the document, answering its length.
async fn drain(mut document: BoxStream<'static, io::Result<bytes::Bytes>>) -> usize {
    let mut total = 0;
    while let Some(chunk) = document.next().await {
        match chunk {
            Ok(chunk) => total += chunk.len(),
            Err(e) => panic!("metalink stream failed: {e}"),
        }
    }
    total
}

/// The document generated from `files`.
fn generate(runtime: &Runtime, version: MetalinkVersion, files: Vec<MetalinkFile>) -> usize {
    let input = futures::stream::iter(files.into_iter().map(Ok)).boxed();
    runtime.block_on(drain(stream(version, input)))
}

/// The baseline: one `format!` per file, in the element layout of `version`.
fn format_lines(version: MetalinkVersion, files: &[MetalinkFile], out: &mut Vec<u8>) -> usize {
    out.clear();
    for f in files {
        let size = f.size.unwrap_or(0);
        let (algorithm, digest) = f
            .checksum
            .as_ref()
            .map_or(("", ""), |(a, d)| (a.as_str(), d.as_str()));
        let line = match version {
            MetalinkVersion::V3 => format!(
                "        <file name=\"{name}\">\n            <identity>{name}</identity>\n            \
                 <size>{size}</size>\n            <mimetype>{mime}</mimetype>\n            \
                 <verification>\n                <hash type=\"{algorithm}\">{digest}</hash>\n            \
                 </verification>\n            <resources>\n                \
                 <url type=\"https\" preference=\"100\">{url}</url>\n            </resources>\n        \
                 </file>\n",
                name = f.name,
                mime = f.mime_type.as_deref().unwrap_or(""),
                url = f.url,
            ),
            MetalinkVersion::V4 => format!(
                "    <file name=\"{name}\">\n        <size>{size}</size>\n        \
                 <hash type=\"{algorithm}\">{digest}</hash>\n        <url>{url}</url>\n    \
                 </file>\n",
                name = f.name,
                url = f.url,
            ),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.len()
}

fn documents(c: &mut Criterion) {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    let files = files();
    let mut group = c.benchmark_group("metalink");
    // An iteration takes tens of milliseconds: a fixed number per sample.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(FILES as u64));
    let mut buffer = Vec::new();
    for (label, version) in [("v3", MetalinkVersion::V3), ("v4", MetalinkVersion::V4)] {
        let generated = generate(&runtime, version, files.clone());
        let formatted = format_lines(version, &files, &mut buffer);
        // The baseline lacks only the header and footer: the sizes differ by a few hundred bytes.
        assert!(
            generated.abs_diff(formatted) < 1_000,
            "{label}: generated {generated} bytes, baseline {formatted}"
        );
        group.bench_function(BenchmarkId::new("baseline_format", label), |b| {
            b.iter(|| format_lines(version, black_box(&files), &mut buffer));
        });
        group.bench_function(BenchmarkId::new("stream", label), |b| {
            b.iter_batched(
                || files.clone(),
                |files| generate(&runtime, version, files),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots take longer than the measurements on a small machine: off unless asked for
    // (`-- --plotting-backend plotters`).
    config = Criterion::default().without_plots();
    targets = documents
}
criterion_main!(benches);
