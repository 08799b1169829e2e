//! Tenant settings (`/settings`, ADMIN): the values order creation and expiration use.

use crate::auth::{Authorised, roles};
use crate::http::{ApiError, EntityModel, JsonObject};
use crate::orders::settings::{self, NAMES, SettingDto};
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
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("Invalid query: {e}")))?;
    let asked: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "names")
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|n| n.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|n| !n.is_empty())
        .collect();
    let mut out = Vec::new();
    for name in NAMES
        .iter()
        .filter(|n| asked.is_empty() || asked.iter().any(|a| a == *n))
    {
        let dto = settings::read(
            state.store.as_ref(),
            &caller.tenant,
            name,
            &state.settings.orders,
        )
        .await?;
        out.push(EntityModel::bare(dto));
    }
    Ok(HttpResponse::Ok().json(out))
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
    if settings::default_of(&name, &state.settings.orders).is_none() {
        return Err(ApiError::NotFound(Some(format!("Unknown setting {name}"))));
    }
    settings::validate(&name, &body.value).map_err(ApiError::unprocessable)?;
    state
        .store
        .put_setting(&caller.tenant, &name, &body.value)
        .await?;
    let dto = settings::read(
        state.store.as_ref(),
        &caller.tenant,
        &name,
        &state.settings.orders,
    )
    .await?;
    Ok(HttpResponse::Ok().json(EntityModel::bare(dto)))
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
    if settings::default_of(&name, &state.settings.orders).is_none() {
        return Err(ApiError::NotFound(Some(format!("Unknown setting {name}"))));
    }
    state.store.delete_setting(&caller.tenant, &name).await?;
    let dto = settings::read(
        state.store.as_ref(),
        &caller.tenant,
        &name,
        &state.settings.orders,
    )
    .await?;
    Ok(HttpResponse::Ok().json(EntityModel::bare(dto)))
}
