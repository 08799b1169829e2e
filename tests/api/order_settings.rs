//! Tenant settings (`/settings`): listing, updates, validation, reset, per-tenant values, and
//! their effect on expiration dates; and the automatic order (`POST /user/orders/apply`).

use crate::archive::{add_products, online_root, with_storages};
use crate::backend_tests;
use crate::helpers::{TestApp, json, messages, spawn_app_with};
use chrono::{DateTime, Utc};
use regards_order::auth::Role;
use reqwest::Response;
use serde_json::{Value, json};

backend_tests!(
    settings_are_listed_with_their_defaults,
    settings_are_updated_validated_and_reset_per_tenant,
    settings_drive_expiration_dates,
    apply_orders_the_queries,
    apply_refuses_empty_selections_and_bad_bodies,
);

const USER_ORDER_PARAMETERS: &str = "user_order_parameters";
const APP_SUB_ORDER_DURATION: &str = "app_sub_order_duration";
const EXPIRATION_MAX: &str = "expiration_max_duration_in_hours";

/// An app with an online and a nearline storage (no restore delay).
async fn archive_app(app: TestApp) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| with_storages(s, dir, 0, 2)).await
}

async fn list(app: &TestApp, token: &str, query: &str) -> Response {
    app.get(&format!("/settings{query}"), token)
        .send()
        .await
        .expect("request")
}

/// The settings listed to the admin, as (name, content) pairs.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<(String, Value)> {
    let response = list(app, token, query).await;
    assert_eq!(response.status(), 200, "GET /settings{query}");
    json(response)
        .await
        .as_array()
        .expect("array of settings")
        .iter()
        .map(|s| {
            assert_eq!(s["links"], json!([]), "{s}");
            let content = s["content"].clone();
            let name = content["name"].as_str().expect("name").to_owned();
            (name, content)
        })
        .collect()
}

/// The current value of a setting of the caller's tenant.
async fn value_of(app: &TestApp, token: &str, name: &str) -> Value {
    let settings = listed(app, token, &format!("?names={name}")).await;
    assert_eq!(settings.len(), 1, "{settings:?}");
    settings[0].1["value"].clone()
}

async fn put(app: &TestApp, token: &str, name: &str, value: Value) -> Response {
    app.put(&format!("/settings/{name}"), token)
        .json(&json!({"value": value}))
        .send()
        .await
        .expect("request")
}

/// Sets a setting of the project (panics unless 200).
async fn set(app: &TestApp, name: &str, value: Value) {
    let response = put(app, &app.admin(), name, value.clone()).await;
    assert_eq!(response.status(), 200, "PUT {name} = {value}");
}

fn date(order: &Value, field: &str) -> DateTime<Utc> {
    let text = order[field].as_str().expect("date");
    DateTime::parse_from_rfc3339(text)
        .expect("ISO date")
        .with_timezone(&Utc)
}

/// Expiration date − creation date of an order, in seconds.
fn lifetime_secs(order: &Value) -> i64 {
    (date(order, "expirationDate") - date(order, "creationDate")).num_seconds()
}

/// Asserts a lifetime of `hours` (a few seconds of creation work allowed).
fn assert_lifetime(order: &Value, hours: i64) {
    let secs = lifetime_secs(order);
    assert!(
        (secs - hours * 3600).abs() <= 5,
        "expected {hours} h, got {secs} s: {order}"
    );
}

