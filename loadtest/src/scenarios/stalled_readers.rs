//! stalled-readers: another user's reads (`GET /user/orders`, `GET /user/orders/{id}`) while
//! 50 streamed answers stall — metalinks of a large order and CSV exports of every order of a
//! tenant, requested by clients that never read them, from 13 callers so that the per-user
//! limit of 4 streams is not what protects the service — against the same reads with no
//! stalled stream, in the same run. Then the stalled clients must all be cut after
//! `http.stall_timeout_secs`, and the service's descriptors go back to what they were.

use super::stalled_readers_rows::{Figures, others};
use crate::api::{Api, OrderRef};
use crate::env::{Ctx, collection, create_orders, item, wait_running, with_env, write_small_files};
use crate::load::{LoadResult, closed_loop};
use crate::procfs::{Descriptors, cpu_time};
use crate::report::Row;
use crate::scenarios::status_reads::FOREVER_MS;
use crate::service::{Config, Service, StorageConfig};
use crate::stalled::{StalledClient, csv_request, get_request};
use anyhow::{Result, bail};
use regards_order::auth::Role;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Files of the order whose metalinks stall, and orders the CSV exports list: each answer
/// (~12 MB) is more than a stalled loopback connection absorbs (the service's send buffer
/// grows to 4 MiB; up to ~7 MB of an answer were seen to fit in all).
pub(super) const METALINK_FILES: usize = 20_000;
pub(super) const CSV_ORDERS: i64 = 6_000;
/// The tenant of the exported orders: the reader's own tenant stays small, so that its
/// `GET /user/orders` measures the stalls and not a search among thousands of orders.
const CSV_TENANT: &str = "csv";
pub(super) const STALLED_METALINKS: usize = 40;
pub(super) const STALLED_CSVS: usize = 10;
/// `downloads.max_streams_per_user` (the default, written out): each caller holds this many.
pub(super) const PER_CALLER: usize = 4;
/// `http.stall_timeout_secs`: longer than setting the stalls up and measuring under them.
pub(super) const STALL_TIMEOUT_SECS: u64 = 20;
/// Concurrent readers of each kind, and how long each phase reads.
pub(super) const READERS: usize = 4;
pub(super) const READ_FOR: Duration = Duration::from_secs(10);
/// Reads while the stalled answers are produced, from the first stalled request on.
pub(super) const SETUP_READS: Duration = Duration::from_secs(3);
const READER_ORDERS: usize = 10;

pub async fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let config = |dir: &std::path::Path| {
        let tape = StorageConfig::nearline("tape", dir.join("tape"), FOREVER_MS, 4);
        let mut config = Config::new(vec![tape]);
        config.stall_timeout_secs = Some(STALL_TIMEOUT_SECS);
        config.max_streams_per_user = Some(PER_CALLER as u64);
        config
    };
    with_env(ctx, config, async |env| {
        let big = big_order(&env.api, &env.dir).await?;
        add_csv_orders(&env.db.url, CSV_ORDERS).await?;
        let root = env.dir.join("tape");
        let readers = create_orders(&env.api, &root, "r", READER_ORDERS, 1, 1).await?;
        wait_running(&env.api, &readers, Duration::from_secs(60)).await?;
        let figures = measure(&env.api, env.service()?, &big, &Arc::new(readers)).await?;
        Ok(figures.rows())
    })
    .await
}

/// The reads without stalls, while the stalls are set up and once they are; then the
/// disconnections.
async fn measure(
    api: &Api,
    service: &Service,
    big: &OrderRef,
    readers: &Arc<Vec<OrderRef>>,
) -> Result<Figures> {
    let calm = reads(api, readers, READ_FOR).await;
    let before = settled_descriptors(service).await?;
    let started = Instant::now();
    let (setup, stalled) = tokio::join!(reads(api, readers, SETUP_READS), stall(api, big));
    let stalled = stalled?;
    let quiet_in = quiet(service, started).await?;
    let held = stalls_held(service, before, "once they were set up")?;
    let stormy = reads(api, readers, READ_FOR).await;
    stalls_held(service, before, "at the end of the reads")?;
    let (released, after) = wait_released(service, before, started).await?;
    let read_again = stalled
        .into_iter()
        .map(|c| c.ending(Duration::from_secs(5)));
    Ok(Figures {
        calm,
        setup,
        stormy,
        quiet_in,
        released,
        before,
        held,
        after,
        endings: futures::future::join_all(read_again).await,
    })
}

/// One order of [`METALINK_FILES`] files on the one-hour tape (RUNNING; a metalink lists
/// every file whatever its state).
async fn big_order(api: &Api, dir: &std::path::Path) -> Result<OrderRef> {
    let paths = write_small_files(&dir.join("tape"), "m", METALINK_FILES).await?;
    let items = paths
        .iter()
        .enumerate()
        .map(|(i, p)| item(&format!("URN:META:{i}"), "meta", p, 64))
        .collect();
    api.import(&collection(items)).await?;
    let token = api.user_token("meta")?;
    api.select_owner(&token, "meta").await?;
    let id = api.create_order(&token, "metalink").await?;
    let order = OrderRef { id, token };
    wait_running(api, std::slice::from_ref(&order), Duration::from_secs(600)).await?;
    Ok(order)
}

