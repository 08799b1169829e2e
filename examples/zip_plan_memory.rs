//! Peak memory of planning and streaming the zip of an order of many files.
//!
//! `cargo run --release --example zip_plan_memory` runs one child process per order size
//! (default 1 000 and 1 000 000 files; or the sizes given as arguments) and prints, for each,
//! the growth of the process's peak resident memory (`VmHWM`) while it plans the archive with
//! `downloads::order_plan::Planner` (as `GET /user/orders/{id}/download` does, rows coming in
//! pages of 2 000) and then streams all of it (headers, directory, NOTICE.txt). Files are
//! generated: realistic names, URLs and MD5s, one in ten called `manifest.safe` (renamed), one
//! in a thousand failed; entries are empty so that no data is read. Linux only (`/proc`).
//!
//! `zip_plan_memory --files N` is one child: it prints `files growth spilled archive secs`
//! (peak RSS growth, bytes of the spill files, bytes of the archive).

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use regards_order::downloads::order_plan::{OrderSources, Planner};
use regards_order::downloads::zip::stream_archive;
use regards_order::storage::Storages;
use regards_order_actors::domain::DataType;
use regards_order_actors::domain::catalog::Checksum;
use regards_order_actors::domain::order::{FileState, OrderFile};

/// Rows per store page, as the order's files are read.
const PAGE: usize = 2_000;

/// A `/proc/self/status` field, in bytes.
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// File number `i` of the generated order.
fn file(i: usize) -> OrderFile {
    let name = if i % 10 == 3 {
        "manifest.safe".to_owned()
    } else {
        format!("S2A_MSIL1C_20240506T{i:07}_N0510_R008_T31TCJ.nc")
    };
    OrderFile {
        id: i as i64 + 1,
        suborder_id: 1,
        dataset_task_id: 1,
        state: FileState::Available,
        url: format!("/data/archive/2024/05/06/product-{i:07}/{name}"),
        filename: name,
        mime_type: Some("application/x-netcdf".into()),
        size: Some(0),
        checksum: Some(Checksum {
            algorithm: "MD5".into(),
            value: format!("{:032x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        }),
        data_type: DataType::Rawdata,
        reference: false,
        object_urn: format!("URN:AIP:DATA:project1:{i:07}:V1"),
        provider_id: format!("P{i:07}"),
        version: 1,
        download_error: None,
    }
}

/// Plans then streams an order of `files` files; answers the growth of VmHWM, the bytes of the
/// spill files and of the archive.
async fn measure(files: usize) -> (u64, u64, u64) {
    let before = status("VmHWM:");
    let dir = std::env::temp_dir();
    let date = Utc
        .with_ymd_and_hms(2024, 5, 6, 7, 8, 10)
        .single()
        .unwrap_or_default();
    let Ok(mut planner) = Planner::create(dir, date).await else {
        panic!("cannot create the spill files");
    };
    for start in (0..files).step_by(PAGE) {
        let page: Vec<OrderFile> = (start..(start + PAGE).min(files)).map(file).collect();
        for f in &page {
            let found = if f.id % 1000 == 7 {
                Err("Not found".into())
            } else {
                Ok((0, 0))
            };
            if let Err(e) = planner.add(f, found).await {
                panic!("planning failed: {e}");
            }
        }
    }
    let plan = match planner.finish().await {
        Ok(Some(plan)) => plan,
        other => panic!("no plan: {other:?}"),
    };
    let Ok(storages) = Storages::from_settings(&[]) else {
        panic!("no storages");
    };
    let spilled = plan.layout.spilled_bytes() + plan.outcomes.spilled_bytes();
    let layout = Arc::new(plan.layout);
    let sources = OrderSources {
        storages: Arc::new(storages),
        notice: plan.notice,
    };
    let mut archive = stream_archive(layout.archive(Arc::new(sources)), None);
    let mut streamed = 0;
    while let Some(chunk) = archive.next().await {
        match chunk {
            Ok(chunk) => streamed += chunk.len() as u64,
            Err(e) => panic!("streaming failed: {e}"),
        }
    }
    assert_eq!(streamed, layout.total_length());
    let mut chunks = plan.outcomes.chunks(5_000);
    while let Some(chunk) = chunks.next().await {
        assert!(chunk.is_ok());
    }
    let growth = status("VmHWM:").saturating_sub(before);
    (growth, spilled, layout.total_length())
}

/// Runs this program on one size in a child process: its peak memory is its own.
fn child(files: usize) -> String {
    let Ok(program) = std::env::current_exe() else {
        panic!("no current executable");
    };
    match Command::new(program)
        .args(["--files", &files.to_string()])
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => panic!("child failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => panic!("cannot run the child: {e}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, files] = args.as_slice()
        && flag == "--files"
    {
        let files: usize = files.parse().unwrap_or(1_000);
        let started = Instant::now();
        let (growth, spilled, archive) = measure(files).await;
        let secs = started.elapsed().as_secs_f64();
        println!("{files} {growth} {spilled} {archive} {secs:.1}");
        return;
    }
    let sizes: Vec<usize> = match args.iter().map(|a| a.parse()).collect() {
        Ok(sizes) if !args.is_empty() => sizes,
        _ => vec![1_000, 1_000_000],
    };
    println!("| files | peak RSS growth | spill files | archive (headers only) | time |");
    println!("|---:|---:|---:|---:|---:|");
    for files in sizes {
        let line = child(files);
        let fields: Vec<f64> = line.split(' ').filter_map(|f| f.parse().ok()).collect();
        let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
        if let [_, growth, spilled, archive, secs] = fields.as_slice() {
            println!(
                "| {files} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {secs:.1} s |",
                mib(*growth),
                mib(*spilled),
                mib(*archive)
            );
        }
    }
}
