//! A restart of the broker itself (not a cut connection): the service reconnects, consumes
//! requests again, and publishes the answers its orders made while the broker was away.
//! Every AMQP test runs in the `broker` test group, one at a time (`.config/nextest.toml`),
//! so that this restart disturbs no other test.

use crate::amqp_broker::{Regards, amqp_settings, broker_url, restart_broker};
use crate::archive::{add_products, tape_root, with_storages};
use crate::backend_tests;
use crate::helpers::{TENANT, TestApp, json, spawn_app_with};
use serde_json::Value;
use std::time::{Duration, Instant};

backend_tests!(amqp_answers_survive_a_broker_restart);

/// Restores of 3 s on one drive: the order is still running while the broker restarts.
const RESTORE_MS: u64 = 3000;

async fn link(app: &TestApp) -> Value {
    let response = app
        .get("/admin/actors", &app.admin())
        .send()
        .await
        .expect("request");
    json(response).await["amqp"].clone()
}

async fn amqp_answers_survive_a_broker_restart(app: TestApp) {
    let settings = amqp_settings(&broker_url());
    let backend = app.backend;
    drop(app);
    let amqp = settings.clone();
    let app = spawn_app_with(backend, move |s, dir| {
        with_storages(s, dir, RESTORE_MS, 1);
        s.amqp = Some(amqp);
    })
    .await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 2, 100).await;
    let regards = Regards::connect_with(&settings, true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while link(&app).await["state"] != "connected" {
        assert!(Instant::now() < deadline, "never connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = serde_json::json!({"queries": ["group:tape"], "user": "r@x.fr",
                                  "correlationId": "before-restart"});
    regards.request(Some(TENANT), &body.to_string()).await;
    let mut regards = regards;
    let granted = regards.next().await;
    assert_eq!(granted.body["status"], "GRANTED", "{:?}", granted);
    let id = granted.body["orderId"].as_i64().expect("order id");

    let restarted = tokio::task::spawn_blocking(restart_broker)
        .await
        .expect("restart");
    assert!(restarted, "rabbitmqctl stop_app / start_app");
    // The order ran on while the broker was away; its answers waited in the outbox.
    let user = app.user("r@x.fr");
    app.wait_status(&user, id, "DONE").await;

    let mut regards = Regards::connect_with(&settings, true).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while link(&app).await["state"] != "connected" {
        assert!(Instant::now() < deadline, "the service never reconnected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut statuses = Vec::new();
    while !statuses.contains(&"DONE".to_owned()) {
        let answer = regards.next().await;
        assert_eq!(answer.body["orderId"], id, "{:?}", answer);
        statuses.push(
            answer.body["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert!(
        statuses.contains(&"SUBORDER_DONE".to_owned()),
        "{statuses:?}"
    );
    // The request queue is consumed again.
    let body = serde_json::json!({"queries": ["group:tape"], "user": "s@x.fr",
                                  "correlationId": "after-restart"});
    regards.request(Some(TENANT), &body.to_string()).await;
    let again = regards.next().await;
    assert_eq!(again.body["correlationId"], "after-restart");
    assert_eq!(again.body["status"], "GRANTED", "{:?}", again);
    regards.cleanup().await;
}
