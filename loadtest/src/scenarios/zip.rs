//! zip: MB/s of `GET /user/orders/{id}/download` for an order of 2 MB files on online
//! storage vs a plain copy of the same files through a loopback socket; RSS increase while
//! streaming.

use crate::api::{OrderRef, status_is};
use crate::env::{Ctx, collection, item, with_env};
use crate::procfs::RssSampler;
use crate::report::{MIB, Row};
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const FILE_SIZE: usize = 2 * 1024 * 1024;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let count = ctx.pick(128, 1024);
    with_env(
        ctx,
        |dir| {
            let mut config = Config::new(vec![StorageConfig::online("disk", dir.join("online"))]);
            config.bucket_size_mb = 8192;
            config
        },
        async |env| {
            let root = env.dir.join("online");
            let paths = write_random_files(root, count).await?;
            let items = paths
                .iter()
                .enumerate()
                .map(|(i, p)| item(&format!("URN:ZIP:{i}"), "zipper", p, FILE_SIZE as u64))
                .collect();
            env.api.import(&collection(items)).await?;
            let token = env.api.user_token("zipper")?;
            env.api.select_owner(&token, "zipper").await?;
            let id = env.api.create_order(&token, "zip").await?;
            let order = OrderRef { id, token };
            env.api
                .wait_all(
                    std::slice::from_ref(&order),
                    Duration::from_secs(600),
                    |o| status_is(o, &["DONE", "DONE_WITH_WARNING", "FAILED", "ERROR"]),
                )
                .await?;
            // The first zip of an order reads each file once for its CRC-32 (retrieval
            // reads none) and stores them: its first byte is asked outside the clock, so
            // the figure is a zip whose layout is known, as every later download of the
            // order is (one byte covers too little of the archive to mark any file).
            let measuring = Instant::now();
            let first = env
                .api
                .client
                .get(env.api.url(&format!("/user/orders/{id}/download")))
                .bearer_auth(&order.token)
                .header("Range", "bytes=0-0")
                .send()
                .await?;
            if first.status().as_u16() != 206 {
                bail!("zip's first byte: {}", first.status());
            }
            first.bytes().await?;
            let first_plan_secs = measuring.elapsed().as_secs_f64();
            // The measured CRC-32s are written in the background (group commit).
            tokio::time::sleep(Duration::from_millis(500)).await;
            let total = (count * FILE_SIZE) as f64;
            let copy_secs = sequential_read(paths).await?;
            let service = env.service()?;
            let before = service.memory()?;
            let sampler = RssSampler::start(service.pid);
            let started = Instant::now();
            let mut response = env
                .api
                .client
                .get(env.api.url(&format!("/user/orders/{id}/download")))
                .bearer_auth(&order.token)
                .send()
                .await?;
            if response.status().as_u16() != 200 {
                bail!("zip download: {}", response.status());
            }
            let mut received = 0u64;
            while let Some(chunk) = response.chunk().await? {
                received += chunk.len() as u64;
            }
            let zip_secs = started.elapsed().as_secs_f64();
            let peak = sampler.finish().await;
            let after = service.memory()?;
            if (received as f64) < total {
                bail!("zip of {received} bytes, shorter than its {total} bytes of files");
            }
            let zip_rate = received as f64 / MIB / zip_secs;
            let copy_rate = total / MIB / copy_secs;
            let increase = peak.saturating_sub(before.rss) as f64 / MIB;
            Ok(vec![
                Row::ratio(
                    "zip",
                    "GET /download throughput",
                    zip_rate,
                    "MiB/s",
                    "plain copy over loopback MiB/s",
                    copy_rate,
                    0.8,
                )
                .note(format!(
                    "{count} files of 2 MiB ({:.0} MiB), zip {received} bytes in {zip_secs:.2} s, \
                     plain copy over loopback in {copy_secs:.2} s (page cache warm for both); \
                     its first byte, for which every CRC-32 was measured, took \
                     {first_plan_secs:.2} s",
                    total / MIB
                )),
                Row::report("zip", "RSS increase while streaming", increase, "MiB").note(format!(
                    "VmRSS {:.1} MiB before, peak {:.1} MiB sampled every 10 ms; \
                         VmHWM {:.1} → {:.1} MiB",
                    before.rss as f64 / MIB,
                    peak as f64 / MIB,
                    before.hwm as f64 / MIB,
                    after.hwm as f64 / MIB
                )),
            ])
        },
    )
    .await
}

/// `count` files of 2 MiB of pseudo-random bytes (incompressible, distinct).
async fn write_random_files(root: PathBuf, count: usize) -> Result<Vec<PathBuf>> {
    tokio::task::spawn_blocking(move || -> Result<Vec<PathBuf>> {
        let mut buffer = vec![0u8; FILE_SIZE];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut paths = Vec::with_capacity(count);
        for i in 0..count {
            for chunk in buffer.chunks_exact_mut(8) {
                // xorshift64
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chunk.copy_from_slice(&state.to_le_bytes());
            }
            let path = root.join(format!("zip-{i}.bin"));
            std::fs::write(&path, &buffer)?;
            paths.push(path);
        }
        Ok(paths)
    })
    .await?
}

/// Copies the same files, one after the other, through a loopback TCP connection to a reader
/// that discards them: the path a download takes (disk → socket → client) without HTTP and zip
/// framing. Gives the seconds taken.
async fn sequential_read(paths: Vec<PathBuf>) -> Result<f64> {
    tokio::task::spawn_blocking(move || -> Result<f64> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let reader = std::thread::spawn(move || -> std::io::Result<u64> {
            let (mut socket, _) = listener.accept()?;
            std::io::copy(&mut socket, &mut std::io::sink())
        });
        let started = Instant::now();
        let mut socket = std::net::TcpStream::connect(address)?;
        for path in &paths {
            let mut file = std::fs::File::open(path)?;
            std::io::copy(&mut file, &mut socket)?;
        }
        drop(socket);
        let total = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))??;
        let secs = started.elapsed().as_secs_f64();
        if total == 0 {
            bail!("nothing copied");
        }
        Ok(secs)
    })
    .await?
}
