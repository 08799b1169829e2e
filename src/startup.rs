//! Build, then run: binds the listener (port 0 allowed), checks the keys, opens the database,
//! wires the routes and the request limits.

use crate::app::downloads::DownloadService;
use crate::app::order_messages::CancelWait;
use crate::app::{
    BasketService, CatalogService, EventService, OperationsService, OrderMessageService,
    OrderService, TenantSettingsService, WebhookService,
};
use crate::auth::{OrderTokenCodec, TokenCodec};
use crate::basket::MAX_UPLOAD_REQUEST_BYTES;
use crate::config::Settings;
use crate::events::{self, EventFeed, WebhookDelivery};
use crate::http::stall::remember_socket;
use crate::http::{ApiError, BodyLimits, guard_body, json_config, path_config, query_config};
use crate::mail::{self, Reminders};
use crate::state::AppState;
use crate::storage::Storages;
use crate::telemetry::{Metrics, RedactedRootSpan, observe, redact};
use crate::{db, engine_setup, routes};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::Store;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

/// The assembled service, bound and ready to run.
pub struct Application {
    address: SocketAddr,
    server: Server,
    store: Arc<dyn Store>,
    engine: Engine,
    reminders: Option<Arc<Reminders>>,
}

impl Application {
    /// Binds `settings.bind`, checks the signing keys for that address, opens and migrates
    /// the database and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot bind {}", settings.bind))?;
        let address = listener.local_addr()?;
        settings.check_keys_for(address)?;
        warn_of_development_secrets(&settings);
        log_configuration(&settings);
        let store = open_database(&settings).await?;
        let storages = Arc::new(Storages::for_service(&settings)?);
        let feed = EventFeed::start(store.clone()).await;
        events::run_pruning(
            &feed,
            Duration::from_secs(settings.events.retention_hours.saturating_mul(3600)),
        );
        let public_url = public_url(&settings, address);
        let reminders = mail::start(&settings, &feed, public_url.clone())?;
        // After the storages: with the `https` feature, they install the TLS provider the
        // webhooks' client needs.
        let webhooks = WebhookDelivery::start(&feed, &settings.webhooks)?;
        let engine = engine_setup::start(&settings, store.clone(), storages.clone());
        let recovered = engine.recover().await?;
        tracing::info!(orders = recovered, "orders to resume re-activated");
        let tokens = web::Data::new(TokenCodec::new(&settings.auth.jwt_secret));
        let metrics = Arc::new(Metrics::default());
        let state = web::Data::new(app_state(Parts {
            public_url,
            settings: Arc::new(settings),
            store: store.clone(),
            engine: engine.clone(),
            storages,
            metrics: metrics.clone(),
            feed,
            webhooks,
        }));
        let server = serve(listener, state, tokens, metrics)?;
        tracing::info!("listening on {address}");
        Ok(Self {
            address,
            server,
            store,
            engine,
            reminders,
        })
    }

    /// The bound address (with the real port when `bind` used port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database (tests read what no endpoint shows).
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The order engine (tests reach its actors).
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }

    /// The reminders of waiting files (None without `[smtp]`): tests run them at a time of
    /// their choosing.
    pub fn reminders(&self) -> Option<Arc<Reminders>> {
        self.reminders.clone()
    }

    /// Runs until the server stops (SIGINT/SIGTERM stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        // Graceful stop: what the persistence actors still hold is written before exit.
        if let Err(e) = self.engine.flush().await {
            tracing::error!(error = %e, "cannot flush the order changes at shutdown");
        }
        Ok(())
    }
}

/// What the services are made of.
struct Parts {
    settings: Arc<Settings>,
    store: Arc<dyn Store>,
    engine: Engine,
    storages: Arc<Storages>,
    metrics: Arc<Metrics>,
    public_url: String,
    feed: EventFeed,
    webhooks: WebhookDelivery,
}

