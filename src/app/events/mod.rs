//! Order events for people and programs that listen: live streams of the caller's orders
//! (or, for an ADMIN, the tenant's) that replay what a reconnecting client missed.

mod stream;

pub use stream::{EventStream, StreamItem};

use crate::app::downloads::StreamLimits;
use crate::app::{AppError, AppResult, Requester};
use crate::events::EventFeed;
use regards_order_actors::ports::EventScope;
use std::time::Duration;

/// Live event streams over the feed.
#[derive(Clone)]
pub struct EventService {
    feed: EventFeed,
    limits: StreamLimits,
    heartbeat: Duration,
}

/// Whose events a stream shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamScope {
    /// The caller's own orders.
    Mine,
    /// Every order of the caller's tenant (ADMIN).
    Tenant,
}

impl EventService {
    pub fn new(feed: EventFeed, max_streams_per_user: usize, heartbeat: Duration) -> Self {
        EventService {
            feed,
            limits: StreamLimits::of("event streams", max_streams_per_user),
            heartbeat,
        }
    }

    /// The feed (for the channels' figures).
    pub fn feed(&self) -> &EventFeed {
        &self.feed
    }

    /// A stream of the events in `scope` after `last_event_id` (the outbox's replay, then
    /// live), or from now on without one. Counts against the user's streams (429 beyond).
    pub fn open(
        &self,
        requester: &Requester,
        scope: StreamScope,
        last_event_id: Option<&str>,
    ) -> AppResult<EventStream> {
        let after = match last_event_id.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<i64>().ok().filter(|id| *id >= 0).ok_or_else(
                || AppError::Invalid(format!("Last-Event-ID must be an event id, not {text:?}")),
            )?),
        };
        let slot = self.limits.acquire(&requester.tenant, &requester.email)?;
        let scope = match scope {
            StreamScope::Mine => {
                EventScope::Owner(requester.tenant.clone(), requester.email.clone())
            }
            StreamScope::Tenant => EventScope::Tenant(requester.tenant.clone()),
        };
        Ok(EventStream::new(
            self.feed.clone(),
            scope,
            after,
            self.heartbeat,
            slot,
        ))
    }
}
