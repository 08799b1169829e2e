//! Webhooks: `/user/webhooks` (REGISTERED_USER: callbacks for the caller's own orders) and
//! `/webhooks` (ADMIN: callbacks for every order of the tenant; the listing shows users'
//! callbacks too). `POST` registers (201), `GET` lists with where each delivery stands,
//! `DELETE …/{id}` deletes (404 for a callback the caller may not manage). The secret is
//! never answered.

use crate::app::webhooks::{Registration, WebhookView};
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, JsonObject};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use regards_order_actors::domain::events::EventType;
use regards_order_actors::domain::webhook::WebhookScope;
use serde::Deserialize;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register_mine)
        .service(list_mine)
        .service(delete_mine)
        .service(register_tenant)
        .service(list_tenant)
        .service(delete_tenant);
}

/// Body of a registration, for the OpenAPI document (`RawRegistration` reads it).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WebhookRegistration {
    /// Where events are posted (http or https; no loopback or private address unless
    /// `webhooks.allow_private_targets`).
    #[schema(min_length = 1)]
    url: String,
    /// Key of each delivery's `X-Regards-Signature` (HMAC-SHA256); never answered.
    #[schema(min_length = 1)]
    secret: String,
    /// Event types to deliver; every type when left out.
    #[schema(min_items = 1)]
    types: Option<Vec<EventType>>,
}

/// Body of a registration as received: type names are checked by the service, which names
/// the known ones in its 422.
#[derive(Debug, Deserialize)]
struct RawRegistration {
    url: String,
    secret: String,
    types: Option<Vec<String>>,
}

impl From<RawRegistration> for Registration {
    fn from(raw: RawRegistration) -> Self {
        Registration {
            url: raw.url,
            secret: raw.secret,
            types: raw.types,
        }
    }
}

/// Registers a callback for the caller's orders; it hears of events from now on.
#[utoipa::path(post, path = "/user/webhooks", tag = "events", request_body = WebhookRegistration,
    responses((status = 201, body = WebhookView), (status = 400, body = crate::http::Messages),
        (status = 422, body = crate::http::Messages)))]
#[post("/user/webhooks")]
pub(crate) async fn register_mine(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    body: JsonObject<RawRegistration>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .webhooks
        .register(
            &caller.requester(),
            WebhookScope::Owner,
            body.into_inner().into(),
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The caller's callbacks, with their failures and backlog.
#[utoipa::path(get, path = "/user/webhooks", tag = "events",
    responses((status = 200, body = Vec<WebhookView>)))]
#[get("/user/webhooks")]
pub(crate) async fn list_mine(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let views = state
        .webhooks
        .list(&caller.requester(), WebhookScope::Owner)
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Deletes one of the caller's callbacks (404 for any other).
#[utoipa::path(delete, path = "/user/webhooks/{id}", tag = "events",
    params(("id" = i64, Path,)),
    responses((status = 204), (status = 404, body = crate::http::Messages)))]
#[delete("/user/webhooks/{id}")]
pub(crate) async fn delete_mine(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state
        .webhooks
        .delete(&caller.requester(), WebhookScope::Owner, id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers a callback for every order of the tenant; it hears of events from now on.
#[utoipa::path(post, path = "/webhooks", tag = "events", request_body = WebhookRegistration,
    responses((status = 201, body = WebhookView), (status = 400, body = crate::http::Messages),
        (status = 403), (status = 422, body = crate::http::Messages)))]
#[post("/webhooks")]
pub(crate) async fn register_tenant(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    body: JsonObject<RawRegistration>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .webhooks
        .register(
            &caller.requester(),
            WebhookScope::Tenant,
            body.into_inner().into(),
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every callback of the tenant (users' ones too), with their owner, failures and backlog.
#[utoipa::path(get, path = "/webhooks", tag = "events",
    responses((status = 200, body = Vec<WebhookView>), (status = 403)))]
#[get("/webhooks")]
pub(crate) async fn list_tenant(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let views = state
        .webhooks
        .list(&caller.requester(), WebhookScope::Tenant)
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Deletes any callback of the tenant (404 for one of another tenant).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "events",
    params(("id" = i64, Path,)),
    responses((status = 204), (status = 403), (status = 404, body = crate::http::Messages)))]
#[delete("/webhooks/{id}")]
pub(crate) async fn delete_tenant(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state
        .webhooks
        .delete(&caller.requester(), WebhookScope::Tenant, id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
