//! What one client can cost the service: body sizes per endpoint, slow bodies, and the
//! metrics' label space.

use crate::backend_tests;
use crate::fixtures::{DS1, collection, item, item_collection};
use crate::helpers::{TestApp, messages, spawn_app_with};
use reqwest::Method;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

backend_tests!(
    json_bodies_are_small_but_imports_large,
    uploads_are_limited_to_a_mebibyte,
    a_slow_body_is_cut,
    made_up_methods_add_no_metric_series,
);

const MIB: usize = 1024 * 1024;

async fn json_bodies_are_small_but_imports_large(app: TestApp) {
    let user = app.user("u@x.fr");
    // 2 MiB of valid JSON: a selection with a long list of ids.
    let ids: Vec<String> = (0..100_000).map(|i| format!("URN:ID:{i:012}")).collect();
    let selection = serde_json::json!({"engineType": "legacy", "entityIdsToInclude": ids});
    let body = serde_json::to_vec(&selection).expect("json");
    assert!(body.len() > 2 * MIB);
    let response = app
        .post("/order/basket/selection", &user)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert!(messages(response).await[0].contains("larger than the 1048576 bytes"));
    // Without a Content-Length (chunked) too; an anonymous caller is refused for his role
    // before his body is read.
    let chunked = || {
        reqwest::Body::wrap_stream(futures::stream::iter(
            (0..3).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; MIB]))),
        ))
    };
    let response = app
        .post("/order/basket/selection", &user)
        .header("Content-Type", "application/json")
        .body(chunked())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert_eq!(messages(response).await.len(), 1);
    let response = app
        .client
        .post(app.url("/order/basket/selection?scope=project1"))
        .header("Content-Type", "application/json")
        .body(chunked())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    // A catalogue import of several MiB still goes through.
    app.import(&collection(DS1, "Alpha")).await;
    let padding = "x".repeat(1000);
    let items = (0..3000)
        .map(|i| {
            item(
                &format!("URN:O{i}"),
                DS1,
                1,
                serde_json::json!({"note": padding}),
            )
        })
        .collect();
    let document = item_collection(items);
    assert!(serde_json::to_vec(&document).expect("json").len() > 3 * MIB);
    let report = app.import(&document).await;
    assert_eq!(report["objects"], 3000);
}

async fn uploads_are_limited_to_a_mebibyte(app: TestApp) {
    let user = app.user("u@x.fr");
    let huge = "x".repeat(2 * MIB);
    let response = app.upload(&user, &huge).await;
    assert_eq!(response.status(), 413);
    assert_eq!(messages(response).await.len(), 1);
    // The whole request counts, not only the `file` part.
    let form = reqwest::multipart::Form::new().text("padding", huge).part(
        "file",
        reqwest::multipart::Part::text("id\n").file_name("ids.txt"),
    );
    let response = app
        .post("/order/basket/selection/upload", &user)
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    let response = app.upload(&user, "nothing-known\n").await;
    assert_eq!(response.status(), 204);
}

async fn a_slow_body_is_cut(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |settings, _| settings.http.body_timeout_secs = 1).await;
    let token = app.user("u@x.fr");
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut socket = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /order/basket/selection HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n{{"
    );
    socket.write_all(head.as_bytes()).await.expect("headers");
    let started = Instant::now();
    // One byte every 200 ms: the body would take more than 3 minutes.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            read = socket.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if socket.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the slow body still holds the connection"
        );
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
}

/// The label sets of every series in `/metrics`.
async fn series(app: &TestApp) -> BTreeSet<String> {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' ').map(|(labels, _)| labels.to_owned()))
        .collect()
}

async fn made_up_methods_add_no_metric_series(app: TestApp) {
    let send = |method: String, path: String| {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        app.client.request(method, app.url(&path)).send()
    };
    send("WARMUP".into(), "/health".into())
        .await
        .expect("warm-up");
    send("WARMUP".into(), "/no/0".into())
        .await
        .expect("warm-up");
    // A scrape counts in the next one.
    series(&app).await;
    let before = series(&app).await;
    for i in 0..300 {
        let path = if i % 2 == 0 {
            "/health".to_owned()
        } else {
            format!("/no/{i}")
        };
        send(format!("MADEUP{i}"), path).await.expect("request");
    }
    let after = series(&app).await;
    assert_eq!(before, after);
    assert!(after.iter().all(|s| !s.contains("MADEUP")));
}
