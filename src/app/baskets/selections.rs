//! What a selection adds to a basket: the datasets where it selects files, with their
//! counters computed from the catalogue.

use super::BasketService;
use crate::app::{AppError, AppResult, Requester};
use crate::catalog::selection::{CompiledSelection, summarize, union_scope};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use regards_order_actors::domain::{Basket, BasketSelectionRequest, ItemsSelection};
use regards_order_actors::ports::ObjectScope;
use std::collections::{BTreeMap, BTreeSet};

impl BasketService {
    /// Adds one dated request to every dataset where it selects files; false if none.
    pub(super) async fn add_request(
        &self,
        requester: &Requester,
        basket: &mut Basket,
        mut request: BasketSelectionRequest,
        date: DateTime<Utc>,
    ) -> AppResult<bool> {
        let compiled = CompiledSelection::compile(&request)
            .map_err(|e| AppError::unprocessable(e.to_string()))?;
        let found = summarize(
            self.store.as_ref(),
            &requester.tenant,
            &compiled.scope(),
            std::slice::from_ref(&compiled),
        )
        .await?;
        let found: BTreeMap<_, _> = found
            .into_iter()
            .filter(|(_, s)| s.files_count() > 0)
            .collect();
        if found.is_empty() {
            return Ok(false);
        }
        request.selection_date = Some(date);
        let labels = self.dataset_labels(requester, found.keys()).await?;
        for (urn, summary) in found {
            let label = labels.get(&urn).cloned().unwrap_or_else(|| urn.clone());
            let item = ItemsSelection {
                date,
                request: request.clone(),
                summary,
            };
            basket.add_items(&urn, &label, item);
            self.refresh_dataset(requester, basket, &urn).await?;
        }
        basket.sort();
        Ok(true)
    }

    /// The labels of these datasets, by URN.
    async fn dataset_labels(
        &self,
        requester: &Requester,
        urns: impl Iterator<Item = &String>,
    ) -> AppResult<BTreeMap<String, String>> {
        let urns: Vec<String> = urns.cloned().collect();
        Ok(self
            .store
            .datasets(&requester.tenant, &urns)
            .await?
            .into_iter()
            .map(|d| (d.urn, d.label))
            .collect())
    }

    /// Recomputes a dataset selection's counters from the union of its item selections.
    pub(super) async fn refresh_dataset(
        &self,
        requester: &Requester,
        basket: &mut Basket,
        dataset_urn: &str,
    ) -> AppResult<()> {
        let Some(selection) = basket
            .selections
            .iter_mut()
            .find(|s| s.dataset_urn == dataset_urn)
        else {
            return Ok(());
        };
        let compiled = selection
            .items
            .iter()
            .map(|i| CompiledSelection::compile(&i.request))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::unprocessable(e.to_string()))?;
        let scope = union_scope(dataset_urn, &compiled);
        let mut union =
            summarize(self.store.as_ref(), &requester.tenant, &scope, &compiled).await?;
        selection.summary = union.remove(dataset_urn).unwrap_or_default();
        Ok(())
    }

    /// The URNs of the objects of these provider ids.
    pub(super) async fn urns_of_provider_ids(
        &self,
        requester: &Requester,
        provider_ids: &[String],
    ) -> AppResult<BTreeSet<String>> {
        let scope = ObjectScope {
            provider_ids: Some(provider_ids.to_vec()),
            ..ObjectScope::default()
        };
        let rows: Vec<_> = self
            .store
            .scan_objects(&requester.tenant, &scope)
            .try_collect()
            .await?;
        Ok(rows.into_iter().map(|r| r.urn).collect())
    }
}
