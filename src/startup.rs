//! Build, then run: binds the listener (port 0 allowed), checks the keys, opens the database,
//! wires the routes and the request limits.

use crate::auth::{OrderTokenCodec, TokenCodec};
use crate::basket::{BasketService, MAX_UPLOAD_REQUEST_BYTES};
use crate::config::Settings;
use crate::downloads::limits::StreamLimits;
use crate::http::stall::remember_socket;
use crate::http::{ApiError, BodyLimits, guard_body, json_config, path_config, query_config};
use crate::state::AppState;
use crate::storage::Storages;
use crate::telemetry::{Metrics, RedactedRootSpan, observe, redact};
use crate::{db, engine_setup, routes};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

/// The assembled service, bound and ready to run.
pub struct Application {
    address: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Binds `settings.bind`, checks the signing keys for that address, opens and migrates
    /// the database and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot bind {}", settings.bind))?;
        let address = listener.local_addr()?;
        settings.check_keys_for(address)?;
        for key in settings.uses_development_secrets() {
            tracing::warn!(
                "!!! {key} is the built-in DEVELOPMENT key: anyone can forge tokens. \
                 Set it (REGARDS_ORDER_{}) before exposing this service !!!",
                key.to_uppercase().replace('.', "__")
            );
        }
        log_configuration(&settings);
        let database_url = settings.effective_database_url();
        let wait = Duration::from_secs(settings.engine.commit_timeout_secs);
        let store = db::connect_waiting(&database_url, wait).await?;
        tracing::info!(
            backend = store.backend(),
            url = db::redact(&database_url),
            "database ready"
        );
        let storages = Arc::new(Storages::for_service(&settings)?);
        let engine = engine_setup::start(&settings, store.clone(), storages.clone());
        let recovered = engine.recover().await?;
        tracing::info!(orders = recovered, "orders to resume re-activated");
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"))
            .trim_end_matches('/')
            .to_owned();
        let metrics = Arc::new(Metrics::default());
        let state = web::Data::new(AppState {
            tokens: TokenCodec::new(&settings.auth.jwt_secret),
            order_tokens: OrderTokenCodec::new(&settings.auth.order_secret),
            baskets: BasketService::new(store.clone()),
            engine,
            storages,
            stream_limits: StreamLimits::new(settings.downloads.max_streams_per_user),
            settings: Arc::new(settings),
            store,
            metrics: metrics.clone(),
            public_url,
        });
        let server = serve(listener, state.clone(), metrics)?;
        tracing::info!("listening on {address}");
        Ok(Self {
            address,
            server,
            state,
        })
    }

    /// The bound address (with the real port when `bind` used port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The shared state (tests use it to reach the store).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Runs until the server stops (SIGINT/SIGTERM stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        // Graceful stop: what the persistence actors still hold is written before exit.
        if let Err(e) = self.state.engine.flush().await {
            tracing::error!(error = %e, "cannot flush the order changes at shutdown");
        }
        Ok(())
    }
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
            .app_data(metrics.clone())
            .app_data(limits.clone())
            .app_data(json_config(limits.json))
            .app_data(web::PayloadConfig::new(largest))
            .app_data(path_config())
            .app_data(query_config())
            // First: it takes only the methods a documented path does not serve.
            .configure(routes::method_not_allowed::configure)
            .configure(routes::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound(Some(
                    "No such endpoint".into(),
                )))
            }))
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
