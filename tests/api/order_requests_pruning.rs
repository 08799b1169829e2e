//! The log of order requests received by message is pruned with the events: a request older
//! than the retention goes once nothing more can be asked of it, and stays while its order
//! still runs or its answer is not confirmed.

use crate::archive::{add_products, online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::helpers::{TENANT, TestApp, spawn_app_with};
use chrono::{Duration, Utc};
use regards_order_actors::domain::Tenant;

backend_tests!(old_requests_that_need_nothing_more_are_pruned);

/// Records an answered request received `hours` ago, for `order_id`, confirmed by the broker
/// when `sent`.
async fn request(app: &TestApp, id: &str, hours: i64, order_id: Option<i64>, sent: bool) {
    let tenant = Tenant::parse(TENANT).expect("tenant");
    let store = &app.state.store;
    let received = Utc::now() - Duration::hours(hours);
    let known = store
        .claim_order_request(&tenant, id, "u@x.fr", received)
        .await
        .expect("claimed");
    assert!(known.is_none(), "{id} is new");
    let answer = if order_id.is_some() {
        "GRANTED"
    } else {
        "DENIED"
    };
    store
        .record_order_answer(&tenant, id, order_id, answer)
        .await
        .expect("answered");
    if sent {
        store
            .mark_order_answer_sent(&tenant, id)
            .await
            .expect("sent");
    }
}

/// Whether the request `id` is still known (claiming it again writes nothing when it is).
async fn known(app: &TestApp, id: &str) -> bool {
    let tenant = Tenant::parse(TENANT).expect("tenant");
    app.state
        .store
        .claim_order_request(&tenant, id, "u@x.fr", Utc::now())
        .await
        .expect("claimed")
        .is_some()
}

async fn old_requests_that_need_nothing_more_are_pruned(app: TestApp) {
    let backend = app.backend;
    drop(app);
    // Restores that outlive the test: the tape's order stays RUNNING.
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 600_000, 1)).await;
    let dir = app.dir.path().to_owned();
    add_products(&app, &online_root(&dir), "done", 1, 10).await;
    add_products(&app, &tape_root(&dir), "slow", 1, 10).await;
    let token = app.user("u@x.fr");
    let done = app.order_of(&token, "group:done").await;
    app.wait_status(&token, done, "DONE").await;
    let running = app.order_of(&token, "group:slow").await;
    app.wait_status(&token, running, "RUNNING").await;

    request(&app, "old-denied", 100, None, true).await;
    request(&app, "old-done", 100, Some(done), true).await;
    request(&app, "old-running", 100, Some(running), true).await;
    request(&app, "old-unconfirmed", 100, None, false).await;
    request(&app, "recent", 1, None, true).await;

    let pruned = app
        .state
        .store
        .prune_order_requests(Utc::now() - Duration::hours(72))
        .await
        .expect("pruned");
    assert_eq!(pruned, 2);
    assert!(!known(&app, "old-denied").await);
    assert!(!known(&app, "old-done").await);
    assert!(known(&app, "old-running").await, "its order still runs");
    assert!(
        known(&app, "old-unconfirmed").await,
        "its answer is not confirmed"
    );
    assert!(known(&app, "recent").await);
}
