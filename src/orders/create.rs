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
    /// Unique per owner; generated when absent or blank.
    #[schema(max_length = 50)]
    pub label: Option<String>,
    pub on_success_url: Option<String>,
}

/// The basket a new order is made from.
#[derive(Debug, Clone, Copy)]
pub enum BasketSource<'a> {
    /// This user's live basket, archived for the order (the user has none left).
    Live(&'a str),
    /// A copy of the basket archived for this order (a restart).
    CopyOf(i64),
}

/// What to create.
pub struct NewOrder<'a> {
    pub tenant: &'a Tenant,
    /// Owner of the new order.
    pub owner: &'a str,
    /// Where its basket comes from.
    pub basket: BasketSource<'a>,
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

/// Stores a PENDING order with its basket and starts its actor. The caller checked that a
/// live basket exists; an archived one missing is the original's 401 `BASKET_NOT_FOUND`.
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
    let stored = match new.basket {
        BasketSource::Live(owner) => state
            .store
            .create_order(new.tenant, &header, owner)
            .await
            .map(|()| true),
        BasketSource::CopyOf(from) => {
            state
                .store
                .create_order_from_archive(new.tenant, &header, from)
                .await
        }
    };
    match stored {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::Refused("BASKET_NOT_FOUND")),
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
