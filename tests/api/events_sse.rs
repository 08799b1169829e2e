//! Server-sent events: a user follows his orders to DONE without polling, an ADMIN follows
//! the tenant's, a client that reconnects with `Last-Event-ID` misses nothing and gets
//! nothing twice, streams are bounded per user, an idle stream gets heartbeats.

use crate::archive::{tape_root, with_storages};
use crate::backend_tests;
use crate::downloads::add_files;
use crate::helpers::{TestApp, messages, spawn_app_with};
use crate::sse_client::{SseClient, SseEvent};
use regards_order::auth::Role;
use std::time::Duration;

backend_tests!(
    a_user_follows_his_order_to_done,
    a_user_sees_only_his_orders_and_an_admin_sees_the_tenant,
    reconnecting_with_last_event_id_misses_nothing,
    streams_per_user_are_bounded,
    a_bad_last_event_id_is_refused,
    an_idle_stream_gets_heartbeats,
    expiry_and_deletion_are_told,
);

const WAIT: Duration = Duration::from_secs(20);

/// An app with a tape storage (restores of 50 ms, one drive: files become available one by
/// one) and SSE heartbeats every second.
async fn events_app(app: TestApp) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| {
        with_storages(s, dir, 50, 1);
        s.events.heartbeat_secs = 1;
    })
    .await
}

async fn open(app: &TestApp, path: &str, token: &str) -> SseClient {
    let (status, content_type, client) = SseClient::open(app.get(path, token)).await;
    assert_eq!(status, 200, "{path}");
    assert_eq!(content_type, "text/event-stream");
    client.expect("stream")
}

fn is_final(event: &SseEvent, order: i64) -> bool {
    event.kind == "ORDER_STATUS" && event.data["orderId"] == order && event.data["status"] == "DONE"
}

fn of_order(events: &[SseEvent], order: i64) -> Vec<&SseEvent> {
    events
        .iter()
        .filter(|e| e.data["orderId"] == order)
        .collect()
}

async fn a_user_follows_his_order_to_done(app: TestApp) {
    let app = events_app(app).await;
    add_files(&app, &tape_root(app.dir.path()), "ev", 4, 500).await;
    let alice = app.user("alice@x");
    let mut stream = open(&app, "/user/orders/events", &alice).await;
    let id = app.order_of(&alice, "group:ev").await;
    let events = stream.until(WAIT, |e| is_final(e, id)).await;
    let mine = of_order(&events, id);
    let first = mine.first().expect("events");
    assert_eq!(first.kind, "ORDER_CREATED");
    assert_eq!(first.data["status"], "PENDING");
    assert_eq!(first.data["owner"], "alice@x");
    assert_eq!(first.data["tenant"], "project1");
    assert!(
        first.data["label"]
            .as_str()
            .is_some_and(|l| l.starts_with("order "))
    );
    assert!(
        events.windows(2).all(|w| w[0].id < w[1].id),
        "ids increase: {events:#?}"
    );
    for event in &events {
        assert_eq!(event.data["id"], event.id, "data carries the id");
        assert_eq!(event.data["type"], event.kind.as_str());
        assert!(
            event.data["date"]
                .as_str()
                .is_some_and(|d| d.ends_with('Z'))
        );
    }
    let kinds: Vec<&str> = mine.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"FILES_AVAILABLE"), "{kinds:?}");
    let ready: Vec<&&SseEvent> = mine.iter().filter(|e| e.kind == "SUBORDER_DONE").collect();
    assert!(!ready.is_empty(), "{kinds:?}");
    assert!(ready[0].data["subOrderId"].as_i64().is_some());
    assert!(
        ready[0].data["totalSubOrders"]
            .as_i64()
            .is_some_and(|n| n >= 1)
    );
    let done = mine.last().expect("final");
    assert_eq!(done.data["availableFilesCount"], 4);
    assert_eq!(done.data["percentCompleted"], 100);
    assert_eq!(done.data["filesInErrorCount"], 0);
    // The stream shows what the order endpoint shows.
    let order = app.order(&alice, id).await;
    assert_eq!(order["status"], "DONE");
    // Files became available one by one, but at most one FILES_AVAILABLE a second.
    let told: Vec<i64> = mine
        .iter()
        .filter(|e| e.kind == "FILES_AVAILABLE")
        .map(|e| e.data["availableFilesCount"].as_i64().unwrap_or(0))
        .collect();
    assert!(told.windows(2).all(|w| w[0] < w[1]), "{told:?}");
}

