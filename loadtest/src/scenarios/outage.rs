//! outage: orders of several users restoring nearline files while the database is taken away
//! for ~10 s and given back, the service left running. Nothing a response showed may be lost
//! (checked after a `kill -9` and a restart); the service's return to work is timed against
//! the prober's period while the database is down, its answers during the outage against
//! their bounds.
//!
//! Postgres: a throwaway cluster of the scenario's own, stopped (`pg_ctl -m fast stop`) and
//! started again. SQLite: the database file and its WAL made immutable (`chattr +i`: root
//! may write a read-only file, not an immutable one), then writable again.

use super::outage_probes::{During, Shown, during_outage, recovery, wait_done, wait_flushed};
use crate::api::{Api, OrderRef, Persistence};
use crate::env::{Ctx, collection, item, with_env, write_small_files};
use crate::pg_cluster::PgCluster;
use crate::report::Row;
use crate::service::{Backend, Config, StorageConfig};
use anyhow::{Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const DELAY_MS: u64 = 200;
/// How long the database stays away.
const OUTAGE: Duration = Duration::from_secs(10);
/// The prober's pause between probes while the database is down (engine/health.rs): the
/// floor of every recovery time.
const PROBE_PERIOD_DOWN_SECS: f64 = 0.25;
/// `engine.commit_timeout_secs` of the scenario (the service's default): the bound of a
/// refused action.
const COMMIT_TIMEOUT_SECS: u64 = 5;

/// Users (one order each), files per order, drives of the nearline storage.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    users: usize,
    files: usize,
    drives: u64,
}

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let sizes = ctx.pick(
        Sizes {
            users: 4,
            files: 100,
            drives: 4,
        },
        Sizes {
            users: 16,
            files: 250,
            drives: 16,
        },
    );
    match ctx.backend {
        Backend::Sqlite => in_env(ctx, sizes, None).await,
        Backend::Postgres => {
            let cluster = PgCluster::start().await?;
            let own = Ctx {
                server_url: cluster.url(),
                ..ctx.clone()
            };
            // The cluster outlives the environment, whose database it holds.
            in_env(&own, sizes, Some(&cluster)).await
        }
    }
}

/// How the database is taken away and given back.
enum Switch<'a> {
    Postgres(&'a PgCluster),
    Sqlite(Immutable),
}

impl Switch<'_> {
    async fn take_away(&mut self) -> Result<()> {
        match self {
            Switch::Postgres(cluster) => cluster.stop().await,
            Switch::Sqlite(files) => files.set(true).await,
        }
    }

    /// Gives the database back; answers the moment it takes requests again.
    async fn give_back(&mut self) -> Result<Instant> {
        match self {
            Switch::Postgres(cluster) => {
                let (started, answered) = tokio::join!(cluster.resume(), cluster.answers_at());
                started?;
                answered
            }
            Switch::Sqlite(files) => {
                files.set(false).await?;
                Ok(Instant::now())
            }
        }
    }
}

/// SQLite's files, made immutable while the database is away; writable again when dropped,
/// so that a failed run leaves nothing that cannot be removed.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    async fn set(&self, immutable: bool) -> Result<()> {
        let flag = if immutable { "+i" } else { "-i" };
        for file in &self.0 {
            let status = tokio::process::Command::new("chattr")
                .arg(flag)
                .arg(file)
                .status()
                .await?;
            if !status.success() {
                bail!("chattr {flag} {} failed ({status})", file.display());
            }
        }
        Ok(())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(file)
                .status();
        }
    }
}

/// What the database's return took.
struct Recovery {
    /// Time to give it back (pg_ctl start; chattr -i).
    giving_back: Duration,
    /// From its return to the first 200 of `/ready`.
    ready: Duration,
    /// From its return to the first transaction committed by a persistence actor.
    first_batch: Duration,
    /// From its return until every persistence actor's last attempt committed.
    all_writers: Duration,
}

