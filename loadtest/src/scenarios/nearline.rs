//! nearline: files/s made available by a nearline storage of 4 drives restoring each file
//! in 200 ms, for orders of several users, vs the storage's limit drives ÷ delay.

use crate::api::{OrderRef, status_is, summary};
use crate::env::{Ctx, collection, item, with_env, write_small_files};
use crate::report::Row;
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

const DRIVES: u64 = 4;
const DELAY_MS: u64 = 200;
const USERS: usize = 4;
const FILES_PER_USER: usize = 100;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    with_env(
        ctx,
        |dir| {
            Config::new(vec![StorageConfig::nearline(
                "tape",
                dir.join("tape"),
                DELAY_MS,
                DRIVES,
            )])
        },
        async |env| {
            let root = env.dir.join("tape");
            let mut items = Vec::new();
            let mut tokens = Vec::new();
            for u in 0..USERS {
                let user = format!("user{u}");
                let paths = write_small_files(&root, &user, FILES_PER_USER).await?;
                for (i, p) in paths.iter().enumerate() {
                    items.push(item(&format!("URN:TAPE:{user}:{i}"), &user, p, 64));
                }
                tokens.push(env.api.user_token(&user)?);
            }
            env.api.import(&collection(items)).await?;
            for (u, token) in tokens.iter().enumerate() {
                env.api.select_owner(token, &format!("user{u}")).await?;
            }
            let started = Instant::now();
            let mut orders = Vec::new();
            for token in tokens {
                let id = env.api.create_order(&token, "nearline").await?;
                orders.push(OrderRef { id, token });
            }
            let done = env
                .api
                .wait_all(&orders, Duration::from_secs(300), |o| {
                    status_is(o, &["DONE", "DONE_WITH_WARNING", "FAILED", "ERROR"])
                })
                .await?;
            let elapsed = done
                .iter()
                .map(|t| t.duration_since(started))
                .max()
                .unwrap_or_default()
                .as_secs_f64();
            for o in &orders {
                let order = env.api.order(o).await?;
                if !status_is(&order, &["DONE"]) {
                    bail!("not DONE: {}", summary(&order));
                }
            }
            let files = USERS * FILES_PER_USER;
            let limit = DRIVES as f64 * 1000.0 / DELAY_MS as f64;
            Ok(vec![
                Row::ratio(
                    "nearline",
                    "files made available",
                    files as f64 / elapsed,
                    "files/s",
                    "drives ÷ restore delay",
                    limit,
                    0.9,
                )
                .note(format!(
                    "{files} files of {USERS} users, {DRIVES} drives × {DELAY_MS} ms, all DONE \
                     {elapsed:.2} s after the first POST (ideal {:.1} s)",
                    files as f64 / limit
                )),
            ])
        },
    )
    .await
}
