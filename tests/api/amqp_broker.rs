//! The RabbitMQ side of the AMQP tests: the machine's broker (`TEST_AMQP_URL`, default
//! guest/guest on 127.0.0.1:5672), names unique to each test (tests run in parallel), a
//! client that plays a REGARDS service (publishes requests, reads every answer of the
//! response exchange), and a TCP relay between the service and the broker that a test cuts.

use futures::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions,
    ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use regards_order::config::AmqpSettings;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Longest wait for one answer.
const ANSWER_WAIT: Duration = Duration::from_secs(20);

/// The broker the tests use.
pub fn broker_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Settings with queue, exchange and connection names of their own, reaching the broker at
/// `url` (the broker, or a relay to it); short cancellation polls, fast reconnection.
pub fn amqp_settings(url: &str) -> AmqpSettings {
    let id = uuid::Uuid::new_v4().simple().to_string();
    AmqpSettings {
        url: url.to_owned(),
        request_queue: format!("test.{id}.request"),
        cancel_queue: format!("test.{id}.cancel"),
        response_exchange: format!("test.{id}.response"),
        prefetch: 16,
        connection_name: format!("regards-order-test-{id}"),
        reconnect_max_secs: 1,
        cancel_poll_millis: 100,
        cancel_polls: 100,
    }
}

/// An answer read from the response exchange.
#[derive(Debug, Clone)]
pub struct Answer {
    pub routing_key: String,
    /// The `correlation_id` property.
    pub correlation_id: Option<String>,
    pub persistent: bool,
    pub body: Value,
}

/// A REGARDS service on the broker: sends requests, reads answers.
pub struct Regards {
    connection: Connection,
    channel: Channel,
    answers: Consumer,
    settings: AmqpSettings,
    answer_queue: String,
}

impl Regards {
    /// Connects straight to the broker, declares the service's exchange (as the service does)
    /// and binds a queue of its own to every routing key.
    pub async fn connect(settings: &AmqpSettings) -> Self {
        Self::connect_with(settings, false).await
    }