async fn in_env(ctx: &Ctx, sizes: Sizes, cluster: Option<&PgCluster>) -> Result<Vec<Row>> {
    let config = |dir: &std::path::Path| {
        let tape = StorageConfig::nearline("tape", dir.join("tape"), DELAY_MS, sizes.drives);
        let mut config = Config::new(vec![tape]);
        config.commit_timeout_secs = Some(COMMIT_TIMEOUT_SECS);
        config
    };
    with_env(ctx, config, async |env| {
        let mut switch = match cluster {
            Some(cluster) => Switch::Postgres(cluster),
            None => Switch::Sqlite(Immutable(vec![
                env.dir.join("loadtest.db"),
                env.dir.join("loadtest.db-wal"),
            ])),
        };
        let orders = order_files(&env.api, &env.dir, sizes).await?;
        let mut shown = Shown::new(orders.len());
        let total = (sizes.users * sizes.files) as i64;
        shown.wait_until(&env.api, &orders, total / 4).await?;
        let (during, recovery) = outage(&env.api, &orders, &mut shown, &mut switch).await?;
        let done_in = wait_done(&env.api, &orders, &mut shown).await?;
        wait_flushed(&env.api).await?;
        env.crash_restart().await?;
        let lost = nothing_lost(&env.api, &orders, &shown, sizes.files).await?;
        let returned_by = match cluster {
            Some(_) => "the restarted server first answered a query (polled every 10 ms)",
            None => "chattr -i returned",
        };
        let figures = Figures {
            sizes,
            during,
            recovery,
            done_in,
            lost,
        };
        Ok(figures.rows(returned_by))
    })
    .await
}

/// One order per user of `files` files on the nearline storage; gives them once created.
async fn order_files(api: &Api, dir: &std::path::Path, sizes: Sizes) -> Result<Vec<OrderRef>> {
    let root = dir.join("tape");
    let mut items = Vec::new();
    let mut tokens = Vec::new();
    for u in 0..sizes.users {
        let user = format!("user{u}");
        let paths = write_small_files(&root, &user, sizes.files).await?;
        for (i, p) in paths.iter().enumerate() {
            items.push(item(&format!("URN:TAPE:{user}:{i}"), &user, p, 64));
        }
        tokens.push(api.user_token(&user)?);
    }
    api.import(&collection(items)).await?;
    let mut orders = Vec::new();
    for (u, token) in tokens.into_iter().enumerate() {
        api.select_owner(&token, &format!("user{u}")).await?;
        let id = api.create_order(&token, "outage").await?;
        orders.push(OrderRef { id, token });
    }
    Ok(orders)
}

/// Takes the database away for [`OUTAGE`] while probing the service, gives it back and times
/// the service's return to work.
async fn outage(
    api: &Api,
    orders: &[OrderRef],
    shown: &mut Shown,
    switch: &mut Switch<'_>,
) -> Result<(During, Recovery)> {
    let began = Instant::now();
    switch.take_away().await?;
    let during = during_outage(api, orders, shown, began, began + OUTAGE).await?;
    let before: Persistence = api.persistence().await?;
    if before.failures == 0 {
        bail!("no persistence batch failed during the outage: the database was not away");
    }
    let giving = Instant::now();
    let (returned, recovered) = tokio::join!(switch.give_back(), recovery(api, before));
    let (returned, (ready, first_batch, all_writers)) = (returned?, recovered?);
    let since = |t: Instant| t.saturating_duration_since(returned);
    Ok((
        During {
            persistence: before,
            ..during
        },
        Recovery {
            giving_back: returned.saturating_duration_since(giving),
            ready: since(ready),
            first_batch: since(first_batch),
            all_writers: since(all_writers),
        },
    ))
}

