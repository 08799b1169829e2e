//! The authorisation matrix: every route the service registers, asked by every kind of
//! caller, answers as `authorization_table` says. The routes come from the service itself:
//! actix's own report of what `routes::configure` registers, which must also be exactly what
//! `/openapi.json` documents and what the table has rows for, so that a route added without
//! its row fails here.

use crate::archive::{online_root, tape_root};
use crate::authorization_table::{Body, CALLERS, Row, Target, rows};
use crate::backend_tests;
use crate::downloads::{add_files, archive_app, file_ids, order_files, settled};
use crate::helpers::{TENANT, TestApp, json};
use regards_order::auth::Role;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use std::collections::BTreeSet;

backend_tests!(every_route_answers_every_caller);

/// A route: method and path, each parameter written `{}`.
type RouteKey = (String, String);

/// `path` with every `{parameter}` written `{}` (actix and OpenAPI name them differently).
fn normalised(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_parameter = true;
                out.push_str("{}");
            }
            '}' => in_parameter = false,
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

/// Path of the report route added next to the service's routes.
const REPORT: &str = "/__routes";

/// What `routes::configure` registers, as actix itself reports it.
async fn registered_routes() -> BTreeSet<RouteKey> {
    use actix_web::introspection::IntrospectionTree;
    use actix_web::{App, HttpResponse, test, web};
    async fn report(tree: web::Data<IntrospectionTree>) -> HttpResponse {
        HttpResponse::Ok().body(tree.report_as_json())
    }
    let app = App::new()
        .configure(regards_order::routes::configure)
        .route(REPORT, web::get().to(report));
    let service = test::init_service(app).await;
    let request = test::TestRequest::get().uri(REPORT).to_request();
    let body = test::read_body(test::call_service(&service, request).await).await;
    let items: Vec<Value> = serde_json::from_slice(&body).expect("introspection report");
    let mut routes = BTreeSet::new();
    for item in items.iter().filter(|i| i["resource_type"] == "resource") {
        let path = item["full_path"].as_str().expect("full_path");
        // The web interface's static files are no part of the API: public, not in
        // /openapi.json, answered the same to every caller (tests/api/ui_assets.rs).
        if path == REPORT || path.starts_with("/ui") {
            continue;
        }
        let methods = item["methods"].as_array().expect("methods");
        assert!(!methods.is_empty(), "{path} answers any method: {item}");
        for method in methods {
            let method = method.as_str().expect("method").to_owned();
            routes.insert((method, normalised(path)));
        }
    }
    routes
}

/// What the running service's `/openapi.json` documents.
async fn documented_routes(app: &TestApp) -> BTreeSet<RouteKey> {
    let doc = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let operation = matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            );
            if operation {
                routes.insert((method.to_uppercase(), normalised(path)));
            }
        }
    }
    routes
}

/// Differences between two route sets, for a failure message.
fn differences(a: &BTreeSet<RouteKey>, b: &BTreeSet<RouteKey>) -> Vec<String> {
    a.difference(b).map(|(m, p)| format!("{m} {p}")).collect()
}

/// How a caller authenticates.
enum Auth {
    Nothing,
    Scope,
    Bearer(String),
    /// Anonymous, with `scope` and this `orderToken`.
    OrderToken(String),
}

/// What the matrix runs on: a DONE order of the owner with AVAILABLE files, a RUNNING one,
/// and the ids and tokens the rows need.
struct Fixture {
    done: i64,
    running: i64,
    file: i64,
    task: i64,
    suborder: i64,
    callers: Vec<Auth>,
}

const OWNER: &str = "owner@x.fr";

async fn fixture(app: &TestApp) -> Fixture {
    let dir = app.dir.path();
    add_files(app, &online_root(dir), "ready", 2, 100).await;
    add_files(app, &tape_root(dir), "tape", 1, 100).await;
    let owner = app.user(OWNER);
    let done = app.order_of(&owner, "group:ready").await;
    let order = settled(app, &owner, done, "DONE").await;
    let running = app.order_of(&owner, "group:tape").await;
    app.wait_status(&owner, running, "RUNNING").await;
    let files = order_files(app, &owner, done).await;
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let earlier = chrono::Utc::now() - chrono::Duration::hours(1);
    let order_token = |id, expires| {
        let codec = &app.state.order_tokens;
        codec
            .issue(TENANT, OWNER, Role::RegisteredUser, id, expires)
            .expect("order token")
    };
    let expired_bearer = app
        .tokens
        .issue(
            TENANT,
            OWNER,
            Role::RegisteredUser,
            chrono::Duration::hours(-1),
        )
        .expect("token");
    let callers = vec![
        Auth::Nothing,
        Auth::Scope,
        Auth::Bearer(owner.clone()),
        Auth::Bearer(app.user("other@x.fr")),
        Auth::Bearer(app.token("exploit@x.fr", Role::Exploit)),
        Auth::Bearer(app.admin()),
        Auth::Bearer(app.token_for("project2", "admin@x.fr", Role::Admin)),
        Auth::Bearer(app.token("root@x.fr", Role::InstanceAdmin)),
        Auth::OrderToken(order_token(done, later)),
        Auth::OrderToken(order_token(running, later)),
        Auth::Bearer(order_token(done, later)),
        Auth::Bearer(expired_bearer),
        Auth::OrderToken(order_token(done, earlier)),
    ];
    assert_eq!(callers.len(), CALLERS.len());
    Fixture {
        done,
        running,
        file: file_ids(app, &owner, done).await["ready-0.dat"],
        task: order["datasetTasks"][0]["id"].as_i64().expect("task id"),
        suborder: files[0]["filesTaskId"].as_i64().expect("sub-order id"),
        callers,
    }
}

