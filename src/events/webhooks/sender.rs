//! One delivery attempt: `POST` of an event's JSON, signed, to a callback's URL. Any answer
//! but 2xx, a timeout or a connection failure is a failure, described for the callback's
//! `lastError`. Redirects are not followed (a 3xx is a failure: following it could lead to a
//! private address), no proxy is used, and names are resolved by a resolver that refuses
//! private addresses, so the address checked is the address connected to.

use super::signature::sign;
use super::target::{self, TargetError};
use crate::config::WebhookSettings;
use regards_order_actors::domain::events::StoredEvent;
use regards_order_actors::domain::webhook::Webhook;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Sends deliveries, at most `webhooks.max_parallel` at once.
pub struct Sender {
    client: reqwest::Client,
    permits: Semaphore,
    allow_private: bool,
}

impl Sender {
    /// A sender with the timeouts and the address rules of `settings`.
    pub fn new(settings: &WebhookSettings) -> anyhow::Result<Self> {
        #[cfg(feature = "https")]
        {
            // reqwest looks the provider up when a client is built (see `storage/tls.rs`).
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("regards-order/", env!("CARGO_PKG_VERSION")));
        if !settings.allow_private_targets {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder
            .build()
            .map_err(|e| anyhow::anyhow!("webhook HTTP client: {e}"))?;
        Ok(Sender {
            client,
            permits: Semaphore::new(settings.max_parallel.max(1)),
            allow_private: settings.allow_private_targets,
        })
    }

    /// Posts `event` to `webhook`; the failure's description otherwise.
    pub async fn send(&self, webhook: &Webhook, event: &StoredEvent) -> Result<(), String> {
        let url = target::check_target(&webhook.url, true)
            .await
            .map_err(|e| e.to_string())?;
        if !self.allow_private
            && let Some(host) = url.host_str()
        {
            // An IP literal is not resolved by the client: check it here.
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<std::net::IpAddr>()
                && target::is_private(ip)
            {
                return Err(TargetError::Private {
                    host: host.to_owned(),
                    address: ip,
                }
                .to_string());
            }
        }
        let body = event.to_json();
        let timestamp = chrono::Utc::now().timestamp();
        let request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Regards-Event-Id", event.id.to_string())
            .header("X-Regards-Timestamp", timestamp.to_string())
            .header(
                "X-Regards-Signature",
                sign(webhook.secret.expose(), timestamp, &body),
            )
            .body(body);
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| "the service is stopping".to_owned())?;
        let response = request.send().await.map_err(|e| describe(&e))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// A reqwest error in a line: what failed and the innermost cause.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("{what}: {cause}")
}

/// Resolves names to their addresses, refusing a name with a private one.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = target::resolve(&host, 0).await?;
            target::refuse_private(&host, &addresses)?;
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regards_order_actors::domain::Tenant;
    use regards_order_actors::domain::events::{EventType, OrderEvent};
    use regards_order_actors::domain::order::OrderStatus;
    use regards_order_actors::domain::webhook::{WebhookCursor, WebhookScope, WebhookSecret};

    fn settings() -> WebhookSettings {
        WebhookSettings {
            max_attempts: 3,
            allow_private_targets: false,
            first_retry_secs: 1,
            timeout_secs: 2,
            max_parallel: 4,
            max_per_user: 5,
        }
    }

    fn webhook(url: &str) -> Option<Webhook> {
        Some(Webhook {
            id: 1,
            tenant: Tenant::parse("t").ok()?,
            owner: "u@x".into(),
            scope: WebhookScope::Owner,
            url: url.into(),
            secret: WebhookSecret::parse("s")?,
            types: vec![EventType::OrderStatus],
            created_at: chrono::Utc::now(),
            cursor: WebhookCursor::default(),
        })
    }

    fn event() -> Option<StoredEvent> {
        Some(StoredEvent {
            id: 1,
            event: OrderEvent {
                key: "k".into(),
                kind: EventType::OrderStatus,
                tenant: Tenant::parse("t").ok()?,
                order_id: 1,
                owner: "u@x".into(),
                label: "l".into(),
                status: OrderStatus::Done,
                percent_completed: 100,
                available_files_count: 0,
                files_in_error_count: 0,
                sub_order_id: None,
                total_sub_orders: None,
                date: chrono::Utc::now(),
            },
        })
    }

    /// What a registration checked can change: a name that now resolves to loopback, or a
    /// stored literal address, is refused when delivering, before any connection.
    #[tokio::test]
    async fn private_targets_are_refused_when_delivering() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
        let port = listener
            .as_ref()
            .map_or(9, |l| l.local_addr().map_or(9, |a| a.port()));
        let Ok(sender) = Sender::new(&settings()) else {
            panic!("client");
        };
        let event = event().unwrap_or_else(|| unreachable!());
        for url in [
            format!("http://localhost:{port}/hook"),
            format!("http://127.0.0.1:{port}/hook"),
            format!("http://[::1]:{port}/hook"),
        ] {
            let hook = webhook(&url).unwrap_or_else(|| unreachable!());
            let refused = sender.send(&hook, &event).await;
            let error = refused.err().unwrap_or_default();
            assert!(error.contains("loopback, private"), "{url}: {error}");
        }
    }
}
