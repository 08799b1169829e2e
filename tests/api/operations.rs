//! Operator interface: health, readiness, metrics, OpenAPI, request ids, CLI commands.

use crate::backend_tests;
use crate::helpers::{TENANT, TestApp, cli, cli_with, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

backend_tests!(
    health_and_ready_need_no_token,
    metrics_count_requests_by_route_and_status,
    every_response_carries_a_request_id,
    unknown_endpoints_are_json_404,
    openapi_lists_every_endpoint,
    cli_token_is_accepted_by_the_service,
    migrate_is_idempotent,
    configuration_layers_file_then_environment,
);

async fn health_and_ready_need_no_token(app: TestApp) {
    let health = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
    let ready = json(
        app.client
            .get(app.url("/ready"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(ready["status"], "UP");
    let expected = match app.backend {
        crate::helpers::Backend::Sqlite => "sqlite",
        crate::helpers::Backend::Postgres => "postgres",
    };
    assert_eq!(ready["database"], expected);
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    let token = app.user("u@x.fr");
    app.get_basket(&token).await;
    app.get_basket(&token).await;
    app.client
        .get(app.url("/order/basket"))
        .send()
        .await
        .expect("request");
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(
            "http_requests_total{method=\"GET\",route=\"/order/basket\",status=\"204\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"/order/basket\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let a = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("request");
    let b = app
        .client
        .get(app.url("/nowhere"))
        .send()
        .await
        .expect("request");
    let id_a = a.headers().get("x-request-id").expect("request id").clone();
    let id_b = b.headers().get("x-request-id").expect("request id").clone();
    assert_ne!(id_a, id_b);
}

async fn unknown_endpoints_are_json_404(app: TestApp) {
    let response = app
        .client
        .get(app.url("/nowhere"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    assert_eq!(json(response).await["messages"][0], "No such endpoint");
}

async fn openapi_lists_every_endpoint(app: TestApp) {
    let doc = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/order/basket", "get"),
        ("/order/basket", "delete"),
        ("/order/basket/selection", "post"),
        ("/order/basket/selection/upload", "post"),
        ("/order/basket/dataset/{datasetSelectionId}", "delete"),
        (
            "/order/basket/dataset/{datasetSelectionId}/{itemsSelectionDate}",
            "delete",
        ),
        (
            "/order/basket/dataset/{datasetSelectionId}/updateProcessing",
            "put",
        ),
        (
            "/order/basket/dataset/{datasetSelectionId}/updateFileFilters",
            "put",
        ),
        ("/catalog/import", "post"),
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
}

async fn cli_token_is_accepted_by_the_service(app: TestApp) {
    let (ok, stdout, stderr) = cli(
        &app,
        &[
            "token",
            "--tenant",
            TENANT,
            "--email",
            "cli@x.fr",
            "--role",
            "REGISTERED_USER",
        ],
    )
    .await;
    assert!(ok, "{stderr}");
    let token = stdout.trim();
    assert_eq!(
        token.split('.').count(),
        3,
        "a JWT on stdout only: {stdout}"
    );
    assert_eq!(app.get_basket(token).await.status(), 204);
    let (ok, _, stderr) = cli(
        &app,
        &[
            "token", "--tenant", TENANT, "--email", "x@x.fr", "--role", "ROOT",
        ],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("unknown role"), "{stderr}");
}

async fn migrate_is_idempotent(app: TestApp) {
    // On SQLite, a database file of its own: under the whole parallel test run, `migrate` on
    // the file the test's service holds open once waited past its 30 s for a connection.
    let own = format!("sqlite://{}/migrated.db", app.dir.path().display());
    let url = match app.backend {
        crate::helpers::Backend::Sqlite => own.as_str(),
        crate::helpers::Backend::Postgres => app.database_url.as_str(),
    };
    for _ in 0..2 {
        let (ok, stdout, stderr) =
            cli_with(&app, &["migrate"], &[("REGARDS_ORDER_DATABASE_URL", url)]).await;
        assert!(ok, "{stderr}");
        assert!(stdout.contains("migrations applied"), "{stdout}");
    }
}

/// `serve` with port 0 logs the real address, warns about development keys, and answers.
#[actix_web::test]
async fn serve_logs_its_real_address_and_warns_about_development_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_regards-order"))
        .arg("serve")
        .env("REGARDS_ORDER_BIND", "127.0.0.1:0")
        .env("REGARDS_ORDER_DATA_DIR", dir.path())
        .env_remove("REGARDS_ORDER_DATABASE_URL")
        .env_remove("REGARDS_ORDER_CONFIG")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut warned = false;
    let mut address = None;
    for line in lines.by_ref().take(200) {
        let line = line.expect("log line");
        warned |= line.contains("DEVELOPMENT key");
        if let Some(rest) = line.split("listening on ").nth(1) {
            address = Some(rest.trim().to_owned());
            break;
        }
    }
    let address = address.expect("a 'listening on' line");
    assert!(!address.ends_with(":0"), "{address}");
    assert!(warned, "no warning about the development keys");
    let health = reqwest::get(format!("http://{address}/health"))
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
    assert!(
        dir.path().join("regards-order.db").exists(),
        "SQLite file under data_dir"
    );
    child.kill().expect("kill");
    let _ = child.wait();
}

/// Mints a user token with the CLI under `env`; returns it when the command succeeds.
async fn minted(app: &TestApp, env: &[(&str, &str)]) -> Result<String, String> {
    let args = [
        "token",
        "--tenant",
        TENANT,
        "--email",
        "c@x.fr",
        "--role",
        "REGISTERED_USER",
    ];
    let (ok, stdout, stderr) = cli_with(app, &args, env).await;
    if ok {
        Ok(stdout.trim().to_owned())
    } else {
        Err(stderr)
    }
}

async fn configuration_layers_file_then_environment(app: TestApp) {
    let file = app.path("regards-order.toml");
    std::fs::write(
        &file,
        "[auth]\njwt_secret = \"a-key-from-the-file-of-32-bytes-or-more\"\n",
    )
    .expect("write config");
    let file = file.to_string_lossy().into_owned();
    // The service runs with the default key: a token signed with the file's key is refused.
    let from_file = minted(&app, &[("REGARDS_ORDER_CONFIG", &file)])
        .await
        .expect("token");
    assert_eq!(app.get_basket(&from_file).await.status(), 401);
    // The environment overrides the file: back to the service's key.
    let dev = regards_order::config::DEV_JWT_SECRET;
    let env = [
        ("REGARDS_ORDER_CONFIG", file.as_str()),
        ("REGARDS_ORDER_AUTH__JWT_SECRET", dev),
    ];
    let from_env = minted(&app, &env).await.expect("token");
    assert_eq!(app.get_basket(&from_env).await.status(), 204);
    // A bad value stops the command with the reason.
    let error = minted(&app, &[("REGARDS_ORDER_AUTH__JWT_SECRET", "short")])
        .await
        .expect_err("refused");
    assert!(error.contains("at least 32 bytes"), "{error}");
}
