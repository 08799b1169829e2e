//! `POST /user/orders/apply`: the automatic order. Its body names queries and file filters;
//! the answer says GRANTED with the order's id, or FAILED with why (422).

use crate::app::orders::{Applied, AutomaticOrder};
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, EntityModel, JsonObject};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use regards_order_actors::domain::FileSelectionDescription;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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

/// The automatic order the body asks; its faults are a 422.
fn parse(dto: OrderRequestDto) -> Result<AutomaticOrder, ApiError> {
    let filter = dto.filters.map(|f| FileSelectionDescription {
        file_types: f.data_types,
        file_name_pattern: f.filename_reg_exp,
    });
    AutomaticOrder::checked(dto.queries, filter, dto.correlation_id)
        .map_err(ApiError::Unprocessable)
}

/// 422 `FAILED`, with the original's error type and message.
fn failed(correlation_id: String, error_type: &str, message: String) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(EntityModel::bare(OrderResponseDto {
        status: "FAILED".into(),
        order_id: None,
        correlation_id,
        message: Some(message),
        error_type: Some(error_type.into()),
    }))
}

/// The answer the original gives to each outcome.
fn answer(applied: Applied) -> HttpResponse {
    match applied {
        Applied::Granted {
            order_id,
            correlation_id,
        } => HttpResponse::Ok().json(EntityModel::bare(OrderResponseDto {
            status: "GRANTED".into(),
            order_id: Some(order_id),
            correlation_id,
            message: None,
            error_type: None,
        })),
        Applied::SearchFailed {
            correlation_id,
            cause,
        } => {
            let message = format!("CatalogSearchException: {}", ApiError::from(cause));
            failed(correlation_id, "INTERNAL_ERROR", message)
        }
        // REST orders carry no size limit; kept for completeness.
        Applied::LimitReached {
            correlation_id,
            size,
            limit,
        } => failed(
            correlation_id,
            "ORDER_LIMIT_REACHED",
            format!("the selection holds {size} bytes, more than the limit of {limit}"),
        ),
        Applied::NothingSelected { correlation_id } => failed(
            correlation_id,
            "EMPTY_ORDER",
            "EmptySelectionException: the queries select no file".into(),
        ),
        Applied::CreationFailed {
            correlation_id,
            cause,
        } => {
            let message = format!("EntityInvalidException: {}", ApiError::from(cause));
            failed(correlation_id, "INTERNAL_ERROR", message)
        }
    }
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
    let order = parse(body.into_inner())?;
    let applied = state.orders.apply(&caller.requester(), order).await?;
    Ok(answer(applied))
}