/// After the restart: every order DONE, all its files AVAILABLE in the database (counted and
/// listed), at least as many as any response showed. Gives the files shown but missing.
async fn nothing_lost(api: &Api, orders: &[OrderRef], shown: &Shown, files: usize) -> Result<i64> {
    let mut lost = 0;
    let mut wrong = Vec::new();
    for (i, o) in orders.iter().enumerate() {
        let order = api.order(o).await?;
        let count = order["availableFilesCount"].as_i64().unwrap_or(-1);
        let request = api
            .client
            .get(api.url(&format!("/orders/{}/files/available?size=1", o.id)))
            .bearer_auth(&o.token);
        let (status, listing) = api.send(request).await?;
        let listed = listing["metadata"]["totalElements"].as_i64().unwrap_or(-1);
        lost += (shown.max[i] - count.min(listed)).max(0);
        if order["status"] != "DONE" || count != files as i64 || listed != files as i64 {
            wrong.push(format!(
                "{} (listing {status}: {listed} files)",
                crate::api::summary(&order)
            ));
        }
    }
    if lost > 0 || !wrong.is_empty() {
        bail!("{lost} files shown AVAILABLE were lost; after the restart: {wrong:?}");
    }
    Ok(lost)
}

/// Everything the rows report.
struct Figures {
    sizes: Sizes,
    during: During,
    recovery: Recovery,
    done_in: Duration,
    lost: i64,
}

impl Figures {
    fn rows(&self, returned_by: &str) -> Vec<Row> {
        let mut rows = vec![
            Row::below(
                "outage",
                "changes lost (shown AVAILABLE, missing after kill -9)",
                self.lost as f64,
                "files",
                1.0,
            )
            .note(self.describe_orders()),
        ];
        rows.extend(self.recovery_rows(returned_by));
        rows.extend(self.outage_rows());
        rows
    }

    /// The service's return to work once the database is back.
    fn recovery_rows(&self, returned_by: &str) -> [Row; 2] {
        let (during, recovery) = (&self.during, &self.recovery);
        [
            self.recovery_row("database back → /ready 200", recovery.ready)
                .note(format!(
                    "from the moment {returned_by}; giving it back took {:.2} s",
                    recovery.giving_back.as_secs_f64()
                )),
            self.recovery_row(
                "database back → first committed batch",
                recovery.first_batch,
            )
            .note(format!(
                "every writer committed after {:.2} s; {} transactions failed during the \
                 outage; when it came back the writers' queues held {} changes, the longest \
                 backoff then pending {} ms",
                recovery.all_writers.as_secs_f64(),
                during.persistence.failures,
                during.persistence.queued,
                during.persistence.retry_in_ms
            )),
        ]
    }

    /// The service's answers while the database was away.
    fn outage_rows(&self) -> [Row; 2] {
        let during = &self.during;
        [
            Row::below(
                "outage",
                "slowest /ready during the outage",
                during.ready_max.as_secs_f64(),
                "s",
                1.0,
            )
            .note(during.describe_ready()),
            Row::below(
                "outage",
                "slowest refused action (PUT pause → 503) during the outage",
                during.pause_max.as_secs_f64(),
                "s",
                COMMIT_TIMEOUT_SECS as f64,
            )
            .note(during.describe_pauses()),
        ]
    }

    fn recovery_row(&self, figure: &str, took: Duration) -> Row {
        let floor = "prober period while down, s";
        let target = 4.0;
        Row::ratio_at_most(
            "outage",
            figure,
            took.as_secs_f64(),
            "s",
            floor,
            PROBE_PERIOD_DOWN_SECS,
            target,
        )
    }

    fn describe_orders(&self) -> String {
        let (sizes, during) = (self.sizes, &self.during);
        format!(
            "{} orders of {} files ({} drives × {DELAY_MS} ms); database away {:.1} s; {} files \
             shown AVAILABLE when it went, {} when it came back; all DONE {:.1} s after; after \
             kill -9 and a restart every order DONE, its count and its /files/available \
             listing complete",
            sizes.users,
            sizes.files,
            sizes.drives,
            during.lasted.as_secs_f64(),
            during.shown_before,
            during.shown_at_end,
            self.done_in.as_secs_f64()
        )
    }
}
