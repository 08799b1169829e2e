//! lifecycle-writes: pause/resume pairs on 64 orders in parallel (every answer committed),
//! vs the database's own single-row update rate on 64 connections.

use crate::api::OrderRef;
use crate::baseline;
use crate::env::{Ctx, create_orders, wait_running, with_env};
use crate::report::Row;
use crate::scenarios::status_reads::FOREVER_MS;
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

const ORDERS: usize = 64;
/// Resume attempts of one pair before giving up (it answers 401 until effectively paused).
const MAX_RESUME_ATTEMPTS: u32 = 10_000;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let duration = Duration::from_secs(10);
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
            let orders = create_orders(&env.api, &root, "o", ORDERS, 1, 16).await?;
            wait_running(&env.api, &orders, Duration::from_secs(120)).await?;
            let started = Instant::now();
            let deadline = started + duration;
            let mut tasks = tokio::task::JoinSet::new();
            for order in orders {
                let api = env.api.clone();
                tasks.spawn(async move { pairs(&api, &order, deadline).await });
            }
            let (mut pairs_done, mut retries) = (0u64, 0u64);
            while let Some(r) = tasks.join_next().await {
                let (p, r) = r??;
                pairs_done += p;
                retries += r;
            }
            let elapsed = started.elapsed().as_secs_f64();
            let actions = 2.0 * pairs_done as f64 / elapsed;
            let updates = baseline::update_rate(&env.db, ORDERS, Duration::from_secs(5)).await?;
            Ok(vec![
                Row::ratio(
                    "lifecycle-writes",
                    "acknowledged pause+resume",
                    actions,
                    "actions/s",
                    "single-row UPDATEs/s, 64 conns",
                    updates,
                    0.5,
                )
                .note(format!(
                    "{:.1} pause/resume pairs/s on {ORDERS} orders ({pairs_done} pairs in {elapsed:.1} s, \
                     {retries} resumes answered 401 before the pause took effect); ratio counts \
                     each acknowledged action (one commit) against one UPDATE",
                    pairs_done as f64 / elapsed
                )),
            ])
        },
    )
    .await
}

/// Pause then resume `order` until `deadline`; gives (pairs, resume retries).
async fn pairs(api: &crate::api::Api, order: &OrderRef, deadline: Instant) -> Result<(u64, u64)> {
    let (mut pairs, mut retries) = (0, 0);
    while Instant::now() < deadline {
        let (status, body) = api
            .send(
                api.client
                    .put(api.url(&format!("/user/orders/pause/{}", order.id)))
                    .bearer_auth(&order.token),
            )
            .await?;
        if status != 200 {
            bail!("pause of order {}: {status} {body}", order.id);
        }
        let mut attempts = 0;
        loop {
            let (status, body) = api
                .send(
                    api.client
                        .put(api.url(&format!("/user/orders/resume/{}", order.id)))
                        .bearer_auth(&order.token),
                )
                .await?;
            if status == 200 {
                break;
            }
            attempts += 1;
            if status != 401 || attempts >= MAX_RESUME_ATTEMPTS {
                bail!("resume of order {}: {status} {body}", order.id);
            }
            retries += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        pairs += 1;
    }
    Ok((pairs, retries))
}
