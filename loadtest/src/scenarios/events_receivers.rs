//! What the events scenario listens with: SSE subscribers and a webhook receiver, each
//! recording every event's id and its delivery lag (receipt time − the event's date).

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use reqwest::Client;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What one listener received.
#[derive(Default)]
pub struct Received {
    pub ids: HashSet<i64>,
    /// Deliveries, duplicates included.
    pub deliveries: u64,
    pub lags_ms: Vec<f64>,
    pub first: Option<std::time::Instant>,
    pub last: Option<std::time::Instant>,
}

impl Received {
    fn record(&mut self, id: i64, data: &str) {
        let now = std::time::Instant::now();
        self.first.get_or_insert(now);
        self.last = Some(now);
        self.deliveries += 1;
        self.ids.insert(id);
        if let Some(date) = date_of(data) {
            let lag = (Utc::now() - date).num_microseconds().unwrap_or(0) as f64 / 1000.0;
            self.lags_ms.push(lag.max(0.0));
        }
    }
}

pub type Shared = Arc<Mutex<Received>>;

fn date_of(data: &str) -> Option<DateTime<Utc>> {
    let value: serde_json::Value = serde_json::from_str(data).ok()?;
    DateTime::parse_from_rfc3339(value["date"].as_str()?)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Opens an SSE stream on `url` with `token` and records its events until the task is
/// aborted. Answers once the stream is open.
pub async fn subscribe(
    client: &Client,
    url: String,
    token: String,
) -> Result<(Shared, tokio::task::JoinHandle<()>)> {
    let response = client.get(&url).bearer_auth(&token).send().await?;
    if response.status().as_u16() != 200 {
        return Err(anyhow!("SSE {url}: {}", response.status()));
    }
    let shared: Shared = Arc::default();
    let kept = shared.clone();
    let task = tokio::spawn(async move {
        let mut body = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = "";
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse::<i64>().ok();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = v;
                    }
                }
                if let Some(id) = id
                    && let Ok(mut received) = kept.lock()
                {
                    received.record(id, data);
                }
            }
        }
    });
    Ok((shared, task))
}

/// A webhook receiver on a free loopback port: answers 200 to every POST and records the
/// event of its `X-Regards-Event-Id`. Answers its URL.
pub async fn webhook_receiver() -> Result<(String, Shared)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let shared: Shared = Arc::default();
    let kept = shared.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(serve(socket, kept));
        }
    });
    Ok((url, shared))
}

/// One keep-alive connection: requests read whole (headers, then Content-Length bytes).
async fn serve(mut socket: tokio::net::TcpStream, shared: Shared) {
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let Some(end) = find(&buffer, b"\r\n\r\n") else {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_owned())
            })
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buffer.len() < end + 4 + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
        if let Some(id) = header("x-regards-event-id").and_then(|v| v.parse().ok())
            && let Ok(mut received) = shared.lock()
        {
            received.record(id, &body);
        }
        buffer.drain(..end + 4 + length);
        if socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `p`th percentile of `values` (0 when empty).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}
