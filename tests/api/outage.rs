//! Database outages during retrievals, on the real process: Postgres stopped (a cluster the
//! test owns), SQLite made unwritable. During the outage `/ready` says so at once, live
//! orders still answer, actions get 503 with `Retry-After` and change nothing; once the
//! database is back everything resumes without a restart, and whatever a response showed is
//! in the database — checked after a `kill -9`. An event stream and a webhook open across the
//! outage go on afterwards with every event once, in order.

use crate::pg_cluster::PgCluster;
use crate::process::ServiceProcess;
use crate::process_client::{Harness, catalogue, write_config};
use crate::sse_client::{SseClient, SseEvent};
use crate::webhook_receiver::{Answer, Delivery, Receiver, summary};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{OrderHeader, OrderKind, OrderStatus};
use serde_json::Value;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const USERS: [&str; 4] = ["ann", "ben", "cat", "dan"];
/// A user who fills a basket before the outage and orders it during it.
const LATE: &str = "eve";
const FILES_PER_ORDER: i64 = 6;
const HOOK_SECRET: &str = "outage secret";

/// A way to take the database away and give it back.
trait Outage {
    fn begin(&self);
    fn end(&self);
}

/// Postgres stopped, then started again.
struct PostgresStopped<'a>(&'a PgCluster);

impl Outage for PostgresStopped<'_> {
    fn begin(&self) {
        self.0.stop();
    }

    fn end(&self) {
        self.0.resume();
    }
}

/// SQLite's files made immutable (root may write a read-only file; not an immutable one).
struct SqliteUnwritable(Vec<PathBuf>);

impl SqliteUnwritable {
    fn set(&self, flag: &str) {
        for file in &self.0 {
            let done = Command::new("chattr").arg(flag).arg(file).status();
            assert!(
                done.is_ok_and(|s| s.success()),
                "chattr {flag} {}",
                file.display()
            );
        }
    }
}

impl Outage for SqliteUnwritable {
    fn begin(&self) {
        self.set("+i");
    }

    fn end(&self) {
        self.set("-i");
    }
}

impl Drop for SqliteUnwritable {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(file).status();
        }
    }
}

#[actix_web::test]
async fn postgres_stopped_during_retrievals_loses_nothing() {
    let Some(cluster) = PgCluster::start() else {
        eprintln!("no Postgres server binaries: the Postgres outage test is skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    outage_during_retrievals(&cluster.url(), &PostgresStopped(&cluster), dir.path()).await;
}

#[actix_web::test]
async fn sqlite_unwritable_during_retrievals_loses_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    if !chattr_permitted(dir.path()) {
        eprintln!("chattr +i is not permitted here: the SQLite outage test is skipped");
        return;
    }
    let db = dir.path().join("outage.db");
    let url = format!("sqlite://{}", db.display());
    let wal = dir.path().join("outage.db-wal");
    let outage = SqliteUnwritable(vec![db, wal]);
    outage_during_retrievals(&url, &outage, dir.path()).await;
}

/// Whether files in `dir` may be made immutable (root, on a file system that supports it).
pub fn chattr_permitted(dir: &Path) -> bool {
    let probe = dir.join("chattr-probe");
    std::fs::write(&probe, b"x").expect("probe file");
    let permitted = Command::new("chattr")
        .arg("+i")
        .arg(&probe)
        .status()
        .is_ok_and(|s| s.success());
    let _ = Command::new("chattr").arg("-i").arg(&probe).status();
    permitted
}

/// Polls `/ready` until it answers `status`; every answer must come within a second.
async fn wait_ready(h: &Harness, base: &str, status: u16, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let asked = Instant::now();
        let (answer, body) = h.send(h.client.get(format!("{base}/ready"))).await;
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "/ready took {:?} ({answer} {body})",
            asked.elapsed()
        );
        if answer == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "/ready never answered {status}: {answer} {body}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn available(order: &Value) -> i64 {
    order["availableFilesCount"].as_i64().expect("count")
}

