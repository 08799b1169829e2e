//! What the service reads of a delivered message.

use super::publisher::TENANT_HEADER;
use crate::app::order_messages::IncomingMessage;
use lapin::message::Delivery;
use lapin::types::AMQPValue;

/// The tenant header, the correlation properties and the body of `delivery`.
pub(super) fn incoming(delivery: &Delivery) -> IncomingMessage {
    let properties = &delivery.properties;
    let tenant = properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(TENANT_HEADER))
        .and_then(text);
    let correlation_property = properties
        .correlation_id()
        .as_ref()
        .or(properties.message_id().as_ref())
        .map(|id| id.as_str().to_owned())
        .filter(|id| !id.is_empty());
    IncomingMessage {
        tenant,
        correlation_property,
        body: delivery.data.clone(),
    }
}

/// A header's text (publishers send it as a long or a short string).
fn text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}