/// The services over the database, the engine and the storages, and what HTTP needs.
fn app_state(parts: Parts) -> AppState {
    let Parts {
        settings,
        store,
        engine,
        storages,
        metrics,
        public_url,
        feed,
        webhooks,
    } = parts;
    let baskets = BasketService::new(store.clone());
    let tenant_settings = TenantSettingsService::new(store.clone(), settings.orders.clone());
    let orders = OrderService::new(
        store.clone(),
        engine.clone(),
        baskets.clone(),
        tenant_settings.clone(),
    );
    let mut operations = OperationsService::new(
        store.clone(),
        engine.clone(),
        storages.clone(),
        feed.clone(),
    );
    if let Some(amqp) = settings.amqp.clone() {
        let cancel_wait = CancelWait {
            poll: Duration::from_millis(amqp.cancel_poll_millis),
            polls: amqp.cancel_polls,
        };
        let service = OrderMessageService::new(
            orders.clone(),
            store.clone(),
            public_url.clone(),
            cancel_wait,
        );
        operations = operations.with_message_link(crate::amqp::start(amqp, service, &feed));
    }
    let downloads = DownloadService::new(
        store.clone(),
        engine.clone(),
        storages.clone(),
        &settings,
        public_url.clone(),
    );
    AppState {
        orders,
        baskets,
        catalog: CatalogService::new(store.clone(), storages.owns_location()),
        tenant_settings,
        operations,
        order_tokens: OrderTokenCodec::new(&settings.auth.order_secret),
        stream_limits: downloads.stream_limits().clone(),
        downloads,
        events: EventService::new(
            feed,
            settings.events.max_streams_per_user,
            Duration::from_secs(settings.events.heartbeat_secs),
        ),
        webhooks: WebhookService::new(store.clone(), webhooks, settings.webhooks.clone()),
        metrics,
        public_url,
        settings,
    }
}

/// Says loudly which signing keys are the built-in development ones.
fn warn_of_development_secrets(settings: &Settings) {
    for key in settings.uses_development_secrets() {
        tracing::warn!(
            "!!! {key} is the built-in DEVELOPMENT key: anyone can forge tokens. \
             Set it (REGARDS_ORDER_{}) before exposing this service !!!",
            key.to_uppercase().replace('.', "__")
        );
    }
}

/// Opens and migrates the database, waiting for it up to the commit timeout.
async fn open_database(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let database_url = settings.effective_database_url();
    let wait = Duration::from_secs(settings.engine.commit_timeout_secs);
    let store = db::connect_waiting(&database_url, wait).await?;
    tracing::info!(
        backend = store.backend().as_str(),
        url = db::redact(&database_url),
        "database ready"
    );
    Ok(store)
}

/// Base of every URL the service writes: the configured public URL, else the bound address.
fn public_url(settings: &Settings, address: SocketAddr) -> String {
    settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"))
        .trim_end_matches('/')
        .to_owned()
}

/// Logs the configuration in effect, with every password and token masked, and creates
/// the default storage's folder so that it is ready to receive files.
fn log_configuration(settings: &Settings) {
    let storages = settings.effective_storages();
    tracing::info!(
        settings = %redact(&format!("{settings:?}")),
        storages = %redact(&format!("{storages:?}")),
        "effective configuration"
    );
    if settings.storages.is_empty()
        && let Some(default) = storages.first()
        && let Err(e) = std::fs::create_dir_all(&default.root)
    {
        tracing::warn!(root = %default.root, error = %e, "cannot create the default storage");
    }
}

/// The body limits `settings` configure.
fn body_limits(settings: &Settings) -> BodyLimits {
    let kib = |n: u64| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .saturating_mul(1024)
    };
    BodyLimits {
        json: kib(settings.http.max_json_body_kb),
        import: kib(settings.max_body_mb).saturating_mul(1024),
        upload: MAX_UPLOAD_REQUEST_BYTES,
        timeout: Duration::from_secs(settings.http.body_timeout_secs),
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    tokens: web::Data<TokenCodec>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Server> {
    let limits = body_limits(&state.settings);
    // The guard enforces each endpoint's limit; the extractors only need to let it through.
    let largest = limits.json.max(limits.import).max(limits.upload);
    let max_connections = state.settings.http.max_connections_per_worker;
    let limits = web::Data::new(limits);
    let metrics = web::Data::new(metrics);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(tokens.clone())
            .app_data(metrics.clone())
            .app_data(limits.clone())
            .app_data(json_config(limits.json))
            .app_data(web::PayloadConfig::new(largest))
            .app_data(path_config())
            .app_data(query_config())
            .configure(routes::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound(Some(
                    "No such endpoint".into(),
                )))
            }))
            // Innermost: a documented path called with a method it does not serve is answered
            // before routing, by the body guard, the metrics and the logs like any answer.
            .wrap(from_fn(routes::method_not_allowed::refuse_unserved_methods))
            .wrap(from_fn(guard_body))
            .wrap(from_fn(observe))
            .wrap(TracingLogger::<RedactedRootSpan>::new())
    })
    // Each connection keeps its socket, so that a client stalling a stream can be cut off.
    .on_connect(remember_socket)
    .max_connections(max_connections)
    .listen(listener)?
    .run();
    Ok(server)
}
