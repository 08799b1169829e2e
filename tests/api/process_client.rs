//! A client of a service process (see `process.rs`): tokens, requests, and the scenario the
//! crash and outage tests share — a nearline archive, one order per user.

use regards_order::auth::{Role, TokenCodec};
use regards_order::config::{DEV_JWT_SECRET, Secret};
use reqwest::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Tenant of the process tests.
pub const TENANT: &str = "crash";

/// Talks to a service process.
pub struct Harness {
    pub client: Client,
    tokens: TokenCodec,
}

impl Harness {
    /// A client signing tokens with the development key the processes run with.
    pub fn new() -> Self {
        Self {
            client: crate::helpers::client(),
            tokens: TokenCodec::new(&Secret::new(DEV_JWT_SECRET)),
        }
    }

    /// A bearer token of the test tenant.
    pub fn token(&self, email: &str, role: Role) -> String {
        self.tokens
            .issue(TENANT, email, role, chrono::Duration::hours(1))
            .expect("token")
    }

    /// Sends a request: status and JSON body (Null when not JSON).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `GET /user/orders/{id}` content (asserts 200).
    pub async fn order(&self, base: &str, token: &str, id: i64) -> Value {
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

    /// Imports `catalogue` as an admin (asserts 200).
    pub async fn import(&self, base: &str, catalogue: &Value) {
        let admin = self.token("admin@x", Role::Admin);
        let (status, body) = self
            .send(
                self.client
                    .post(format!("{base}/catalog/import"))
                    .bearer_auth(&admin)
                    .json(catalogue),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Selects every file of `user` (`owner:<user>`) in the basket of `token`.
    pub async fn select_owner(&self, base: &str, token: &str, user: &str) {
        let q = format!("owner:{user}");
        let selection = json!({"engineType": "legacy", "searchParameters": {"q": [q]}});
        let (status, body) = self
            .send(
                self.client
                    .post(format!("{base}/order/basket/selection"))
                    .bearer_auth(token)
                    .json(&selection),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Orders every file of each user (`owner:<user>`): (token, order id) per user.
    pub async fn order_per_user(&self, base: &str, users: &[&str]) -> Vec<(String, i64)> {
        let mut orders = Vec::new();
        for user in users {
            let token = self.token(&format!("{user}@x"), Role::RegisteredUser);
            self.select_owner(base, &token, user).await;
            let (status, body) = self
                .send(
                    self.client
                        .post(format!("{base}/user/orders"))
                        .bearer_auth(&token)
                        .json(&json!({"label": format!("{user}'s order")})),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            orders.push((token, body["content"]["id"].as_i64().expect("id")));
        }
        orders
    }

    /// Waits until the order is DONE; answers it.
    pub async fn wait_done(&self, base: &str, token: &str, id: i64, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let o = self.order(base, token, id).await;
            if o["status"] == "DONE" {
                return o;
            }
            assert!(Instant::now() < deadline, "order {id} never finished: {o}");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A configuration with a nearline archive under `dir/tape` (restores of `delay_ms` on
/// `drives` drives) and `extra` TOML lines; answers its path.
pub fn write_config(dir: &Path, delay_ms: u64, drives: u32, extra: &str) -> PathBuf {
    let tape = dir.join("tape");
    std::fs::create_dir_all(&tape).expect("tape folder");
    let config = dir.join("regards-order.toml");
    let text = format!(
        "{extra}\n[[storages]]\nname = \"tape\"\nkind = \"local\"\nroot = \"{}\"\n\
         nearline = true\nrestore_delay_ms = {delay_ms}\ndrives = {drives}\n",
        tape.display()
    );
    std::fs::write(&config, text).expect("config");
    config
}

/// `files` items per user on the tape (property `owner` = the user), as an ItemCollection.
pub fn catalogue(dir: &Path, users: &[&str], files: usize) -> Value {
    let mut items = Vec::new();
    for user in users {
        for i in 0..files {
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
