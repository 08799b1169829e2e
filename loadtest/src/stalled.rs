//! Clients that send a request and never read the answer: a TCP socket whose receive buffer
//! is made small before it connects (so the window it advertises stays small), the request
//! written, nothing read after the status line. The service's writes then block once the
//! connection's buffers are full (on loopback the service's send buffer alone grows to 4 MiB).

use anyhow::{Context, Result, anyhow, bail};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The receive buffer asked for (the kernel doubles it and applies its minimum).
const RECEIVE_BUFFER: u32 = 4096;
/// Longest wait for the status line: the service may be busy producing other answers.
const STATUS_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection whose answer is not being read.
pub struct StalledClient {
    stream: TcpStream,
}

/// How a stalled connection ended once read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The service closed or reset it before the answer was whole.
    Cut,
    /// The whole answer arrived: the service never gave up on the client.
    Complete,
    /// Still open, the answer still coming: the service kept the connection.
    Open,
}

impl StalledClient {
    /// Connects to `base` (`http://host:port`), sends `request`, reads the status line and
    /// nothing more; fails unless the status is 200.
    pub async fn start(base: &str, request: &str) -> Result<Self> {
        let address: SocketAddr = base.trim_start_matches("http://").parse()?;
        let socket = TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(RECEIVE_BUFFER)?;
        let mut stream = socket.connect(address).await.context("connect")?;
        stream.write_all(request.as_bytes()).await?;
        let line = tokio::time::timeout(STATUS_TIMEOUT, status_line(&mut stream))
            .await
            .map_err(|_| anyhow!("no status line within {STATUS_TIMEOUT:?}"))??;
        if line != "HTTP/1.1 200 OK" {
            bail!("a stalled request was answered {line}");
        }
        Ok(Self { stream })
    }

    /// Reads what is left for `within` at most and says how the connection ended. A chunked
    /// answer is whole when its last chunk arrived.
    pub async fn ending(mut self, within: Duration) -> Ending {
        let mut buffer = vec![0; 64 * 1024];
        let mut tail: Vec<u8> = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buffer)).await {
                Err(_) => return Ending::Open,
                Ok(Ok(0)) | Ok(Err(_)) => return Ending::Cut,
                Ok(Ok(n)) => {
                    tail.extend_from_slice(&buffer[..n]);
                    if tail.ends_with(b"\r\n0\r\n\r\n") {
                        return Ending::Complete;
                    }
                    tail.drain(..tail.len().saturating_sub(7));
                }
            }
        }
    }
}

/// The status line, read byte by byte so that nothing of the body is taken.
async fn status_line(stream: &mut TcpStream) -> Result<String> {
    let mut line = Vec::new();
    let mut byte = [0; 1];
    while !line.ends_with(b"\r\n") {
        if stream.read(&mut byte).await? == 0 {
            bail!("closed before the status line ({} bytes)", line.len());
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

/// A GET with a bearer token.
pub fn get_request(path: &str, token: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: loadtest\r\nAuthorization: Bearer {token}\r\n\r\n")
}

/// A CSV export of every order of the tenant (EXPLOIT).
pub fn csv_request(token: &str) -> String {
    let body = "{}";
    format!(
        "POST /orders/csv HTTP/1.1\r\nHost: loadtest\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}
