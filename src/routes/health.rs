//! `/health`, `/ready` and `/metrics`: no authentication.

use crate::app::Readiness;
use crate::http::RETRY_AFTER_SECS;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(ready).service(metrics);
}

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, description = "process up")))]
#[get("/health")]
pub(super) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "UP"}))
}

/// The database takes requests and the engine runs: the service can take requests. Answers
/// within a second whatever the database does (a readiness probe usually allows 1 s).
#[utoipa::path(get, path = "/ready", tag = "operations", responses((status = 200, description = "database reachable"), (status = 503, description = "database down or engine stopped")))]
#[get("/ready")]
pub(super) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.operations.backend();
    match state.operations.readiness().await {
        Readiness::Up => HttpResponse::Ok().json(json!({"status": "UP", "database": backend})),
        Readiness::Down(reason) => HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()))
            .json(json!({"status": "DOWN", "database": backend, "reason": reason})),
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let actors = state.operations.actor_counts();
    let amqp = state
        .operations
        .message_link()
        .map(|link| {
            format!(
                "# HELP regards_order_amqp_connected 1 when the AMQP link is up.\n\
                 # TYPE regards_order_amqp_connected gauge\n\
                 regards_order_amqp_connected {}\n\
                 # HELP regards_order_amqp_connections_total AMQP connections opened.\n\
                 # TYPE regards_order_amqp_connections_total counter\n\
                 regards_order_amqp_connections_total {}\n\
                 # HELP regards_order_amqp_requests_total Order requests answered over AMQP.\n\
                 # TYPE regards_order_amqp_requests_total counter\n\
                 regards_order_amqp_requests_total {}\n\
                 # HELP regards_order_amqp_published_total AMQP messages confirmed by the broker.\n\
                 # TYPE regards_order_amqp_published_total counter\n\
                 regards_order_amqp_published_total {}\n",
                u8::from(link.state == "connected"),
                link.connections,
                link.requests,
                link.published
            )
        })
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(format!(
            "{}# HELP regards_order_active_order_actors Order actors alive.\n\
             # TYPE regards_order_active_order_actors gauge\n\
             regards_order_active_order_actors {}\n\
             # HELP regards_order_actor_restarts_total Order actors re-created after they died.\n\
             # TYPE regards_order_actor_restarts_total counter\n\
             regards_order_actor_restarts_total {}\n{}{amqp}",
            state.metrics.render(),
            actors.active,
            actors.restarts,
            state.operations.event_backlog().metrics()
        ))
}
