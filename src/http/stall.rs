//! Disconnecting clients that stop reading a streamed response.
//!
//! When a client stops reading, actix stops polling the response body: nothing in the body
//! runs any more, so the body cannot end itself. Each connection therefore keeps a duplicate
//! of its socket (`remember_socket`, at accept time); a `StallWatch` beside the body notes
//! when the body handed out a chunk and was not polled again, and a timer task shuts the
//! socket down once that lasted `http.stall_timeout_secs`. actix's next write then fails and
//! it drops the body, with everything the body held.

use actix_web::HttpRequest;
use actix_web::dev::Extensions;
use std::any::Any;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// A duplicate of a connection's socket, kept in the connection's data.
#[derive(Debug, Clone)]
pub struct ConnectionSocket(Arc<OwnedFd>);

/// `HttpServer::on_connect` callback: keeps a duplicate of each TCP connection's socket.
/// The duplicate lives as long as the connection's data, so it never outlives the
/// connection by more than the body that uses it.
pub fn remember_socket(connection: &dyn Any, data: &mut Extensions) {
    let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    match stream.as_fd().try_clone_to_owned() {
        Ok(fd) => {
            data.insert(ConnectionSocket(Arc::new(fd)));
        }
        Err(e) => tracing::warn!(error = %e, "cannot keep the connection's socket"),
    }
}

impl ConnectionSocket {
    /// The socket of the request's connection (None on connections other than TCP).
    pub fn of(req: &HttpRequest) -> Option<Self> {
        req.conn_data::<Self>().cloned()
    }

    /// Aborts the connection: both directions shut down, and a reset rather than an orderly
    /// close, so the kernel does not keep retrying to deliver what the client never read.
    fn abort(&self) -> std::io::Result<()> {
        let socket = socket2::SockRef::from(self.0.as_ref());
        socket.set_linger(Some(Duration::ZERO))?;
        socket.shutdown(std::net::Shutdown::Both)
    }
}

/// Since when the body has been waiting to be polled again, shared with the timer task.
#[derive(Debug)]
struct Waiting {
    start: Instant,
    /// Milliseconds since `start` + 1 when the last chunk was handed out; 0 while the body
    /// is being polled (a slow source is not a stalled client).
    since: AtomicU64,
}

impl Waiting {
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    /// When the wait that began at `since` (as stored) runs out.
    fn deadline(&self, since: u64, timeout: Duration) -> Instant {
        self.start + Duration::from_millis(since - 1) + timeout
    }
}

/// Watches one streamed body; dropping it stops the watch.
#[derive(Debug)]
pub struct StallWatch {
    waiting: Arc<Waiting>,
    timer: tokio::task::JoinHandle<()>,
}

impl StallWatch {
    /// Starts watching: a client that leaves the body unpolled for `timeout` after a chunk
    /// (or after the headers) is disconnected, and one line says so with `route`.
    pub fn start(socket: ConnectionSocket, timeout: Duration, route: String) -> Self {
        let start = Instant::now();
        // Waiting from the start: headers are written before the body is first polled.
        let waiting = Arc::new(Waiting {
            start,
            since: AtomicU64::new(1),
        });
        let timer = actix_web::rt::spawn(watch(waiting.clone(), socket, timeout, route));
        Self { waiting, timer }
    }

    /// The body is being polled.
    pub fn polled(&self) {
        self.waiting.since.store(0, Ordering::Relaxed);
    }

    /// The body handed out a chunk: the client must take it within the timeout.
    pub fn handed_out(&self) {
        self.waiting
            .since
            .store(self.waiting.now(), Ordering::Relaxed);
    }
}

impl Drop for StallWatch {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

/// Sleeps until the current wait runs out, and disconnects the client if it did.
async fn watch(waiting: Arc<Waiting>, socket: ConnectionSocket, timeout: Duration, route: String) {
    loop {
        let since = waiting.since.load(Ordering::Relaxed);
        if since == 0 {
            // Being polled: nothing to time yet. A chunk handed out meanwhile is timed from
            // when it was, so looking again after `timeout` never catches a stall late.
            tokio::time::sleep(timeout).await;
            continue;
        }
        let deadline = waiting.deadline(since, timeout);
        if Instant::now() < deadline {
            tokio::time::sleep_until(deadline).await;
            continue;
        }
        let seconds = timeout.as_secs();
        match socket.abort() {
            Ok(()) => tracing::warn!(
                route,
                "client read nothing for {seconds} s of a streamed response: disconnected"
            ),
            Err(e) => tracing::warn!(route, error = %e, "cannot disconnect a stalled client"),
        }
        return;
    }
}