/// Stores `count` finished orders straight into the service's database (the CSV export
/// lists every order on one line): their owners are long, so that the export is megabytes.
async fn add_csv_orders(url: &str, count: i64) -> Result<()> {
    use futures::{StreamExt, TryStreamExt};
    use regards_order_actors::domain::order::{OrderHeader, OrderKind, OrderStatus};
    let store = regards_order::db::connect(url).await?;
    let tenant = regards_order_actors::domain::Tenant::parse(CSV_TENANT)?;
    let now = chrono::Utc::now();
    futures::stream::iter(0..count)
        .map(|i| {
            let header = OrderHeader {
                id: 1_000_000 + i,
                owner: format!("csv-{i}-{}@load.test", "o".repeat(2000)),
                label: format!("csv {i}"),
                kind: OrderKind::User,
                creation_date: now,
                expiration_date: Some(now + chrono::Duration::days(7)),
                status: OrderStatus::Done,
                status_date: now,
                percent_completed: 100,
                files_in_error: 0,
                available_count: 0,
                waiting_for_user: false,
                correlation_id: format!("csv-{i}"),
                frontend_url: None,
                message: None,
            };
            let (store, tenant) = (store.clone(), tenant.clone());
            async move { store.create_order(&tenant, &header, &header.owner).await }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The two reads of the user who owns `orders`, [`READERS`] workers each, for `duration`.
async fn reads(
    api: &Api,
    orders: &Arc<Vec<OrderRef>>,
    duration: Duration,
) -> (LoadResult, LoadResult) {
    let (list_api, token) = (api.clone(), orders[0].token.clone());
    let list = closed_loop(READERS, duration, move |_, _| {
        let request = list_api.client.get(list_api.url("/user/orders"));
        answered(request.bearer_auth(token.clone()))
    });
    let (one_api, orders) = (api.clone(), orders.clone());
    let one = closed_loop(READERS, duration, move |w, n| {
        let o = &orders[(w + n as usize * READERS) % orders.len()];
        let path = format!("/user/orders/{}", o.id);
        answered(one_api.client.get(one_api.url(&path)).bearer_auth(&o.token))
    });
    tokio::join!(list, one)
}

/// Whether the request was answered 200 with its whole body.
async fn answered(request: reqwest::RequestBuilder) -> bool {
    match request.timeout(Duration::from_secs(30)).send().await {
        Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// The stalled requests, all at once: the metalinks by the order's owner and super-admins,
/// the CSV exports by EXPLOIT users, [`PER_CALLER`] per caller.
async fn stall(api: &Api, big: &OrderRef) -> Result<Vec<StalledClient>> {
    let metalink = format!("/user/orders/{}/metalink/download", big.id);
    let mut requests = Vec::new();
    for k in 0..STALLED_METALINKS {
        let token = match k / PER_CALLER {
            0 => big.token.clone(),
            c => api.token(&format!("admin{c}@load.test"), Role::ProjectAdmin)?,
        };
        requests.push(get_request(&metalink, &token));
    }
    for k in 0..STALLED_CSVS {
        let email = format!("exploit{}@load.test", k / PER_CALLER);
        let token = api.token_in(CSV_TENANT, &email, Role::Exploit)?;
        requests.push(csv_request(&token));
    }
    let clients = requests
        .iter()
        .map(|request| StalledClient::start(&api.base, request));
    futures::future::try_join_all(clients).await
}

/// Waits until the service has nothing left to do for the stalled answers (it used less than
/// 10 % of a core over 250 ms; 15 s at most); gives the time since `started`.
async fn quiet(service: &Service, started: Instant) -> Result<Duration> {
    let period = Duration::from_millis(250);
    let mut used = cpu_time(service.pid)?;
    for _ in 0..60 {
        tokio::time::sleep(period).await;
        let now = cpu_time(service.pid)?;
        if now.saturating_sub(used) < period / 10 {
            return Ok(started.elapsed());
        }
        used = now;
    }
    bail!("the service was still busy 15 s after the stalled requests")
}

/// The service's descriptors once the harness's idle connections are gone (its client drops
/// them after 2 s) and nothing changes for a second.
async fn settled_descriptors(service: &Service) -> Result<Descriptors> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut last = service.descriptors()?;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = service.descriptors()?;
        if now == last {
            return Ok(now);
        }
        last = now;
    }
    Ok(last)
}

/// The descriptors now; fails unless every stalled client still holds its connection.
fn stalls_held(service: &Service, before: Descriptors, when: &str) -> Result<Descriptors> {
    let now = service.descriptors()?;
    let stalls = STALLED_METALINKS + STALLED_CSVS;
    if now.http < before.http + stalls {
        bail!(
            "{} HTTP descriptors {when}, {} before: the {stalls} stalled clients were cut too \
             soon (raise the stall timeout)",
            now.http,
            before.http
        );
    }
    Ok(now)
}

/// Polls the descriptors until they are back to `before` (stall timeout + 30 s at most);
/// gives the time since `started` and the last count.
async fn wait_released(
    service: &Service,
    before: Descriptors,
    started: Instant,
) -> Result<(Option<Duration>, Descriptors)> {
    let deadline = started + Duration::from_secs(STALL_TIMEOUT_SECS + 30);
    loop {
        let now = service.descriptors()?;
        if now.http <= before.http && others(now) <= others(before) {
            return Ok((Some(started.elapsed()), now));
        }
        if Instant::now() > deadline {
            return Ok((None, now));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
