//! events: order events delivered live while orders progress on a nearline storage — to
//! 100 SSE subscribers (ADMIN streams of the tenant) and to webhooks — against the rate the
//! outbox commits them, with the delivery lag (receipt − the event's date) p50/p99.

use super::events_receivers::{Shared, percentile, subscribe, webhook_receiver};
use crate::api::{OrderRef, status_is};
use crate::env::{Ctx, collection, item, with_env, write_small_files};
use crate::report::Row;
use crate::service::{Config, StorageConfig};
use anyhow::{Result, bail};
use regards_order::auth::Role;
use serde_json::json;
use std::time::{Duration, Instant};

const SUBSCRIBERS: usize = 100;
const WEBHOOKS: usize = 4;
const DRIVES: u64 = 16;
const DELAY_MS: u64 = 5;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    // Many small orders: each tells its creation, its status changes, its sub-order and its
    // files, so the outbox is written by many persistence batches at once.
    let users = ctx.pick(200, 1000);
    let files = ctx.pick(10, 20);
    with_env(
        ctx,
        |dir| {
            let mut config = Config::new(vec![StorageConfig::nearline(
                "tape",
                dir.join("tape"),
                DELAY_MS,
                DRIVES,
            )]);
            config.extra_toml = format!(
                "[events]\nmax_streams_per_user = {}\n\n[webhooks]\nallow_private_targets = true\n",
                SUBSCRIBERS * 2
            );
            config
        },
        async |env| {
            let root = env.dir.join("tape");
            let mut items = Vec::new();
            let mut tokens = Vec::new();
            for u in 0..users {
                let user = format!("user{u}");
                for (i, p) in write_small_files(&root, &user, files)
                    .await?
                    .iter()
                    .enumerate()
                {
                    items.push(item(&format!("URN:EV:{user}:{i}"), &user, p, 64));
                }
                tokens.push(env.api.user_token(&user)?);
            }
            env.api.import(&collection(items)).await?;
            for (u, token) in tokens.iter().enumerate() {
                env.api.select_owner(token, &format!("user{u}")).await?;
            }
            let admin = env.api.token("admin@load.test", Role::Admin)?;
            let mut subscribers = Vec::new();
            for _ in 0..SUBSCRIBERS {
                let url = env.api.url("/orders/events");
                subscribers.push(subscribe(&env.api.client, url, admin.clone()).await?);
            }
            let hooks = register_webhooks(env, &admin).await?;
            let head_before = head(env, &admin).await?;
            let started = Instant::now();
            let mut orders = Vec::new();
            for token in tokens {
                let id = env.api.create_order(&token, "events").await?;
                orders.push(OrderRef { id, token });
            }
            env.api
                .wait_all(&orders, Duration::from_secs(600), |o| {
                    status_is(o, &["DONE", "DONE_WITH_WARNING", "FAILED"])
                })
                .await?;
            let committed_in = started.elapsed().as_secs_f64();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let head_after = head(env, &admin).await?;
            // What the outbox committed meanwhile, read back by a replay.
            let replay_url = env
                .api
                .url(&format!("/orders/events?lastEventId={head_before}"));
            let (replay, replay_task) =
                subscribe(&env.api.client, replay_url, admin.clone()).await?;
            let mut listeners: Vec<&Shared> = subscribers.iter().map(|(s, _)| s).collect();
            listeners.push(&replay);
            listeners.extend(hooks.iter());
            wait_for(&listeners, head_after, Duration::from_secs(120)).await;
            let committed = window(&replay, head_before, head_after).len();
            replay_task.abort();
            if committed == 0 {
                bail!("no event committed between {head_before} and {head_after}");
            }
            let commit_rate = committed as f64 / committed_in;
            let sse: Vec<&Shared> = subscribers.iter().map(|(s, _)| s).collect();
            let mut rows = channel_rows(
                "SSE",
                &sse,
                started,
                (head_before, head_after),
                committed,
                commit_rate,
            );
            if !hooks.is_empty() {
                let hook_refs: Vec<&Shared> = hooks.iter().collect();
                rows.extend(channel_rows(
                    "webhook",
                    &hook_refs,
                    started,
                    (head_before, head_after),
                    committed,
                    commit_rate,
                ));
            }
            for (_, task) in subscribers {
                task.abort();
            }
            let note = format!(
                "{users} orders of {files} files on a tape of {DRIVES} drives × {DELAY_MS} ms: \
                 {committed} events committed in {committed_in:.2} s ({commit_rate:.0}/s)"
            );
            Ok(rows
                .into_iter()
                .map(|r| {
                    let notes = if r.notes.is_empty() {
                        note.clone()
                    } else {
                        format!("{}; {note}", r.notes)
                    };
                    r.note(notes)
                })
                .collect())
        },
    )
    .await
}

