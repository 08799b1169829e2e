//! `/health`, `/ready` and `/metrics`: no authentication.

use crate::state::AppState;
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

/// The database answers: the service can take requests.
#[utoipa::path(get, path = "/ready", tag = "operations", responses((status = 200, description = "database reachable"), (status = 503, description = "database down")))]
#[get("/ready")]
pub(super) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "UP",
            "database": state.store.backend(),
        })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "DOWN",
                "database": state.store.backend(),
            }))
        }
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
