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
    /// The basket's total size of orderable files may not exceed this (AMQP requests only).
    pub size_limit: Option<i64>,
}

impl AutomaticOrder {
    /// The automatic order asked (no size limit), or every fault of the request.
    pub fn checked(
        queries: Vec<String>,
        filter: Option<FileSelectionDescription>,
        correlation_id: Option<String>,
    ) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        if queries.is_empty() || queries.iter().any(|q| q.trim().is_empty()) {
            errors.push("queries must hold at least one non-blank query".to_owned());
        }
        if let Some(f) = &filter
            && (f.file_types.is_empty()
                || f.file_types
                    .iter()
                    .any(|t| t != "RAWDATA" && t != "QUICKLOOK"))
        {
            errors.push("filters.dataTypes must hold RAWDATA and/or QUICKLOOK".to_owned());
        }
        if correlation_id
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_CORRELATION_ID)
        {
            errors.push("correlationId must be at most 255 characters".to_owned());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AutomaticOrder {
            queries,
            filter,
            correlation_id,
            size_limit: None,
        })
    }
}

/// Longest correlation id (the original's column).
pub const MAX_CORRELATION_ID: usize = 255;

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
    /// The selection is larger than the request's size limit (the basket is emptied).
    LimitReached {
        correlation_id: String,
        size: i64,
        limit: i64,
    },
    /// The order could not be created.
    CreationFailed {
        correlation_id: String,
        cause: AppError,
    },
}

impl OrderService {
    /// Adds one selection per query to the requester's basket, checks the size limit, applies
    /// the filter, and orders the basket as an applicative order.
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
        let size: i64 = basket
            .selections
            .iter()
            .map(|s| s.summary.files_size())
            .sum();
        if let Some(limit) = order.size_limit
            && size > limit
        {
            // Left in the basket, the selection would join the user's next order.
            self.baskets.clear(requester).await?;
            return Ok(Applied::LimitReached {
                correlation_id,
                size,
                limit,
            });
        }
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
