//! `GET /admin/actors` (ADMIN): the engine live — registry, order actors, slot scheduler,
//! persistence actors, storages. An operator sees his tenant's orders only; INSTANCE_ADMIN,
//! the operator of the whole instance, sees every tenant's.

use crate::auth::{Authorised, roles};
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

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
    let view = state.operations.engine_view(&caller.requester()).await?;
    Ok(HttpResponse::Ok().json(view))
}
