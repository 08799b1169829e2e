//! The order request consumer: one request at a time (requests of one user share his
//! basket), acknowledged once its answer is recorded and confirmed by the broker.

use super::link::Link;
use super::message::incoming;
use futures::StreamExt;
use lapin::Consumer;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use std::sync::Arc;
use std::time::Duration;

/// Wait before a request that could not be handled (database or engine away) is handed
/// back to the broker, which delivers it again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Handles requests until the consumer stops; answers why it stopped.
pub(super) async fn consume(link: Arc<Link>, mut consumer: Consumer) -> String {
    while let Some(delivery) = consumer.next().await {
        let delivery = match delivery {
            Ok(delivery) => delivery,
            Err(e) => return format!("order request consumer: {e}"),
        };
        if let Err(e) = handle(&link, delivery).await {
            return format!("order requests: {e}");
        }
    }
    "the order request consumer was cancelled".into()
}

/// Answers one request; an error is the link's (the request is delivered again).
async fn handle(link: &Link, delivery: Delivery) -> Result<(), lapin::Error> {
    let message = incoming(&delivery);
    let reply = match link.service.order_request(&message).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::warn!(error = %e, "order request not handled now; it will be delivered again");
            tokio::time::sleep(RETRY_AFTER).await;
            return requeue(delivery).await;
        }
    };
    let Some(publisher) = link.publisher() else {
        return requeue(delivery).await;
    };
    if let Err(e) = publisher.publish(&reply).await {
        tracing::warn!(error = %e, "order request answer not published");
        return requeue(delivery).await;
    }
    if let Err(e) = link.service.reply_sent(&reply).await {
        // Answered again (the same) on redelivery, then recorded.
        tracing::warn!(error = %e, "order request answer not recorded as sent");
        tokio::time::sleep(RETRY_AFTER).await;
        return requeue(delivery).await;
    }
    link.status.request_answered();
    delivery.ack(BasicAckOptions::default()).await.map(drop)
}

/// Hands the request back to the broker.
async fn requeue(delivery: Delivery) -> Result<(), lapin::Error> {
    delivery
        .nack(BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        })
        .await
        .map(drop)
}
