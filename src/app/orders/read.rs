//! Reading orders: one order as the engine shows it (its actor's view when active, else as
//! stored), and pages of orders as stored.

use super::OrderService;
use crate::app::{AppError, AppResult, Requester};
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::engine::{OrderSnapshot, Renderings};
use regards_order_actors::ports::{OrderFilter, OrderPage, OrderSort, PageRequest, StatusFilter};
use std::sync::Arc;

/// A page of orders and how many match in all.
#[derive(Debug, Clone)]
pub struct OrderListing {
    pub orders: Vec<OrderSnapshot>,
    pub total: u64,
}

impl From<OrderPage> for OrderListing {
    fn from(page: OrderPage) -> Self {
        let orders = page
            .orders
            .into_iter()
            .map(|o| OrderSnapshot {
                // Listed orders are read from the database: a PAUSED one there has no run left.
                effectively_paused: o.header.status == OrderStatus::Paused,
                header: o.header.into(),
                tasks: o.tasks.into(),
                rendered: Renderings::default(),
            })
            .collect();
        Self {
            orders,
            total: page.total,
        }
    }
}

impl OrderService {
    /// The order: not found when unknown, forbidden unless the requester is its owner or a
    /// super-admin.
    pub async fn get(&self, requester: &Requester, id: i64) -> AppResult<Arc<OrderSnapshot>> {
        let snapshot = self.engine.view(&requester.tenant, id).await?;
        if !requester.may_read_orders_of(&snapshot.header.owner) {
            return Err(AppError::Forbidden(None));
        }
        Ok(snapshot)
    }

    /// The requester's orders, DELETED ones excepted, newest first.
    pub async fn list_mine(
        &self,
        requester: &Requester,
        page: u32,
        size: u32,
    ) -> AppResult<OrderListing> {
        let filter = OrderFilter {
            owner: Some(requester.email.clone()),
            statuses: Some(StatusFilter::Exclude(vec![OrderStatus::Deleted])),
            ..OrderFilter::default()
        };
        let request = PageRequest {
            page,
            size,
            sort: vec![(OrderSort::CreationDate, true)],
        };
        self.page(requester, &filter, &request).await
    }

    /// A page of the tenant's orders matching `filter`.
    pub(super) async fn page(
        &self,
        requester: &Requester,
        filter: &OrderFilter,
        request: &PageRequest,
    ) -> AppResult<OrderListing> {
        let page = self
            .store
            .search_orders(&requester.tenant, filter, request)
            .await?;
        Ok(page.into())
    }
}
