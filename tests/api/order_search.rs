//! A11 admin search (`POST /orders/search`) and A12 CSV export (`POST /orders/csv`): roles,
//! filters, paging, sorting, validation, content negotiation and the CSV format.

use crate::archive::{add_products, online_root, with_storages};
use crate::backend_tests;
use crate::fixtures::{DS1, collection, item, item_collection, selection};
use crate::helpers::{TestApp, json, messages, spawn_app_with};
use regards_order::auth::Role;
use reqwest::Response;
use serde_json::{Value, json};

backend_tests!(
    search_needs_exploit_and_lists_every_order_newest_first,
    search_filters_by_owner_status_date_and_waiting,
    search_pages_and_sorts,
    search_rejects_bad_sorts_and_malformed_statuses,
    csv_lists_the_matching_orders_by_id,
    csv_negotiation_validation_and_roles,
);

const ALICE: &str = "alice@x.fr";
const BOB: &str = "bob@x.fr";
const CAROL: &str = "carol@y.fr";

/// The orders of the fixture, in creation order: label, owner and final status. The labels
/// sort differently from the creation order.
const ORDERS: [(&str, &str, &str); 5] = [
    ("e-alice-done", ALICE, "DONE"),
    ("c-alice-failed", ALICE, "FAILED"),
    ("a-bob-done", BOB, "DONE"),
    ("d-bob-deleted", BOB, "DELETED"),
    ("b-carol-failed", CAROL, "FAILED"),
];

/// Label of the order made in the other tenant.
const OTHER_TENANT_LABEL: &str = "elsewhere";

/// A service with the fixture's orders, all in their final status.
struct Fixture {
    app: TestApp,
    /// Ids of `ORDERS`, same order.
    ids: Vec<i64>,
    /// The orders as the search shows them once settled, newest first.
    settled: Vec<Value>,
}

impl Fixture {
    /// Ids of the fixture's orders at these indexes of `ORDERS`.
    fn ids_at(&self, indexes: &[usize]) -> Vec<i64> {
        indexes.iter().map(|i| self.ids[*i]).collect()
    }

    /// The settled order of index `i`.
    fn order(&self, i: usize) -> &Value {
        self.settled
            .iter()
            .find(|o| o["id"] == self.ids[i])
            .expect("settled order")
    }
}

/// An app with an online and a nearline storage (no restore delay).
async fn archive_app(app: TestApp) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| with_storages(s, dir, 0, 2)).await
}

fn exploit(app: &TestApp) -> String {
    app.token("ops@regards.fr", Role::Exploit)
}

/// Selects `what` in the basket of `token` and orders it under `label`; answers the id.
async fn order_labelled(app: &TestApp, token: &str, what: &Value, label: &str) -> i64 {
    assert_eq!(app.select(token, what).await.status(), 200, "selection");
    let response = app.create_order(token, Some(label)).await;
    assert_eq!(response.status(), 201, "creation of {label}");
    json(response).await["content"]["id"]
        .as_i64()
        .expect("order id")
}

/// Two DONE orders (real online files), two FAILED ones (the standard catalogue's files do
/// not exist), one DELETED; and one order of another tenant.
async fn fixture(app: TestApp) -> Fixture {
    let app = archive_app(app).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 100).await;
    app.import(&collection(DS1, "Alpha")).await;
    let items = (0..2)
        .map(|i| {
            item(
                &format!("URN:AIP:DATA:project1:o{i}:V1"),
                DS1,
                100,
                json!({"providerId": format!("P{i}")}),
            )
        })
        .collect();
    app.import(&item_collection(items)).await;

    let online = json!({"engineType": "legacy", "searchParameters": {"q": ["group:on"]}});
    let missing = selection(Some(DS1), None);
    let mut ids = Vec::new();
    for (label, owner, status) in ORDERS {
        let what = if status == "FAILED" {
            &missing
        } else {
            &online
        };
        ids.push(order_labelled(&app, &app.user(owner), what, label).await);
    }
    other_tenant_order(&app).await;
    for ((_, owner, status), id) in ORDERS.iter().zip(&ids) {
        let before_delete = if *status == "DELETED" { "DONE" } else { status };
        app.wait_status(&app.user(owner), *id, before_delete).await;
    }
    let (status, _) = app
        .lifecycle(
            "DELETE",
            &format!("/user/orders/{}", ids[3]),
            &app.user(BOB),
        )
        .await;
    assert_eq!(status, 200, "deletion");
    let settled = settle(&app, &ids).await;
    Fixture { app, ids, settled }
}

