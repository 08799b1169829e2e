//! Webhook delivery survives `kill -9`: each callback's cursor is in the database, so the
//! restarted service delivers what was left, in order, and nothing twice that was
//! acknowledged before the crash.

use crate::helpers::{Backend, create_pg_database, postgres_url, with_database};
use crate::process::ServiceProcess;
use crate::process_client::{Harness, TENANT, catalogue, write_config};
use crate::webhook_receiver::{Answer, Receiver, summary};
use regards_order::auth::Role;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::EventScope;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SECRET: &str = "crash secret";

#[actix_web::test]
async fn sqlite_webhook_delivery_resumes_after_a_kill() {
    resumes_after_a_kill(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_webhook_delivery_resumes_after_a_kill() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: Postgres variant skipped");
        return;
    }
    resumes_after_a_kill(Backend::Postgres).await;
}

async fn resumes_after_a_kill(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = "[webhooks]\nallow_private_targets = true\nfirst_retry_secs = 1\n";
    let config = write_config(dir.path(), 0, 2, extra);
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}/crash.db", dir.path().display()),
        Backend::Postgres => {
            let (server, name) = create_pg_database().await;
            with_database(&server, &name)
        }
    };
    let h = Harness::new();
    let admin = h.token("admin@x", Role::Admin);
    let mut receiver = Receiver::start(SECRET, Answer::Ok).await;
    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    h.import(&base, &catalogue(dir.path(), &["alice", "bob"], 2))
        .await;
    let (status, hook) = h
        .send(
            h.client
                .post(format!("{base}/webhooks"))
                .bearer_auth(&admin)
                .json(&json!({"url": receiver.url(), "secret": SECRET})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let after = hook["lastEventId"].as_i64().expect("cursor");

    // Alice's order is delivered whole; Bob's while the receiver is down is not.
    let alice = h.order_per_user(&base, &["alice"]).await.remove(0);
    h.wait_done(&base, &alice.0, alice.1, Duration::from_secs(10))
        .await;
    receiver
        .wait_for("alice's DONE", |d| {
            d.iter().any(|d| d.body["status"] == "DONE")
        })
        .await;
    receiver.stop();
    let bob = h.order_per_user(&base, &["bob"]).await.remove(0);
    h.wait_done(&base, &bob.0, bob.1, Duration::from_secs(10))
        .await;
    let failing = wait_hook(&h, &base, &admin, |hook| {
        hook["attempts"].as_i64() > Some(0)
    })
    .await;
    assert!(failing["backlog"].as_i64() > Some(0), "{failing}");
    let before_crash = receiver.accepted().len();
    service.kill9();

    receiver.restart().await;
    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    let store = regards_order::db::connect(&url).await.expect("database");
    let scope = EventScope::Tenant(Tenant::parse(TENANT).expect("tenant"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let outbox: Vec<i64> = store
            .events_after(after, &scope, 10_000)
            .await
            .expect("outbox")
            .iter()
            .map(|e| e.id)
            .collect();
        let got: Vec<i64> = receiver.accepted().iter().map(|d| d.id).collect();
        let bob_done = receiver
            .accepted()
            .iter()
            .any(|d| d.body["orderId"] == bob.1 && d.body["status"] == "DONE");
        if bob_done && got == outbox {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "outbox {outbox:?}, receiver {:?}",
            summary(&receiver.requests())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let accepted = receiver.accepted();
    assert!(accepted.len() > before_crash);
    assert!(accepted.iter().all(|d| d.signed));
    let settled = wait_hook(&h, &base, &admin, |hook| hook["backlog"] == 0).await;
    assert_eq!(settled["attempts"], 0);
}

/// Polls `GET /webhooks` until `done` holds for the only callback; answers it.
async fn wait_hook(h: &Harness, base: &str, admin: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, hooks) = h
            .send(h.client.get(format!("{base}/webhooks")).bearer_auth(admin))
            .await;
        assert_eq!(status, 200, "{hooks}");
        if done(&hooks[0]) {
            return hooks[0].clone();
        }
        assert!(Instant::now() < deadline, "{hooks}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
