//! The engine: per-user sub-order slots, supervision of order actors, operators' view.

use crate::archive::{add_products, tape_root, with_storages};
use crate::backend_tests;
use crate::helpers::{TENANT, TestApp, json, spawn_app_with};
use regards_order_actors::domain::Tenant;
use serde_json::Value;

backend_tests!(
    a_user_without_slots_waits_for_his_own_sub_orders_only,
    a_panic_in_one_order_actor_leaves_the_others_untouched,
    operators_see_every_actor,
    idle_finished_orders_leave_memory_and_come_back_on_demand,
    an_actor_that_keeps_dying_is_restarted_with_backoff,
);

/// One slot per user, nearline restores of 150 ms, one file per sub-order.
async fn one_slot_app(app: TestApp) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| {
        with_storages(s, dir, 150, 4);
        s.orders.max_active_suborders_per_user = 1;
        s.orders.max_files_per_suborder = 1;
    })
    .await
}

async fn a_user_without_slots_waits_for_his_own_sub_orders_only(app: TestApp) {
    let app = one_slot_app(app).await;
    let tape = tape_root(app.dir.path());
    add_products(&app, &tape, "a", 1, 10).await;
    add_products(&app, &tape, "b", 1, 10).await;
    let user = app.user("u@x.fr");
    let first = app.order_of(&user, "group:a").await;
    let done = app.wait_status(&user, first, "DONE").await;
    assert_eq!(
        done["waitingForUser"], true,
        "retrieved, not downloaded: the slot is held"
    );
    let second = app.order_of(&user, "group:b").await;
    let other = app.user("v@x.fr");
    let others = app.order_of(&other, "group:b").await;
    // Another user is not blocked by u's slot...
    app.wait_status(&other, others, "DONE").await;
    // ...but u's second order waits for his first one.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    let waiting = app.order(&user, second).await;
    assert_eq!(waiting["status"], "RUNNING");
    assert_eq!(waiting["availableFilesCount"], 0);
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{first}"), &user)
            .await
            .0,
        200
    );
    let done = app.wait_status(&user, second, "DONE").await;
    assert_eq!(done["availableFilesCount"], 1);
}

fn tenant() -> Tenant {
    Tenant::parse(TENANT).expect("tenant")
}

async fn admin_actors(app: &TestApp) -> Value {
    let response = app
        .get("/admin/actors", &app.admin())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    json(response).await
}

async fn a_panic_in_one_order_actor_leaves_the_others_untouched(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 300, 2)).await;
    add_products(&app, &tape_root(app.dir.path()), "a", 3, 10).await;
    add_products(&app, &tape_root(app.dir.path()), "b", 3, 10).await;
    let alice = app.user("alice@x.fr");
    let bob = app.user("bob@x.fr");
    let victim = app.order_of(&alice, "group:a").await;
    let bystander = app.order_of(&bob, "group:b").await;
    app.wait_status(&alice, victim, "RUNNING").await;
    app.wait_status(&bob, bystander, "RUNNING").await;
    // The actor panics while handling the call: answered, or cut off (an error).
    let crashed = app.state.engine.crash(&tenant(), victim).await;
    assert!(
        !matches!(
            crashed,
            Err(regards_order_actors::engine::EngineError::NotFound)
        ),
        "{crashed:?}"
    );
    // The other order goes on; the crashed one is re-created from the database and finishes.
    let done = app.wait_status(&bob, bystander, "DONE").await;
    assert_eq!(done["availableFilesCount"], 3);
    let done = app.wait_status(&alice, victim, "DONE").await;
    assert_eq!(done["availableFilesCount"], 3);
    let status = admin_actors(&app).await;
    assert!(
        status["registry"]["restarts"].as_u64().expect("restarts") >= 1,
        "{status}"
    );
    let victim_info = status["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["orderId"] == victim)
        .cloned()
        .expect("victim listed");
    assert!(victim_info["restarts"].as_u64().expect("restarts") >= 1);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(
        metrics.contains("regards_order_actor_restarts_total "),
        "{metrics}"
    );
}