/// An order of tenant `project2`, owned by a user with the same e-mail as one of project1.
async fn other_tenant_order(app: &TestApp) {
    let dataset = "URN:AIP:DATASET:project2:other:V1";
    let admin = app.token_for("project2", "admin@regards.fr", Role::Admin);
    let documents = [
        collection(dataset, "Other"),
        item_collection(vec![item(
            "URN:AIP:DATA:project2:x0:V1",
            dataset,
            10,
            json!({"providerId": "X0"}),
        )]),
    ];
    for document in documents {
        let response = app
            .post("/catalog/import", &admin)
            .json(&document)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "import in project2");
    }
    let token = app.token_for("project2", ALICE, Role::RegisteredUser);
    order_labelled(
        app,
        &token,
        &selection(Some(dataset), None),
        OTHER_TENANT_LABEL,
    )
    .await;
}

/// Polls the search until every order shows its final status and two reads in a row agree
/// (the search reads the database, which the engine writes shortly after the fact).
async fn settle(app: &TestApp, ids: &[i64]) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut previous: Option<Vec<Value>> = None;
    loop {
        let orders = contents(&search_ok(app, "?size=100", &json!({})).await);
        let finished = ORDERS.iter().zip(ids).all(|((_, _, status), id)| {
            orders
                .iter()
                .any(|o| o["id"] == *id && o["status"] == *status)
        });
        if finished && previous.as_ref() == Some(&orders) {
            return orders;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the orders never settled: {orders:?}"
        );
        previous = Some(orders);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(30)).await;
    }
}

async fn search(app: &TestApp, token: &str, query: &str, body: &Value) -> Response {
    app.post(&format!("/orders/search{query}"), token)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// The page answered to an EXPLOIT caller (panics unless 200).
async fn search_ok(app: &TestApp, query: &str, body: &Value) -> Value {
    let response = search(app, &exploit(app), query, body).await;
    assert_eq!(response.status(), 200, "search {query} {body}");
    json(response).await
}

/// The orders of a page.
fn contents(page: &Value) -> Vec<Value> {
    page["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|o| o["content"].clone())
        .collect()
}

/// The ids of a page, in its order.
fn ids_of(page: &Value) -> Vec<i64> {
    contents(page)
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect()
}

/// The ids the search answers for `body` (all on one page).
async fn found(app: &TestApp, body: Value) -> Vec<i64> {
    ids_of(&search_ok(app, "?size=100", &body).await)
}

fn rels(page: &Value) -> Vec<String> {
    page["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel").to_owned())
        .collect()
}

fn href<'a>(page: &'a Value, rel: &str) -> &'a str {
    page["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no {rel} link in {page}"))
}

