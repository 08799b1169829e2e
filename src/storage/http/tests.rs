//! Tests of the http storage against a tiny hand-written http/1.1 server.

use super::*;
use crate::storage::local::tests::read_all;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY: &[u8] = b"hello, world";
/// What lies outside the storage's root.
const SECRET: &[u8] = b"the keys";

/// Paths a test server was asked for, in order.
type Requests = Arc<Mutex<Vec<String>>>;

/// A tiny http/1.1 server: `/files/a` honours ranges, `/files/whole` ignores them,
/// `/files/silent` never answers, `/secret` is outside every test root, `/files/redir-out`,
/// `/files/redir-in` and `/files/loop` redirect; anything else is 404. Returns its root URL.
async fn server() -> String {
    recording_server().await.0
}

/// Same, with the paths it was asked for.
async fn recording_server() -> (String, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let root = format!("http://{}/files/", listener.local_addr().unwrap());
    let requests = Requests::default();
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, Arc::clone(&seen)));
        }
    });
    (root, requests)
}

async fn answer(mut socket: TcpStream, requests: Requests) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.unwrap();
        request.extend_from_slice(&buf[..n]);
    }
    let request = String::from_utf8(request).unwrap().to_ascii_lowercase();
    let path = request.split(' ').nth(1).unwrap().to_owned();
    requests.lock().unwrap().push(path.clone());
    let range = request
        .lines()
        .find_map(|l| l.strip_prefix("range: bytes="));
    let response = match (path.as_str(), range) {
        ("/files/silent", _) => return tokio::time::sleep(Duration::from_secs(60)).await,
        ("/files/a", Some(range)) => partial(range),
        ("/files/a" | "/files/whole", _) => reply("200 OK", "", BODY),
        ("/secret/key", _) => reply("200 OK", "", SECRET),
        ("/files/redir-out", _) => reply("302 Found", "location: /secret/key\r\n", b""),
        ("/files/redir-dots", _) => reply("302 Found", "location: /files/../secret/key\r\n", b""),
        ("/files/redir-in", _) => reply("302 Found", "location: /files/a\r\n", b""),
        ("/files/loop", _) => reply("302 Found", "location: /files/loop\r\n", b""),
        _ => reply("404 Not Found", "", b"no such file"),
    };
    socket.write_all(&response).await.unwrap();
}

/// A 206 answer for a `start-[end]` range of BODY.
fn partial(range: &str) -> Vec<u8> {
    let (start, end) = range.trim().split_once('-').unwrap();
    let start: usize = start.parse().unwrap();
    let end: usize = end.parse().unwrap_or(BODY.len() - 1);
    let header = format!("content-range: bytes {start}-{end}/{}\r\n", BODY.len());
    reply("206 Partial Content", &header, &BODY[start..=end])
}

