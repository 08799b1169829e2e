//! Where the broker link stands, for operators (`/admin/actors`, `/metrics`): kept by the
//! adapter that moves the messages, read by the operations service.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The link's state, updated by its supervisor and its consumers.
#[derive(Debug, Default)]
pub struct MessageLinkStatus {
    state: Mutex<LinkState>,
    requests: AtomicU64,
    cancels: AtomicU64,
    published: AtomicU64,
}

#[derive(Debug, Default, Clone)]
struct LinkState {
    connected: bool,
    since: Option<DateTime<Utc>>,
    connections: u64,
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
}

/// A snapshot of the link, as operators see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MessageLinkView {
    /// `connected` or `reconnecting`.
    pub state: &'static str,
    /// Since when the link is in that state.
    pub since: Option<DateTime<Utc>>,
    /// Connections opened since the start (1 + reconnections).
    pub connections: u64,
    /// The link's last failure, and when it happened.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Order requests answered.
    pub requests: u64,
    /// Cancel requests handled.
    pub cancels: u64,
    /// Messages the broker confirmed.
    pub published: u64,
}

impl MessageLinkStatus {
    /// The link is up (a new connection with its consumers).
    pub fn connected(&self) {
        let mut state = self.lock();
        state.connected = true;
        state.since = Some(Utc::now());
        state.connections += 1;
    }

    /// The link failed with `error`; the supervisor reconnects.
    pub fn failed(&self, error: &str) {
        let mut state = self.lock();
        if state.connected || state.since.is_none() {
            state.since = Some(Utc::now());
        }
        state.connected = false;
        state.last_error = Some(error.to_owned());
        state.last_error_at = Some(Utc::now());
    }

    /// An order request was answered and acknowledged.
    pub fn request_answered(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// A cancel request was handled and acknowledged.
    pub fn cancel_handled(&self) {
        self.cancels.fetch_add(1, Ordering::Relaxed);
    }

    /// The broker confirmed a published message.
    pub fn published(&self) {
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    /// The link as it stands now.
    pub fn view(&self) -> MessageLinkView {
        let state = self.lock().clone();
        MessageLinkView {
            state: if state.connected {
                "connected"
            } else {
                "reconnecting"
            },
            since: state.since,
            connections: state.connections,
            last_error: state.last_error,
            last_error_at: state.last_error_at,
            requests: self.requests.load(Ordering::Relaxed),
            cancels: self.cancels.load(Ordering::Relaxed),
            published: self.published.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LinkState> {
        // A panic while holding the lock leaves plain values: they stay readable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