async fn search_needs_exploit_and_lists_every_order_newest_first(app: TestApp) {
    let f = fixture(app).await;
    let app = &f.app;
    let user = search(app, &app.user(ALICE), "", &json!({})).await;
    assert_eq!(user.status(), 403, "REGISTERED_USER is below EXPLOIT");
    for token in [exploit(app), app.admin()] {
        assert_eq!(search(app, &token, "", &json!({})).await.status(), 200);
    }

    let page = search_ok(app, "", &json!({})).await;
    assert_eq!(
        page["metadata"],
        json!({"size": 10, "totalElements": 5, "totalPages": 1, "number": 0})
    );
    let mut newest_first = f.ids.clone();
    newest_first.reverse();
    assert_eq!(ids_of(&page), newest_first);
    let statuses: Vec<Value> = contents(&page)
        .iter()
        .map(|o| o["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        json!(["FAILED", "DELETED", "DONE", "FAILED", "DONE"])
            .as_array()
            .cloned()
            .expect("array"),
        "DELETED orders are listed"
    );
    let labels: Vec<&str> = page["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|o| o["content"]["label"].as_str().expect("label"))
        .collect();
    assert!(!labels.contains(&OTHER_TENANT_LABEL), "{labels:?}");
    // Each order carries its links and its dataset tasks.
    let first = &page["content"][0];
    assert_eq!(first["links"][0]["rel"], "self");
    assert_eq!(f.order(0)["datasetTasks"][0]["filesSize"], 200);
    assert_eq!(f.order(0)["datasetTasks"][0]["filesCount"], 2);

    // The other tenant only sees its own order.
    let elsewhere = app.token_for("project2", "ops@regards.fr", Role::Exploit);
    let other = json(search(app, &elsewhere, "", &json!({})).await).await;
    assert_eq!(other["metadata"]["totalElements"], 1);
    assert_eq!(other["content"][0]["content"]["label"], OTHER_TENANT_LABEL);
    assert_eq!(other["content"][0]["content"]["owner"], ALICE);
}

async fn search_filters_by_owner_status_date_and_waiting(app: TestApp) {
    let f = fixture(app).await;
    let app = &f.app;
    assert_eq!(
        found(app, json!({"owner": "lice"})).await,
        f.ids_at(&[1, 0])
    );
    assert_eq!(
        found(app, json!({"owner": "x.fr"})).await,
        f.ids_at(&[3, 2, 1, 0])
    );
    assert_eq!(found(app, json!({"owner": CAROL})).await, f.ids_at(&[4]));
    assert_eq!(
        found(app, json!({"owner": "nobody"})).await,
        Vec::<i64>::new()
    );

    let statuses =
        |mode: &str, values: &[&str]| json!({"statuses": {"values": values, "mode": mode}});
    assert_eq!(
        found(app, statuses("INCLUDE", &["DONE"])).await,
        f.ids_at(&[2, 0])
    );
    assert_eq!(
        found(app, statuses("INCLUDE", &["FAILED", "DELETED"])).await,
        f.ids_at(&[4, 3, 1])
    );
    assert_eq!(
        found(app, statuses("EXCLUDE", &["DONE"])).await,
        f.ids_at(&[4, 3, 1])
    );
    assert_eq!(
        found(app, statuses("EXCLUDE", &["DELETED", "FAILED"])).await,
        f.ids_at(&[2, 0])
    );
    assert_eq!(
        found(app, statuses("INCLUDE", &["RUNNING"])).await,
        Vec::<i64>::new()
    );

    // Bounds are inclusive: built from the orders' own creation dates.
    let created = |i: usize| f.order(i)["creationDate"].clone();
    let between = json!({"creationDate": {"after": created(1), "before": created(3)}});
    assert_eq!(found(app, between).await, f.ids_at(&[3, 2, 1]));
    let after = json!({"creationDate": {"after": created(3)}});
    assert_eq!(found(app, after).await, f.ids_at(&[4, 3]));
    let before = json!({"creationDate": {"before": created(1)}});
    assert_eq!(found(app, before).await, f.ids_at(&[1, 0]));
    let exactly = json!({"creationDate": {"after": created(2), "before": created(2)}});
    assert_eq!(found(app, exactly).await, f.ids_at(&[2]));
    let empty = json!({"creationDate": {"after": created(3), "before": created(2)}});
    assert_eq!(found(app, empty).await, Vec::<i64>::new());

    assert_eq!(
        found(app, json!({"waitingForUser": true})).await,
        f.ids_at(&[2, 0])
    );
    assert_eq!(
        found(app, json!({"waitingForUser": false})).await,
        f.ids_at(&[4, 3, 1])
    );

    // Filters combine.
    let combined = json!({"owner": "bob", "statuses": {"values": ["DONE", "DELETED"], "mode": "INCLUDE"},
                          "waitingForUser": false});
    assert_eq!(found(app, combined).await, f.ids_at(&[3]));
}

async fn search_pages_and_sorts(app: TestApp) {
    let f = fixture(app).await;
    let app = &f.app;
    // Labels a..e are orders 2, 4, 1, 3, 0.
    let page = search_ok(app, "?page=1&size=2&sort=label,asc", &json!({})).await;
    assert_eq!(
        page["metadata"],
        json!({"size": 2, "totalElements": 5, "totalPages": 3, "number": 1})
    );
    assert_eq!(ids_of(&page), f.ids_at(&[1, 3]));
    assert_eq!(rels(&page), vec!["self", "first", "prev", "next", "last"]);
    let next = href(&page, "next");
    assert!(next.contains("page=2"), "{next}");
    assert!(next.contains("size=2"), "{next}");
    assert!(next.contains("sort=label,asc"), "{next}");

    let first = search_ok(app, "?page=0&size=2&sort=label,asc", &json!({})).await;
    assert_eq!(ids_of(&first), f.ids_at(&[2, 4]));
    assert!(!rels(&first).contains(&"prev".to_owned()));
    let last = search_ok(app, "?page=2&size=2&sort=label,asc", &json!({})).await;
    assert_eq!(ids_of(&last), f.ids_at(&[0]));
    assert!(!rels(&last).contains(&"next".to_owned()));

    let descending = search_ok(app, "?sort=label,desc", &json!({})).await;
    assert_eq!(ids_of(&descending), f.ids_at(&[0, 3, 1, 4, 2]));
    let by_owner = search_ok(app, "?sort=owner,asc&sort=label,desc", &json!({})).await;
    assert_eq!(ids_of(&by_owner), f.ids_at(&[0, 1, 3, 2, 4]));
    let oldest_first = search_ok(app, "?sort=creationDate,asc", &json!({})).await;
    assert_eq!(ids_of(&oldest_first), f.ids);

    // Paging applies after the filters.
    let done = json!({"statuses": {"values": ["DONE"], "mode": "INCLUDE"}});
    let filtered = search_ok(app, "?page=0&size=1&sort=label,asc", &done).await;
    assert_eq!(
        filtered["metadata"],
        json!({"size": 1, "totalElements": 2, "totalPages": 2, "number": 0})
    );
    assert_eq!(ids_of(&filtered), f.ids_at(&[2]));

    let beyond = search_ok(app, "?page=5&size=2", &json!({})).await;
    assert_eq!(ids_of(&beyond), Vec::<i64>::new());
    assert_eq!(beyond["metadata"]["totalElements"], 5);

    let response = search(app, &exploit(app), "?sort=nope,asc", &json!({})).await;
    assert_eq!(response.status(), 400, "unknown sort property");
    assert!(!messages(response).await.is_empty());
}

/// Malformed status restrictions of the search and CSV bodies.
fn malformed_statuses() -> Vec<Value> {
    vec![
        json!({"statuses": {"mode": "INCLUDE"}}),
        json!({"statuses": {"values": ["NOPE"], "mode": "INCLUDE"}}),
        json!({"statuses": {"values": ["DONE"], "mode": "SOMETIMES"}}),
        json!({"statuses": {"values": ["DONE"]}}),
    ]
}

async fn search_rejects_bad_sorts_and_malformed_statuses(app: TestApp) {
    let token = exploit(&app);
    for body in malformed_statuses() {
        let response = search(&app, &token, "", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert!(!messages(response).await.is_empty(), "{body}");
    }
    let response = search(&app, &token, "?sort=nope,asc", &json!({})).await;
    assert_eq!(response.status(), 400);
    let response = search(&app, &token, "?page=minus-one", &json!({})).await;
    assert_eq!(response.status(), 400);
    let response = search(
        &app,
        &token,
        "",
        &json!({"creationDate": {"after": "not a date"}}),
    )
    .await;
    assert_eq!(response.status(), 400, "unreadable date");
    // Nothing to find is no error.
    let page = search_ok(&app, "", &json!({})).await;
    assert_eq!(
        page["metadata"],
        json!({"size": 10, "totalElements": 0, "totalPages": 0, "number": 0})
    );
}

/// The CSV header line.
const HEADER: &str = "ORDER_ID;CREATION_DATE;EXPIRATION_DATE;OWNER;STATUS;STATUS_DATE;\
                      PERCENT_COMPLETE;FILES_IN_ERROR;FILES_SIZE;FILES_COUNT";

async fn csv(app: &TestApp, token: &str, accept: Option<&str>, body: &Value) -> Response {
    let mut request = app.post("/orders/csv", token).json(body);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    request.send().await.expect("request")
}

/// The CSV line an order should have, from its JSON.
fn expected_line(order: &Value) -> String {
    let tasks = order["datasetTasks"].as_array().expect("dataset tasks");
    let sum = |field: &str| -> i64 {
        tasks
            .iter()
            .map(|t| t[field].as_i64().expect("task counter"))
            .sum()
    };
    let text = |field: &str| order[field].as_str().expect("text field").to_owned();
    format!(
        "{};{};{};{};{};{};{};{};{};{}",
        order["id"],
        text("creationDate"),
        order["expirationDate"].as_str().unwrap_or_default(),
        text("owner"),
        text("status"),
        text("statusDate"),
        order["percentCompleted"],
        order["filesInErrorCount"],
        sum("filesSize"),
        sum("filesCount"),
    )
}

/// The CSV export of `body` with the search's view of the same orders, read when both agree
/// in time (the search before and after the export answer the same).
async fn csv_with_orders(app: &TestApp, body: &Value) -> (String, Vec<Value>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let before = contents(&search_ok(app, "?size=100&sort=id,asc", body).await);
        let response = csv(app, &exploit(app), Some("text/csv"), body).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("body");
        let after = contents(&search_ok(app, "?size=100&sort=id,asc", body).await);
        if before == after {
            return (text, after);
        }
        assert!(std::time::Instant::now() < deadline, "orders kept changing");
    }
}

async fn csv_lists_the_matching_orders_by_id(app: TestApp) {
    let f = fixture(app).await;
    let app = &f.app;
    let response = csv(app, &exploit(app), Some("text/csv"), &json!({})).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        header("content-type").starts_with("text/csv"),
        "{}",
        header("content-type")
    );
    assert_eq!(
        header("content-disposition"),
        "attachment;filename=orders.csv"
    );

    let (text, orders) = csv_with_orders(app, &json!({})).await;
    assert!(text.ends_with('\n'), "{text:?}");
    assert!(!text.contains('\r'), "{text:?}");
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 1 + ORDERS.len(), "{text}");
    let ids: Vec<i64> = lines[1..]
        .iter()
        .map(|l| {
            l.split(';')
                .next()
                .expect("id")
                .parse()
                .expect("numeric id")
        })
        .collect();
    let mut ascending = f.ids.clone();
    ascending.sort_unstable();
    assert_eq!(ids, ascending, "one line per order, by id");
    assert_eq!(orders.len(), ORDERS.len());
    for (line, order) in lines[1..].iter().zip(&orders) {
        assert_eq!(line.split(';').count(), 10, "{line}");
        assert_eq!(*line, expected_line(order));
    }
    // The DONE orders have their two files of 100 bytes counted.
    let done_line = lines[1..]
        .iter()
        .find(|l| l.starts_with(&format!("{};", f.ids[0])))
        .expect("line of the first order");
    assert!(done_line.ends_with(";100;0;200;2"), "{done_line}");
    assert!(
        done_line.contains(&format!(";{ALICE};DONE;")),
        "{done_line}"
    );

    // Filters apply.
    let done = json!({"statuses": {"values": ["DONE"], "mode": "INCLUDE"}});
    let (text, orders) = csv_with_orders(app, &done).await;
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert_eq!(lines[0], HEADER);
    let mut expected_ids = f.ids_at(&[0, 2]);
    expected_ids.sort_unstable();
    let listed: Vec<i64> = orders
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed, expected_ids);
    let expected: Vec<String> = orders.iter().map(expected_line).collect();
    assert_eq!(lines[1..].to_vec(), expected);
    let (text, _) = csv_with_orders(app, &json!({"owner": "nobody"})).await;
    assert_eq!(text, format!("{HEADER}\n"), "the header alone");
}

