//! Keys and secrets: the service refuses keys anyone could use, and its logs hold no password
//! and no token.

use crate::backend_tests;
use crate::helpers::{TENANT, TestApp};
use crate::process::ServiceProcess;
use regards_order::auth::Role;
use regards_order::config::{Secret, Settings};
use regards_order::startup::Application;
use std::path::Path;
use std::time::{Duration, Instant};

backend_tests!(
    keys_are_checked_before_serving,
    logs_hold_no_password_nor_token
);

/// Settings of a second service on `app`'s database.
fn settings_of(app: &TestApp) -> Settings {
    let mut settings = Settings::load(None).expect("defaults");
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = app.dir.path().join("data");
    settings.database_url = Some(app.database_url.clone());
    settings
}

/// Why building a service with `settings` fails; panics if it starts.
async fn refusal(settings: Settings) -> String {
    match Application::build(settings).await {
        Ok(_) => panic!("the service started"),
        Err(e) => format!("{e:#}"),
    }
}

async fn keys_are_checked_before_serving(app: TestApp) {
    // `app` itself runs with the development keys on 127.0.0.1.
    let health = app.client.get(app.url("/health")).send().await;
    assert_eq!(health.expect("health").status(), 200);

    let mut same = settings_of(&app);
    same.auth.jwt_secret = Secret::new("one-production-key-for-both-kinds!!");
    same.auth.order_secret = same.auth.jwt_secret.clone();
    let text = refusal(same).await;
    assert!(text.contains("must differ"), "{text}");

    let mut exposed = settings_of(&app);
    exposed.bind = "0.0.0.0:0".into();
    let text = refusal(exposed).await;
    assert!(text.contains("development key"), "{text}");
    assert!(
        text.contains("REGARDS_ORDER_AUTH__JWT_SECRET") && text.contains("[auth]"),
        "the message says how to set the keys: {text}"
    );

    let mut production = settings_of(&app);
    production.bind = "0.0.0.0:0".into();
    production.auth.jwt_secret = Secret::new("a-production-bearer-key-of-32-bytes!");
    production.auth.order_secret = Secret::new("a-production-order-key-of-32-bytes!!");
    let started = Application::build(production).await;
    assert!(started.is_ok(), "{:?}", started.err());
}

/// `url` with `password` added to its user.
fn with_password(url: &str, password: &str) -> String {
    match url.split_once('@') {
        Some((user, rest)) if !user.trim_start_matches("postgres://").contains(':') => {
            format!("{user}:{password}@{rest}")
        }
        _ => url.to_owned(),
    }
}

/// A configuration with an http storage whose root holds credentials.
fn write_config(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("secrets.toml");
    let text = "[[storages]]\nname = \"web\"\nkind = \"http\"\n\
                root = \"http://reader:storage-pw-4242@127.0.0.1:9/pub/\"\n";
    std::fs::write(&config, text).expect("config");
    config
}

async fn logs_hold_no_password_nor_token(app: TestApp) {
    let database_url = with_password(&app.database_url, "db-pw-7373");
    let config = write_config(app.dir.path());
    // At debug level the service logs the most lines (every request is logged at info).
    let debug = [("RUST_LOG", "info,regards_order=debug")];
    let data_dir = app.dir.path().join("data");
    // Started on a blocking thread: this test's thread runs the in-process service on the same
    // database, whose write lock the new process waits for when it connects.
    let service = {
        let database_url = database_url.clone();
        actix_web::rt::task::spawn_blocking(move || {
            ServiceProcess::start_with(&config, &database_url, &data_dir, &debug)
        })
        .await
        .expect("the service starts")
    };
    let token = app.token("u@x.fr", Role::RegisteredUser);
    let target = format!("/orders/public/files/1?orderToken={token}&scope={TENANT}");
    let refused = app
        .client
        .get(format!("{}{target}", service.address))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let request_id = refused
        .headers()
        .get("x-request-id")
        .and_then(|id| id.to_str().ok())
        .expect("request id")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let logs = loop {
        let logs = service.logs().join("\n");
        if logs.contains(&request_id) || Instant::now() > deadline {
            break logs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(logs.contains(&request_id), "the request is logged: {logs}");
    assert!(logs.contains("orderToken=***"), "{logs}");
    assert!(logs.contains("reader:***@127.0.0.1:9"), "{logs}");
    for secret in [token.as_str(), "storage-pw-4242", "db-pw-7373"] {
        assert!(!logs.contains(secret), "{secret} is in the logs:\n{logs}");
    }
    drop(service);
}