async fn settings_are_listed_with_their_defaults(app: TestApp) {
    let admin = app.admin();
    let settings = listed(&app, &admin, "").await;
    let names: Vec<&str> = settings.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            USER_ORDER_PARAMETERS,
            APP_SUB_ORDER_DURATION,
            EXPIRATION_MAX
        ]
    );
    let defaults = [
        json!({"subOrderDuration": 240, "delayBeforeEmailNotification": 72}),
        json!(2),
        json!(168),
    ];
    for ((name, content), default) in settings.iter().zip(defaults) {
        let mut keys: Vec<&String> = content.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            vec!["defaultValue", "description", "name", "value"],
            "{name}"
        );
        assert_eq!(content["defaultValue"], default, "{name}");
        assert_eq!(content["value"], default, "{name}");
        assert!(
            !content["description"]
                .as_str()
                .expect("description")
                .is_empty()
        );
    }

    let one = listed(&app, &admin, "?names=app_sub_order_duration").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].0, APP_SUB_ORDER_DURATION);
    assert_eq!(one[0].1["value"], 2);
    let two = listed(
        &app,
        &admin,
        "?names=expiration_max_duration_in_hours,app_sub_order_duration",
    )
    .await;
    let names: Vec<&str> = two.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec![APP_SUB_ORDER_DURATION, EXPIRATION_MAX]);

    for role in [Role::RegisteredUser, Role::Exploit] {
        let token = app.token("u@x.fr", role);
        assert_eq!(list(&app, &token, "").await.status(), 403, "{role:?}");
        let response = put(&app, &token, APP_SUB_ORDER_DURATION, json!(5)).await;
        assert_eq!(response.status(), 403, "{role:?}");
        let response = app
            .delete("/settings/app_sub_order_duration", &token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 403, "{role:?}");
    }
    assert_eq!(
        list(&app, &app.token("root@x.fr", Role::ProjectAdmin), "")
            .await
            .status(),
        200
    );
}

async fn settings_are_updated_validated_and_reset_per_tenant(app: TestApp) {
    let admin = app.admin();
    let response = put(&app, &admin, APP_SUB_ORDER_DURATION, json!(5)).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["links"], json!([]));
    assert_eq!(body["content"]["name"], APP_SUB_ORDER_DURATION);
    assert_eq!(body["content"]["value"], 5);
    assert_eq!(body["content"]["defaultValue"], 2);
    assert_eq!(value_of(&app, &admin, APP_SUB_ORDER_DURATION).await, 5);

    let invalid = [
        (APP_SUB_ORDER_DURATION, json!(-1)),
        (APP_SUB_ORDER_DURATION, json!("5")),
        (APP_SUB_ORDER_DURATION, json!(null)),
        (EXPIRATION_MAX, json!(0)),
        (EXPIRATION_MAX, json!(-3)),
        (EXPIRATION_MAX, json!("12")),
        (
            USER_ORDER_PARAMETERS,
            json!({"subOrderDuration": 10, "delayBeforeEmailNotification": 72}),
        ),
        (
            USER_ORDER_PARAMETERS,
            json!({"subOrderDuration": 10, "delayBeforeEmailNotification": 0}),
        ),
        (USER_ORDER_PARAMETERS, json!({"subOrderDuration": 10})),
        (USER_ORDER_PARAMETERS, json!(12)),
    ];
    for (name, value) in invalid {
        let response = put(&app, &admin, name, value.clone()).await;
        assert_eq!(response.status(), 422, "{name} = {value}");
        assert!(!messages(response).await.is_empty(), "{name} = {value}");
    }
    assert_eq!(
        value_of(&app, &admin, APP_SUB_ORDER_DURATION).await,
        5,
        "a refused value changes nothing"
    );
    assert_eq!(value_of(&app, &admin, EXPIRATION_MAX).await, 168);

    let parameters = json!({"subOrderDuration": 100, "delayBeforeEmailNotification": 100});
    set(&app, USER_ORDER_PARAMETERS, parameters.clone()).await;
    assert_eq!(
        value_of(&app, &admin, USER_ORDER_PARAMETERS).await,
        parameters
    );
    set(&app, APP_SUB_ORDER_DURATION, json!(0)).await;
    assert_eq!(value_of(&app, &admin, APP_SUB_ORDER_DURATION).await, 0);
    set(&app, APP_SUB_ORDER_DURATION, json!(7)).await;

    for method in ["PUT", "DELETE"] {
        let request = match method {
            "PUT" => app.put("/settings/nope", &admin).json(&json!({"value": 1})),
            _ => app.delete("/settings/nope", &admin),
        };
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 404, "{method} of an unknown setting");
    }

    // Another tenant still has the defaults.
    let elsewhere = app.token_for("project2", "admin@regards.fr", Role::Admin);
    let other = listed(&app, &elsewhere, "").await;
    assert_eq!(
        other[0].1["value"],
        json!({"subOrderDuration": 240, "delayBeforeEmailNotification": 72})
    );
    assert_eq!(other[1].1["value"], 2);
    let response = put(&app, &elsewhere, EXPIRATION_MAX, json!(12)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(value_of(&app, &admin, EXPIRATION_MAX).await, 168);

    // DELETE resets to the default.
    let response = app
        .delete("/settings/app_sub_order_duration", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["content"]["value"], 2);
    assert_eq!(body["content"]["defaultValue"], 2);
    assert_eq!(value_of(&app, &admin, APP_SUB_ORDER_DURATION).await, 2);
    let response = app
        .delete("/settings/app_sub_order_duration", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "resetting a default is fine");
    assert_eq!(
        value_of(&app, &admin, USER_ORDER_PARAMETERS).await,
        parameters,
        "the other settings are kept"
    );
    assert_eq!(value_of(&app, &elsewhere, EXPIRATION_MAX).await, 12);
}