/// A POST without any Accept header (reqwest always sends one): answers the status line.
async fn post_without_accept(app: &TestApp, path: &str, token: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

async fn csv_negotiation_validation_and_roles(app: TestApp) {
    let token = exploit(&app);
    let refused = csv(&app, &token, Some("application/json"), &json!({})).await;
    assert_eq!(refused.status(), 406, "JSON only is not acceptable");
    for accept in [
        "text/csv",
        "*/*",
        "text/*",
        "application/json, text/csv;q=0.5",
    ] {
        let response = csv(&app, &token, Some(accept), &json!({})).await;
        assert_eq!(response.status(), 200, "Accept: {accept}");
        assert_eq!(response.text().await.expect("body"), format!("{HEADER}\n"));
    }
    let status_line = post_without_accept(&app, "/orders/csv", &token, "{}").await;
    assert!(
        status_line.starts_with("HTTP/1.1 200"),
        "no Accept header: {status_line}"
    );
    for body in malformed_statuses() {
        let response = csv(&app, &token, Some("text/csv"), &body).await;
        assert_eq!(response.status(), 422, "{body}");
        assert!(!messages(response).await.is_empty(), "{body}");
    }
    let user = csv(&app, &app.user(ALICE), Some("text/csv"), &json!({})).await;
    assert_eq!(user.status(), 403, "REGISTERED_USER is below EXPLOIT");
    let admin = csv(&app, &app.admin(), Some("text/csv"), &json!({})).await;
    assert_eq!(admin.status(), 200);
}
