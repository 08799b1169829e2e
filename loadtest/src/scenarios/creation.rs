//! creation: users × M-file orders on an online storage, from baskets until DONE; files
//! persisted per second vs a bulk insert of as many `order_files` rows.

use crate::api::{OrderRef, status_is, summary};
use crate::baseline;
use crate::env::{Ctx, collection, item, with_env, write_small_files};
use crate::report::Row;
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let users = ctx.pick(4, 10);
    let files = ctx.pick(5_000, 10_000);
    with_env(
        ctx,
        |dir| Config::new(vec![StorageConfig::online("disk", dir.join("online"))]),
        async |env| {
            let root = env.dir.join("online");
            let mut items = Vec::with_capacity(users * files);
            for u in 0..users {
                let user = format!("user{u}");
                let paths = write_small_files(&root, &user, files).await?;
                for (i, path) in paths.iter().enumerate() {
                    let size = std::fs::metadata(path)?.len();
                    items.push(item(&format!("URN:LOAD:{user}:{i}"), &user, path, size));
                }
            }
            env.api.import(&collection(items)).await?;
            let mut tokens = Vec::new();
            for u in 0..users {
                let token = env.api.user_token(&format!("user{u}"))?;
                env.api.select_owner(&token, &format!("user{u}")).await?;
                tokens.push(token);
            }
            // The clock: first POST /user/orders to the last order DONE.
            let started = Instant::now();
            let mut creations = tokio::task::JoinSet::new();
            for token in tokens {
                let api = env.api.clone();
                creations.spawn(async move {
                    let id = api.create_order(&token, "creation").await?;
                    anyhow::Ok(OrderRef { id, token })
                });
            }
            let mut orders = Vec::new();
            while let Some(o) = creations.join_next().await {
                orders.push(o??);
            }
            let done = env
                .api
                .wait_all(&orders, Duration::from_secs(1800), |o| {
                    status_is(o, &["DONE", "DONE_WITH_WARNING", "FAILED", "ERROR"])
                })
                .await?;
            let elapsed = done
                .iter()
                .map(|t| t.duration_since(started))
                .max()
                .unwrap_or_default();
            for o in &orders {
                let order = env.api.order(o).await?;
                if !status_is(&order, &["DONE"]) {
                    bail!("not DONE: {}", summary(&order));
                }
            }
            let total = users * files;
            let rate = total as f64 / elapsed.as_secs_f64();
            let bulk = baseline::bulk_insert(&env.db, total).await?;
            Ok(vec![
                Row::ratio(
                    "creation",
                    "files persisted",
                    rate,
                    "files/s",
                    "bulk insert rows/s",
                    bulk.rate,
                    0.5,
                )
                .note(format!(
                    "{users} users × {files} files, {total} files DONE in {:.2} s; baseline the \
                     fastest of: {}",
                    elapsed.as_secs_f64(),
                    bulk.describe()
                )),
            ])
        },
    )
    .await
}
