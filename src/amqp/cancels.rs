//! The cancel request consumer: each cancellation runs on its own task (it may wait for a
//! paused order's retrievals to stop) and acknowledges its request when done.

use super::link::Link;
use super::message::incoming;
use futures::StreamExt;
use lapin::Consumer;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use std::sync::Arc;
use std::time::Duration;

/// Wait before a cancellation that could not be done now is handed back to the broker.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts a cancellation per request until the consumer stops; answers why it stopped.
pub(super) async fn consume(link: Arc<Link>, mut consumer: Consumer) -> String {
    while let Some(delivery) = consumer.next().await {
        match delivery {
            Ok(delivery) => {
                tokio::spawn(handle(link.clone(), delivery));
            }
            Err(e) => return format!("cancel request consumer: {e}"),
        }
    }
    "the cancel request consumer was cancelled".into()
}

/// Cancels the order, publishes the FAILED answer if it cannot be, acknowledges. When the
/// link drops meanwhile the request is delivered again (cancelling twice is harmless).
async fn handle(link: Arc<Link>, delivery: Delivery) {
    let message = incoming(&delivery);
    let done = match link.service.cancel_request(&message).await {
        Ok(None) => true,
        Ok(Some(reply)) => match link.publisher() {
            Some(publisher) => match publisher.publish(&reply).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "cancel failure answer not published");
                    false
                }
            },
            None => false,
        },
        Err(e) => {
            tracing::warn!(error = %e, "cancel request not handled now; it will be delivered again");
            tokio::time::sleep(RETRY_AFTER).await;
            false
        }
    };
    let outcome = if done {
        link.status.cancel_handled();
        delivery.ack(BasicAckOptions::default()).await.map(drop)
    } else {
        let requeue = BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        };
        delivery.nack(requeue).await.map(drop)
    };
    if let Err(e) = outcome {
        tracing::debug!(error = %e, "cancel request not acknowledged: it will be delivered again");
    }
}
