//! The feed: one task follows the outbox by id (woken by each commit that wrote events, and
//! once a second in case a wake-up was missed) and broadcasts what it reads. Live readers
//! subscribe; a reader that falls behind the broadcast's buffer reads the outbox instead, so
//! a slow reader never slows the engine nor the other readers.

use super::channel::ChannelLags;
use regards_order_actors::domain::events::StoredEvent;
use regards_order_actors::ports::{EventScope, Store};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Events the broadcast keeps for slow live readers before they must read the outbox.
const BROADCAST_BUFFER: usize = 4096;
/// Events read from the outbox at once.
const READ_PAGE: u32 = 1000;
/// Longest wait between two looks at the outbox.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// A handle on the feed (cheap to clone); the following task ends with the last handle.
#[derive(Clone)]
pub struct EventFeed {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    live: broadcast::Sender<Arc<StoredEvent>>,
    head: watch::Sender<i64>,
    lags: ChannelLags,
}

impl EventFeed {
    /// Starts following the outbox from its newest event (what is older was delivered, or
    /// is replayed by readers that ask for it).
    pub async fn start(store: Arc<dyn Store>) -> Self {
        let head = match store.last_event_id().await {
            Ok(id) => id,
            Err(e) => {
                // The database is down at start: follow from the beginning once it is back
                // (readers skip what they already have by id).
                tracing::warn!(error = %e, "event feed starts without the outbox's head");
                0
            }
        };
        let (live, _) = broadcast::channel(BROADCAST_BUFFER);
        let (head, _) = watch::channel(head);
        let inner = Arc::new(Inner {
            store,
            live,
            head,
            lags: ChannelLags::default(),
        });
        tokio::spawn(follow(Arc::downgrade(&inner)));
        EventFeed { inner }
    }

    /// Live events from now on, in id order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.inner.live.subscribe()
    }

    /// The id of the newest event broadcast so far.
    pub fn head(&self) -> i64 {
        *self.inner.head.borrow()
    }

    /// Changes of the head: how durable channels learn there is something to deliver.
    pub fn watch_head(&self) -> watch::Receiver<i64> {
        self.inner.head.subscribe()
    }

    /// The outbox itself, for replays and cursors.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Where each durable channel stands, for operators.
    pub fn lags(&self) -> &ChannelLags {
        &self.inner.lags
    }

    /// A handle that does not keep the feed alive (for its own background tasks).
    pub fn downgrade(&self) -> WeakEventFeed {
        WeakEventFeed {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// Live readers now subscribed.
    pub fn live_readers(&self) -> usize {
        self.inner.live.receiver_count()
    }
}

/// A feed handle that lets it go.
#[derive(Clone)]
pub struct WeakEventFeed {
    inner: Weak<Inner>,
}

impl WeakEventFeed {
    /// The feed, while some handle keeps it.
    pub fn upgrade(&self) -> Option<EventFeed> {
        self.inner.upgrade().map(|inner| EventFeed { inner })
    }
}

/// Follows the outbox until the feed is dropped.
async fn follow(feed: Weak<Inner>) {
    let mut down_logged = false;
    loop {
        let Some(inner) = feed.upgrade() else { return };
        let signal = inner.store.event_signal();
        // Registered before reading, so that a commit during the read wakes the next wait.
        let woken = signal.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        match read_new(&inner).await {
            Ok(()) if down_logged => {
                tracing::info!("event feed reads the outbox again");
                down_logged = false;
            }
            Ok(()) => {}
            Err(e) if !down_logged => {
                tracing::warn!(error = %e, "event feed cannot read the outbox; retrying");
                down_logged = true;
            }
            Err(_) => {}
        }
        drop(inner);
        let _ = tokio::time::timeout(LOOK_EVERY, woken).await;
    }
}

/// Broadcasts every event above the head.
async fn read_new(inner: &Inner) -> Result<(), regards_order_actors::ports::StoreError> {
    loop {
        let head = *inner.head.borrow();
        let events = inner
            .store
            .events_after(head, &EventScope::All, READ_PAGE)
            .await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(());
        };
        let full = events.len() as u32 == READ_PAGE;
        // The head first: a reader subscribing meanwhile takes these events as older than
        // its start, or receives them (see `EventStream::new`).
        inner.head.send_replace(last);
        for event in events {
            // No live reader is not an error.
            let _ = inner.live.send(Arc::new(event));
        }
        if !full {
            return Ok(());
        }
    }
}
