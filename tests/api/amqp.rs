//! Orders over AMQP against the machine's RabbitMQ: a request makes the user's order and is
//! answered GRANTED, then SUBORDER_DONE and DONE with a link that downloads; refusals say
//! why; a request delivered twice makes one order; a cancel request pauses and deletes; the
//! broker becoming unreachable delays answers and loses none.

use crate::amqp_broker::{Regards, Relay, amqp_settings, broker_url, close_connection_on_broker};
use crate::archive::{add_products, online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::helpers::{Backend, TENANT, TestApp, json, spawn_app, spawn_app_with};
use crate::outage::chattr_permitted;
use regards_order::config::AmqpSettings;
use serde_json::Value;
use std::time::{Duration, Instant};

backend_tests!(
    amqp_request_makes_the_users_order_and_follows_it,
    amqp_requests_are_denied_with_the_reason,
    amqp_request_delivered_twice_makes_one_order,
    amqp_cancel_pauses_then_deletes_the_order,
    amqp_answers_wait_for_an_unreachable_broker,
    amqp_link_reconnects_when_the_broker_closes_it,
    amqp_request_interrupted_after_its_order_is_answered_with_that_order,
    amqp_order_with_files_in_error_is_answered_failed,
);

/// The app again, with the AMQP link of `settings` and an online and a nearline storage
/// (`delay_ms` per restore, one drive).
async fn with_amqp(app: TestApp, settings: &AmqpSettings, delay_ms: u64) -> TestApp {
    let backend = app.backend;
    drop(app);
    let amqp = settings.clone();
    spawn_app_with(backend, move |s, dir| {
        with_storages(s, dir, delay_ms, 1);
        s.amqp = Some(amqp);
    })
    .await
}

/// An order request body.
fn request(user: &str, correlation_id: &str, q: &str) -> String {
    serde_json::json!({"queries": [q], "user": user, "correlationId": correlation_id}).to_string()
}

/// The link's state as `/admin/actors` shows it.
async fn link(app: &TestApp) -> Value {
    let response = app
        .get("/admin/actors", &app.admin())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    json(response).await["amqp"].clone()
}

/// The `amqp` channel in the events' backlog of `/admin/actors`.
async fn answer_channel(app: &TestApp) -> Value {
    let response = app
        .get("/admin/actors", &app.admin())
        .send()
        .await
        .expect("request");
    let actors = json(response).await;
    actors["events"]["channels"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "amqp"))
        .cloned()
        .unwrap_or_else(|| panic!("no amqp channel in {actors}"))
}

