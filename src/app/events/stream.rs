//! One live stream: what the outbox holds after the client's last event, then the feed's
//! live events. Nothing is missed and nothing repeats: events are followed by id, and a
//! stream that falls behind the feed's buffer (a slow client) reads the outbox again from
//! where it stands instead of holding anyone up.

use crate::app::downloads::StreamSlot;
use crate::events::EventFeed;
use futures::Stream;
use regards_order_actors::domain::events::StoredEvent;
use regards_order_actors::ports::EventScope;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

/// Events read from the outbox at once during a replay.
const REPLAY_PAGE: u32 = 500;
/// Wait before reading the outbox again after the database failed.
const DATABASE_RETRY: Duration = Duration::from_secs(1);

/// What a stream yields.
#[derive(Debug, Clone)]
pub enum StreamItem {
    Event(Arc<StoredEvent>),
    /// Nothing happened for a while (keeps proxies and clients from closing the stream).
    Heartbeat,
}

/// A live stream of events; it holds one of its user's stream slots.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = StreamItem> + Send>>,
    slot: Option<StreamSlot>,
}

impl EventStream {
    pub(super) fn new(
        feed: EventFeed,
        scope: EventScope,
        after: Option<i64>,
        heartbeat: Duration,
        slot: StreamSlot,
    ) -> Self {
        // Subscribed before the head is read: an event is either at or below the head
        // (before "now") or broadcast after this subscription.
        let live = feed.subscribe();
        let last = after.unwrap_or_else(|| feed.head());
        let follow = Follow {
            feed,
            scope,
            last,
            live,
            backlog: VecDeque::new(),
            replaying: after.is_some(),
            heartbeat,
        };
        let inner = futures::stream::unfold(follow, |mut follow| async move {
            let item = follow.next().await?;
            Some((item, follow))
        });
        EventStream {
            inner: Box::pin(inner),
            slot: Some(slot),
        }
    }

    /// The user's stream slot, for the answer to hold as long as its body.
    pub fn take_slot(&mut self) -> Option<StreamSlot> {
        self.slot.take()
    }
}

impl Stream for EventStream {
    type Item = StreamItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamItem>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct Follow {
    feed: EventFeed,
    scope: EventScope,
    /// The last event id this stream is past (sent, or not in its scope).
    last: i64,
    live: broadcast::Receiver<Arc<StoredEvent>>,
    backlog: VecDeque<Arc<StoredEvent>>,
    /// Reading the outbox (a replay, or catching up after falling behind).
    replaying: bool,
    heartbeat: Duration,
}

impl Follow {
    async fn next(&mut self) -> Option<StreamItem> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last = event.id;
                return Some(StreamItem::Event(event));
            }
            if self.replaying {
                match self
                    .feed
                    .store()
                    .events_after(self.last, &self.scope, REPLAY_PAGE)
                    .await
                {
                    Ok(events) if events.is_empty() => self.replaying = false,
                    Ok(events) => self.backlog.extend(events.into_iter().map(Arc::new)),
                    Err(_) => {
                        // The database is down: the stream stays open and tries again.
                        tokio::time::sleep(DATABASE_RETRY).await;
                        return Some(StreamItem::Heartbeat);
                    }
                }
                continue;
            }
            match tokio::time::timeout(self.heartbeat, self.live.recv()).await {
                Err(_) => return Some(StreamItem::Heartbeat),
                Ok(Ok(event)) => {
                    if event.id <= self.last {
                        continue;
                    }
                    self.last = event.id;
                    if self.scope.contains(&event) {
                        return Some(StreamItem::Event(event));
                    }
                }
                Ok(Err(RecvError::Lagged(_))) => self.replaying = true,
                Ok(Err(RecvError::Closed)) => return None,
            }
        }
    }
}
