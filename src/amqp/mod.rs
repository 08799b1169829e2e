//! The AMQP adapter (REGARDS' order messages over RabbitMQ): consumes order requests and
//! cancel requests, publishes their answers and the answers that follow each order
//! requested this way. The decisions are `app::OrderMessageService`'s; this module only
//! moves messages, keeps the link up and says how it stands.
//!
//! When the broker fails: requests stay unacknowledged (the broker delivers them again once
//! reconnected), answers that follow orders wait in the outbox behind the channel's cursor,
//! and the link reconnects by itself; `/admin/actors` and `/metrics` show its state.

mod cancels;
mod follow_ups;
mod link;
mod message;
mod publisher;
mod requests;

use crate::app::OrderMessageService;
use crate::app::order_messages::MessageLinkStatus;
use crate::config::AmqpSettings;
use crate::events::{EventFeed, run_channel};
use std::sync::Arc;

/// Starts the link (it connects in the background, retrying until the broker answers) and
/// the channel of answers that follow orders; answers the link's status.
pub fn start(
    settings: AmqpSettings,
    service: OrderMessageService,
    feed: &EventFeed,
) -> Arc<MessageLinkStatus> {
    let status = Arc::new(MessageLinkStatus::default());
    let link = Arc::new(link::Link::new(
        settings,
        service,
        status.clone(),
        feed.downgrade(),
    ));
    tokio::spawn(link::supervise(link.clone()));
    run_channel(feed, Arc::new(follow_ups::FollowUps { link }));
    status
}