fn reply(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

fn web(root: &str, timeout_ms: u64) -> HttpStorage {
    HttpStorage::new("web", root, Duration::from_millis(timeout_ms)).unwrap()
}

#[tokio::test]
async fn files_are_streamed_whole_or_by_range() {
    let root = server().await;
    let web = web(&root, 5000);
    let a = format!("{root}a");
    assert!(web.owns(&a) && !web.owns("http://elsewhere/a"));
    web.make_available(&a, Duration::from_secs(1))
        .await
        .unwrap();
    let whole = web.open(&a, None).await.unwrap();
    assert_eq!(whole.total_length, Some(12));
    assert_eq!(read_all(whole).await, BODY);
    let range = ByteRange {
        start: 7,
        end: Some(10),
    };
    let part = web.open(&a, Some(range)).await.unwrap();
    assert_eq!(part.total_length, Some(12));
    assert_eq!(read_all(part).await, b"worl");
    let tail = web
        .open(
            &a,
            Some(ByteRange {
                start: 7,
                end: None,
            }),
        )
        .await
        .unwrap();
    assert_eq!(read_all(tail).await, b"world");
    // A server ignoring the range: the storage cuts the range out itself.
    let ignored = web
        .open(&format!("{root}whole"), Some(range))
        .await
        .unwrap();
    assert_eq!(ignored.total_length, Some(12));
    assert_eq!(read_all(ignored).await, b"worl");
    assert_eq!(web.in_flight(), 0);
}

#[tokio::test]
async fn http_errors_read_well() {
    let root = server().await;
    let error = web(&root, 5000).open(&format!("{root}none"), None).await;
    let error = error.err().unwrap();
    assert_eq!(
        error.to_string(),
        "storage web failed: Server returned HTTP error code 404"
    );
    let silent = web(&root, 200).open(&format!("{root}silent"), None).await;
    assert_eq!(
        silent.err().unwrap().to_string(),
        "storage web failed: the server did not answer within 200 ms"
    );
}

#[tokio::test]
async fn unreachable_servers_and_bad_roots_are_reported() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let root = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let error = web(&root, 5000).open(&format!("{root}a"), None).await;
    let text = error.err().unwrap().to_string();
    let server = root.trim_start_matches("http://").trim_end_matches('/');
    let expected = format!("storage web failed: cannot connect to {server}: Connection refused");
    assert!(text.starts_with(&expected), "{text}");
    assert!(HttpStorage::new("w", "/local", Duration::from_secs(1)).is_err());
    let owned = web("http://h/data", 10);
    assert!(owned.owns("http://h/data/x") && owned.owns("http://h/data?x"));
    assert!(!owned.owns("http://h/database"));
}

#[tokio::test]
async fn nothing_outside_the_root_is_fetched() {
    let (root, requests) = recording_server().await;
    let web = web(&root, 5000);
    let server = root.trim_end_matches("files/");
    for escape in [
        format!("{root}../secret/key"),
        format!("{root}%2e%2e/secret/key"),
        format!("{root}.%2E/secret/key"),
        format!("{root}..%2fsecret%2fkey"),
        format!("{root}%2e%2e%2fsecret%2fkey"),
        format!("{root}..%5csecret%5ckey"),
        format!("{root}..\\secret\\key"),
        format!("{server}files%2f..%2fsecret%2fkey"),
    ] {
        assert!(!web.owns(&escape), "{escape} is owned");
        let refused = web.make_available(&escape, Duration::from_secs(1)).await;
        assert!(refused.is_err(), "{escape} is available");
        let opened = web.open(&escape, None).await;
        assert!(
            matches!(opened, Err(StorageError::InvalidLocation { .. })),
            "{escape} was opened"
        );
    }
    assert!(requests.lock().unwrap().is_empty(), "{requests:?}");
    for redirect in ["redir-out", "redir-dots", "loop"] {
        let error = web.open(&format!("{root}{redirect}"), None).await;
        let text = error.err().expect("a refused redirect").to_string();
        let expected = if redirect == "loop" {
            "more than 5 redirects"
        } else {
            "a redirect leaves the storage"
        };
        assert!(text.contains(expected), "{redirect}: {text}");
    }
    let seen = requests.lock().unwrap().clone();
    assert!(
        seen.iter().all(|path| path.starts_with("/files/")),
        "{seen:?}"
    );
    assert_eq!(seen.iter().filter(|p| *p == "/files/loop").count(), 6);
    let inside = web.open(&format!("{root}redir-in"), None).await.unwrap();
    assert_eq!(read_all(inside).await, BODY);
}

#[cfg(feature = "https")]
#[test]
fn https_roots_get_a_tls_client() {
    let web = HttpStorage::new("web", "https://h.org/", Duration::from_secs(1)).unwrap();
    assert!(web.owns("https://h.org/a") && !web.owns("http://h.org/a"));
}

#[cfg(not(feature = "https"))]
#[test]
fn https_roots_need_the_https_feature() {
    let error = HttpStorage::new("web", "https://h.org/", Duration::from_secs(1));
    assert!(error.err().unwrap().to_string().contains("`https` feature"));
}
