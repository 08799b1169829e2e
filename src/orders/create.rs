//! Creating an order: label rules, the archived basket, the PENDING row, then the order's
//! actor, which completes creation in the background.

use crate::http::ApiError;
use crate::state::AppState;
use chrono::Utc;
use regards_order_actors::domain::order::{
    LabelError, Order, OrderHeader, OrderKind, OrderStatus, order_label,
};
use regards_order_actors::domain::{Tenant, dates};
use regards_order_actors::ports::{IdKind, LABEL_CONSTRAINT, StoreError};
use serde::Deserialize;

/// Body of create and restart (`{}` is fine).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequest {
    pub label: Option<String>,
    pub on_success_url: Option<String>,
}

/// What to create.
pub struct NewOrder<'a> {
    pub tenant: &'a Tenant,
    /// Owner of the new order.
    pub owner: &'a str,
    /// Owner of the basket to archive under `ORDER_<id>`.
    pub basket_owner: &'a str,
    pub label: Option<&'a str>,
    pub frontend_url: Option<String>,
    pub kind: OrderKind,
    pub correlation_id: Option<String>,
}

impl From<LabelError> for ApiError {
    fn from(e: LabelError) -> Self {
        ApiError::unprocessable(e.to_string())
    }
}

/// Stores a PENDING order from `basket_owner`'s basket and starts its actor. The caller
/// checked that the basket exists.
pub async fn create(state: &AppState, new: NewOrder<'_>) -> Result<OrderHeader, ApiError> {
    let now = dates::truncate(Utc::now());
    let label = order_label(new.label, now)?;
    let id = state.store.reserve_ids(IdKind::Order, 1).await?;
    let header = OrderHeader {
        id,
        owner: new.owner.to_owned(),
        label,
        kind: new.kind,
        creation_date: now,
        expiration_date: None,
        status: OrderStatus::Pending,
        status_date: now,
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: new
            .correlation_id
            .unwrap_or_else(|| format!("auto-correlation-id-{}", uuid::Uuid::new_v4())),
        frontend_url: new.frontend_url,
        message: None,
    };
    match state
        .store
        .create_order(new.tenant, &header, new.basket_owner)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Constraint { constraint }) if constraint == LABEL_CONSTRAINT => {
            return Err(LabelError::NotUniqueForOwner.into());
        }
        Err(e) => return Err(e.into()),
    }
    let order = Order::new(
        new.tenant.clone(),
        header.clone(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    state
        .engine
        .start_order(order)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    tracing::info!(tenant = %new.tenant, order_id = id, owner = new.owner, "order created");
    Ok(header)
}