async fn a_user_sees_only_his_orders_and_an_admin_sees_the_tenant(app: TestApp) {
    let app = events_app(app).await;
    add_files(&app, &tape_root(app.dir.path()), "a", 1, 100).await;
    add_files(&app, &tape_root(app.dir.path()), "b", 1, 100).await;
    let alice = app.user("alice@x");
    let bob = app.user("bob@x");
    let mut alices = open(&app, "/user/orders/events", &alice).await;
    let mut admins = open(&app, "/orders/events", &app.admin()).await;
    let (status, _, _) = SseClient::open(app.get("/orders/events", &bob)).await;
    assert_eq!(status, 403, "a user cannot follow the tenant");
    let bobs_order = app.order_of(&bob, "group:b").await;
    let alices_order = app.order_of(&alice, "group:a").await;
    let seen = alices.until(WAIT, |e| is_final(e, alices_order)).await;
    assert!(
        seen.iter().all(|e| e.data["owner"] == "alice@x"),
        "alice sees only her orders: {seen:#?}"
    );
    let all = admins
        .until(WAIT, |e| {
            is_final(e, alices_order) || is_final(e, bobs_order)
        })
        .await;
    assert!(!of_order(&all, bobs_order).is_empty());
    assert!(!of_order(&all, alices_order).is_empty());
    // Another tenant's admin sees none of it.
    let other = app.token_for("other", "admin@other", Role::Admin);
    let mut others = open(&app, "/orders/events?lastEventId=0", &other).await;
    assert!(
        others
            .next_event(Duration::from_millis(1500))
            .await
            .is_none(),
        "nothing of another tenant"
    );
}

async fn reconnecting_with_last_event_id_misses_nothing(app: TestApp) {
    let app = events_app(app).await;
    add_files(&app, &tape_root(app.dir.path()), "r", 6, 200).await;
    let alice = app.user("alice@x");
    let mut stream = open(&app, "/user/orders/events", &alice).await;
    let id = app.order_of(&alice, "group:r").await;
    // Leave after the first events, while the order runs.
    let mut seen = stream.until(WAIT, |e| e.kind == "ORDER_STATUS").await;
    drop(stream);
    let last = seen.last().expect("events").id;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Back with the header; then once more with the parameter, from the start.
    let resumed = app
        .get("/user/orders/events", &alice)
        .header("Last-Event-ID", last.to_string());
    let (status, _, stream) = SseClient::open(resumed).await;
    assert_eq!(status, 200);
    let mut stream = stream.expect("stream");
    seen.extend(stream.until(WAIT, |e| is_final(e, id)).await);
    let mut replay = open(&app, "/user/orders/events?lastEventId=0", &alice).await;
    let everything = replay.until(WAIT, |e| is_final(e, id)).await;
    let ids = |events: &[SseEvent]| events.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&seen),
        ids(&everything),
        "the reconnected stream has every event once"
    );
    assert_eq!(seen, everything);
}

async fn streams_per_user_are_bounded(app: TestApp) {
    // Heartbeats every second: a closed stream is noticed at the next write.
    let app = events_app(app).await;
    let alice = app.user("alice@x");
    let max = 4;
    let mut open_streams = Vec::new();
    for _ in 0..max {
        open_streams.push(open(&app, "/user/orders/events", &alice).await);
    }
    let response = app
        .get("/user/orders/events", &alice)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert!(messages(response).await[0].contains("event streams"));
    // Another user is not held up by alice's streams.
    open(&app, "/user/orders/events", &app.user("bob@x")).await;
    // A stream closed gives its place back (noticed at the next heartbeat).
    open_streams.pop();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, _, _) = SseClient::open(app.get("/user/orders/events", &alice)).await;
        if status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_bad_last_event_id_is_refused(app: TestApp) {
    let alice = app.user("alice@x");
    for bad in ["abc", "-3", "1.5"] {
        let response = app
            .get("/user/orders/events", &alice)
            .header("Last-Event-ID", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400, "{bad}");
        assert!(messages(response).await[0].contains("Last-Event-ID"));
    }
    let response = app
        .get("/user/orders/events?lastEventId=x", &alice)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
}

async fn an_idle_stream_gets_heartbeats(app: TestApp) {
    let app = events_app(app).await;
    let mut stream = open(&app, "/user/orders/events", &app.user("alice@x")).await;
    let mut comments = 0;
    while comments < 3 {
        match stream.next_frame(Duration::from_secs(3)).await {
            Some(crate::sse_client::Frame::Comment(_)) => comments += 1,
            other => panic!("expected a heartbeat, got {other:?}"),
        }
    }
}

async fn expiry_and_deletion_are_told(app: TestApp) {
    // Restores that never end within the test: the order is RUNNING when it expires.
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 60_000, 1)).await;
    add_files(&app, &tape_root(app.dir.path()), "x", 1, 100).await;
    // 0.0005 h = 1.8 s of lifetime.
    let response = app
        .put("/settings/expiration_max_duration_in_hours", &app.admin())
        .json(&serde_json::json!({"value": 0.0005}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let alice = app.user("alice@x");
    let mut stream = open(&app, "/user/orders/events", &alice).await;
    let id = app.order_of(&alice, "group:x").await;
    let told = stream.until(WAIT, |e| e.kind == "ORDER_EXPIRED").await;
    let expired = told.last().expect("event");
    assert_eq!(expired.data["orderId"], id);
    assert_eq!(expired.data["status"], "EXPIRED");
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &alice)
            .await
            .0,
        200
    );
    let deleted = stream.until(WAIT, |e| e.kind == "ORDER_DELETED").await;
    assert_eq!(deleted.len(), 1, "nothing between: {deleted:#?}");
    assert_eq!(deleted[0].data["status"], "DELETED");
}
