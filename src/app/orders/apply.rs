//! The automatic order: one basket selection per query, the file filters applied to every
//! dataset selected, then an applicative order of the whole basket. Each step that fails is
//! an answer (the order is refused, with why), not an error of the request.

use super::OrderService;
use super::create::{BasketSource, NewOrder};
use crate::app::{AppError, AppResult, Requester};
use chrono::Utc;
use regards_order_actors::domain::order::OrderKind;
use regards_order_actors::domain::{BasketSelectionRequest, FileSelectionDescription, dates};
use std::collections::BTreeMap;

/// What an automatic order asks.
#[derive(Debug, Clone, Default)]
pub struct AutomaticOrder {
    /// `q` queries, one selection each.
    pub queries: Vec<String>,
    /// The files kept of every dataset selected.
    pub filter: Option<FileSelectionDescription>,
    /// Generated when absent.
    pub correlation_id: Option<String>,
}

/// How an automatic order ended, with its correlation id.
#[derive(Debug)]
pub enum Applied {
    /// The order was created.
    Granted {
        order_id: i64,
        correlation_id: String,
    },
    /// A query could not be evaluated.
    SearchFailed {
        correlation_id: String,
        cause: AppError,
    },
    /// The queries select no file.
    NothingSelected { correlation_id: String },
    /// The order could not be created.
    CreationFailed {
        correlation_id: String,
        cause: AppError,
    },
}

impl OrderService {
    /// Adds one selection per query to the requester's basket, applies the filter, and orders
    /// the basket as an applicative order.
    pub async fn apply(&self, requester: &Requester, order: AutomaticOrder) -> AppResult<Applied> {
        let correlation_id = order
            .correlation_id
            .unwrap_or_else(|| format!("auto-correlation-id-{}", uuid::Uuid::new_v4()));
        if let Err(cause) = self.select_queries(requester, &order.queries).await {
            return Ok(Applied::SearchFailed {
                correlation_id,
                cause,
            });
        }
        let basket = self.baskets.get(requester).await?;
        let Some(basket) = basket.filter(|b| !b.selections.is_empty()) else {
            return Ok(Applied::NothingSelected { correlation_id });
        };
        if let Some(filter) = &order.filter {
            for s in &basket.selections {
                self.baskets
                    .set_file_filter(requester, s.id, Some(filter.clone()))
                    .await?;
            }
        }
        Ok(self.order_basket(requester, correlation_id).await)
    }

    /// Adds one selection per query; a query that selects nothing is skipped.
    async fn select_queries(&self, requester: &Requester, queries: &[String]) -> AppResult<()> {
        for q in queries {
            let request = BasketSelectionRequest {
                engine_type: "legacy".into(),
                dataset_urn: None,
                search_parameters: BTreeMap::from([("q".to_owned(), vec![q.clone()])]),
                entity_ids_to_include: None,
                entity_ids_to_exclude: None,
                selection_date: None,
            };
            self.baskets.add_selection(requester, request).await?;
        }
        Ok(())
    }

    /// Orders the requester's basket under a generated label.
    async fn order_basket(&self, requester: &Requester, correlation_id: String) -> Applied {
        let label = format!("Generated order {}", dates::format(&Utc::now()));
        let _guard = self.baskets.lock(requester).await;
        let created = self
            .create(NewOrder {
                tenant: &requester.tenant,
                owner: &requester.email,
                basket: BasketSource::Live(&requester.email),
                label: Some(&label),
                frontend_url: None,
                kind: OrderKind::App,
                correlation_id: Some(correlation_id.clone()),
            })
            .await;
        match created {
            Ok(header) => Applied::Granted {
                order_id: header.id,
                correlation_id,
            },
            Err(cause) => Applied::CreationFailed {
                correlation_id,
                cause,
            },
        }
    }
}