/// The row's path with the fixture's ids, or with `x` for every parameter (`malformed`).
fn path_of(row: &Row, f: &Fixture, malformed: bool) -> String {
    if malformed {
        return normalised(row.path).replace("{}", "x");
    }
    let order = match row.target {
        Target::Done => f.done,
        Target::Running => f.running,
    };
    row.path
        .replace("{orderId}", &order.to_string())
        .replace("{dataFileId}", &f.file.to_string())
        .replace("{datasetId}", &f.task.to_string())
        .replace("{filesTaskId}", &f.suborder.to_string())
        .replace("{datasetSelectionId}", "1")
        .replace("{itemsSelectionDate}", "2024-01-01T00%3A00%3A00Z")
        .replace("{name}", "app_sub_order_duration")
        .replace("{id}", "999999")
}

/// The row's request by `auth`; `malformed`: with unparsable parameters and body.
fn request(app: &TestApp, row: &Row, f: &Fixture, auth: &Auth, malformed: bool) -> RequestBuilder {
    let method = Method::from_bytes(row.method.as_bytes()).expect("method");
    let path = path_of(row, f, malformed);
    // Tokens are JWTs: base64url and dots, nothing to escape in a query.
    let url = match auth {
        Auth::Scope => app.url(&format!("{path}?scope={TENANT}")),
        Auth::OrderToken(token) => app.url(&format!("{path}?scope={TENANT}&orderToken={token}")),
        Auth::Nothing | Auth::Bearer(_) => app.url(&path),
    };
    let mut request = app.client.request(method, url);
    if let Auth::Bearer(token) = auth {
        request = request.bearer_auth(token);
    }
    for (name, value) in row.headers {
        request = request.header(*name, *value);
    }
    if malformed {
        let content_type = match row.body {
            Body::Upload(_) => "multipart/form-data",
            _ => "application/json",
        };
        return request.header("content-type", content_type).body("{");
    }
    match &row.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Upload(text) => {
            let part = reqwest::multipart::Part::text(*text).file_name("ids.txt");
            request.multipart(reqwest::multipart::Form::new().part("file", part))
        }
    }
}

/// The answer as a table cell: the status, or `deny` / `state` for the 401s of lifecycle
/// actions (the body is read whole, so that streams end and give their slot back).
async fn cell(response: Response) -> String {
    let status = response.status().as_u16();
    let live = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if live {
        // An event stream never ends: dropping the answer closes it.
        return status.to_string();
    }
    let body = response.bytes().await.expect("body");
    if status == 401 {
        let messages = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["messages"].as_array().cloned())
            .unwrap_or_default();
        if let [Value::String(code)] = messages.as_slice() {
            if code == "USER_NOT_ALLOWED_TO_MANAGE_ORDER" {
                return "deny".into();
            }
            if code.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                return "state".into();
            }
        }
    }
    status.to_string()
}

async fn every_route_answers_every_caller(app: TestApp) {
    let app = archive_app(app, 600_000, 1).await;
    let registered = registered_routes().await;
    let documented = documented_routes(&app).await;
    assert!(registered.len() > 30, "{registered:?}");
    assert_eq!(
        (
            differences(&registered, &documented),
            differences(&documented, &registered)
        ),
        (Vec::new(), Vec::new()),
        "(registered but not in /openapi.json, documented but not registered)"
    );
    let table = rows();
    let tabled: BTreeSet<RouteKey> = table
        .iter()
        .map(|r| (r.method.to_owned(), normalised(r.path)))
        .collect();
    assert_eq!(tabled.len(), table.len(), "a route has two rows");
    assert_eq!(
        (
            differences(&registered, &tabled),
            differences(&tabled, &registered)
        ),
        (Vec::new(), Vec::new()),
        "(routes without a row in authorization_table, rows of no route)"
    );

    let f = fixture(&app).await;
    let mut wrong = Vec::new();
    for row in &table {
        let expected: Vec<&str> = row.expected.split_whitespace().collect();
        assert_eq!(expected.len(), CALLERS.len(), "{} {}", row.method, row.path);
        for ((caller, auth), want) in CALLERS.iter().zip(&f.callers).zip(&expected) {
            let response = request(&app, row, &f, auth, false)
                .send()
                .await
                .expect("request");
            let got = cell(response).await;
            if got != *want {
                wrong.push(format!(
                    "{} {} by {caller}: expected {want}, got {got}",
                    row.method, row.path
                ));
            }
        }
    }
    wrong.extend(refusals_come_first(&app, &table, &f).await);
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Callers that own nothing: whatever refuses them (authentication, role) is about them.
const ANONYMOUS_OR_INVALID: [usize; 4] = [0, 1, 10, 11];

/// A caller refused (401, 403) by his token or role is refused the same way when the rest
/// of the request is malformed: authorisation comes before the request is read, as the
/// original's security filter runs before the body is parsed. Answers the wrong answers.
async fn refusals_come_first(app: &TestApp, table: &[Row], f: &Fixture) -> Vec<String> {
    let mut wrong = Vec::new();
    for row in table {
        let expected: Vec<&str> = row.expected.split_whitespace().collect();
        for index in ANONYMOUS_OR_INVALID {
            let want = expected[index];
            if !matches!(want, "401" | "403") {
                continue;
            }
            let response = request(app, row, f, &f.callers[index], true)
                .send()
                .await
                .expect("request");
            let got = cell(response).await;
            if got != want {
                wrong.push(format!(
                    "{} {} malformed, by {}: expected {want}, got {got}",
                    row.method, row.path, CALLERS[index]
                ));
            }
        }
    }
    wrong
}
