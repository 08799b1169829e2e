//! A webhook receiver for the tests: a real HTTP server on a local port that checks each
//! delivery's signature with the callback's secret, records what it got, and fails (500) or
//! stalls when told to. It can be stopped and started again on the same port.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the receiver answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 200 to everything.
    Ok,
    /// 500 to the next `n` requests, then 200.
    FailFirst(usize),
    /// 500 to every event of this type, 200 to the others.
    FailType(&'static str),
    /// Reads the request and never answers.
    Stall,
}

/// One request received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `X-Regards-Event-Id`.
    pub id: i64,
    pub body: Value,
    /// The signature matched the secret, the timestamp and the body.
    pub signed: bool,
    pub content_type: String,
    /// Answered 200.
    pub accepted: bool,
}

#[derive(Default)]
struct Log {
    /// Every request, in arrival order.
    requests: Vec<Delivery>,
}

/// The receiver.
pub struct Receiver {
    pub port: u16,
    secret: String,
    answer: Arc<Mutex<Answer>>,
    log: Arc<Mutex<Log>>,
    server: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts on a free port, checking signatures with `secret`.
    pub async fn start(secret: &str, answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let mut receiver = Receiver {
            port,
            secret: secret.to_owned(),
            answer: Arc::new(Mutex::new(answer)),
            log: Arc::default(),
            server: None,
        };
        receiver.serve(listener);
        receiver
    }

    /// The URL to register.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Stops listening: connections are refused until `restart`.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "port {} stays taken: {e}",
                        self.port
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        self.serve(listener);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Delivery> {
        self.log.lock().expect("log").requests.clone()
    }

    /// The deliveries answered 200, in arrival order.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.requests().into_iter().filter(|d| d.accepted).collect()
    }

    /// Waits (10 s at most) until `done` holds for the accepted deliveries; answers them.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let accepted = self.accepted();
            if done(&accepted) {
                return accepted;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver never got {what}: {:?}",
                summary(&self.requests())
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        let secret = self.secret.clone();
        let answer = Arc::clone(&self.answer);
        let log = Arc::clone(&self.log);
        self.server = Some(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (secret, answer, log) = (secret.clone(), Arc::clone(&answer), Arc::clone(&log));
                tokio::spawn(async move {
                    let _ = handle(stream, &secret, &answer, &log).await;
                });
            }
        }));
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// (id, type, status, accepted) of each request, for failure messages.
pub fn summary(requests: &[Delivery]) -> Vec<String> {
    requests
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d.id,
                d.body["type"].as_str().unwrap_or("?"),
                d.body["status"].as_str().unwrap_or("?"),
                if d.accepted { "ok" } else { "failed" }
            )
        })
        .collect()
}

/// Reads one request, records it, answers as told.
async fn handle(
    mut stream: TcpStream,
    secret: &str,
    answer: &Mutex<Answer>,
    log: &Mutex<Log>,
) -> std::io::Result<()> {
    let (head, body) = read_request(&mut stream).await?;
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let timestamp = header("X-Regards-Timestamp");
    let expected = {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(&body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // None: stall.
    let accepted = {
        let mut answer = answer.lock().expect("answer");
        match &mut *answer {
            Answer::Ok | Answer::FailFirst(0) => Some(true),
            Answer::FailFirst(n) => {
                *n -= 1;
                Some(false)
            }
            Answer::FailType(kind) => Some(body["type"] != *kind),
            Answer::Stall => None,
        }
    };
    let Some(accepted) = accepted else {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return Ok(());
    };
    log.lock().expect("log").requests.push(Delivery {
        id: header("X-Regards-Event-Id").parse().unwrap_or(-1),
        body,
        signed: fresh && header("X-Regards-Signature") == expected,
        content_type: header("Content-Type"),
        accepted,
    });
    let status = if accepted {
        "200 OK"
    } else {
        "500 Internal Server Error"
    };
    let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

/// The request's head (as text) and body (`Content-Length` bytes).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = data[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok((head, body))
}
