//! A1 and A2 (create from the caller's basket), A3 (automatic order), A7 (restart).

use super::lifecycle::act;
use super::{OrderModel, order_model};
use crate::auth::{Authorised, Caller, roles};
use crate::http::{ApiError, EntityModel, JsonObject};
use crate::orders::create::{BasketSource, NewOrder, OrderRequest, create};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use regards_order_actors::domain::order::{OrderHeader, OrderKind, order_label};
use regards_order_actors::domain::{BasketSelectionRequest, FileSelectionDescription, dates};
use regards_order_actors::engine::Action;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// 201 with the new (PENDING) order.
fn created(state: &AppState, caller: &Caller, header: &OrderHeader) -> HttpResponse {
    HttpResponse::Created().json(order_model(state, caller, header, &[], false))
}

/// Creates an order from the caller's basket; 204 when there is none.
async fn from_basket(
    state: &AppState,
    caller: &Caller,
    request: OrderRequest,
    kind: OrderKind,
) -> Result<HttpResponse, ApiError> {
    // A label too long is the request's own fault, whatever the basket holds.
    order_label(request.label.as_deref(), Utc::now())?;
    let _guard = state.baskets.lock(caller).await;
    if state
        .store
        .load_basket(&caller.tenant, &caller.email)
        .await?
        .is_none()
    {
        return Err(ApiError::NoContent);
    }
    let header = create(
        state,
        NewOrder {
            tenant: &caller.tenant,
            owner: &caller.email,
            basket: BasketSource::Live(&caller.email),
            label: request.label.as_deref(),
            frontend_url: request.on_success_url,
            kind,
            correlation_id: None,
        },
    )
    .await?;
    Ok(created(state, caller, &header))
}

/// Turns the caller's basket into an order (user sub-order duration).
#[utoipa::path(post, path = "/user/orders", tag = "orders", request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 204, description = "no basket"),
        (status = 422, body = crate::http::Messages)))]
#[post("/user/orders")]
pub(crate) async fn create_user_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    from_basket(&state, &caller, body.into_inner(), OrderKind::User).await
}

/// Same, as an applicative order (applicative sub-order duration).
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 204, description = "no basket"),
        (status = 422, body = crate::http::Messages)))]
#[post("/orders")]
pub(crate) async fn create_app_order(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    from_basket(&state, &caller, body.into_inner(), OrderKind::App).await
}

/// A new order from a finished one's basket (the old order is untouched).
#[utoipa::path(post, path = "/user/orders/{orderId}/restart", tag = "orders",
    params(("orderId" = i64, Path,)), request_body = OrderRequest,
    responses((status = 201, body = OrderModel), (status = 401, body = crate::http::Messages),
        (status = 404), (status = 422, body = crate::http::Messages)))]
#[post("/user/orders/{id}/restart")]
pub(crate) async fn restart_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: JsonObject<OrderRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let old = act(&state, &caller, &req, id, Action::CheckRestart).await?;
    let request = body.into_inner();
    let header = create(
        &state,
        NewOrder {
            tenant: &caller.tenant,
            owner: &old.header.owner,
            basket: BasketSource::CopyOf(id),
            label: request.label.as_deref(),
            frontend_url: request.on_success_url,
            kind: OrderKind::User,
            correlation_id: None,
        },
    )
    .await?;
    Ok(created(&state, &caller, &header))
}

/// Body of the automatic order (`user` and `sizeLimitInBytes` are accepted and ignored over
/// REST, as the original does: the caller is the owner).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequestDto {
    /// `q` queries, one selection each.
    #[serde(default)]
    #[schema(schema_with = queries_schema)]
    pub queries: Vec<String>,
    #[serde(default, deserialize_with = "crate::http::optional_object")]
    pub filters: Option<AutoFilters>,
    #[schema(max_length = 255)]
    pub correlation_id: Option<String>,
}

/// At least one query, none blank.
fn queries_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let query = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::http::NOT_BLANK));
    ArrayBuilder::new().items(query).min_items(Some(1)).build()
}

/// File filters of the automatic order.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoFilters {
    #[serde(default)]
    #[schema(min_items = 1, value_type = Vec<regards_order_actors::domain::FilterFileType>)]
    pub data_types: BTreeSet<String>,
    #[schema(format = Regex)]
    pub filename_reg_exp: Option<String>,
}

/// Answer of the automatic order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderResponseDto {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<i64>,
    pub correlation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
}

