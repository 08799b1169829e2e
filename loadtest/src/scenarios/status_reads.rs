//! status-reads: many active orders, 64 connections reading `GET /user/orders/{id}` for
//! ~10 s, vs the same load on `GET /health`. `wrk` generates the load (installed when
//! missing); the harness's own client is the fallback, named in the row's note.

use crate::api::{Api, OrderRef};
use crate::env::{Ctx, create_orders, wait_running, with_env};
use crate::load::{LoadResult, closed_loop};
use crate::report::Row;
use crate::service::{Config, StorageConfig};
use crate::wrk::{self, WrkResult};
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A restore delay no run outlives: the orders stay RUNNING.
pub const FOREVER_MS: u64 = 3_600_000;
const CONNECTIONS: usize = 64;
const DURATION: Duration = Duration::from_secs(10);

/// Requests/s, p99 and a description of one measured load.
struct Measured {
    per_second: f64,
    p99: Duration,
    failed: u64,
    describe: String,
}

impl From<WrkResult> for Measured {
    fn from(r: WrkResult) -> Self {
        Self {
            per_second: r.per_second,
            p99: r.p99,
            failed: r.failed,
            describe: r.describe(),
        }
    }
}

impl From<LoadResult> for Measured {
    fn from(r: LoadResult) -> Self {
        Self {
            per_second: r.per_second(),
            p99: r.p99,
            failed: r.failed,
            describe: r.describe(),
        }
    }
}

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
            let root = env.dir.join("tape");
            let orders = create_orders(&env.api, &root, "o", count, 1, 16).await?;
            wait_running(&env.api, &orders, Duration::from_secs(600)).await?;
            let (reads, health, client) = match wrk::find_or_install() {
                Ok(program) => {
                    let (reads, health) = with_wrk(&program, &env.api, &env.dir, &orders).await?;
                    (reads, health, "wrk -t2".to_owned())
                }
                Err(e) => {
                    let (reads, health) = with_harness_client(&env.api, orders).await;
                    let why = format!("{e:#}");
                    (
                        reads,
                        health,
                        format!("the harness's own client (no wrk: {why})"),
                    )
                }
            };
            let p99_ms = reads.p99.as_secs_f64() * 1e3;
            let ratio = Row::ratio(
                "status-reads",
                "GET /user/orders/{id}",
                reads.per_second,
                "req/s",
                "GET /health req/s",
                health.per_second,
                0.7,
            )
            .note(format!(
                "{count} RUNNING orders, {CONNECTIONS} connections, {client}; orders: {}; health: {}",
                reads.describe, health.describe
            ));
            let mut p99 = Row::below(
                "status-reads",
                "GET /user/orders/{id} p99",
                p99_ms,
                "ms",
                5.0,
            )
            .note(format!(
                "health p99 {:.2} ms",
                health.p99.as_secs_f64() * 1e3
            ));
            // A read refused or failed would make both rows meaningless.
            if reads.failed > 0 || health.failed > 0 {
                p99.met = false;
            }
            Ok(vec![ratio, p99])
        },
    )
    .await
}

/// Both loads with wrk: the orders (each with its owner's token), then `/health`.
async fn with_wrk(
    program: &Path,
    api: &Api,
    dir: &Path,
    orders: &[OrderRef],
) -> Result<(Measured, Measured)> {
    let reads: Vec<(String, Option<String>)> = orders
        .iter()
        .map(|o| (format!("/user/orders/{}", o.id), Some(o.token.clone())))
        .collect();
    let health = vec![("/health".to_owned(), None)];
    let program = program.to_owned();
    let base = api.url("");
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || -> Result<(Measured, Measured)> {
        let measure = |name: &str, requests: &[(String, Option<String>)]| -> Result<Measured> {
            let script = wrk::script(requests);
            let path = dir.join(format!("{name}.lua"));
            Ok(wrk::run(&program, &base, &path, &script, CONNECTIONS, DURATION)?.into())
        };
        Ok((measure("orders", &reads)?, measure("health", &health)?))
    })
    .await?
}

/// Both loads with the harness's reqwest client, closed loop.
async fn with_harness_client(api: &Api, orders: Vec<OrderRef>) -> (Measured, Measured) {
    let orders: Arc<Vec<OrderRef>> = Arc::new(orders);
    let reader = api.clone();
    let reads = closed_loop(CONNECTIONS, DURATION, move |w, n| {
        let api = reader.clone();
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
    let prober = api.clone();
    let health = closed_loop(CONNECTIONS, DURATION, move |_, _| {
        let api = prober.clone();
        async move {
            match api.client.get(api.url("/health")).send().await {
                Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    (reads.into(), health.into())
}
