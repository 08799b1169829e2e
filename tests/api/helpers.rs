//! `spawn_app` and `TestApp`: one method per endpoint so that tests read arrange / act / assert.

use regards_order::auth::{OrderTokenCodec, Role, TokenCodec};
use regards_order::config::Settings;
use regards_order::startup::Application;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

/// Tenant of every test.
pub const TENANT: &str = "project1";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running service with its own database.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub tokens: TokenCodec,
    pub dir: TempDir,
    pub backend: Backend,
    /// The database of this test, for the CLI tests.
    pub database_url: String,
    /// The service's insides, for what no endpoint shows.
    pub state: Internals,
    pg_database: Option<(String, String)>,
}

/// What a test reaches behind the service's endpoints.
pub struct Internals {
    pub store: std::sync::Arc<dyn regards_order_actors::ports::Store>,
    pub engine: regards_order_actors::engine::Engine,
    /// Issues order tokens as the service signs them.
    pub order_tokens: OrderTokenCodec,
    /// The reminders of waiting files (with `[smtp]` only), run when a test says.
    pub reminders: Option<std::sync::Arc<regards_order::mail::Reminders>>,
}

/// Generates one test per backend for each named `async fn(TestApp)` of the calling module.
/// The Postgres variant runs when `TEST_DATABASE_URL` is set and says it is skipped otherwise.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await;
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if $crate::helpers::postgres_url().is_none() {
                        eprintln!("TEST_DATABASE_URL is not set: Postgres variant skipped");
                        return;
                    }
                    let app =
                        $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await;
                    super::$name(app).await;
                }
            )*
        }
    };
}

/// An HTTP client that never reuses a connection the service may be closing: the service
/// closes idle keep-alive connections after 5 s, so the client drops them after 1 s.
pub fn client() -> Client {
    Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .expect("HTTP client")
}

/// The Postgres server tests create their databases on.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Starts the service on port 0 with a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_, _| {}).await
}

