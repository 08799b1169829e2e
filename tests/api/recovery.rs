//! Crash safety: `kill -9` during retrievals, restart on the same database, and every order
//! completes with the right counts; an acknowledged pause survives the crash.

use crate::helpers::{Backend, create_pg_database, postgres_url, with_database};
use crate::process::ServiceProcess;
use crate::process_client::{Harness, catalogue, write_config};
use crate::sse_client::SseClient;
use regards_order::auth::Role;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

const FILES_PER_ORDER: usize = 8;

#[actix_web::test]
async fn sqlite_kill_during_retrieval_loses_nothing() {
    kill_during_retrieval(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_kill_during_retrieval_loses_nothing() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: Postgres variant skipped");
        return;
    }
    kill_during_retrieval(Backend::Postgres).await;
}

async fn database(backend: Backend, dir: &Path) -> (String, Option<String>) {
    match backend {
        Backend::Sqlite => (format!("sqlite://{}/crash.db", dir.display()), None),
        Backend::Postgres => {
            let (server, name) = create_pg_database().await;
            (with_database(&server, &name), Some(name))
        }
    }
}

async fn kill_during_retrieval(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), 250, 2, "");
    let (url, _pg_name) = database(backend, dir.path()).await;
    let h = Harness::new();
    let users = ["alice", "bob", "carol"];
    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    h.import(&base, &catalogue(dir.path(), &users, FILES_PER_ORDER))
        .await;
    let orders = h.order_per_user(&base, &users).await;
    // Let retrievals start, pause carol's order (acknowledged), then crash mid-way.
    let started = Instant::now();
    loop {
        let o = h.order(&base, &orders[0].0, orders[0].1).await;
        if o["availableFilesCount"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "retrieval never started: {o}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let (carol, carol_id) = orders[2].clone();
    let (status, _) = h
        .send(
            h.client
                .put(format!("{base}/user/orders/pause/{carol_id}"))
                .bearer_auth(&carol),
        )
        .await;
    assert_eq!(status, 200);
    let before = h.order(&base, &orders[0].0, orders[0].1).await;
    assert!(
        before["availableFilesCount"].as_i64().expect("count") < FILES_PER_ORDER as i64,
        "crash too late: {before}"
    );
    service.kill9();

    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    let paused = h.order(&base, &carol, carol_id).await;
    assert_eq!(
        paused["status"], "PAUSED",
        "an acknowledged pause survives kill -9"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = h
            .send(
                h.client
                    .put(format!("{base}/user/orders/resume/{carol_id}"))
                    .bearer_auth(&carol),
            )
            .await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "carol's order never resumable");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    for (token, id) in &orders {
        loop {
            let o = h.order(&base, token, *id).await;
            if o["status"] == "DONE" {
                assert_eq!(o["availableFilesCount"], FILES_PER_ORDER as i64, "{o}");
                assert_eq!(o["percentCompleted"], 100);
                assert_eq!(o["filesInErrorCount"], 0);
                assert_eq!(o["datasetTasks"][0]["filesCount"], FILES_PER_ORDER as i64);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "order {id} never finished after the restart: {o}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
    every_change_was_told_once(&h, &base, &orders, carol_id).await;
    drop(service);
    if let Some(name) = _pg_name {
        drop_pg(&name).await;
    }
}

/// The outbox replays each order from its creation to DONE, every status change once, in
/// order, across the crash (carol's pause and resume included).
async fn every_change_was_told_once(h: &Harness, base: &str, orders: &[(String, i64)], carol: i64) {
    let admin = h.token("admin@x", Role::Admin);
    let replay = h
        .client
        .get(format!("{base}/orders/events?lastEventId=0"))
        .bearer_auth(&admin);
    let (status, _, stream) = SseClient::open(replay).await;
    assert_eq!(status, 200);
    let mut stream = stream.expect("stream");
    let mut events = Vec::new();
    let mut done = HashSet::new();
    while done.len() < orders.len() {
        let event = stream
            .next_event(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("not every order was told DONE: {events:#?}"));
        if event.kind == "ORDER_STATUS" && event.data["status"] == "DONE" {
            done.insert(event.data["orderId"].as_i64().expect("order id"));
        }
        events.push(event);
    }
    assert!(events.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    for (_, id) in orders {
        let told: Vec<_> = events.iter().filter(|e| e.data["orderId"] == *id).collect();
        assert_eq!(told[0].kind, "ORDER_CREATED", "order {id}: {told:#?}");
        let statuses: Vec<&str> = told
            .iter()
            .filter(|e| e.kind == "ORDER_STATUS")
            .filter_map(|e| e.data["status"].as_str())
            .collect();
        let expected = if *id == carol {
            vec!["RUNNING", "PAUSED", "RUNNING", "DONE"]
        } else {
            vec!["RUNNING", "DONE"]
        };
        assert_eq!(statuses, expected, "order {id}: each change told once");
        let last = told.last().expect("events");
        assert_eq!(last.data["availableFilesCount"], FILES_PER_ORDER as i64);
    }
}

async fn drop_pg(name: &str) {
    use sqlx::Connection;
    if let Some(server) = postgres_url()
        && let Ok(mut conn) = sqlx::PgConnection::connect(&server).await
    {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await;
    }
}
