//! Webhooks: registration and its refusals, signed deliveries of the order events in id
//! order, retries of a failing receiver with the same event id, events given up after
//! `webhooks.max_attempts`, nothing lost while a receiver is down, and callbacks confined to
//! their owner (or, for an ADMIN's, to the tenant).

use crate::archive::online_root;
use crate::backend_tests;
use crate::downloads::{add_files, archive_app};
use crate::helpers::{TENANT, TestApp, json, messages, spawn_app_with};
use crate::webhook_receiver::{Answer, Delivery, Receiver, summary};
use regards_order::config::Settings;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::EventScope;
use reqwest::Response;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

backend_tests!(
    an_order_run_to_done_reaches_its_callback_signed_and_in_order,
    a_failing_receiver_gets_the_event_again_with_the_same_id,
    an_event_given_up_lets_the_next_ones_through,
    nothing_is_lost_while_the_receiver_is_down,
    a_stalled_receiver_holds_back_only_its_own_callback,
    an_admin_callback_hears_of_every_order_of_the_tenant,
    callbacks_are_confined_to_their_owner,
    registrations_are_checked,
);

const SECRET: &str = "It's a secret to everybody";

/// An app with the archive storages, private targets allowed (the receivers listen on
/// loopback) and retries one second apart, then `configure`d.
async fn webhook_app(app: TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let app = archive_app(app, 0, 2).await;
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| {
        crate::archive::with_storages(s, dir, 0, 2);
        s.webhooks.allow_private_targets = true;
        s.webhooks.first_retry_secs = 1;
        configure(s);
    })
    .await
}

