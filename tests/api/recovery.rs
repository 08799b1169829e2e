//! Crash safety: `kill -9` during retrievals, restart on the same database, and every order
//! completes with the right counts; an acknowledged pause survives the crash.

use crate::helpers::{Backend, create_pg_database, postgres_url, with_database};
use crate::process::ServiceProcess;
use regards_order::auth::{Role, TokenCodec};
use regards_order::config::{DEV_JWT_SECRET, Secret};
use reqwest::Client;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const TENANT: &str = "crash";
const FILES_PER_ORDER: usize = 8;

#[actix_web::test]
async fn sqlite_kill_during_retrieval_loses_nothing() {
    kill_during_retrieval(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_kill_during_retrieval_loses_nothing() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: Postgres variant skipped");
        return;
    }
    kill_during_retrieval(Backend::Postgres).await;
}

struct Harness {
    client: Client,
    tokens: TokenCodec,
}

impl Harness {
    fn token(&self, email: &str, role: Role) -> String {
        self.tokens
            .issue(TENANT, email, role, chrono::Duration::hours(1))
            .expect("token")
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn order(&self, base: &str, token: &str, id: i64) -> Value {
        let (status, body) = self
            .send(
                self.client
                    .get(format!("{base}/user/orders/{id}"))
                    .bearer_auth(token),
            )
            .await;
        assert_eq!(status, 200, "order {id}: {body}");
        body["content"].clone()
    }
}

/// A nearline archive: restores take 250 ms on 2 drives.
fn write_config(dir: &Path) -> std::path::PathBuf {
    let tape = dir.join("tape");
    std::fs::create_dir_all(&tape).expect("tape folder");
    let config = dir.join("regards-order.toml");
    let text = format!(
        "[[storages]]\nname = \"tape\"\nkind = \"local\"\nroot = \"{}\"\nnearline = true\n\
         restore_delay_ms = 250\ndrives = 2\n",
        tape.display()
    );
    std::fs::write(&config, text).expect("config");
    config
}

fn catalogue(dir: &Path, users: &[&str]) -> Value {
    let mut items = Vec::new();
    for user in users {
        for i in 0..FILES_PER_ORDER {
            let path = dir.join("tape").join(format!("{user}-{i}.dat"));
            std::fs::write(&path, format!("{user} {i}").repeat(10)).expect("file");
            items.push(json!({
                "type": "Feature", "id": format!("URN:{user}:{i}"), "collection": "DS",
                "properties": {"owner": user}, "geometry": null, "links": [],
                "assets": {"data": {"href": format!("file://{}", path.display()), "roles": ["data"],
                                    "file:size": std::fs::metadata(&path).expect("size").len()}}
            }));
        }
    }
    json!({"type": "FeatureCollection", "features": items})
}

async fn database(backend: Backend, dir: &Path) -> (String, Option<String>) {
    match backend {
        Backend::Sqlite => (format!("sqlite://{}/crash.db", dir.display()), None),
        Backend::Postgres => {
            let (server, name) = create_pg_database().await;
            (with_database(&server, &name), Some(name))
        }
    }
}

async fn kill_during_retrieval(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path());
    let (url, _pg_name) = database(backend, dir.path()).await;
    let h = Harness {
        client: Client::new(),
        tokens: TokenCodec::new(&Secret::new(DEV_JWT_SECRET)),
    };
    let users = ["alice", "bob", "carol"];
    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    let admin = h.token("admin@x", Role::Admin);
    let (status, _) = h
        .send(
            h.client
                .post(format!("{base}/catalog/import"))
                .bearer_auth(&admin)
                .json(&catalogue(dir.path(), &users)),
        )
        .await;
    assert_eq!(status, 200);
    let mut orders = Vec::new();
    for user in users {
        let token = h.token(&format!("{user}@x"), Role::RegisteredUser);
        let selection =
            json!({"engineType": "legacy", "searchParameters": {"q": [format!("owner:{user}")]}});
        let (status, _) = h
            .send(
                h.client
                    .post(format!("{base}/order/basket/selection"))
                    .bearer_auth(&token)
                    .json(&selection),
            )
            .await;
        assert_eq!(status, 200);
        let (status, body) = h
            .send(
                h.client
                    .post(format!("{base}/user/orders"))
                    .bearer_auth(&token)
                    .json(&json!({"label": "crash"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        orders.push((token, body["content"]["id"].as_i64().expect("id")));
    }
    // Let retrievals start, pause carol's order (acknowledged), then crash mid-way.
    let started = Instant::now();
    loop {
        let o = h.order(&base, &orders[0].0, orders[0].1).await;
        if o["availableFilesCount"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "retrieval never started: {o}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let (carol, carol_id) = orders[2].clone();
    let (status, _) = h
        .send(
            h.client
                .put(format!("{base}/user/orders/pause/{carol_id}"))
                .bearer_auth(&carol),
        )
        .await;
    assert_eq!(status, 200);
    let before = h.order(&base, &orders[0].0, orders[0].1).await;
    assert!(
        before["availableFilesCount"].as_i64().expect("count") < FILES_PER_ORDER as i64,
        "crash too late: {before}"
    );
    service.kill9();

    let service = ServiceProcess::start(&config, &url, dir.path());
    let base = service.address.clone();
    let paused = h.order(&base, &carol, carol_id).await;
    assert_eq!(
        paused["status"], "PAUSED",
        "an acknowledged pause survives kill -9"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = h
            .send(
                h.client
                    .put(format!("{base}/user/orders/resume/{carol_id}"))
                    .bearer_auth(&carol),
            )
            .await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "carol's order never resumable");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    for (token, id) in &orders {
        loop {
            let o = h.order(&base, token, *id).await;
            if o["status"] == "DONE" {
                assert_eq!(o["availableFilesCount"], FILES_PER_ORDER as i64, "{o}");
                assert_eq!(o["percentCompleted"], 100);
                assert_eq!(o["filesInErrorCount"], 0);
                assert_eq!(o["datasetTasks"][0]["filesCount"], FILES_PER_ORDER as i64);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "order {id} never finished after the restart: {o}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
    drop(service);
    if let Some(name) = _pg_name {
        drop_pg(&name).await;
    }
}

async fn drop_pg(name: &str) {
    use sqlx::Connection;
    if let Some(server) = postgres_url()
        && let Ok(mut conn) = sqlx::PgConnection::connect(&server).await
    {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await;
    }
}