/// Same, with settings changed by `configure` (storages, limits…).
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings, &std::path::Path),
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        regards_order::telemetry::init_logs(regards_order::config::LogFormat::Text);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("default settings");
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = dir.path().join("data");
    let mut pg_database = None;
    settings.database_url = Some(match backend {
        Backend::Sqlite => format!("sqlite://{}/test.db", dir.path().display()),
        Backend::Postgres => {
            let (server, name) = create_pg_database().await;
            let url = with_database(&server, &name);
            pg_database = Some((server, name));
            url
        }
    });
    configure(&mut settings, dir.path());
    let database_url = settings.effective_database_url();
    let tokens = TokenCodec::new(&settings.auth.jwt_secret);
    let order_tokens = OrderTokenCodec::new(&settings.auth.order_secret);
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://{}", app.address());
    let state = Internals {
        store: app.store(),
        engine: app.engine(),
        order_tokens,
        reminders: app.reminders(),
    };
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: client(),
        tokens,
        dir,
        backend,
        database_url,
        state,
        pg_database,
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let slash = base
        .rfind('/')
        .expect("a database path in TEST_DATABASE_URL");
    let mut out = format!("{}/{name}", &base[..slash]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates an empty Postgres database on the test server; answers (server URL, name).
pub async fn create_pg_database() -> (String, String) {
    use sqlx::Connection;
    let server = postgres_url().expect("TEST_DATABASE_URL");
    let name = format!("regards_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&server)
        .await
        .expect("Postgres reachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    (server, name)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Drop the test database from a thread of its own: Drop cannot await.
        if let Some((server, name)) = self.pg_database.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut conn)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestApp {
    /// A bearer token of tenant `TENANT`.
    pub fn token(&self, email: &str, role: Role) -> String {
        self.token_for(TENANT, email, role)
    }

    /// A bearer token of another tenant.
    pub fn token_for(&self, tenant: &str, email: &str, role: Role) -> String {
        self.tokens
            .issue(tenant, email, role, chrono::Duration::hours(1))
            .expect("token")
    }

    /// A registered user's token.
    pub fn user(&self, email: &str) -> String {
        self.token(email, Role::RegisteredUser)
    }

    /// An admin's token.
    pub fn admin(&self) -> String {
        self.token("admin@regards.fr", Role::Admin)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str, token: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(token)
    }

    pub fn put(&self, path: &str, token: &str) -> RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(token)
    }

    pub fn delete(&self, path: &str, token: &str) -> RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(token)
    }

    /// Imports a STAC document over HTTP as admin; panics unless it answers 200.
    pub async fn import(&self, stac: &Value) -> Value {
        let response = self
            .post("/catalog/import", &self.admin())
            .json(stac)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "import refused");
        response.json().await.expect("json report")
    }

    pub async fn get_basket(&self, token: &str) -> Response {
        self.get("/order/basket", token)
            .send()
            .await
            .expect("request")
    }

    pub async fn select(&self, token: &str, selection: &Value) -> Response {
        self.post("/order/basket/selection", token)
            .json(selection)
            .send()
            .await
            .expect("request")
    }

    pub async fn upload(&self, token: &str, text: &str) -> Response {
        let part = reqwest::multipart::Part::text(text.to_owned()).file_name("ids.txt");
        let form = reqwest::multipart::Form::new().part("file", part);
        self.post("/order/basket/selection/upload", token)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Selects `q` in the caller's basket (panics unless 200).
    pub async fn select_q(&self, token: &str, q: &str) {
        let selection = serde_json::json!({"engineType": "legacy", "searchParameters": {"q": [q]}});
        let response = self.select(token, &selection).await;
        assert_eq!(response.status(), 200, "selection of {q}");
    }

    pub async fn create_order(&self, token: &str, label: Option<&str>) -> Response {
        let body = match label {
            Some(l) => serde_json::json!({"label": l}),
            None => serde_json::json!({}),
        };
        self.post("/user/orders", token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Selects `q` and orders it; answers the new order's id.
    pub async fn order_of(&self, token: &str, q: &str) -> i64 {
        self.select_q(token, q).await;
        // Generated labels collide within a second (as in the original): name each order.
        let label = format!("order {}", uuid::Uuid::new_v4().simple());
        let response = self.create_order(token, Some(&label[..30])).await;
        assert_eq!(response.status(), 201, "order creation");
        json(response).await["content"]["id"]
            .as_i64()
            .expect("order id")
    }

    pub async fn get_order(&self, token: &str, id: i64) -> Response {
        self.get(&format!("/user/orders/{id}"), token)
            .send()
            .await
            .expect("request")
    }

    /// The order's content (panics unless 200).
    pub async fn order(&self, token: &str, id: i64) -> Value {
        let response = self.get_order(token, id).await;
        assert_eq!(response.status(), 200, "order {id}");
        json(response).await["content"].clone()
    }

    /// Polls the order until `done` holds (10 s at most); answers its content.
    pub async fn wait_order(
        &self,
        token: &str,
        id: i64,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let order = self.order(token, id).await;
            if done(&order) {
                return order;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "order {id} never got {what}: {order}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// Waits for the order's status.
    pub async fn wait_status(&self, token: &str, id: i64, status: &str) -> Value {
        self.wait_order(token, id, status, |o| o["status"] == status)
            .await
    }

    /// PUT/DELETE/POST on a lifecycle path; answers the status and the messages.
    pub async fn lifecycle(&self, method: &str, path: &str, token: &str) -> (u16, Vec<String>) {
        let request = match method {
            "PUT" => self.put(path, token),
            "DELETE" => self.delete(path, token),
            _ => self.post(path, token).json(&serde_json::json!({})),
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let messages = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["messages"].as_array().cloned())
            .map(|m| {
                m.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        (status, messages)
    }

    /// Where test files go.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs the `regards-order` binary on this test's database; returns (success, stdout, stderr).
pub async fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    cli_with(app, args, &[]).await
}

/// Same as `cli`, with extra environment variables. The process is waited for on a blocking
/// thread: the test's thread also runs the service's actors, and blocking it while one of them
/// holds SQLite's write lock would keep the command waiting for that lock until it gives up.
pub async fn cli_with(
    app: &TestApp,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_regards-order"));
    command
        .args(args)
        .env("REGARDS_ORDER_DATABASE_URL", &app.database_url)
        .env("REGARDS_ORDER_DATA_DIR", app.dir.path().join("data"))
        .env_remove("REGARDS_ORDER_CONFIG")
        .envs(env.iter().copied());
    let output = actix_web::rt::task::spawn_blocking(move || command.output())
        .await
        .expect("the command's thread")
        .expect("run regards-order");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The body of a response as JSON; panics on anything else.
pub async fn json(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
}

/// The `messages` of an error body.
pub async fn messages(response: Response) -> Vec<String> {
    let body = json(response).await;
    body["messages"]
        .as_array()
        .expect("messages array")
        .iter()
        .map(|m| m.as_str().expect("string message").to_owned())
        .collect()
}
