//! Tenant settings (`/settings`, ADMIN): the values order creation and expiration use.

use crate::auth::{Authorised, roles};
use crate::http::{ApiError, EntityModel, JsonObject};
use crate::orders::settings::SettingDto;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Deserialize;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_settings)
        .service(update_setting)
        .service(reset_setting);
}

/// `EntityModel<SettingDto>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SettingModel {
    content: SettingDto,
    links: Vec<crate::http::Link>,
}

/// Body of an update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SettingValue {
    pub value: serde_json::Value,
}

/// The settings named by `names` (comma-separated or repeated), or all of them.
#[utoipa::path(get, path = "/settings", tag = "settings",
    params(("names" = Option<String>, Query, description = "setting names, comma-separated")),
    responses((status = 200, body = Vec<SettingModel>)))]
#[get("/settings")]
pub(super) async fn list_settings(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let names = asked_names(req.query_string())?;
    let settings = state
        .tenant_settings
        .list(&caller.requester(), &names)
        .await?;
    let out: Vec<_> = settings.into_iter().map(EntityModel::bare).collect();
    Ok(HttpResponse::Ok().json(out))
}

/// The names of the `names` parameters (comma-separated or repeated), blanks skipped.
fn asked_names(query: &str) -> Result<Vec<String>, ApiError> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .map_err(|e| ApiError::BadRequest(format!("Invalid query: {e}")))?;
    Ok(pairs
        .into_iter()
        .filter(|(k, _)| k == "names")
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|n| n.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|n| !n.is_empty())
        .collect())
}

/// Sets a value (422 when invalid, 404 for an unknown setting).
#[utoipa::path(put, path = "/settings/{name}", tag = "settings", request_body = SettingValue,
    params(("name" = String, Path,)),
    responses((status = 200, body = SettingModel), (status = 404, body = crate::http::Messages),
        (status = 422, body = crate::http::Messages)))]
#[put("/settings/{name}")]
pub(super) async fn update_setting(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: JsonObject<SettingValue>,
) -> Result<HttpResponse, ApiError> {
    let setting = state
        .tenant_settings
        .update(&caller.requester(), &name, &body.value)
        .await?;
    Ok(HttpResponse::Ok().json(EntityModel::bare(setting)))
}

/// Resets a setting to its default.
#[utoipa::path(delete, path = "/settings/{name}", tag = "settings",
    params(("name" = String, Path,)),
    responses((status = 200, body = SettingModel), (status = 404, body = crate::http::Messages)))]
#[delete("/settings/{name}")]
pub(super) async fn reset_setting(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let setting = state
        .tenant_settings
        .reset(&caller.requester(), &name)
        .await?;
    Ok(HttpResponse::Ok().json(EntityModel::bare(setting)))
}