/// Waits until the order has its expiration date (set when its creation completes).
async fn with_expiration(app: &TestApp, token: &str, id: i64) -> Value {
    app.wait_order(token, id, "an expiration date", |o| {
        o["expirationDate"].is_string() && o["status"] != "PENDING"
    })
    .await
}

async fn settings_drive_expiration_dates(app: TestApp) {
    let app = archive_app(app).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    let user = app.user("u@x.fr");

    // User order, one storage sub-order: (1 + 2) × 240 h, capped at 1 h.
    set(&app, EXPIRATION_MAX, json!(1)).await;
    let id = app.order_of(&user, "group:on").await;
    let order = with_expiration(&app, &user, id).await;
    assert_lifetime(&order, 1);

    // With a higher cap: (1 + 2) × the user sub-order duration.
    set(&app, EXPIRATION_MAX, json!(1000)).await;
    set(
        &app,
        USER_ORDER_PARAMETERS,
        json!({"subOrderDuration": 10, "delayBeforeEmailNotification": 5}),
    )
    .await;
    let id = app.order_of(&user, "group:on").await;
    let order = with_expiration(&app, &user, id).await;
    assert_lifetime(&order, 30);

    // Applicative order (POST /orders): (1 + 2) × app_sub_order_duration.
    set(&app, APP_SUB_ORDER_DURATION, json!(3)).await;
    let admin = app.admin();
    app.select_q(&admin, "group:on").await;
    let response = app
        .post("/orders", &admin)
        .json(&json!({"label": "applicative"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let id = json(response).await["content"]["id"].as_i64().expect("id");
    let order = with_expiration(&app, &admin, id).await;
    assert_eq!(order["datasetTasks"][0]["filesCount"], 2);
    assert_lifetime(&order, 9);
    let done = app.wait_status(&admin, id, "DONE").await;
    assert_eq!(
        done["expirationDate"], order["expirationDate"],
        "set once at creation"
    );
}

async fn apply(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post("/user/orders/apply", token)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// Applies `body`, expects GRANTED; answers the answer's content.
async fn granted(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = apply(app, token, body).await;
    assert_eq!(response.status(), 200, "apply {body}");
    let answer = json(response).await;
    assert_eq!(answer["links"], json!([]), "{answer}");
    let content = answer["content"].clone();
    let mut keys: Vec<&String> = content.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["correlationId", "orderId", "status"], "{answer}");
    assert_eq!(content["status"], "GRANTED");
    content
}

async fn apply_orders_the_queries(app: TestApp) {
    let app = archive_app(app).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;

    let first = app.user("first@x.fr");
    let content = granted(&app, &first, &json!({"queries": ["group:on"]})).await;
    let correlation = content["correlationId"].as_str().expect("correlation id");
    assert!(
        correlation.starts_with("auto-correlation-id-")
            && correlation.len() > "auto-correlation-id-".len(),
        "{correlation}"
    );
    let id = content["orderId"].as_i64().expect("order id");
    let done = app.wait_status(&first, id, "DONE").await;
    assert_eq!(done["owner"], "first@x.fr");
    assert_eq!(done["availableFilesCount"], 2);
    let label = done["label"].as_str().expect("label");
    assert!(label.starts_with("Generated order "), "{label}");
    assert_eq!(
        app.get_basket(&first).await.status(),
        204,
        "the basket is consumed"
    );
    // Applicative sub-order duration: (1 + 2) × 2 h.
    assert_lifetime(&done, 6);

    let second = app.user("second@x.fr");
    let content = granted(
        &app,
        &second,
        &json!({"queries": ["group:on"], "correlationId": "abc"}),
    )
    .await;
    assert_eq!(content["correlationId"], "abc");
    let id = content["orderId"].as_i64().expect("order id");
    app.wait_status(&second, id, "DONE").await;

    // The products have no quicklook: nothing is left to order.
    let third = app.user("third@x.fr");
    let content = granted(
        &app,
        &third,
        &json!({"queries": ["group:on"], "filters": {"dataTypes": ["QUICKLOOK"]}}),
    )
    .await;
    let id = content["orderId"].as_i64().expect("order id");
    let warned = app.wait_status(&third, id, "DONE_WITH_WARNING").await;
    assert_eq!(warned["availableFilesCount"], 0);

    // RAWDATA keeps the files.
    let fourth = app.user("fourth@x.fr");
    let content = granted(
        &app,
        &fourth,
        &json!({"queries": ["group:on"], "filters": {"dataTypes": ["RAWDATA", "QUICKLOOK"]}}),
    )
    .await;
    let id = content["orderId"].as_i64().expect("order id");
    let done = app.wait_status(&fourth, id, "DONE").await;
    assert_eq!(done["availableFilesCount"], 2);
}

async fn apply_refuses_empty_selections_and_bad_bodies(app: TestApp) {
    let app = archive_app(app).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    let token = app.user("u@x.fr");

    let response = apply(&app, &token, &json!({"queries": ["group:nothing"]})).await;
    assert_eq!(response.status(), 422);
    let answer = json(response).await;
    let content = &answer["content"];
    assert_eq!(content["status"], "FAILED", "{answer}");
    assert_eq!(content["errorType"], "EMPTY_ORDER", "{answer}");
    assert!(content["message"].is_string(), "{answer}");
    assert!(content.get("orderId").is_none(), "{answer}");
    assert!(
        content["correlationId"]
            .as_str()
            .expect("correlation id")
            .starts_with("auto-correlation-id-")
    );
    let response = apply(
        &app,
        &token,
        &json!({"queries": ["group:nothing"], "correlationId": "xyz"}),
    )
    .await;
    assert_eq!(response.status(), 422);
    assert_eq!(json(response).await["content"]["correlationId"], "xyz");
    let mine = json(
        app.get("/user/orders", &token)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(mine["metadata"]["totalElements"], 0, "no order was made");

    let long = "c".repeat(256);
    let invalid = [
        json!({"queries": []}),
        json!({}),
        json!({"queries": ["  "]}),
        json!({"queries": ["group:on"], "filters": {"dataTypes": []}}),
        json!({"queries": ["group:on"], "filters": {"dataTypes": ["THUMBNAIL"]}}),
        json!({"queries": ["group:on"], "correlationId": long}),
    ];
    for body in invalid {
        let response = apply(&app, &token, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert!(!messages(response).await.is_empty(), "{body}");
    }
    assert_eq!(
        app.get_basket(&token).await.status(),
        204,
        "invalid bodies select nothing"
    );

    let public = app.token("p@x.fr", Role::Public);
    let response = apply(&app, &public, &json!({"queries": ["group:on"]})).await;
    assert_eq!(response.status(), 403);
}