async fn outage_during_retrievals(url: &str, outage: &dyn Outage, dir: &Path) {
    let config = write_config(
        dir,
        400,
        2,
        "[engine]\ncommit_timeout_secs = 2\n\
         [webhooks]\nallow_private_targets = true\nfirst_retry_secs = 1\n",
    );
    let h = Harness::new();
    let service = ServiceProcess::start(&config, url, dir);
    let base = service.address.clone();
    let everyone = [USERS.as_slice(), &[LATE]].concat();
    h.import(&base, &catalogue(dir, &everyone, FILES_PER_ORDER as usize))
        .await;
    // The tenant's webhook and the first user's event stream, open before the orders.
    let receiver = Receiver::start(HOOK_SECRET, Answer::Ok).await;
    let admin = h.token("admin@x", regards_order::auth::Role::Admin);
    let (status, hook) = h
        .send(
            h.client
                .post(format!("{base}/webhooks"))
                .bearer_auth(&admin)
                .json(&serde_json::json!({"url": receiver.url(), "secret": HOOK_SECRET})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let follower = h.token(
        &format!("{}@x", USERS[0]),
        regards_order::auth::Role::RegisteredUser,
    );
    // A client without the harness' request timeout: the stream stays open for the whole test.
    let (status, _, stream) = SseClient::open(
        reqwest::Client::new()
            .get(format!("{base}/user/orders/events"))
            .bearer_auth(&follower),
    )
    .await;
    assert_eq!(status, 200);
    let mut stream = stream.expect("event stream");
    let orders = h.order_per_user(&base, &USERS).await;
    let late = h.token(
        &format!("{LATE}@x"),
        regards_order::auth::Role::RegisteredUser,
    );
    h.select_owner(&base, &late, LATE).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while available(&h.order(&base, &orders[0].0, orders[0].1).await) == 0 {
        assert!(Instant::now() < deadline, "retrieval never started");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let mut before = Vec::new();
    for (token, id) in &orders {
        before.push(available(&h.order(&base, token, *id).await));
    }

    outage.begin();
    wait_ready(&h, &base, 503, Duration::from_secs(10)).await;
    // An action is refused at once, says when to come back, and changes nothing.
    let (paused_token, paused_id) = &orders[3];
    let asked = Instant::now();
    let response = h
        .client
        .put(format!("{base}/user/orders/pause/{paused_id}"))
        .bearer_auth(paused_token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    // Live orders still answer; retrievals under way finish in memory meanwhile.
    let mut shown = before.clone();
    let watch_until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < watch_until {
        for (i, (token, id)) in orders.iter().enumerate() {
            let order = h.order(&base, token, *id).await;
            assert_ne!(order["status"], "PAUSED", "a refused pause changed nothing");
            shown[i] = shown[i].max(available(&order));
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        shown.iter().sum::<i64>() > before.iter().sum::<i64>(),
        "no file became available during the outage: {before:?} → {shown:?}"
    );

    outage.end();
    wait_ready(&h, &base, 200, Duration::from_secs(15)).await;
    for (token, id) in &orders {
        let done = h
            .wait_done(&base, token, *id, Duration::from_secs(30))
            .await;
        assert_eq!(available(&done), FILES_PER_ORDER, "{done}");
    }
    events_went_on_across_the_outage(&mut stream, &receiver, &orders).await;
    let (status, mine) = h
        .send(
            h.client
                .get(format!("{base}/user/orders"))
                .bearer_auth(&late),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        mine["metadata"]["totalElements"], 0,
        "no half-created order: {mine}"
    );
    let (status, basket) = h
        .send(
            h.client
                .get(format!("{base}/order/basket"))
                .bearer_auth(&late),
        )
        .await;
    assert_eq!(status, 200, "the basket is still there");
    assert_eq!(
        basket["content"]["datasetSelections"][0]["filesCount"], FILES_PER_ORDER,
        "{basket}"
    );
    // What the responses showed is in the database: it survives a crash.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    service.kill9();
    let service = ServiceProcess::start(&config, url, dir);
    let base = service.address.clone();
    for (i, (token, id)) in orders.iter().enumerate() {
        let order = h.order(&base, token, *id).await;
        assert_eq!(order["status"], "DONE", "{order}");
        assert_eq!(available(&order), FILES_PER_ORDER, "{order}");
        assert!(available(&order) >= shown[i]);
        let (status, listing) = h
            .send(
                h.client
                    .get(format!("{base}/orders/{id}/files/available?size=100"))
                    .bearer_auth(token),
            )
            .await;
        assert_eq!(status, 200, "{listing}");
        assert_eq!(
            listing["metadata"]["totalElements"].as_i64(),
            Some(FILES_PER_ORDER),
            "{listing}"
        );
    }
    drop(service);
}

/// The stream opened before the outage, still the same connection, told the first user's order
/// up to DONE; the webhook got every order's DONE; each saw every event once, in order, and
/// both saw the same events of that order.
async fn events_went_on_across_the_outage(
    stream: &mut SseClient,
    receiver: &Receiver,
    orders: &[(String, i64)],
) {
    let followed = orders[0].1;
    let is_done = |e: &SseEvent| e.data["orderId"] == followed && e.data["status"] == "DONE";
    let streamed = stream.until(Duration::from_secs(30), is_done).await;
    let streamed_ids: Vec<i64> = streamed.iter().map(|e| e.id).collect();
    assert!(
        streamed_ids.windows(2).all(|w| w[0] < w[1]),
        "stream out of order or repeated: {streamed_ids:?}"
    );
    let all_done = |d: &[Delivery]| {
        orders.iter().all(|(_, id)| {
            d.iter()
                .any(|d| d.accepted && d.body["orderId"] == *id && d.body["status"] == "DONE")
        })
    };
    receiver.wait_for("every order's DONE", all_done).await;
    let delivered: Vec<i64> = receiver.accepted().iter().map(|d| d.id).collect();
    assert!(
        delivered.windows(2).all(|w| w[0] < w[1]),
        "webhook out of order or repeated: {:?}",
        summary(&receiver.requests())
    );
    let hooked: Vec<i64> = receiver
        .accepted()
        .iter()
        .filter(|d| d.body["orderId"] == followed && d.id <= streamed_ids[streamed_ids.len() - 1])
        .map(|d| d.id)
        .collect();
    let followed_ids: Vec<i64> = streamed
        .iter()
        .filter(|e| e.data["orderId"] == followed)
        .map(|e| e.id)
        .collect();
    assert_eq!(followed_ids, hooked, "stream and webhook disagree");
}

/// A new order `id` of `u@x`, for the store-level test below.
fn order_header(id: i64) -> OrderHeader {
    let now = chrono::Utc::now();
    OrderHeader {
        id,
        owner: "u@x".into(),
        label: format!("order {id}"),
        kind: OrderKind::User,
        creation_date: now,
        expiration_date: None,
        status: OrderStatus::Pending,
        status_date: now,
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: format!("corr-{id}"),
        frontend_url: None,
        message: None,
    }
}

/// A COMMIT that fails on an unwritable SQLite file is rolled back by SQLite itself; the
/// connection that ran it must not be taken for one still inside a transaction afterwards.
/// Otherwise its next transactions are savepoints: one that meets a busy database is rolled
/// back to its savepoint with the transaction left open, and what that connection writes next
/// is acknowledged but never committed (or waits for a lock it holds itself).
#[actix_web::test]
async fn a_commit_failed_on_an_unwritable_sqlite_file_leaves_every_later_write_committed() {
    let dir = tempfile::tempdir().expect("temp dir");
    if !chattr_permitted(dir.path()) {
        eprintln!("chattr +i is not permitted here: the SQLite commit test is skipped");
        return;
    }
    let db = dir.path().join("commit.db");
    let url = format!("sqlite://{}", db.display());
    let store = regards_order::db::connect_waiting(&url, Duration::from_millis(300))
        .await
        .expect("store");
    let tenant = Tenant::parse("project1").expect("tenant");
    // A connection goes back to the pool after its call returns: writes one after the other
    // take the pool's connections in turn.
    let settle = || actix_web::rt::time::sleep(Duration::from_millis(50));
    store
        .create_order(&tenant, &order_header(1), "u@x")
        .await
        .expect("order 1");
    let unwritable = SqliteUnwritable(vec![db.clone(), dir.path().join("commit.db-wal")]);
    unwritable.begin();
    for id in 2..10 {
        let failed = store.create_order(&tenant, &order_header(id), "u@x").await;
        assert!(
            matches!(&failed, Err(e) if e.is_unavailable()),
            "order {id}: {failed:?}"
        );
        settle().await;
    }
    unwritable.end();

    let mut other = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connection");
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .expect("lock");
    let busy = store.create_order(&tenant, &order_header(10), "u@x").await;
    assert!(busy.is_err(), "the database is busy");
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut other)
        .await
        .expect("unlock");
    settle().await;
    for id in 11..27 {
        let written = store.create_order(&tenant, &order_header(id), "u@x").await;
        assert!(written.is_ok(), "order {id}: {written:?}");
        settle().await;
    }
    let committed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE id > 10")
        .fetch_one(&mut other)
        .await
        .expect("count");
    assert_eq!(
        committed, 16,
        "every acknowledged write is seen by another connection"
    );
}

/// SQLite opens a file it cannot write read-only, and such a connection stays read-only
/// after the file is writable again: connections the pool opens during an outage must not
/// be kept, or writes fail long after the database is back.
#[actix_web::test]
async fn connections_opened_while_the_sqlite_file_is_unwritable_do_not_outlive_the_outage() {
    let dir = tempfile::tempdir().expect("temp dir");
    if !chattr_permitted(dir.path()) {
        eprintln!("chattr +i is not permitted here: the SQLite connection test is skipped");
        return;
    }
    let db = dir.path().join("reopen.db");
    let url = format!("sqlite://{}", db.display());
    let store = regards_order::db::connect_waiting(&url, Duration::from_millis(300))
        .await
        .expect("store");
    let tenant = Tenant::parse("project1").expect("tenant");
    store
        .create_order(&tenant, &order_header(1), "u@x")
        .await
        .expect("order 1");
    let unwritable = SqliteUnwritable(vec![db.clone(), dir.path().join("reopen.db-wal")]);
    unwritable.begin();
    // Reads at once: the pool opens every connection it may have.
    let reads = (0..32).map(|_| store.ping());
    futures::future::join_all(reads).await;
    unwritable.end();

    let settle = || actix_web::rt::time::sleep(Duration::from_millis(50));
    settle().await;
    for id in 2..18 {
        let written = store.create_order(&tenant, &order_header(id), "u@x").await;
        assert!(written.is_ok(), "order {id}: {written:?}");
        settle().await;
    }
}
