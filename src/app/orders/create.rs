//! Creating an order: from the requester's basket, or from a finished order's basket (a
//! restart). The label rules apply, the basket is archived with the PENDING order in one
//! transaction, then the order's actor completes creation in the background.

use super::OrderService;
use crate::app::{AppError, AppResult, Requester};
use chrono::{DateTime, Utc};
use regards_order_actors::domain::order::{
    LabelError, Order, OrderHeader, OrderKind, OrderStatus, order_label,
};
use regards_order_actors::domain::{Tenant, dates};
use regards_order_actors::engine::Action;
use regards_order_actors::ports::{IdKind, LABEL_CONSTRAINT, StoreError};

/// What the requester chooses for a new order.
#[derive(Debug, Clone, Default)]
pub struct OrderOptions {
    /// Unique per owner; generated when absent or blank.
    pub label: Option<String>,
    /// The page the requester's front end shows once the order is done.
    pub on_success_url: Option<String>,
}

/// The basket a new order is made from.
#[derive(Debug, Clone, Copy)]
pub(super) enum BasketSource<'a> {
    /// This user's live basket, archived for the order (the user has none left).
    Live(&'a str),
    /// A copy of the basket archived for this order (a restart).
    CopyOf(i64),
}

/// What to create.
pub(super) struct NewOrder<'a> {
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

impl OrderService {
    /// Turns the requester's basket into a PENDING order of `kind`; None when he has no
    /// basket.
    pub async fn create_from_basket(
        &self,
        requester: &Requester,
        options: OrderOptions,
        kind: OrderKind,
    ) -> AppResult<Option<OrderHeader>> {
        // A label too long is the request's own fault, whatever the basket holds.
        order_label(options.label.as_deref(), Utc::now())?;
        let _guard = self.baskets.lock(requester).await;
        if self.baskets.get(requester).await?.is_none() {
            return Ok(None);
        }
        let header = self
            .create(NewOrder {
                tenant: &requester.tenant,
                owner: &requester.email,
                basket: BasketSource::Live(&requester.email),
                label: options.label.as_deref(),
                frontend_url: options.on_success_url,
                kind,
                correlation_id: None,
            })
            .await?;
        Ok(Some(header))
    }

    /// A new user order from the basket of finished order `id`, for its owner (the old order
    /// is untouched). Refused as the lifecycle rules say when `id` is not finished.
    pub async fn restart(
        &self,
        requester: &Requester,
        id: i64,
        options: OrderOptions,
    ) -> AppResult<OrderHeader> {
        let old = self.act(requester, id, Action::CheckRestart).await?;
        self.create(NewOrder {
            tenant: &requester.tenant,
            owner: &old.header.owner,
            basket: BasketSource::CopyOf(id),
            label: options.label.as_deref(),
            frontend_url: options.on_success_url,
            kind: OrderKind::User,
            correlation_id: None,
        })
        .await
    }

    /// Stores a PENDING order with its basket and starts its actor. The caller checked that a
    /// live basket exists; an archived one missing is refused as `BASKET_NOT_FOUND`.
    pub(super) async fn create(&self, new: NewOrder<'_>) -> AppResult<OrderHeader> {
        let now = dates::truncate(Utc::now());
        let label = order_label(new.label, now)?;
        let id = self.store.reserve_ids(IdKind::Order, 1).await?;
        let header = pending_header(id, &new, label, now);
        self.store_order(&new, &header).await?;
        let order = Order::new(
            new.tenant.clone(),
            header.clone(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        self.engine.start_order(order).await?;
        tracing::info!(tenant = %new.tenant, order_id = id, owner = new.owner, "order created");
        Ok(header)
    }

    /// Writes the order's row and archives its basket, in one transaction.
    async fn store_order(&self, new: &NewOrder<'_>, header: &OrderHeader) -> AppResult<()> {
        let stored = match new.basket {
            BasketSource::Live(owner) => self
                .store
                .create_order(new.tenant, header, owner)
                .await
                .map(|()| true),
            BasketSource::CopyOf(from) => {
                self.store
                    .create_order_from_archive(new.tenant, header, from)
                    .await
            }
        };
        match stored {
            Ok(true) => Ok(()),
            Ok(false) => Err(AppError::Refused("BASKET_NOT_FOUND")),
            Err(StoreError::Constraint { constraint }) if constraint == LABEL_CONSTRAINT => {
                Err(LabelError::NotUniqueForOwner.into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The row of a new order, before its actor has built anything.
fn pending_header(id: i64, new: &NewOrder<'_>, label: String, now: DateTime<Utc>) -> OrderHeader {
    OrderHeader {
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
            .clone()
            .unwrap_or_else(|| format!("auto-correlation-id-{}", uuid::Uuid::new_v4())),
        frontend_url: new.frontend_url.clone(),
        message: None,
    }
}