async fn register(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.post(path, token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// Registers `url` with the test secret at `path`; answers the new callback (asserts 201).
async fn registered(app: &TestApp, path: &str, token: &str, url: &str) -> Value {
    let response = register(app, path, token, json!({"url": url, "secret": SECRET})).await;
    assert_eq!(response.status(), 201);
    json(response).await
}

/// `GET path` (asserts 200).
async fn listed(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let response = app.get(path, token).send().await.expect("request");
    assert_eq!(response.status(), 200);
    json(response).await.as_array().expect("array").clone()
}

/// Orders `count` new files of `group` as `token` and waits for DONE; answers the order id.
async fn done_order(app: &TestApp, token: &str, group: &str) -> i64 {
    add_files(app, &online_root(app.dir.path()), group, 2, 100).await;
    let id = app.order_of(token, &format!("group:{group}")).await;
    app.wait_status(token, id, "DONE").await;
    id
}

/// The outbox's events in `scope` after `after`, as (id, type).
async fn outbox(app: &TestApp, after: i64, scope: &EventScope) -> Vec<(i64, String)> {
    let events = app
        .state
        .store
        .events_after(after, scope, 10_000)
        .await
        .expect("outbox");
    events
        .into_iter()
        .map(|e| (e.id, e.event.kind.as_str().to_owned()))
        .collect()
}

fn owner_scope(email: &str) -> EventScope {
    EventScope::Owner(Tenant::parse(TENANT).expect("tenant"), email.to_owned())
}

/// Waits until the receiver accepted every event of `scope` after `after` of the orders
/// `ids` (each of which reached DONE); answers the accepted deliveries.
async fn all_delivered(
    app: &TestApp,
    receiver: &Receiver,
    after: i64,
    scope: &EventScope,
    ids: &[i64],
) -> Vec<Delivery> {
    all_delivered_but(app, receiver, after, scope, ids, None).await
}

/// Same, but for the events of type `given_up`, never accepted.
async fn all_delivered_but(
    app: &TestApp,
    receiver: &Receiver,
    after: i64,
    scope: &EventScope,
    ids: &[i64],
    given_up: Option<&str>,
) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut expected = outbox(app, after, scope).await;
        expected.retain(|(_, kind)| Some(kind.as_str()) != given_up);
        let accepted = receiver.accepted();
        let mut got: Vec<i64> = accepted.iter().map(|d| d.id).collect();
        got.dedup();
        let done_told = ids.iter().all(|id| {
            accepted
                .iter()
                .any(|d| d.body["orderId"] == *id && d.body["status"] == "DONE")
        });
        if done_told && got == expected.iter().map(|e| e.0).collect::<Vec<_>>() {
            return accepted;
        }
        assert!(
            Instant::now() < deadline,
            "not every event delivered: outbox {expected:?}, receiver {:?}",
            summary(&receiver.requests())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts ids strictly increase (no event twice, none out of order).
fn assert_in_order(deliveries: &[Delivery]) {
    let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

/// Polls the caller's callbacks until `done` holds for the first one; answers it.
async fn wait_listed(
    app: &TestApp,
    path: &str,
    token: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let hooks = listed(app, path, token).await;
        if let Some(hook) = hooks.first().filter(|h| done(h)) {
            return hook.clone();
        }
        assert!(
            Instant::now() < deadline,
            "callback never showed {what}: {hooks:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `/admin/actors` until the `webhooks` event channel satisfies `done`; answers it.
async fn wait_channel(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .get("/admin/actors", &app.admin())
            .send()
            .await
            .expect("request");
        let view = json(response).await;
        let channel = view["events"]["channels"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["name"] == "webhooks").cloned());
        if let Some(channel) = channel.filter(|c| done(c)) {
            return channel;
        }
        assert!(
            Instant::now() < deadline,
            "never {what}: {}",
            view["events"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `/admin/actors` until its `webhooks` figures satisfy `done`; answers them.
async fn wait_figures(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .get("/admin/actors", &app.admin())
            .send()
            .await
            .expect("request");
        let figures = json(response).await["webhooks"].clone();
        if done(&figures) {
            return figures;
        }
        assert!(Instant::now() < deadline, "never {what}: {figures}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_order_run_to_done_reaches_its_callback_signed_and_in_order(app: TestApp) {
    let app = webhook_app(app, |_| {}).await;
    let receiver = Receiver::start(SECRET, Answer::Ok).await;
    let statuses = Receiver::start(SECRET, Answer::Ok).await;
    let token = app.user("u@x.fr");
    let hook = registered(&app, "/user/webhooks", &token, &receiver.url()).await;
    assert_eq!(hook["url"], receiver.url());
    assert_eq!(
        hook["types"],
        json!([
            "ORDER_CREATED",
            "ORDER_STATUS",
            "SUBORDER_DONE",
            "FILES_AVAILABLE",
            "ORDER_EXPIRED",
            "ORDER_DELETED"
        ])
    );
    assert_eq!(hook["lastError"], Value::Null);
    assert_eq!(hook["nextAttempt"], Value::Null);
    assert!(hook.get("secret").is_none(), "{hook}");
    assert!(!hook.to_string().contains(SECRET));
    let only_status = register(
        &app,
        "/user/webhooks",
        &token,
        json!({"url": statuses.url(), "secret": SECRET, "types": ["ORDER_STATUS"]}),
    )
    .await;
    assert_eq!(only_status.status(), 201);

    let id = done_order(&app, &token, "signed").await;
    let after = hook["lastEventId"].as_i64().expect("cursor");
    let got = all_delivered(&app, &receiver, after, &owner_scope("u@x.fr"), &[id]).await;
    assert_in_order(&got);
    assert_eq!(got[0].body["type"], "ORDER_CREATED");
    assert!(got.iter().any(|d| d.body["type"] == "ORDER_STATUS"));
    for delivery in &got {
        assert!(delivery.signed, "bad signature: {delivery:?}");
        assert_eq!(delivery.body["id"], delivery.id);
        assert_eq!(delivery.body["orderId"], id);
        assert_eq!(delivery.body["owner"], "u@x.fr");
        assert_eq!(delivery.content_type, "application/json");
    }
    let status_only = statuses
        .wait_for("the DONE status", |d| {
            d.iter().any(|d| d.body["status"] == "DONE")
        })
        .await;
    assert!(status_only.iter().all(|d| d.body["type"] == "ORDER_STATUS"));
    let hooks = listed(&app, "/user/webhooks", &token).await;
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0]["backlog"], 0);
}

async fn a_failing_receiver_gets_the_event_again_with_the_same_id(app: TestApp) {
    let app = webhook_app(app, |_| {}).await;
    let receiver = Receiver::start(SECRET, Answer::FailFirst(2)).await;
    let token = app.user("u@x.fr");
    let hook = registered(&app, "/user/webhooks", &token, &receiver.url()).await;
    let id = done_order(&app, &token, "retried").await;

    // The failure shows while the event waits for its retry.
    let failing = wait_listed(&app, "/user/webhooks", &token, "a failure", |h| {
        h["attempts"].as_i64() > Some(0)
    })
    .await;
    assert_eq!(failing["lastError"], "HTTP 500 Internal Server Error");
    assert!(failing["nextAttempt"].is_string(), "{failing}");
    assert!(failing["backlog"].as_i64() > Some(0), "{failing}");

    // Operators see it among the event channels.
    let channel = wait_channel(&app, "a failing callback", |c| c["failing"] == 1).await;
    assert_eq!(channel["lastError"], "HTTP 500 Internal Server Error");
    let figures = wait_figures(&app, "a failing callback", |f| f["failing"] == 1).await;
    assert_eq!(figures["callbacks"], 1);
    assert!(figures["backlogEvents"].as_i64() > Some(0), "{figures}");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    let metrics = metrics.text().await.expect("text");
    assert!(
        metrics.contains("regards_order_event_channel_behind{channel=\"webhooks\"}"),
        "{metrics}"
    );

    let after = hook["lastEventId"].as_i64().expect("cursor");
    let got = all_delivered(&app, &receiver, after, &owner_scope("u@x.fr"), &[id]).await;
    assert_in_order(&got);
    wait_channel(&app, "no callback behind", |c| {
        c["failing"] == 0 && c["behind"] == 0
    })
    .await;
    let figures = wait_figures(&app, "nothing waiting", |f| f["backlogEvents"] == 0).await;
    assert_eq!(figures["oldestUndeliveredSecs"], 0);
    let requests = receiver.requests();
    let first = got[0].id;
    // The first event was tried three times, with its own id, before any other was sent.
    assert!(
        requests[..3].iter().all(|r| r.id == first),
        "{:?}",
        summary(&requests)
    );
    assert!(requests[..2].iter().all(|r| !r.accepted));
    assert!(requests.iter().all(|r| r.signed));
    let settled = wait_listed(&app, "/user/webhooks", &token, "no failure", |h| {
        h["attempts"] == 0
    })
    .await;
    assert_eq!(settled["nextAttempt"], Value::Null);
    assert_eq!(settled["backlog"], 0);
    // The last failure stays visible to its owner.
    assert_eq!(settled["lastError"], "HTTP 500 Internal Server Error");
}

async fn an_event_given_up_lets_the_next_ones_through(app: TestApp) {
    let app = webhook_app(app, |s| s.webhooks.max_attempts = 2).await;
    let receiver = Receiver::start(SECRET, Answer::FailType("ORDER_CREATED")).await;
    let token = app.user("u@x.fr");
    let hook = registered(&app, "/user/webhooks", &token, &receiver.url()).await;
    let id = done_order(&app, &token, "givenup").await;

    let after = hook["lastEventId"].as_i64().expect("cursor");
    let scope = owner_scope("u@x.fr");
    let got = all_delivered_but(&app, &receiver, after, &scope, &[id], Some("ORDER_CREATED")).await;
    assert_in_order(&got);
    assert!(got.iter().all(|d| d.body["orderId"] == id));
    let requests = receiver.requests();
    let created: Vec<&Delivery> = requests
        .iter()
        .filter(|r| r.body["type"] == "ORDER_CREATED")
        .collect();
    assert_eq!(created.len(), 2, "{:?}", summary(&requests));
    assert!(created.iter().all(|r| !r.accepted));
    // Nothing after it was sent before it was given up.
    assert!(
        requests[..2]
            .iter()
            .all(|r| r.body["type"] == "ORDER_CREATED")
    );
    let shown = wait_listed(&app, "/user/webhooks", &token, "the given up event", |h| {
        h["givenUpEvents"] == 1
    })
    .await;
    assert_eq!(shown["lastError"], "HTTP 500 Internal Server Error");
}

async fn nothing_is_lost_while_the_receiver_is_down(app: TestApp) {
    let app = webhook_app(app, |_| {}).await;
    let mut receiver = Receiver::start(SECRET, Answer::Ok).await;
    let token = app.user("u@x.fr");
    let hook = registered(&app, "/user/webhooks", &token, &receiver.url()).await;
    receiver.stop();
    let id = done_order(&app, &token, "down").await;
    let failing = wait_listed(&app, "/user/webhooks", &token, "a failure", |h| {
        h["attempts"].as_i64() > Some(0)
    })
    .await;
    let error = failing["lastError"].as_str().expect("error");
    assert!(error.starts_with("cannot connect"), "{error}");

    receiver.restart().await;
    let after = hook["lastEventId"].as_i64().expect("cursor");
    let got = all_delivered(&app, &receiver, after, &owner_scope("u@x.fr"), &[id]).await;
    assert_in_order(&got);
    assert!(got.iter().all(|d| d.signed));
}

async fn a_stalled_receiver_holds_back_only_its_own_callback(app: TestApp) {
    let app = webhook_app(app, |s| s.webhooks.timeout_secs = 1).await;
    let stalled = Receiver::start(SECRET, Answer::Stall).await;
    let receiver = Receiver::start(SECRET, Answer::Ok).await;
    let token = app.user("u@x.fr");
    registered(&app, "/user/webhooks", &token, &stalled.url()).await;
    let hook = registered(&app, "/user/webhooks", &token, &receiver.url()).await;
    let started = Instant::now();
    let id = done_order(&app, &token, "stall").await;
    let after = hook["lastEventId"].as_i64().expect("cursor");
    let got = all_delivered(&app, &receiver, after, &owner_scope("u@x.fr"), &[id]).await;
    assert_in_order(&got);
    // Sooner than the stalled callback's first timeout and retries would allow in turn.
    assert!(started.elapsed() < Duration::from_secs(10));
    let hooks = listed(&app, "/user/webhooks", &token).await;
    let stalled_hook = hooks
        .iter()
        .find(|h| h["url"] == stalled.url())
        .expect("stalled");
    assert!(stalled_hook["backlog"].as_i64() > Some(0), "{stalled_hook}");
    let timed_out = wait_listed(&app, "/user/webhooks", &token, "a timeout", |h| {
        h["lastError"]
            .as_str()
            .is_some_and(|e| e.starts_with("timed out"))
    })
    .await;
    assert_eq!(timed_out["url"], stalled.url());
}

async fn an_admin_callback_hears_of_every_order_of_the_tenant(app: TestApp) {
    let app = webhook_app(app, |_| {}).await;
    let tenant_receiver = Receiver::start(SECRET, Answer::Ok).await;
    let mine = Receiver::start(SECRET, Answer::Ok).await;
    let hook = registered(&app, "/webhooks", &app.admin(), &tenant_receiver.url()).await;
    assert_eq!(hook["scope"], "TENANT");
    let (alice, bob) = (app.user("alice@x.fr"), app.user("bob@x.fr"));
    registered(&app, "/user/webhooks", &alice, &mine.url()).await;
    let first = done_order(&app, &alice, "alice").await;
    let second = done_order(&app, &bob, "bob").await;

    let after = hook["lastEventId"].as_i64().expect("cursor");
    let tenant = EventScope::Tenant(Tenant::parse(TENANT).expect("tenant"));
    let got = all_delivered(&app, &tenant_receiver, after, &tenant, &[first, second]).await;
    assert_in_order(&got);
    assert!(got.iter().any(|d| d.body["owner"] == "bob@x.fr"));
    assert!(got.iter().all(|d| d.signed));
    // Alice's own callback hears of her order only.
    mine.wait_for("alice's DONE", |d| {
        d.iter().any(|d| d.body["status"] == "DONE")
    })
    .await;
    assert!(
        mine.requests()
            .iter()
            .all(|d| d.body["owner"] == "alice@x.fr")
    );
}

async fn callbacks_are_confined_to_their_owner(app: TestApp) {
    let app = webhook_app(app, |_| {}).await;
    let (alice, bob) = (app.user("alice@x.fr"), app.user("bob@x.fr"));
    let hook = registered(&app, "/user/webhooks", &alice, "http://127.0.0.1:9/alice").await;
    let id = hook["id"].as_i64().expect("id");
    assert!(listed(&app, "/user/webhooks", &bob).await.is_empty());
    let path = format!("/user/webhooks/{id}");
    let refused = app.delete(&path, &bob).send().await.expect("request");
    assert_eq!(refused.status(), 404);
    for (method, status) in [("GET", 403), ("POST", 403)] {
        let request = match method {
            "GET" => app.get("/webhooks", &bob),
            _ => app
                .post("/webhooks", &bob)
                .json(&json!({"url": "http://127.0.0.1:9/", "secret": "s"})),
        };
        assert_eq!(request.send().await.expect("request").status(), status);
    }
    let forbidden = app
        .delete(&format!("/webhooks/{id}"), &bob)
        .send()
        .await
        .expect("request");
    assert_eq!(forbidden.status(), 403);
    // ADMIN sees users' callbacks with their owner; another tenant's ADMIN does not.
    let all = listed(&app, "/webhooks", &app.admin()).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (&all[0]["owner"], &all[0]["scope"]),
        (&json!("alice@x.fr"), &json!("USER"))
    );
    let elsewhere = app.token_for("project2", "admin@x.fr", regards_order::auth::Role::Admin);
    assert!(listed(&app, "/webhooks", &elsewhere).await.is_empty());
    let other_tenant = app
        .delete(&format!("/webhooks/{id}"), &elsewhere)
        .send()
        .await
        .expect("request");
    assert_eq!(other_tenant.status(), 404);

    let deleted = app.delete(&path, &alice).send().await.expect("request");
    assert_eq!(deleted.status(), 204);
    assert!(listed(&app, "/user/webhooks", &alice).await.is_empty());
    let again = app.delete(&path, &alice).send().await.expect("request");
    assert_eq!(again.status(), 404);
}

async fn registrations_are_checked(app: TestApp) {
    // Private targets refused, as by default.
    let token = app.user("u@x.fr");
    let cases = [
        (
            json!({"url": "http://127.0.0.1:8080/hook", "secret": "s"}),
            "127.0.0.1",
        ),
        (
            json!({"url": "http://localhost:8080/hook", "secret": "s"}),
            "loopback",
        ),
        (
            json!({"url": "http://10.0.0.1/hook", "secret": "s"}),
            "private",
        ),
        (
            json!({"url": "http://169.254.169.254/latest", "secret": "s"}),
            "link-local",
        ),
        (json!({"url": "http://[::1]/hook", "secret": "s"}), "::1"),
        (
            json!({"url": "ftp://example.org/hook", "secret": "s"}),
            "http or https",
        ),
        (
            json!({"url": "not a url", "secret": "s"}),
            "not a valid URL",
        ),
        (
            json!({"url": "http://8.8.8.8/hook", "secret": ""}),
            "secret",
        ),
        (
            json!({"url": "http://8.8.8.8/hook", "secret": "s", "types": ["ORDER_EATEN"]}),
            "ORDER_EATEN",
        ),
        (
            json!({"url": "http://8.8.8.8/hook", "secret": "s", "types": []}),
            "at least one",
        ),
        (json!({"url": "http://8.8.8.8/hook"}), "secret"),
    ];
    for (body, why) in cases {
        let response = register(&app, "/user/webhooks", &token, body.clone()).await;
        // A body without a secret is malformed (400); a content the service refuses is 422.
        let expected = if body.get("secret").is_none() {
            400
        } else {
            422
        };
        assert_eq!(response.status(), expected, "{body}");
        let said = messages(response).await;
        assert!(said.iter().any(|m| m.contains(why)), "{body}: {said:?}");
    }
    assert!(listed(&app, "/user/webhooks", &token).await.is_empty());
    // A public address is taken (nothing listens there: it is only registered).
    let taken = register(
        &app,
        "/user/webhooks",
        &token,
        json!({"url": "http://8.8.8.8/hook", "secret": "s", "types": ["ORDER_STATUS"]}),
    )
    .await;
    assert_eq!(taken.status(), 201);
    assert_eq!(json(taken).await["types"], json!(["ORDER_STATUS"]));
    // Every path is documented.
    let doc = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    for path in [
        "/user/webhooks",
        "/user/webhooks/{id}",
        "/webhooks",
        "/webhooks/{id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} undocumented");
    }
}
