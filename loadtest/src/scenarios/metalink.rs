//! metalink: time to last byte and RSS increase of the metalink of a very large order.

use crate::api::OrderRef;
use crate::env::{Ctx, collection, item, wait_running, with_env, write_small_files};
use crate::procfs::RssSampler;
use crate::report::{MIB, Row};
use crate::scenarios::status_reads::FOREVER_MS;
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let count = ctx.pick(20_000, 100_000);
    with_env(
        ctx,
        |dir| {
            Config::new(vec![StorageConfig::nearline(
                "tape",
                dir.join("tape"),
                FOREVER_MS,
                4,
            )])
        },
        async |env| {
            let root = env.dir.join("tape");
            let paths = write_small_files(&root, "m", count).await?;
            let items = paths
                .iter()
                .enumerate()
                .map(|(i, p)| item(&format!("URN:META:{i}"), "meta", p, 64))
                .collect();
            env.api.import(&collection(items)).await?;
            let token = env.api.user_token("meta")?;
            env.api.select_owner(&token, "meta").await?;
            let id = env.api.create_order(&token, "metalink").await?;
            let order = OrderRef { id, token };
            wait_running(
                &env.api,
                std::slice::from_ref(&order),
                Duration::from_secs(600),
            )
            .await?;
            let service = env.service()?;
            let before = service.memory()?;
            let sampler = RssSampler::start(service.pid);
            let started = Instant::now();
            let mut response = env
                .api
                .client
                .get(env.api.url(&format!("/user/orders/{id}/metalink/download")))
                .bearer_auth(&order.token)
                .send()
                .await?;
            if response.status().as_u16() != 200 {
                bail!("metalink: {}", response.status());
            }
            let mut received = 0u64;
            let mut files = 0usize;
            // The last bytes of the previous chunk: a `<file ` may straddle two chunks.
            let mut carry: Vec<u8> = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                received += chunk.len() as u64;
                carry.extend_from_slice(&chunk);
                files += carry.windows(6).filter(|w| w == b"<file ").count();
                carry.drain(..carry.len().saturating_sub(5));
            }
            let secs = started.elapsed().as_secs_f64();
            let peak = sampler.finish().await;
            if files != count {
                bail!("metalink lists {files} files, expected {count}");
            }
            let increase = peak.saturating_sub(before.rss) as f64 / MIB;
            Ok(vec![
                Row::below("metalink", "time to last byte", secs, "s", 1.0).note(format!(
                    "{count} files, {:.1} MiB of Metalink 3",
                    received as f64 / MIB
                )),
                Row::below("metalink", "RSS increase", increase, "MiB", 50.0).note(format!(
                    "VmRSS {:.1} MiB before, peak {:.1} MiB sampled every 10 ms",
                    before.rss as f64 / MIB,
                    peak as f64 / MIB
                )),
            ])
        },
    )
    .await
}
