//! The broker link: connects, declares the queues and the exchange, starts the consumers,
//! and when the connection drops (broker restarted, connection closed, network) connects
//! again with a growing wait (0.5 s doubling up to `reconnect_max_secs`). Requests are
//! acknowledged only once handled, so those in flight when the link drops are delivered
//! again on the next connection; answers that follow orders wait in the outbox.

use super::publisher::{Publisher, short};
use super::{cancels, requests};
use crate::app::OrderMessageService;
use crate::app::order_messages::MessageLinkStatus;
use crate::config::AmqpSettings;
use crate::events::{ChannelHealth, WeakEventFeed};
use lapin::options::{
    BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// First wait before connecting again.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// What the consumers, the answer channel and the supervisor share.
pub(super) struct Link {
    /// Where the broker is, what to declare and consume.
    pub settings: AmqpSettings,
    /// What decides the answers.
    pub service: OrderMessageService,
    /// What operators see of the link.
    pub status: Arc<MessageLinkStatus>,
    /// The feed whose channel list shows the link's connection too.
    feed: WeakEventFeed,
    /// The publisher of the current connection; None while disconnected.
    publisher: Mutex<Option<Publisher>>,
}

impl Link {
    /// A link not yet connected.
    pub(super) fn new(
        settings: AmqpSettings,
        service: OrderMessageService,
        status: Arc<MessageLinkStatus>,
        feed: WeakEventFeed,
    ) -> Self {
        Self {
            settings,
            service,
            status,
            feed,
            publisher: Mutex::new(None),
        }
    }

    /// The link is up (no error) or down (`error`): in its status and in the events'
    /// channel list.
    fn report(&self, error: Option<&str>) {
        match error {
            None => self.status.connected(),
            Some(error) => self.status.failed(error),
        }
        if let Some(feed) = self.feed.upgrade() {
            let health = ChannelHealth {
                connected: Some(error.is_none()),
                failing: 0,
                last_error: self.status.view().last_error,
            };
            feed.lags().set_health(super::follow_ups::CHANNEL, health);
        }
    }

    /// The publisher of the current connection, if connected.
    pub(super) fn publisher(&self) -> Option<Publisher> {
        self.lock().clone()
    }

    fn set_publisher(&self, publisher: Option<Publisher>) {
        *self.lock() = publisher;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Publisher>> {
        self.publisher.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Keeps the link up for as long as the runtime runs.
pub(super) async fn supervise(link: Arc<Link>) {
    let longest = Duration::from_secs(link.settings.reconnect_max_secs.max(1));
    let mut wait = FIRST_RETRY;
    loop {
        match open(&link).await {
            Ok(session) => {
                wait = FIRST_RETRY;
                link.report(None);
                tracing::info!(
                    connection = %link.settings.connection_name,
                    request_queue = %link.settings.request_queue,
                    cancel_queue = %link.settings.cancel_queue,
                    response_exchange = %link.settings.response_exchange,
                    "AMQP link up"
                );
                let error = run(&link, session).await;
                link.set_publisher(None);
                link.report(Some(&error));
                tracing::warn!(error, "AMQP link lost; connecting again");
            }
            Err(e) => {
                let error = e.to_string();
                link.report(Some(&error));
                tracing::warn!(error, retry_in = ?wait, "cannot connect to the AMQP broker");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(longest);
    }
}

/// A connection with its consumers.
struct Session {
    connection: Connection,
    requests: (Channel, Consumer),
    cancels: (Channel, Consumer),
}

/// Connects, declares what the service uses, opens the publisher and both consumers.
async fn open(link: &Link) -> lapin::Result<Session> {
    let settings = &link.settings;
    let properties = ConnectionProperties::default()
        .with_connection_name(settings.connection_name.clone().into());
    let connection = Connection::connect(&settings.url, properties).await?;
    let publishing = connection.create_channel().await?;
    publishing
        .exchange_declare(
            short(&settings.response_exchange),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    publishing
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let requests = consumer(&connection, &settings.request_queue, settings.prefetch).await?;
    let cancels = consumer(&connection, &settings.cancel_queue, settings.prefetch).await?;
    link.set_publisher(Some(Publisher::new(
        publishing,
        short(&settings.response_exchange),
        link.status.clone(),
    )));
    Ok(Session {
        connection,
        requests,
        cancels,
    })
}

/// Declares the durable `queue` and consumes it on a channel of its own, at most `prefetch`
/// messages unacknowledged.
async fn consumer(
    connection: &Connection,
    queue: &str,
    prefetch: u16,
) -> lapin::Result<(Channel, Consumer)> {
    let channel = connection.create_channel().await?;
    channel
        .queue_declare(
            short(queue),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .basic_qos(prefetch.max(1), BasicQosOptions::default())
        .await?;
    let consumer = channel
        .basic_consume(
            short(queue),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok((channel, consumer))
}

/// Runs both consumers until one stops (the connection failed); answers why.
async fn run(link: &Arc<Link>, session: Session) -> String {
    let Session {
        connection,
        requests: (_requests_channel, requests),
        cancels: (_cancels_channel, cancels),
    } = session;
    let error = tokio::select! {
        e = requests::consume(link.clone(), requests) => e,
        e = cancels::consume(link.clone(), cancels) => e,
    };
    // The other consumer and the publisher go with the connection.
    let _ = connection.close(320, "reconnecting".into()).await;
    error
}
