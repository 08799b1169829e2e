//! zip: bytes/s of `GET /user/orders/{id}/download` for an order of 2 MiB files on online
//! storage against nginx (`sendfile on`) serving the same files to the same client over one
//! keep-alive connection, with reqwest and with curl; a plain copy of the files through a
//! loopback socket as a second baseline; RSS (and its anonymous part) while streaming.

use super::zip_transfers::{self as transfers, Transfer, ZipRequest};
use crate::api::{OrderRef, status_is};
use crate::env::{Ctx, collection, item, with_env};
use crate::nginx::Nginx;
use crate::procfs::RssSampler;
use crate::report::{MIB, Row};
use crate::service::{Config, StorageConfig};
use anyhow::{Result, anyhow, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const FILE_SIZE: usize = 2 * 1024 * 1024;

/// Each transfer is timed this many times, alternating the two sides; the best of each counts.
const ROUNDS: usize = 3;

/// What the zip must reach against nginx.
const TARGET: f64 = 1.0;

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
            let paths = write_random_files(root.clone(), count).await?;
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
            let names: Vec<String> = paths
                .iter()
                .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
                .collect();
            let copy_secs = sequential_read(paths).await?;
            // Dropped on every way out of this block: nginx stops with the scenario.
            let nginx = Nginx::start(&env.dir.join("nginx"), &root).await?;
            let client = transfers::client()?;
            let url = env.api.url(&format!("/user/orders/{id}/download"));
            let zip = ZipRequest::new(&client, url, order.token.clone()).await?;
            let curl = transfers::curl_present().await;
            let service = env.service()?;
            let before = service.memory()?;
            let sampler = RssSampler::start(service.pid);
            let mut runs = Runs::default();
            for _ in 0..ROUNDS {
                runs.nginx
                    .push(transfers::files_reqwest(&client, &nginx.base, &names).await?);
                runs.zip.push(transfers::zip_reqwest(&client, &zip).await?);
                if curl {
                    let dir = env.dir.join("nginx");
                    runs.nginx_curl
                        .push(transfers::files_curl(&dir, &nginx.base, &names).await?);
                    runs.zip_curl.push(transfers::zip_curl(&zip).await?);
                }
            }
            let peaks = sampler.finish_peaks().await;
            let after = service.memory()?;
            let (requests, connections) = nginx.requests();
            drop(nginx);
            for t in runs.nginx.iter().chain(&runs.nginx_curl) {
                if (t.bytes as f64) < total {
                    bail!("nginx sent {} bytes of the {total} of the files", t.bytes);
                }
            }
            let served = format!(
                "nginx served {requests} requests over {connections} connection(s) \
                 ({ROUNDS} rounds × {} client(s))",
                if curl { 2 } else { 1 }
            );
            let mut rows = vec![runs.row("reqwest", &runs.zip, &runs.nginx, &served)?];
            if curl {
                rows.push(runs.row("curl", &runs.zip_curl, &runs.nginx_curl, &served)?);
            }
            let zip_best = Transfer::best(&runs.zip).ok_or_else(|| anyhow!("no zip timed"))?;
            let copy_rate = total / MIB / copy_secs;
            rows.push(
                Row::ratio(
                    "zip",
                    "GET /download throughput vs plain copy",
                    zip_best.rate() / MIB,
                    "MiB/s",
                    "plain copy over loopback MiB/s",
                    copy_rate,
                    0.8,
                )
                .note(format!(
                    "{count} files of 2 MiB ({:.0} MiB) copied one after the other through a \
                     loopback socket in {copy_secs:.2} s (page cache warm); the zip's first \
                     byte, for which every CRC-32 was measured, took {first_plan_secs:.2} s",
                    total / MIB
                )),
            );
            let increase = peaks.rss.saturating_sub(before.rss) as f64 / MIB;
            let anon_increase = peaks.anon.saturating_sub(before.anon) as f64 / MIB;
            let streams = runs.zip.len() + runs.zip_curl.len();
            rows.push(
                Row::report("zip", "RSS increase while streaming", increase, "MiB").note(format!(
                    "{streams} downloads of {:.0} MiB; VmRSS {:.1} MiB before (RssFile {:.1}), \
                     peak {:.1} MiB sampled every 10 ms; VmHWM {:.1} → {:.1} MiB",
                    zip.length() as f64 / MIB,
                    before.rss as f64 / MIB,
                    before.file as f64 / MIB,
                    peaks.rss as f64 / MIB,
                    before.hwm as f64 / MIB,
                    after.hwm as f64 / MIB
                )),
            );
            rows.push(
                Row::report(
                    "zip",
                    "RssAnon increase while streaming",
                    anon_increase,
                    "MiB",
                )
                .note(format!(
                    "RssAnon {:.1} MiB before, peak {:.1} MiB, {:.1} MiB after",
                    before.anon as f64 / MIB,
                    peaks.anon as f64 / MIB,
                    after.anon as f64 / MIB
                )),
            );
            Ok(rows)
        },
    )
    .await
}

/// Every timed transfer, by side and client.
#[derive(Default)]
struct Runs {
    zip: Vec<Transfer>,
    nginx: Vec<Transfer>,
    zip_curl: Vec<Transfer>,
    nginx_curl: Vec<Transfer>,
}

impl Runs {
    /// The row of one client: the best zip against the best nginx, every run in the notes.
    fn row(&self, client: &str, zip: &[Transfer], nginx: &[Transfer], served: &str) -> Result<Row> {
        let (Some(z), Some(n)) = (Transfer::best(zip), Transfer::best(nginx)) else {
            bail!("no {client} transfer timed");
        };
        let rates = |runs: &[Transfer]| {
            runs.iter()
                .map(|t| format!("{:.0}", t.rate() / MIB))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(Row::ratio(
            "zip",
            &format!("GET /download throughput ({client})"),
            z.rate() / MIB,
            "MiB/s",
            &format!("nginx sendfile, same files, {client}, one connection MiB/s"),
            n.rate() / MIB,
            TARGET,
        )
        .note(format!(
            "best of {ROUNDS}: zip {} bytes in {:.2} s (runs {} MiB/s), nginx {} bytes in \
             {:.2} s (runs {} MiB/s); {served}",
            z.bytes,
            z.secs,
            rates(zip),
            n.bytes,
            n.secs,
            rates(nginx)
        )))
    }
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
