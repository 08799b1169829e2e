//! No client can stall the service: streamed downloads that their clients stop reading hold
//! no database connection, each user has at most `downloads.max_streams_per_user` of them,
//! and a client that reads nothing for `http.stall_timeout_secs` is disconnected.

use crate::archive::{online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::downloads::{file_ids, import_items, item, order_with_status, public_token, send};
use crate::helpers::{TENANT, TestApp, messages, spawn_app_with};
use regards_order::auth::Role;
use regards_order::config::Settings;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{OrderHeader, OrderKind, OrderStatus};
use reqwest::header::{RANGE, RETRY_AFTER};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

backend_tests!(
    stalled_readers_leave_the_database_to_others,
    a_user_has_at_most_four_streams_at_once,
    a_stalled_client_is_disconnected_and_its_slot_freed,
    openapi_documents_the_429_of_every_stream,
);

/// An app with the archive storages (tape restores taking `restore_ms`) and `configure`d
/// settings.
async fn app_with(app: TestApp, restore_ms: u64, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir: &Path| {
        with_storages(s, dir, restore_ms, 2);
        configure(s);
    })
    .await
}

/// A client that sends one request and never reads the answer. Its receive buffer is small,
/// so the server's writes block after a few hundred KiB at most.
async fn stalled_client(app: &TestApp, request: &str) -> TcpStream {
    let address: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket.connect(address).await.expect("connect");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    stream
}

/// Reads the status line of the answer a stalled client got (a few bytes: it still stalls).
async fn status_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0; 1];
    while !line.ends_with(b"\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte)).await;
        match read {
            Ok(Ok(1)) => line.push(byte[0]),
            other => panic!("no status line: {other:?} after {line:?}"),
        }
    }
    String::from_utf8_lossy(&line).trim_end().to_owned()
}

/// A stalled client of `request` whose download has started (answered 200).
async fn stalled_download(app: &TestApp, request: &str) -> TcpStream {
    let mut client = stalled_client(app, request).await;
    assert_eq!(status_line(&mut client).await, "HTTP/1.1 200 OK");
    client
}

/// The text of a GET request with a bearer token (none for an anonymous one).
fn get_request(path: &str, token: Option<&str>) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{auth}\r\n")
}

/// The text of a CSV export request of every order.
fn csv_request(token: &str) -> String {
    let body = "{}";
    format!(
        "POST /orders/csv HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads what the server sends until it closes (or resets) the connection or, when
/// `complete` says the answer is whole, until then; 10 s at most.
async fn read_until(stream: &mut TcpStream, complete: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !complete(&received) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the connection stayed open ({} bytes read)", received.len()),
        }
    }
    received
}

