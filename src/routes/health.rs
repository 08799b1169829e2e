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
    let engine = state.engine.is_running();
    match state.store.ping().await {
        Ok(()) if engine => HttpResponse::Ok().json(json!({
            "status": "UP",
            "database": state.store.backend(),
        })),
        Ok(()) => HttpResponse::ServiceUnavailable().json(json!({
            "status": "DOWN",
            "database": state.store.backend(),
            "engine": "stopped",
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
        .body(format!(
            "{}# HELP regards_order_active_order_actors Order actors alive.\n\
             # TYPE regards_order_active_order_actors gauge\n\
             regards_order_active_order_actors {}\n\
             # HELP regards_order_actor_restarts_total Order actors re-created after they died.\n\
             # TYPE regards_order_actor_restarts_total counter\n\
             regards_order_actor_restarts_total {}\n",
            state.metrics.render(),
            state.engine.active_count(),
            state.engine.restarts()
        ))
}