/// Registers `WEBHOOKS` tenant callbacks, each on a receiver of its own (none when the
/// service has no webhooks).
async fn register_webhooks(env: &crate::env::Env, admin: &str) -> Result<Vec<Shared>> {
    let mut hooks = Vec::new();
    for _ in 0..WEBHOOKS {
        let (url, received) = webhook_receiver().await?;
        let request = env
            .api
            .client
            .post(env.api.url("/webhooks"))
            .bearer_auth(admin);
        let body = json!({"url": url, "secret": "load-test-secret"});
        let (status, answer) = env.api.send(env.api.json(request, &body)?).await?;
        match status {
            201 => hooks.push(received),
            404 | 405 => return Ok(Vec::new()),
            _ => bail!("webhook registration: {status} {answer}"),
        }
    }
    Ok(hooks)
}

/// The newest event id the service has read from its outbox.
async fn head(env: &crate::env::Env, admin: &str) -> Result<i64> {
    let (status, view) = env
        .api
        .send(
            env.api
                .client
                .get(env.api.url("/admin/actors"))
                .bearer_auth(admin),
        )
        .await?;
    match view["events"]["head"].as_i64() {
        Some(head) if status == 200 => Ok(head),
        _ => bail!("/admin/actors: {status} {view}"),
    }
}

/// Waits until every listener has an event at or past `last` (or the time is out).
async fn wait_for(listeners: &[&Shared], last: i64, within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let all = listeners.iter().all(|l| {
            l.lock()
                .map(|r| r.ids.iter().any(|id| *id >= last))
                .unwrap_or(false)
        });
        if all {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids a listener received in `(from, to]`.
fn window(listener: &Shared, from: i64, to: i64) -> Vec<i64> {
    listener
        .lock()
        .map(|r| {
            r.ids
                .iter()
                .copied()
                .filter(|id| *id > from && *id <= to)
                .collect()
        })
        .unwrap_or_default()
}

/// Deliveries/s against listeners × commits/s, events missed, lag percentiles.
fn channel_rows(
    name: &str,
    listeners: &[&Shared],
    started: Instant,
    (from, to): (i64, i64),
    committed: usize,
    commit_rate: f64,
) -> Vec<Row> {
    let mut delivered = 0usize;
    let mut missed = 0usize;
    let mut lags = Vec::new();
    let mut last = started;
    for listener in listeners {
        let got = window(listener, from, to).len();
        delivered += got;
        missed += committed.saturating_sub(got);
        if let Ok(r) = listener.lock() {
            lags.extend(r.lags_ms.iter().copied());
            if let Some(at) = r.last {
                last = last.max(at);
            }
        }
    }
    let elapsed = last.duration_since(started).as_secs_f64().max(1e-3);
    let n = listeners.len();
    let p50 = percentile(&mut lags, 50.0);
    let p99 = percentile(&mut lags, 99.0);
    vec![
        Row::ratio(
            "events",
            &format!("{name} deliveries/s, {n} listeners"),
            delivered as f64 / elapsed,
            "events/s",
            &format!("{n} × events committed/s"),
            n as f64 * commit_rate,
            0.9,
        ),
        Row::below(
            "events",
            &format!("{name} events missed"),
            missed as f64,
            "events",
            1.0,
        ),
        Row::report("events", &format!("{name} delivery lag p99"), p99, "ms")
            .note(format!("p50 {p50:.1} ms over {} deliveries", lags.len())),
    ]
}
