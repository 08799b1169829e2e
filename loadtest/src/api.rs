//! The service's HTTP API as the harness uses it.

use anyhow::{Result, anyhow, bail};
use regards_order::auth::{Role, TokenCodec};
use regards_order::config::{DEV_JWT_SECRET, Secret};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub const TENANT: &str = "load";

/// A client of one running service.
#[derive(Clone)]
pub struct Api {
    pub client: Client,
    pub base: String,
    tokens: TokenCodec,
}

/// An order and the token of its owner.
#[derive(Debug, Clone)]
pub struct OrderRef {
    pub id: i64,
    pub token: String,
}

impl Api {
    pub fn new(base: &str) -> Result<Self> {
        let client = Client::builder()
            .pool_max_idle_per_host(256)
            // The service closes idle keep-alive connections after 5 s: never reuse one it
            // may be closing.
            .pool_idle_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(600))
            .build()?;
        Ok(Self {
            client,
            base: base.to_owned(),
            tokens: TokenCodec::new(&Secret::new(DEV_JWT_SECRET)),
        })
    }

    pub fn token(&self, email: &str, role: Role) -> Result<String> {
        self.token_in(TENANT, email, role)
    }

    /// A token of another tenant.
    pub fn token_in(&self, tenant: &str, email: &str, role: Role) -> Result<String> {
        Ok(self
            .tokens
            .issue(tenant, email, role, chrono::Duration::hours(12))?)
    }

    pub fn user_token(&self, user: &str) -> Result<String> {
        self.token(&format!("{user}@load.test"), Role::RegisteredUser)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends, returns the status and the body parsed as JSON (Null when not JSON).
    pub async fn send(&self, request: RequestBuilder) -> Result<(u16, Value)> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    pub fn json(&self, request: RequestBuilder, body: &Value) -> Result<RequestBuilder> {
        Ok(request
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body)?))
    }

    /// Imports a STAC ItemCollection (ADMIN).
    pub async fn import(&self, collection: &Value) -> Result<()> {
        let admin = self.token("admin@load.test", Role::Admin)?;
        let body = serde_json::to_vec(collection)?;
        let (status, answer) = self
            .send(
                self.client
                    .post(self.url("/catalog/import"))
                    .bearer_auth(admin)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .await?;
        if status != 200 {
            bail!("catalogue import: {status} {answer}");
        }
        Ok(())
    }

    /// Adds a selection to the user's basket.
    pub async fn select(&self, token: &str, selection: &Value) -> Result<()> {
        let request = self
            .client
            .post(self.url("/order/basket/selection"))
            .bearer_auth(token);
        let (status, body) = self.send(self.json(request, selection)?).await?;
        if status != 200 {
            bail!("selection {selection}: {status} {body}");
        }
        Ok(())
    }

    /// Selects the catalogue objects whose `owner` property is `user`.
    pub async fn select_owner(&self, token: &str, user: &str) -> Result<()> {
        self.select(
            token,
            &json!({"engineType": "legacy", "searchParameters": {"q": [format!("owner:{user}")]}}),
        )
        .await
    }

    /// Selects catalogue objects by URN.
    pub async fn select_ids(&self, token: &str, urns: &[String]) -> Result<()> {
        self.select(
            token,
            &json!({"engineType": "legacy", "entityIdsToInclude": urns}),
        )
        .await
    }

    /// Turns the basket into an order; gives its id.
    pub async fn create_order(&self, token: &str, label: &str) -> Result<i64> {
        let request = self
            .client
            .post(self.url("/user/orders"))
            .bearer_auth(token);
        let (status, body) = self
            .send(self.json(request, &json!({ "label": label }))?)
            .await?;
        if status != 201 {
            bail!("order creation: {status} {body}");
        }
        body["content"]["id"]
            .as_i64()
            .ok_or_else(|| anyhow!("no order id in {body}"))
    }

    pub async fn order(&self, order: &OrderRef) -> Result<Value> {
        let (status, body) = self
            .send(
                self.client
                    .get(self.url(&format!("/user/orders/{}", order.id)))
                    .bearer_auth(&order.token),
            )
            .await?;
        if status != 200 {
            bail!("order {}: {status} {body}", order.id);
        }
        Ok(body["content"].clone())
    }

    /// Polls every order until `done(order)` holds for all of them, within `timeout`.
    /// Gives the instant each one first satisfied it.
    pub async fn wait_all(
        &self,
        orders: &[OrderRef],
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Vec<Instant>> {
        let deadline = Instant::now() + timeout;
        let mut reached: Vec<Option<Instant>> = vec![None; orders.len()];
        loop {
            let mut missing = 0;
            let mut example = Value::Null;
            for (i, order) in orders.iter().enumerate() {
                if reached[i].is_some() {
                    continue;
                }
                let o = self.order(order).await?;
                if done(&o) {
                    reached[i] = Some(Instant::now());
                } else {
                    missing += 1;
                    example = o;
                }
            }
            if missing == 0 {
                return Ok(reached.into_iter().flatten().collect());
            }
            if Instant::now() > deadline {
                bail!(
                    "{missing} of {} orders not there after {timeout:?}; e.g. {}",
                    orders.len(),
                    summary(&example)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `/ready` answers 200.
    pub async fn ready(&self) -> bool {
        matches!(
            self.client.get(self.url("/ready")).send().await,
            Ok(r) if r.status().as_u16() == 200
        )
    }
}

/// The persistence actors' figures of `GET /admin/actors`, summed over the writers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Persistence {
    /// Transactions committed since start.
    pub batches: u64,
    /// Transactions that failed since start.
    pub failures: u64,
    /// The most failures in a row of one writer (0 once every writer's last attempt committed).
    pub consecutive_failures: u64,
    /// Changes waiting for a transaction.
    pub queued: u64,
    /// The longest wait of a writer before its next attempt, in ms.
    pub retry_in_ms: u64,
}

impl Persistence {
    fn of(writers: &[Value]) -> Self {
        let field = |w: &Value, name: &str| w[name].as_u64().unwrap_or(0);
        let mut sum = Self::default();
        for w in writers {
            sum.batches += field(w, "batches");
            sum.failures += field(w, "failures");
            sum.queued += field(w, "queueLength");
            sum.consecutive_failures = sum
                .consecutive_failures
                .max(field(w, "consecutiveFailures"));
            sum.retry_in_ms = sum.retry_in_ms.max(field(w, "retryInMillis"));
        }
        sum
    }
}

impl Api {
    /// The persistence actors' figures (ADMIN).
    pub async fn persistence(&self) -> Result<Persistence> {
        let admin = self.token("admin@load.test", Role::Admin)?;
        let request = self
            .client
            .get(self.url("/admin/actors"))
            .bearer_auth(admin);
        let (status, body) = self.send(request).await?;
        let Some(writers) = body["persistence"].as_array().filter(|_| status == 200) else {
            bail!("/admin/actors: {status} {body}");
        };
        Ok(Persistence::of(writers))
    }
}

/// The status fields of an order, for messages.
pub fn summary(order: &Value) -> String {
    format!(
        "order {} {} {}% available {} errors {}",
        order["id"],
        order["status"],
        order["percentCompleted"],
        order["availableFilesCount"],
        order["filesInErrorCount"]
    )
}

pub fn status_is(order: &Value, statuses: &[&str]) -> bool {
    order["status"]
        .as_str()
        .is_some_and(|s| statuses.contains(&s))
}