/// Polls `/admin/actors` until the link's state is `state` (10 s at most).
async fn wait_link(app: &TestApp, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let link = link(app).await;
        if link["state"] == state {
            return link;
        }
        assert!(Instant::now() < deadline, "link never {state}: {link}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The answers up to the first whose status is `last` for `order_id`.
async fn answers_until(regards: &mut Regards, order_id: i64, last: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let answer = regards.next().await;
        let done = answer.body["orderId"] == order_id && answer.body["status"] == last;
        seen.push(answer.body);
        if done {
            return seen;
        }
    }
}

async fn order_count(app: &TestApp, token: &str) -> i64 {
    let response = app
        .get("/user/orders", token)
        .send()
        .await
        .expect("request");
    json(response).await["metadata"]["totalElements"]
        .as_i64()
        .expect("total")
}

async fn amqp_request_makes_the_users_order_and_follows_it(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    let mut regards = Regards::connect(&settings).await;

    regards
        .request(Some(TENANT), &request("amqp@x.fr", "c-1", "group:on"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    assert_eq!(granted.body["correlationId"], "c-1");
    assert_eq!(granted.correlation_id.as_deref(), Some("c-1"));
    assert_eq!(granted.routing_key, TENANT);
    assert!(granted.persistent);
    let id = granted.body["orderId"].as_i64().expect("order id");
    let user = app.user("amqp@x.fr");
    let order = app.order(&user, id).await;
    assert_eq!(order["owner"], "amqp@x.fr");

    let answers = answers_until(&mut regards, id, "DONE").await;
    let link = format!("{}/user/orders/{id}/download", app.address);
    let (done, suborders) = answers.split_last().expect("DONE");
    assert_eq!(done["downloadLink"], link.as_str(), "{done}");
    assert_eq!(done["correlationId"], "c-1");
    assert!(!suborders.is_empty(), "SUBORDER_DONE before DONE");
    for sub in suborders {
        assert_eq!(sub["status"], "SUBORDER_DONE", "{sub}");
        assert_eq!(sub["orderId"], id);
        assert_eq!(sub["downloadLink"], link.as_str());
        assert_eq!(sub["errors"], 0);
        assert!(sub.get("errorType").is_none(), "{sub}");
        assert!(sub["subOrderId"].is_i64(), "{sub}");
        assert_eq!(sub["totalSubOrders"], suborders.len() as i64, "{sub}");
    }
    let download = app
        .client
        .get(&link)
        .bearer_auth(&user)
        .send()
        .await
        .expect("request");
    assert_eq!(download.status(), 200);
    let zip = download.bytes().await.expect("zip");
    assert!(zip.starts_with(b"PK"), "a zip");

    let link = wait_link(&app, "connected").await;
    assert_eq!(answer_channel(&app).await["connected"], true);
    assert_eq!(link["requests"], 1, "{link}");
    assert_eq!(link["connections"], 1, "{link}");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("regards_order_amqp_connected 1"),
        "{metrics}"
    );
    regards.cleanup().await;
}

async fn amqp_requests_are_denied_with_the_reason(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    let mut regards = Regards::connect(&settings).await;
    let user = "u@x.fr";

    let cases = [
        (
            "bad-json",
            Some(TENANT),
            "{not json".to_owned(),
            "INVALID_CONTENT",
        ),
        (
            "no-query",
            Some(TENANT),
            serde_json::json!({"queries": [], "user": user, "correlationId": "no-query"})
                .to_string(),
            "INVALID_CONTENT",
        ),
        (
            "bad-filter",
            Some(TENANT),
            serde_json::json!({"queries": ["group:on"], "user": user,
                "correlationId": "bad-filter", "filters": {"dataTypes": ["THUMBNAIL"]}})
            .to_string(),
            "INVALID_CONTENT",
        ),
        (
            "nothing",
            Some(TENANT),
            request(user, "nothing", "group:nothing"),
            "EMPTY_ORDER",
        ),
        (
            "too-large",
            Some(TENANT),
            serde_json::json!({"queries": ["group:on"], "user": user,
                "correlationId": "too-large", "sizeLimitInBytes": 10})
            .to_string(),
            "ORDER_LIMIT_REACHED",
        ),
        (
            "no-user",
            Some(TENANT),
            serde_json::json!({"queries": ["group:on"], "correlationId": "no-user"}).to_string(),
            "FORBIDDEN",
        ),
        (
            "no-tenant",
            None,
            request(user, "no-tenant", "group:on"),
            "FORBIDDEN",
        ),
    ];
    for (correlation, tenant, body, error_type) in &cases {
        regards
            .request_with_property(*tenant, correlation, body)
            .await;
        let answer = regards.next().await;
        assert_eq!(
            answer.body["status"], "DENIED",
            "{correlation}: {:?}",
            answer
        );
        assert_eq!(
            answer.body["errorType"], *error_type,
            "{correlation}: {:?}",
            answer
        );
        assert!(answer.body["message"].is_string(), "{:?}", answer);
        assert!(answer.body.get("orderId").is_none(), "{:?}", answer);
        assert_eq!(answer.correlation_id.as_deref(), Some(*correlation));
        assert_eq!(answer.routing_key, tenant.unwrap_or(""));
    }
    let token = app.user(user);
    assert_eq!(order_count(&app, &token).await, 0, "no order was made");
    assert_eq!(
        app.get_basket(&token).await.status(),
        204,
        "the selection over the limit is not left in the basket"
    );
    regards.cleanup().await;
}

async fn amqp_request_delivered_twice_makes_one_order(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    let mut regards = Regards::connect(&settings).await;

    let body = request("twice@x.fr", "same", "group:on");
    regards.request(Some(TENANT), &body).await;
    let first = regards.next().await;
    assert_eq!(first.body["status"], "GRANTED", "{:?}", first);
    let id = first.body["orderId"].as_i64().expect("order id");
    answers_until(&mut regards, id, "DONE").await;

    regards.request(Some(TENANT), &body).await;
    let again = regards.next().await;
    assert_eq!(again.body, first.body, "answered again the same");
    assert_eq!(again.correlation_id.as_deref(), Some("same"));
    regards.assert_silent(Duration::from_millis(1500)).await;
    let token = app.user("twice@x.fr");
    assert_eq!(order_count(&app, &token).await, 1, "one order");
    regards.cleanup().await;
}

async fn amqp_cancel_pauses_then_deletes_the_order(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 1500).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 3, 100).await;
    let mut regards = Regards::connect(&settings).await;

    regards
        .request(Some(TENANT), &request("c@x.fr", "to-cancel", "group:tape"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");
    let user = app.user("c@x.fr");
    app.wait_status(&user, id, "RUNNING").await;

    let cancel = serde_json::json!({"orderId": id, "correlationId": "cancel-1"});
    regards.cancel(TENANT, &cancel.to_string()).await;
    let deleted = app.wait_status(&user, id, "DELETED").await;
    assert_eq!(deleted["availableFilesCount"], 0);

    let unknown = serde_json::json!({"orderId": 999_999, "correlationId": "cancel-2"});
    regards.cancel(TENANT, &unknown.to_string()).await;
    let failed = loop {
        let answer = regards.next().await;
        assert_ne!(
            answer.body["status"], "DONE",
            "a cancelled order is not done"
        );
        if answer.correlation_id.as_deref() == Some("cancel-2") {
            break answer;
        }
    };
    assert_eq!(failed.body["status"], "FAILED", "{:?}", failed);
    assert_eq!(failed.body["orderId"], 999_999);
    assert_eq!(failed.body["errorType"], "INVALID_CONTENT");
    assert!(failed.body["message"].is_string());
    // A cancellation is counted once its answer is out and its request acknowledged: the
    // count may follow the answer by a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let link = wait_link(&app, "connected").await;
        if link["cancels"] == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "cancellations not counted: {link}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    regards.cleanup().await;
}

async fn amqp_answers_wait_for_an_unreachable_broker(app: TestApp) {
    let relay = Relay::start().await;
    let settings = amqp_settings(&relay.url);
    let app = with_amqp(app, &settings, 1000).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 2, 100).await;
    let mut regards = Regards::connect(&settings).await;
    wait_link(&app, "connected").await;

    regards
        .request(Some(TENANT), &request("r@x.fr", "before-cut", "group:tape"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");

    relay.cut();
    let down = wait_link(&app, "reconnecting").await;
    assert!(down["lastError"].is_string(), "{down}");
    let user = app.user("r@x.fr");
    app.wait_status(&user, id, "DONE").await;
    // The order's answers wait in the outbox, behind the channel's cursor.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let channel = answer_channel(&app).await;
        assert_eq!(channel["connected"], false, "{channel}");
        if channel["behind"].as_i64().expect("behind") > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing waits: {channel}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    regards
        .request(Some(TENANT), &request("r@x.fr", "during-cut", "group:tape"))
        .await;
    regards.assert_silent(Duration::from_millis(1500)).await;

    relay.restore();
    let mut statuses = Vec::new();
    let mut second = None;
    while !(statuses.contains(&(id, "DONE".to_owned())) && second.is_some()) {
        let answer = regards.next().await;
        let order = answer.body["orderId"].as_i64().expect("order id");
        let status = answer.body["status"].as_str().expect("status").to_owned();
        if answer.body["correlationId"] == "during-cut" && status == "GRANTED" {
            second = Some(order);
        }
        statuses.push((order, status));
    }
    assert!(
        statuses.contains(&(id, "SUBORDER_DONE".to_owned())),
        "{statuses:?}"
    );
    let up = wait_link(&app, "connected").await;
    assert!(up["connections"].as_u64().expect("count") >= 2, "{up}");
    let second = second.expect("second order");
    app.wait_status(&user, second, "DONE").await;
    assert_eq!(order_count(&app, &user).await, 2);
    regards.cleanup().await;
}

async fn amqp_link_reconnects_when_the_broker_closes_it(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 1, 100).await;
    let mut regards = Regards::connect(&settings).await;
    wait_link(&app, "connected").await;

    if !close_connection_on_broker(&settings.connection_name) {
        eprintln!("rabbitmqctl cannot be run here: broker-side close not tested");
        regards.cleanup().await;
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let link = loop {
        let link = link(&app).await;
        if link["state"] == "connected" && link["connections"] == 2 {
            break link;
        }
        assert!(Instant::now() < deadline, "never connected again: {link}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(link["lastError"].is_string(), "{link}");

    regards
        .request(Some(TENANT), &request("k@x.fr", "after-close", "group:on"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");
    answers_until(&mut regards, id, "DONE").await;
    regards.cleanup().await;
}

/// SQLite's files made immutable while a request comes: the request is not answered (it
/// goes back to the broker, nothing is recorded), then once the database takes writes again
/// it is answered GRANTED and makes one order.
#[actix_web::test]
async fn amqp_request_waits_for_an_unwritable_database() {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(spawn_app(Backend::Sqlite).await, &settings, 0).await;
    if !chattr_permitted(app.dir.path()) {
        eprintln!("chattr +i is not permitted here: test skipped");
        return;
    }
    add_products(&app, &online_root(app.dir.path()), "on", 1, 100).await;
    let mut regards = Regards::connect(&settings).await;
    wait_link(&app, "connected").await;
    let immutable = Immutable(["test.db", "test.db-wal"].map(|f| app.dir.path().join(f)));

    immutable.set("+i");
    regards
        .request(Some(TENANT), &request("db@x.fr", "db-down", "group:on"))
        .await;
    regards.assert_silent(Duration::from_secs(3)).await;
    immutable.set("-i");

    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    assert_eq!(granted.correlation_id.as_deref(), Some("db-down"));
    let id = granted.body["orderId"].as_i64().expect("order id");
    answers_until(&mut regards, id, "DONE").await;
    assert_eq!(order_count(&app, &app.user("db@x.fr")).await, 1);
    regards.cleanup().await;
}

/// Files made immutable, writable again when dropped (a failed test leaves none behind).
struct Immutable([std::path::PathBuf; 2]);

impl Immutable {
    fn set(&self, flag: &str) {
        for file in &self.0 {
            let done = std::process::Command::new("chattr")
                .arg(flag)
                .arg(file)
                .status();
            assert!(
                done.is_ok_and(|s| s.success()),
                "chattr {flag} {}",
                file.display()
            );
        }
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

/// A request whose handling stopped after its order was committed and before its answer was
/// recorded (a crash): delivered again, it is answered GRANTED with that order, and nothing
/// else is created.
async fn amqp_request_interrupted_after_its_order_is_answered_with_that_order(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 1, 100).await;
    let mut regards = Regards::connect(&settings).await;
    let user = app.user("crash@x.fr");

    // The first attempt: the request recorded, then its order committed, then the crash.
    let tenant = regards_order_actors::domain::Tenant::parse(TENANT).expect("tenant");
    let known = app
        .state
        .store
        .claim_order_request(&tenant, "crashed", "crash@x.fr", chrono::Utc::now())
        .await
        .expect("recorded");
    assert!(known.is_none());
    let response = app
        .post("/user/orders/apply", &user)
        .json(&serde_json::json!({"queries": ["group:on"], "correlationId": "crashed"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let id = json(response).await["content"]["orderId"]
        .as_i64()
        .expect("order id");

    regards
        .request(Some(TENANT), &request("crash@x.fr", "crashed", "group:on"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    assert_eq!(
        granted.body["orderId"], id,
        "the order of the first attempt"
    );
    answers_until(&mut regards, id, "DONE").await;
    assert_eq!(order_count(&app, &user).await, 1);
    regards.cleanup().await;
}

/// An order with a file in error: its sub-order is answered with the error count and
/// INTERNAL_ERROR, its end (DONE_WITH_WARNING) as FAILED with the link to what is available;
/// an order that keeps no file at all ends FAILED too.
async fn amqp_order_with_files_in_error_is_answered_failed(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let app = with_amqp(app, &settings, 0).await;
    let files = add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    std::fs::remove_file(&files[0]).expect("one file lost");
    let mut regards = Regards::connect(&settings).await;

    regards
        .request(Some(TENANT), &request("w@x.fr", "warned", "group:on"))
        .await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");
    let answers = answers_until(&mut regards, id, "FAILED").await;
    let (failed, suborders) = answers.split_last().expect("FAILED");
    let link = format!("{}/user/orders/{id}/download", app.address);
    assert_eq!(failed["errorType"], "INTERNAL_ERROR", "{failed}");
    assert_eq!(failed["errors"], 1, "{failed}");
    assert_eq!(failed["downloadLink"], link.as_str(), "{failed}");
    assert!(failed["message"].is_string(), "{failed}");
    let last = suborders.last().expect("SUBORDER_DONE");
    assert_eq!(last["status"], "SUBORDER_DONE", "{last}");
    assert_eq!(last["errors"], 1, "{last}");
    assert_eq!(last["errorType"], "INTERNAL_ERROR", "{last}");
    let user = app.user("w@x.fr");
    app.wait_status(&user, id, "DONE_WITH_WARNING").await;

    // The products have no quicklook: the order keeps no file.
    let body = serde_json::json!({"queries": ["group:on"], "user": "w@x.fr",
        "correlationId": "no-file", "filters": {"dataTypes": ["QUICKLOOK"]}});
    regards.request(Some(TENANT), &body.to_string()).await;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");
    let answers = answers_until(&mut regards, id, "FAILED").await;
    assert_eq!(answers.len(), 1, "no sub-order: {answers:?}");
    assert_eq!(answers[0]["errorType"], "INTERNAL_ERROR");
    regards.cleanup().await;
}