async fn operators_see_every_actor(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 1000, 1)).await;
    add_products(&app, &tape_root(app.dir.path()), "a", 2, 10).await;
    let user = app.user("u@x.fr");
    let id = app.order_of(&user, "*").await;
    app.wait_status(&user, id, "RUNNING").await;
    let forbidden = app
        .get("/admin/actors", &user)
        .send()
        .await
        .expect("request");
    assert_eq!(forbidden.status(), 403);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let order = loop {
        let status = admin_actors(&app).await;
        let order = status["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .find(|o| o["orderId"] == id)
            .cloned();
        if let Some(o) = order.filter(|o| o["inFlightRetrievals"].as_u64() == Some(1)) {
            assert!(status["registry"]["activeOrders"].as_u64().expect("active") >= 1);
            assert!(status["registry"]["arbiters"].as_u64().expect("arbiters") >= 1);
            let persistence = status["persistence"].as_array().expect("persistence");
            assert!(!persistence.is_empty());
            assert!(persistence[0].get("queueLength").is_some());
            for writer in persistence {
                assert!(writer["batches"].is_u64(), "{writer}");
                assert_eq!(writer["consecutiveFailures"], 0, "{writer}");
                assert_eq!(writer["retryInMillis"], Value::Null, "{writer}");
            }
            assert_eq!(status["slots"]["maxPerUser"], 2);
            let tape = status["storages"]
                .as_array()
                .expect("storages")
                .iter()
                .find(|s| s["name"] == "tape")
                .cloned()
                .expect("tape storage");
            assert_eq!(tape["inFlight"], 1, "one drive: one restore at a time");
            break o;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no retrieval in flight seen: {status}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(order["tenant"], TENANT);
    assert_eq!(order["status"], "RUNNING");
    assert!(order.get("mailboxLength").is_some());
    assert!(order["lastPersisted"].is_string());
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(
        metrics.contains("regards_order_active_order_actors "),
        "{metrics}"
    );
}

async fn idle_finished_orders_leave_memory_and_come_back_on_demand(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, _| s.engine.passivate_after_secs = 1).await;
    crate::fixtures::standard_catalogue(&app).await;
    let user = app.user("u@x.fr");
    // The standard catalogue's files are not on disk: the order ends FAILED, nothing to wait for.
    let id = app.order_of(&user, "platform:SPOT*").await;
    app.wait_status(&user, id, "FAILED").await;
    let listed = |status: &Value| {
        status["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .any(|o| o["orderId"] == id)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while listed(&admin_actors(&app).await) {
        assert!(std::time::Instant::now() < deadline, "never passivated");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Read from the database while passive, then re-activated by an action.
    assert_eq!(app.order(&user, id).await["status"], "FAILED");
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &user)
            .await
            .0,
        200
    );
    assert_eq!(app.order(&user, id).await["status"], "DELETED");
}

/// The order's actor as `/admin/actors` lists it, if active.
async fn listed_actor(app: &TestApp, id: i64) -> Option<Value> {
    admin_actors(app).await["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["orderId"] == id)
        .cloned()
}

async fn an_actor_that_keeps_dying_is_restarted_with_backoff(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 60_000, 1)).await;
    add_products(&app, &tape_root(app.dir.path()), "k", 2, 10).await;
    let user = app.user("k@x.fr");
    let id = app.order_of(&user, "group:k").await;
    app.wait_status(&user, id, "RUNNING").await;
    for death in 1..=3u64 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while listed_actor(&app, id).await.is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "never re-created after {death} deaths"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = app.state.engine.crash(&tenant(), id).await;
        // Shown as restarting, each time with a longer pause: 1 s, 2 s, 4 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let restarting = loop {
            let status = admin_actors(&app).await;
            let found = status["restarting"]
                .as_array()
                .expect("restarting")
                .iter()
                .find(|o| o["orderId"] == id)
                .cloned();
            if let Some(found) = found {
                break found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "death {death} not seen: {status}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(restarting["restarts"], death, "{restarting}");
        let wait = restarting["restartInMillis"].as_u64().expect("wait");
        let backoff = 1000 * (1 << (death - 1));
        assert!(
            wait <= backoff && wait + 1500 > backoff,
            "death {death}: {restarting}"
        );
        if death == 3 {
            // Meanwhile the order is read from the database, and actions are deferred.
            assert_eq!(app.order(&user, id).await["status"], "RUNNING");
            let response = app
                .put(&format!("/user/orders/pause/{id}"), &user)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 503);
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let actor = loop {
        if let Some(actor) = listed_actor(&app, id).await {
            break actor;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never re-created after the backoff"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(actor["restarts"], 3, "{actor}");
    let (status, _) = app
        .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &user)
        .await;
    assert_eq!(status, 200, "the re-created actor answers");
}