    /// Same; with `durable_answers` the answers' queue survives a restart of the broker
    /// (answers published while the test's own connection is down wait in it).
    pub async fn connect_with(settings: &AmqpSettings, durable_answers: bool) -> Self {
        let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
            .await
            .expect("RabbitMQ reachable (TEST_AMQP_URL)");
        let channel = connection.create_channel().await.expect("channel");
        channel
            .exchange_declare(
                settings.response_exchange.as_str().into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("exchange");
        let answer_queue = format!("{}.answers", settings.response_exchange);
        channel
            .queue_declare(
                answer_queue.as_str().into(),
                QueueDeclareOptions {
                    auto_delete: !durable_answers,
                    durable: durable_answers,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("answer queue");
        channel
            .queue_bind(
                answer_queue.as_str().into(),
                settings.response_exchange.as_str().into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind");
        let answers = channel
            .basic_consume(
                answer_queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume answers");
        for queue in [&settings.request_queue, &settings.cancel_queue] {
            channel
                .queue_declare(
                    queue.as_str().into(),
                    QueueDeclareOptions {
                        durable: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .expect("request queue");
        }
        Regards {
            connection,
            channel,
            answers,
            settings: settings.clone(),
            answer_queue,
        }
    }

    /// Publishes `body` on the order request queue, with the tenant header when given.
    pub async fn request(&self, tenant: Option<&str>, body: &str) {
        self.publish(&self.settings.request_queue.clone(), tenant, None, body)
            .await;
    }

    /// Same, with a `correlation_id` property.
    pub async fn request_with_property(&self, tenant: Option<&str>, correlation: &str, body: &str) {
        self.publish(
            &self.settings.request_queue.clone(),
            tenant,
            Some(correlation),
            body,
        )
        .await;
    }

    /// Publishes `body` on the cancel queue.
    pub async fn cancel(&self, tenant: &str, body: &str) {
        self.publish(
            &self.settings.cancel_queue.clone(),
            Some(tenant),
            None,
            body,
        )
        .await;
    }

    async fn publish(
        &self,
        queue: &str,
        tenant: Option<&str>,
        correlation: Option<&str>,
        body: &str,
    ) {
        let mut properties = BasicProperties::default().with_delivery_mode(2);
        if let Some(tenant) = tenant {
            let mut headers = FieldTable::default();
            headers.insert(
                "regards.tenant".into(),
                AMQPValue::LongString(tenant.to_owned().into()),
            );
            properties = properties.with_headers(headers);
        }
        if let Some(correlation) = correlation {
            properties = properties.with_correlation_id(correlation.into());
        }
        self.channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body.as_bytes(),
                properties,
            )
            .await
            .expect("publish")
            .await
            .expect("published");
    }

    /// The next answer (panics after 20 s without one).
    pub async fn next(&mut self) -> Answer {
        let delivery = tokio::time::timeout(ANSWER_WAIT, self.answers.next())
            .await
            .expect("an answer within 20 s")
            .expect("answer stream open")
            .expect("answer delivered");
        delivery.ack(BasicAckOptions::default()).await.expect("ack");
        let body: Value = serde_json::from_slice(&delivery.data).expect("JSON answer");
        Answer {
            routing_key: delivery.routing_key.as_str().to_owned(),
            correlation_id: delivery
                .properties
                .correlation_id()
                .as_ref()
                .map(|c| c.as_str().to_owned()),
            persistent: *delivery.properties.delivery_mode() == Some(2),
            body,
        }
    }

    /// No answer arrives within `wait`.
    pub async fn assert_silent(&mut self, wait: Duration) {
        if let Ok(Some(Ok(delivery))) = tokio::time::timeout(wait, self.answers.next()).await {
            panic!(
                "unexpected answer: {}",
                String::from_utf8_lossy(&delivery.data)
            );
        }
    }

    /// Deletes the test's queues and exchange.
    pub async fn cleanup(self) {
        for queue in [
            &self.settings.request_queue,
            &self.settings.cancel_queue,
            &self.answer_queue,
        ] {
            let _ = self
                .channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        let _ = self
            .channel
            .exchange_delete(
                self.settings.response_exchange.as_str().into(),
                ExchangeDeleteOptions::default(),
            )
            .await;
        let _ = self.connection.close(200, "done".into()).await;
    }
}

/// A TCP relay to the broker: `cut` drops every relayed connection and refuses new ones
/// (the broker is unreachable), `restore` lets them through again.
pub struct Relay {
    pub url: String,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Relay {
    /// Listens on a port of its own and relays to the broker of `broker_url()`.
    pub async fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay port");
        let port = listener.local_addr().expect("address").port();
        let broker = broker_url();
        let target = broker
            .split('@')
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("127.0.0.1:5672")
            .to_owned();
        let url = broker.replace(&target, &format!("127.0.0.1:{port}"));
        let down = Arc::new(AtomicBool::new(false));
        let (cut, _) = watch::channel(0u64);
        let relay = Relay {
            url,
            down: down.clone(),
            cut: cut.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cut.subscribe();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        relay
    }

    /// The broker becomes unreachable: connections drop, new ones are refused.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// The broker is reachable again.
    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

/// Closes, from the broker's side, the connection named `connection_name` (as an operator
/// or a broker shutting down does), with `rabbitmqctl`. False when `rabbitmqctl` cannot be
/// run here.
pub fn close_connection_on_broker(connection_name: &str) -> bool {
    // Tab-separated lines: the connection's Erlang pid, then its client properties.
    let listed = std::process::Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "pid",
            "client_properties",
            "--quiet",
            "--no-table-headers",
        ])
        .output();
    let Ok(listed) = listed else { return false };
    if !listed.status.success() {
        return false;
    }
    let listed = String::from_utf8_lossy(&listed.stdout);
    let pid = listed
        .lines()
        .find(|line| line.contains(connection_name))
        .and_then(|line| line.split('\t').next())
        .unwrap_or_else(|| panic!("no connection {connection_name} in {listed}"))
        .to_owned();
    let closed = std::process::Command::new("rabbitmqctl")
        .args(["close_connection", &pid, "closed by a test"])
        .status()
        .expect("rabbitmqctl close_connection");
    assert!(closed.success(), "rabbitmqctl close_connection {pid}");
    true
}

/// Restarts RabbitMQ's application (every connection drops, durable queues and persistent
/// messages stay) and waits until it takes connections again. False when `rabbitmqctl`
/// cannot be run here.
pub fn restart_broker() -> bool {
    let run = |args: &[&str]| {
        std::process::Command::new("rabbitmqctl")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    run(&["stop_app"]) && run(&["start_app"]) && run(&["await_startup"])
}
