//! big-order: one order of a very large number of (tiny) files on an online storage, from the
//! basket to DONE; the service's peak resident memory during creation against before it, to
//! show whether memory grows with the order. Run only when named (it writes a million files
//! at full scale).

use crate::api::{OrderRef, status_is, summary};
use crate::env::{Ctx, collection, item, with_env, write_small_files};
use crate::procfs::RssSampler;
use crate::report::{MIB, Row};
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

/// Items per catalogue import request.
const IMPORT_BATCH: usize = 50_000;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let count = ctx.pick(100_000, 1_000_000);
    with_env(
        ctx,
        |dir| Config::new(vec![StorageConfig::online("disk", dir.join("online"))]),
        async |env| {
            let root = env.dir.join("online");
            let paths = write_small_files(&root, "big", count).await?;
            for (batch, chunk) in paths.chunks(IMPORT_BATCH).enumerate() {
                let items = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let urn = format!("URN:BIG:{}", batch * IMPORT_BATCH + i);
                        item(&urn, "big", p, 64)
                    })
                    .collect();
                env.api.import(&collection(items)).await?;
            }
            drop(paths);
            let token = env.api.user_token("big")?;
            env.api.select_owner(&token, "big").await?;
            let service = env.service()?;
            let before = service.memory()?;
            let sampler = RssSampler::start(service.pid);
            let started = Instant::now();
            let id = env.api.create_order(&token, "big order").await?;
            let order = OrderRef { id, token };
            env.api
                .wait_all(
                    std::slice::from_ref(&order),
                    Duration::from_secs(3600),
                    |o| status_is(o, &["DONE", "DONE_WITH_WARNING", "FAILED", "ERROR"]),
                )
                .await?;
            let elapsed = started.elapsed().as_secs_f64();
            let peak = sampler.finish().await;
            let after = service.memory()?;
            let answer = env.api.order(&order).await?;
            if !status_is(&answer, &["DONE"]) {
                bail!("not DONE: {}", summary(&answer));
            }
            let growth = peak.saturating_sub(before.rss);
            Ok(vec![
                Row::report(
                    "big-order",
                    "peak RSS increase while creating one order",
                    growth as f64 / MIB,
                    "MiB",
                )
                .note(format!(
                    "{count} files POST → DONE in {elapsed:.1} s ({:.0} files/s); VmRSS \
                     {:.1} MiB before, peak {:.1} MiB sampled every 10 ms ({:.0} B per file), \
                     {:.1} MiB after; VmHWM {:.1} → {:.1} MiB",
                    count as f64 / elapsed,
                    before.rss as f64 / MIB,
                    peak as f64 / MIB,
                    growth as f64 / count as f64,
                    after.rss as f64 / MIB,
                    before.hwm as f64 / MIB,
                    after.hwm as f64 / MIB
                )),
            ])
        },
    )
    .await
}