/// Reads a chunked answer to its end (or until the server closes the connection).
async fn read_chunked(stream: &mut TcpStream) -> String {
    let received = read_until(stream, |r| r.ends_with(b"\r\n0\r\n\r\n")).await;
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `request` and checks that it answers 200 within a second.
/// How long `request` takes to answer 200 (5 s at most: stalled streams holding the pool made
/// such requests wait 30 s and fail).
async fn answer_time(what: &str, request: reqwest::RequestBuilder) -> Duration {
    let started = Instant::now();
    let response = request
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
    assert_eq!(response.status(), 200, "{what}");
    response.bytes().await.expect("body");
    started.elapsed()
}

/// Asks three times: the best answer comes within a second (a CPU shared with other tests
/// may delay one answer; a pool held by stalled streams delays them all).
async fn answers_within_a_second(what: &str, request: impl Fn() -> reqwest::RequestBuilder) {
    let mut times = Vec::new();
    for _ in 0..3 {
        times.push(answer_time(what, request()).await);
    }
    let best = times.iter().min().copied().unwrap_or_default();
    assert!(best < Duration::from_secs(1), "{what} took {times:?}");
}

/// An order of `count` files on tape, ordered by `token`: restores outlast the test, so it
/// stays RUNNING, and its metalink lists every file. Answers its id.
async fn order_on_tape(app: &TestApp, token: &str, count: usize) -> i64 {
    let root = tape_root(app.dir.path());
    let items = (0..count)
        .map(|i| {
            let path = root.join(format!("tape-{i}.dat"));
            std::fs::write(&path, b"x").expect("write file");
            item(&format!("tape-{i}"), "tape", &path, 1, None)
        })
        .collect();
    import_items(app, items).await;
    let id = app.order_of(token, "group:tape").await;
    app.wait_status(token, id, "RUNNING").await;
    id
}

/// Owners of the orders `add_orders` stores; long, so that a few thousand orders make a CSV
/// export of megabytes.
fn csv_owner(i: i64) -> String {
    format!("csv-{i}-{}@x.fr", "o".repeat(2000))
}

/// Adds `count` orders straight to the store (the CSV export lists each on one line),
/// several at once.
async fn add_orders(app: &TestApp, count: i64) {
    use futures::StreamExt;
    futures::stream::iter(0..count)
        .map(|i| add_order(app, i))
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

async fn add_order(app: &TestApp, i: i64) {
    let tenant = Tenant::parse(TENANT).expect("tenant");
    let now = chrono::Utc::now();
    let header = OrderHeader {
        id: 1_000_000 + i,
        owner: csv_owner(i),
        label: format!("csv {i}"),
        kind: OrderKind::User,
        creation_date: now,
        expiration_date: Some(now),
        status: OrderStatus::Done,
        status_date: now,
        percent_completed: 100,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: format!("csv-{i}"),
        frontend_url: None,
        message: None,
    };
    let owner = header.owner.clone();
    app.state
        .store
        .create_order(&tenant, &header, &owner)
        .await
        .expect("order stored");
}

/// Files of the order whose metalinks stall, and orders of the CSV exports that stall: each
/// answer (7 to 8 MB) is more than a stalled connection absorbs (a loopback socket's send
/// buffer grows to 4 MiB).
const METALINK_FILES: usize = 12_000;
const CSV_ORDERS: i64 = 4_000;

/// 16 metalinks and 4 CSV exports, none read by their clients: more than the Postgres pool
/// (16) and the SQLite pool (8) hold. Another user's orders and the readiness check still
/// answer at once, and the stalled downloads are whole once read.
async fn stalled_readers_leave_the_database_to_others(app: TestApp) {
    let app = app_with(app, 3_600_000, |s| s.downloads.max_streams_per_user = 100).await;
    let owner = app.user("owner@x.fr");
    let id = order_on_tape(&app, &owner, METALINK_FILES).await;
    add_orders(&app, CSV_ORDERS).await;

    let exploit = app.token("exploit@x.fr", Role::Exploit);
    let mut stalled = Vec::new();
    let metalink = format!("/user/orders/{id}/metalink/download");
    for _ in 0..16 {
        stalled.push(stalled_download(&app, &get_request(&metalink, Some(&owner))).await);
    }
    for _ in 0..4 {
        stalled.push(stalled_download(&app, &csv_request(&exploit)).await);
    }
    // Every download fills what its connection buffers.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;

    let other = app.user("other@x.fr");
    answers_within_a_second("GET /user/orders", || app.get("/user/orders", &other)).await;
    answers_within_a_second("GET /ready", || app.client.get(app.url("/ready"))).await;
    // Reading through a small window is slow: a metalink and a CSV export are enough.
    let metalink = read_chunked(&mut stalled[0]).await;
    assert!(metalink.contains("</metalink>"), "the metalink is whole");
    let export = read_chunked(&mut stalled[16]).await;
    assert!(
        export.contains(&csv_owner(CSV_ORDERS - 1)),
        "the CSV is whole"
    );
}

/// Bytes of each big file: far more than a stalled connection buffers.
const BIG: usize = 16 << 20;

/// Two files of `BIG` bytes ordered by `token` until DONE; answers the order and a file id.
async fn order_of_big_files(app: &TestApp, token: &str) -> (i64, i64) {
    let root = online_root(app.dir.path());
    let items = (0..2)
        .map(|i| {
            let path = root.join(format!("big-{i}.dat"));
            std::fs::write(&path, vec![b'a' + i; BIG]).expect("write file");
            item(&format!("big-{i}"), "big", &path, BIG, None)
        })
        .collect();
    import_items(app, items).await;
    let id = order_with_status(app, token, "big", "DONE").await;
    let file = file_ids(app, token, id).await["big-0.dat"];
    (id, file)
}

/// Sends `request` until it answers 200 (10 s at most); answers the whole body.
async fn until_accepted(what: &str, request: impl Fn() -> reqwest::RequestBuilder) -> Vec<u8> {
    crate::downloads::poll(what, || async {
        let response = send(request()).await;
        let accepted = response.status() == 200;
        let body = response.bytes().await.expect("body");
        accepted.then(|| body.to_vec())
    })
    .await
}

/// Checks a refusal of a stream beyond the limit: 429, `Retry-After`, the original's body.
async fn assert_too_many(what: &str, response: reqwest::Response) {
    assert_eq!(response.status(), 429, "{what}");
    assert!(response.headers().contains_key(RETRY_AFTER), "{what}");
    let messages = messages(response).await;
    assert!(messages[0].contains("at most 4"), "{what}: {messages:?}");
}

/// Four downloads of one user held by clients that do not read (two files, one with the
/// public token, two zips); the fifth stream of any kind is refused, a HEAD is not a stream,
/// another user is not concerned, and once a client goes away a new download is accepted.
/// Answers that stream nothing (204, 416) hold no slot.
async fn a_user_has_at_most_four_streams_at_once(app: TestApp) {
    let app = app_with(app, 3_600_000, |_| {}).await;
    let token = app.user("u@x.fr");
    let (id, file) = order_of_big_files(&app, &token).await;
    let order_token = public_token(&app, &token, id).await;
    let public_file =
        format!("/orders/public/files/{file}?orderToken={order_token}&scope={TENANT}");
    let zip = format!("/user/orders/{id}/download");
    // Answers without a body, and refusals after the slot was taken, give it back.
    let waiting = order_on_tape(&app, &token, 1).await;
    for _ in 0..5 {
        let nothing = send(app.get(&format!("/user/orders/{waiting}/download"), &token)).await;
        assert_eq!(nothing.status(), 204, "nothing available yet");
        let beyond = format!("bytes={}-", 2 * BIG);
        let file_path = format!("/orders/files/{file}");
        let beyond = send(app.get(&file_path, &token).header(RANGE, beyond)).await;
        assert_eq!(beyond.status(), 416);
    }
    let mut held = Vec::new();
    for (path, bearer) in [
        (format!("/orders/files/{file}"), Some(token.as_str())),
        (public_file.clone(), None),
        (zip.clone(), Some(token.as_str())),
        (zip.clone(), Some(token.as_str())),
    ] {
        held.push(stalled_download(&app, &get_request(&path, bearer)).await);
    }
    let metalink = format!("/user/orders/{id}/metalink/download");

    let public_metalink =
        format!("/user/orders/metalink/download?orderToken={order_token}&scope={TENANT}");
    let exploit = app.token("u@x.fr", Role::Exploit);
    for (what, request) in [
        ("metalink", app.get(&metalink, &token)),
        ("public metalink", app.client.get(app.url(&public_metalink))),
        ("zip", app.get(&zip, &token)),
        ("file", app.get(&format!("/orders/files/{file}"), &token)),
        ("public file", app.client.get(app.url(&public_file))),
        (
            "CSV",
            app.post("/orders/csv", &exploit)
                .json(&serde_json::json!({})),
        ),
    ] {
        assert_too_many(what, send(request).await).await;
    }
    let head = send(app.client.head(app.url(&public_file))).await;
    assert_eq!(head.status(), 200, "a HEAD is no stream");
    // Another user has slots of his own.
    let other = app.user("other@x.fr");
    let mine = app.order_of(&other, "group:big").await;
    app.wait_order(&other, mine, "not PENDING", |o| o["status"] != "PENDING")
        .await;
    let response = send(app.get(&format!("/user/orders/{mine}/metalink/download"), &other)).await;
    assert_eq!(response.status(), 200, "another user's metalink");

    drop(held.pop());
    until_accepted("a stream once a client left", || app.get(&metalink, &token)).await;
}

/// With `http.stall_timeout_secs = 1` and one stream per user, clients that read nothing of
/// a file and of a zip are disconnected within seconds: their slots serve the users' next
/// downloads, they got only part of their answers, the files they held are closed, and the
/// service answers others meanwhile.
async fn a_stalled_client_is_disconnected_and_its_slot_freed(app: TestApp) {
    let app = app_with(app, 0, |s| {
        s.http.stall_timeout_secs = 1;
        s.downloads.max_streams_per_user = 1;
    })
    .await;
    let token = app.user("u@x.fr");
    let (id, file) = order_of_big_files(&app, &token).await;
    let boss = app.token("boss@x.fr", Role::ProjectAdmin);
    let path = format!("/orders/files/{file}");
    let zip = format!("/user/orders/{id}/download");
    let mut file_client = stalled_download(&app, &get_request(&path, Some(&token))).await;
    let mut zip_client = stalled_download(&app, &get_request(&zip, Some(&boss))).await;
    let held = Instant::now();
    let refused = send(app.get(&path, &token)).await;
    assert_eq!(refused.status(), 429, "the file's slot is taken");
    let refused = send(app.get(&zip, &boss)).await;
    assert_eq!(refused.status(), 429, "the zip's slot is taken");
    answers_within_a_second("GET /ready", || app.client.get(app.url("/ready"))).await;

    let file = until_accepted("the slot freed", || app.get(&path, &token)).await;
    let freed_after = held.elapsed();
    assert_eq!(file.len(), BIG);
    assert!(
        freed_after < Duration::from_secs(5),
        "freed after {freed_after:?}"
    );
    let archive = until_accepted("the zip's slot freed", || app.get(&zip, &boss)).await;
    // The file downloaded whole just before is no longer AVAILABLE: one file at least.
    assert!(archive.len() > BIG);
    for client in [&mut file_client, &mut zip_client] {
        let received = read_until(client, |_| false).await;
        assert!(received.len() < BIG, "a stalled client got everything");
    }
    let root = online_root(app.dir.path());
    for name in ["big-0.dat", "big-1.dat"] {
        assert_eq!(open_handles(&root.join(name)), 0, "{name} is still open");
    }
    answers_within_a_second("GET /user/orders", || app.get("/user/orders", &token)).await;
}

/// How many descriptors of this process (the service runs in the test's process) have
/// `path` open.
fn open_handles(path: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

/// Every streamed download documents its 429 and its `Retry-After` in `/openapi.json`.
async fn openapi_documents_the_429_of_every_stream(app: TestApp) {
    let doc = crate::helpers::json(send(app.client.get(app.url("/openapi.json"))).await).await;
    for (path, method) in [
        ("/orders/files/{dataFileId}", "get"),
        ("/orders/public/files/{dataFileId}", "get"),
        ("/user/orders/{orderId}/download", "get"),
        ("/user/orders/{orderId}/metalink/download", "get"),
        ("/user/orders/metalink/download", "get"),
        ("/orders/csv", "post"),
    ] {
        let answer = &doc["paths"][path][method]["responses"]["429"];
        assert!(
            answer["headers"]["Retry-After"].is_object(),
            "{method} {path}: {answer}"
        );
        let body = &answer["content"]["application/json"]["schema"];
        assert!(body.is_object(), "{method} {path}: {answer}");
    }
}
