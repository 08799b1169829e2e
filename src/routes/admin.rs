//! `GET /admin/actors` (ADMIN): the engine live — registry, order actors, slot scheduler,
//! persistence actors, storages. An operator sees his tenant's orders only; INSTANCE_ADMIN,
//! the operator of the whole instance, sees every tenant's.

use crate::auth::{Authorised, Role, roles};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(actors);
}

/// Every actor of the engine with its figures (mailbox, retrievals in flight, restarts, last
/// persisted change), the persistence actors' queues and batches, and the storages. Orders,
/// restarts and slots are the caller's tenant's unless he is INSTANCE_ADMIN; the persistence
/// actors and the storages are shared by every tenant and shown whole (counts, no order).
#[utoipa::path(get, path = "/admin/actors", tag = "operations",
    responses((status = 200, description = "the engine's actors"), (status = 403)))]
#[get("/admin/actors")]
pub(super) async fn actors(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = (caller.role != Role::InstanceAdmin).then_some(&caller.tenant);
    let status = state.engine.status(scope).await?;
    let storages: Vec<_> = state
        .storages
        .all()
        .iter()
        .map(|s| json!({"name": s.name(), "kind": s.kind(), "inFlight": s.in_flight()}))
        .collect();
    let mut body = serde_json::to_value(&status).map_err(|e| ApiError::Internal(e.into()))?;
    body["storages"] = json!(storages);
    Ok(HttpResponse::Ok().json(body))
}
