//! scale: resident memory per active order and per file, and the time to `/ready` of a restart
//! that recovers them all.
//!
//! Two populations, each measured in a freshly restarted process (so that the garbage of
//! their creation does not count): first many orders of 10 files, then a few orders of many
//! files on top; the difference of their costs per order, divided by the difference of their
//! files, is the cost of a file.

use crate::env::{Ctx, create_orders, wait_running, with_env};
use crate::report::Row;
use crate::scenarios::status_reads::FOREVER_MS;
use crate::service::{Config, StorageConfig};
use anyhow::Result;
use std::time::Duration;

const FILES: usize = 10;
/// Orders of the second population, and their files each.
const BIG_ORDERS: usize = 20;
const BIG_FILES: usize = 5_000;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let count = ctx.pick(1_000, 10_000);
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
            let empty = env.service()?.memory()?;
            let root = env.dir.join("tape");
            let orders = create_orders(&env.api, &root, "o", count, FILES, 16).await?;
            wait_running(&env.api, &orders, Duration::from_secs(1200)).await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let loaded = env.service()?.memory()?;
            // A fresh process holding only the recovered orders: no trace of the creations.
            let recovery = env.restart().await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let recovered = env.service()?.memory()?;
            let listening = env.service()?.started_in;
            wait_running(&env.api, &orders, Duration::from_secs(60)).await?;
            // The second population, recovered the same way.
            let big = create_orders(&env.api, &root, "b", BIG_ORDERS, BIG_FILES, 4).await?;
            wait_running(&env.api, &big, Duration::from_secs(1200)).await?;
            env.restart().await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let with_big = env.service()?.memory()?;
            wait_running(&env.api, &big, Duration::from_secs(60)).await?;

            let per_order = recovered.rss.saturating_sub(empty.rss) as f64 / count as f64;
            let per_order_live = loaded.rss.saturating_sub(empty.rss) as f64 / count as f64;
            let per_big = with_big.rss.saturating_sub(recovered.rss) as f64 / BIG_ORDERS as f64;
            // An upper bound: the allocator keeps what the recovered runs' reads used.
            let per_file = ((per_big - per_order) / (BIG_FILES - FILES) as f64).max(0.0);
            let kib = |b: u64| b as f64 / 1024.0;
            Ok(vec![
                Row::below(
                    "scale",
                    "RSS per active order of 10 files",
                    per_order,
                    "B",
                    2048.0 + 100.0 * FILES as f64,
                )
                .note(format!(
                    "{count} RUNNING orders of {FILES} files; VmRSS {:.0} KiB empty, {:.0} KiB \
                     after recovering them ({:.0} B/order), {:.0} KiB before the restart, \
                     creation garbage included ({per_order_live:.0} B/order); target 2 KB/order \
                     + 100 B/file",
                    kib(empty.rss),
                    kib(recovered.rss),
                    per_order,
                    kib(loaded.rss)
                )),
                Row::below(
                    "scale",
                    "RSS per file of an active order",
                    per_file,
                    "B",
                    100.0,
                )
                .note(format!(
                    "{BIG_ORDERS} more RUNNING orders of {BIG_FILES} files: VmRSS {:.0} KiB \
                         after recovering both populations ({per_big:.0} B per such order)",
                    kib(with_big.rss)
                )),
                Row::below(
                    "scale",
                    "restart to /ready (recovery)",
                    recovery.as_secs_f64(),
                    "s",
                    10.0,
                )
                .note(format!(
                    "{count} orders re-activated before listening; spawn to `listening on` {:.2} s",
                    listening.as_secs_f64()
                )),
            ])
        },
    )
    .await
}
