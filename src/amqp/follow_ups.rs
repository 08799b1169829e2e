//! The answers that follow orders requested over AMQP, driven from the outbox by a durable
//! channel: its cursor moves only past events whose answer the broker confirmed, so a
//! broker that is down or a lost connection delays answers and loses none.

use super::link::Link;
use crate::app::order_messages::FollowUp;
use crate::events::{Delivery, EventChannel};
use async_trait::async_trait;
use regards_order_actors::domain::events::StoredEvent;
use std::sync::Arc;
use std::time::Duration;

/// The cursor's name.
pub(super) const CHANNEL: &str = "amqp";
/// Wait before trying again when the broker or the database is away.
const RETRY: Duration = Duration::from_secs(1);
/// Wait for a request's GRANTED answer to be confirmed.
const GRANT_WAIT: Duration = Duration::from_millis(200);

/// The outbox channel of AMQP answers.
pub(super) struct FollowUps {
    /// The broker link whose publisher sends the answers.
    pub link: Arc<Link>,
}

#[async_trait]
impl EventChannel for FollowUps {
    fn name(&self) -> String {
        CHANNEL.into()
    }

    async fn deliver(&self, events: &[StoredEvent]) -> Delivery {
        let mut done = events.first().map_or(0, |e| e.id - 1);
        for stored in events {
            let up_to = |retry_in| Delivery::UpTo { id: done, retry_in };
            match self.link.service.follow_up(&stored.event).await {
                Ok(FollowUp::Nothing) => {}
                Ok(FollowUp::NotYet) => return up_to(GRANT_WAIT),
                Ok(FollowUp::Publish(reply)) => {
                    let Some(publisher) = self.link.publisher() else {
                        return up_to(RETRY);
                    };
                    if let Err(e) = publisher.publish(&reply).await {
                        tracing::debug!(error = %e, event = stored.id, "AMQP answer not published; retrying");
                        return up_to(RETRY);
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, event = stored.id, "AMQP answer not decided; retrying");
                    return up_to(RETRY);
                }
            }
            done = stored.id;
        }
        Delivery::Done
    }
}