/// `EntityModel<OrderResponseDto>`, for the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OrderResponseModel {
    content: OrderResponseDto,
    links: Vec<crate::http::Link>,
}

/// A refused automatic order: `FAILED` with a reason, or the body's faults; for the OpenAPI
/// document.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ApplyRefusal {
    Failed(OrderResponseModel),
    Invalid(crate::http::Messages),
}

fn validate(dto: &OrderRequestDto) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if dto.queries.is_empty() || dto.queries.iter().any(|q| q.trim().is_empty()) {
        errors.push("queries must hold at least one non-blank query".to_owned());
    }
    if let Some(f) = &dto.filters
        && (f.data_types.is_empty()
            || f.data_types
                .iter()
                .any(|t| t != "RAWDATA" && t != "QUICKLOOK"))
    {
        errors.push("filters.dataTypes must hold RAWDATA and/or QUICKLOOK".to_owned());
    }
    if dto
        .correlation_id
        .as_ref()
        .is_some_and(|c| c.chars().count() > 255)
    {
        errors.push("correlationId must be at most 255 characters".to_owned());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(errors))
    }
}

fn failed(correlation_id: &str, error_type: &str, message: String) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(EntityModel::bare(OrderResponseDto {
        status: "FAILED".into(),
        order_id: None,
        correlation_id: correlation_id.to_owned(),
        message: Some(message),
        error_type: Some(error_type.into()),
    }))
}

/// Adds one selection per query to the caller's basket, applies the filters, and orders it.
#[utoipa::path(post, path = "/user/orders/apply", tag = "orders", request_body = OrderRequestDto,
    responses((status = 200, description = "GRANTED", body = OrderResponseModel),
        (status = 422, description = "FAILED, or an invalid body", body = ApplyRefusal)))]
#[post("/user/orders/apply")]
pub(crate) async fn apply_order(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    body: JsonObject<OrderRequestDto>,
) -> Result<HttpResponse, ApiError> {
    let dto = body.into_inner();
    validate(&dto)?;
    let correlation_id = dto
        .correlation_id
        .clone()
        .unwrap_or_else(|| format!("auto-correlation-id-{}", uuid::Uuid::new_v4()));
    for q in &dto.queries {
        let request = BasketSelectionRequest {
            engine_type: "legacy".into(),
            dataset_urn: None,
            search_parameters: BTreeMap::from([("q".to_owned(), vec![q.clone()])]),
            entity_ids_to_include: None,
            entity_ids_to_exclude: None,
            selection_date: None,
        };
        match state.baskets.add_selection(&caller, request).await {
            Ok(_) | Err(ApiError::NoContent) => {}
            Err(e) => {
                return Ok(failed(
                    &correlation_id,
                    "INTERNAL_ERROR",
                    format!("CatalogSearchException: {e}"),
                ));
            }
        }
    }
    let basket = state
        .store
        .load_basket(&caller.tenant, &caller.email)
        .await?;
    let Some(basket) = basket.filter(|b| !b.selections.is_empty()) else {
        return Ok(failed(
            &correlation_id,
            "EMPTY_ORDER",
            "EmptySelectionException: the queries select no file".into(),
        ));
    };
    if let Some(f) = &dto.filters {
        let filter = FileSelectionDescription {
            file_types: f.data_types.clone(),
            file_name_pattern: f.filename_reg_exp.clone(),
        };
        for s in &basket.selections {
            state
                .baskets
                .set_file_filter(&caller, s.id, Some(filter.clone()))
                .await?;
        }
    }
    let label = format!("Generated order {}", dates::format(&Utc::now()));
    let _guard = state.baskets.lock(&caller).await;
    let created = create(
        &state,
        NewOrder {
            tenant: &caller.tenant,
            owner: &caller.email,
            basket: BasketSource::Live(&caller.email),
            label: Some(&label),
            frontend_url: None,
            kind: OrderKind::App,
            correlation_id: Some(correlation_id.clone()),
        },
    )
    .await;
    match created {
        Ok(header) => Ok(HttpResponse::Ok().json(EntityModel::bare(OrderResponseDto {
            status: "GRANTED".into(),
            order_id: Some(header.id),
            correlation_id,
            message: None,
            error_type: None,
        }))),
        Err(e) => Ok(failed(
            &correlation_id,
            "INTERNAL_ERROR",
            format!("EntityInvalidException: {e}"),
        )),
    }
}
