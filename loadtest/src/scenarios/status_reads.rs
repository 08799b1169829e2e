//! status-reads: many active orders, 64 connections reading `GET /user/orders/{id}` for
//! ~10 s, vs the same load on `GET /health`.

use crate::api::OrderRef;
use crate::env::{Ctx, create_orders, wait_running, with_env};
use crate::load::closed_loop;
use crate::report::Row;
use crate::service::{Config, StorageConfig};
use anyhow::Result;
use std::sync::Arc;
use std::time::Duration;

/// A restore delay no run outlives: the orders stay RUNNING.
pub const FOREVER_MS: u64 = 3_600_000;
const CONNECTIONS: usize = 64;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let count = ctx.pick(1_000, 10_000);
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
            let orders = create_orders(&env.api, &root, "o", count, 1, 16).await?;
            wait_running(&env.api, &orders, Duration::from_secs(600)).await?;
            let orders: Arc<Vec<OrderRef>> = Arc::new(orders);
            let api = env.api.clone();
            let reads = closed_loop(CONNECTIONS, duration, move |w, n| {
                let api = api.clone();
                let orders = orders.clone();
                async move {
                    let o = &orders[(w + n as usize * CONNECTIONS) % orders.len()];
                    let request = api
                        .client
                        .get(api.url(&format!("/user/orders/{}", o.id)))
                        .bearer_auth(&o.token);
                    match request.send().await {
                        Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            let api = env.api.clone();
            let health = closed_loop(CONNECTIONS, duration, move |_, _| {
                let api = api.clone();
                async move {
                    match api.client.get(api.url("/health")).send().await {
                        Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            Ok(vec![
                Row::ratio(
                    "status-reads",
                    "GET /user/orders/{id}",
                    reads.per_second(),
                    "req/s",
                    "GET /health req/s",
                    health.per_second(),
                    0.5,
                )
                .note(format!(
                    "{count} RUNNING orders, {CONNECTIONS} connections; orders: {}; health: {}",
                    reads.describe(),
                    health.describe()
                )),
            ])
        },
    )
    .await
}
