//! Publishing answers: persistent JSON messages on the response exchange, routing key = the
//! tenant, `correlation_id` = the request's; each waits for the broker's confirmation.

use crate::app::order_messages::MessageLinkStatus;
use crate::app::order_messages::Reply;
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use std::sync::Arc;

/// AMQP delivery mode of messages the broker writes to disk.
const PERSISTENT: u8 = 2;
/// Header naming the tenant, as REGARDS services set it.
pub(super) const TENANT_HEADER: &str = "regards.tenant";

/// A channel in confirm mode on the current connection.
#[derive(Clone)]
pub(super) struct Publisher {
    channel: Channel,
    exchange: ShortString,
    status: Arc<MessageLinkStatus>,
}

/// Why an answer is not published: the connection failed, or the broker refused it.
#[derive(Debug, thiserror::Error)]
pub(super) enum PublishError {
    #[error("the broker link failed: {0}")]
    Link(#[from] lapin::Error),
    #[error("the broker refused the message (nack)")]
    Refused,
}

impl Publisher {
    /// A publisher on `channel` (already in confirm mode) to `exchange`.
    pub(super) fn new(
        channel: Channel,
        exchange: ShortString,
        status: Arc<MessageLinkStatus>,
    ) -> Self {
        Self {
            channel,
            exchange,
            status,
        }
    }

    /// Publishes `reply` and waits for the broker to confirm it.
    pub(super) async fn publish(&self, reply: &Reply) -> Result<(), PublishError> {
        let payload = reply.response.to_json();
        let mut headers = FieldTable::default();
        headers.insert(
            TENANT_HEADER.into(),
            AMQPValue::LongString(reply.routing_key.clone().into()),
        );
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(PERSISTENT)
            .with_correlation_id(short(&reply.response.correlation_id))
            .with_headers(headers);
        let confirmation = self
            .channel
            .basic_publish(
                self.exchange.clone(),
                short(&reply.routing_key),
                BasicPublishOptions::default(),
                payload.as_bytes(),
                properties,
            )
            .await?
            .await?;
        if !confirmation.is_ack() {
            return Err(PublishError::Refused);
        }
        self.status.published();
        Ok(())
    }
}

/// `text` as an AMQP short string, cut to its 255 bytes (on a character boundary).
pub(super) fn short(text: &str) -> ShortString {
    let mut end = text.len().min(255);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ShortString::try_new(&text[..end]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_are_cut_on_a_character_boundary() {
        assert_eq!(short("abc").as_str(), "abc");
        let long = "é".repeat(200);
        let cut = short(&long);
        assert_eq!(cut.as_str().len(), 254);
        assert!(cut.as_str().chars().all(|c| c == 'é'));
    }
}
