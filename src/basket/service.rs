//! Basket operations (the original's BasketService), serialised per owner.

use crate::auth::Caller;
use crate::basket::locks::KeyedLocks;
use crate::basket::upload::{PROVIDER_IDS_PER_QUERY, provider_ids_query};
use crate::catalog::selection::{CompiledSelection, summarize, union_scope};
use crate::http::ApiError;
use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use regards_order_actors::domain::{
    Basket, BasketSelectionRequest, FileSelectionDescription, ItemsSelection,
    ProcessDatasetDescription, dates,
};
use regards_order_actors::ports::{ObjectScope, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Reads and changes baskets.
pub struct BasketService {
    store: Arc<dyn Store>,
    locks: KeyedLocks,
}

impl BasketService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            locks: KeyedLocks::default(),
        }
    }

    /// Holds the caller's basket still (order creation reads and archives it).
    pub async fn lock(&self, caller: &Caller) -> tokio::sync::OwnedMutexGuard<()> {
        self.locks.lock(caller.tenant.as_str(), &caller.email).await
    }

    /// The caller's basket; 204 when there is none.
    pub async fn get(&self, caller: &Caller) -> Result<Basket, ApiError> {
        self.store
            .load_basket(&caller.tenant, &caller.email)
            .await?
            .ok_or(ApiError::NoContent)
    }

    /// Empties the caller's basket (deletes it).
    pub async fn clear(&self, caller: &Caller) -> Result<(), ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        Ok(self
            .store
            .delete_basket(&caller.tenant, &caller.email)
            .await?)
    }

    /// Adds a selection (D3): 204 when it selects no orderable file.
    pub async fn add_selection(
        &self,
        caller: &Caller,
        request: BasketSelectionRequest,
    ) -> Result<Basket, ApiError> {
        if request.engine_type.trim().is_empty() {
            return Err(ApiError::unprocessable("engineType must not be blank"));
        }
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.load_or_new(caller).await?;
        let date = request.selection_date.map_or_else(now, dates::truncate);
        if !self.add_request(caller, &mut basket, request, date).await? {
            return Err(ApiError::NoContent);
        }
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    /// Adds the objects of these provider ids (D4), 100 ids per selection.
    pub async fn add_provider_ids(
        &self,
        caller: &Caller,
        provider_ids: Vec<String>,
    ) -> Result<Basket, ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.load_or_new(caller).await?;
        let start = now();
        let mut added = false;
        for (i, chunk) in provider_ids.chunks(PROVIDER_IDS_PER_QUERY).enumerate() {
            let urns = self.urns_of_provider_ids(caller, chunk).await?;
            if urns.is_empty() {
                continue;
            }
            let date = start + Duration::microseconds(i64::try_from(i).unwrap_or(0));
            let request = BasketSelectionRequest {
                engine_type: "legacy".into(),
                dataset_urn: None,
                search_parameters: BTreeMap::from([(
                    "q".to_owned(),
                    vec![provider_ids_query(chunk)],
                )]),
                entity_ids_to_include: Some(urns),
                entity_ids_to_exclude: None,
                selection_date: Some(date),
            };
            added |= self.add_request(caller, &mut basket, request, date).await?;
        }
        if !added {
            return Err(ApiError::NoContent);
        }
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    /// Removes a dataset selection (D5).
    pub async fn remove_dataset(&self, caller: &Caller, id: i64) -> Result<Basket, ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.get(caller).await?;
        basket.remove_selection(id);
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    /// Removes the item selection of `date` from a dataset selection (D6).
    pub async fn remove_item(
        &self,
        caller: &Caller,
        id: i64,
        date: DateTime<Utc>,
    ) -> Result<Basket, ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.get(caller).await?;
        let urn = basket.remove_item(id, date).map(|s| s.dataset_urn.clone());
        if let Some(urn) = urn {
            self.refresh_dataset(caller, &mut basket, &urn).await?;
        }
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    /// Attaches or detaches a processing (D7).
    pub async fn set_processing(
        &self,
        caller: &Caller,
        id: i64,
        process: Option<ProcessDatasetDescription>,
    ) -> Result<Basket, ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.get(caller).await?;
        basket.set_processing(id, process)?;
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    /// Sets or removes a file filter (D8).
    pub async fn set_file_filter(
        &self,
        caller: &Caller,
        id: i64,
        filter: Option<FileSelectionDescription>,
    ) -> Result<Basket, ApiError> {
        let _guard = self.locks.lock(caller.tenant.as_str(), &caller.email).await;
        let mut basket = self.get(caller).await?;
        basket.set_file_filter(id, filter)?;
        Ok(self.store.save_basket(&caller.tenant, &basket).await?)
    }

    async fn load_or_new(&self, caller: &Caller) -> Result<Basket, ApiError> {
        Ok(self
            .store
            .load_basket(&caller.tenant, &caller.email)
            .await?
            .unwrap_or_else(|| Basket::new(&caller.email)))
    }

    /// Adds one dated request to every dataset where it selects files; false if none.
    async fn add_request(
        &self,
        caller: &Caller,
        basket: &mut Basket,
        mut request: BasketSelectionRequest,
        date: DateTime<Utc>,
    ) -> Result<bool, ApiError> {
        let compiled = CompiledSelection::compile(&request)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
        let found = summarize(
            self.store.as_ref(),
            &caller.tenant,
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
        let urns: Vec<String> = found.keys().cloned().collect();
        let labels: BTreeMap<String, String> = self
            .store
            .datasets(&caller.tenant, &urns)
            .await?
            .into_iter()
            .map(|d| (d.urn, d.label))
            .collect();
        for (urn, summary) in found {
            let label = labels.get(&urn).cloned().unwrap_or_else(|| urn.clone());
            let item = ItemsSelection {
                date,
                request: request.clone(),
                summary,
            };
            basket.add_items(&urn, &label, item);
            self.refresh_dataset(caller, basket, &urn).await?;
        }
        basket.sort();
        Ok(true)
    }

    /// Recomputes a dataset selection's counters from the union of its item selections.
    async fn refresh_dataset(
        &self,
        caller: &Caller,
        basket: &mut Basket,
        dataset_urn: &str,
    ) -> Result<(), ApiError> {
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
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
        let scope = union_scope(dataset_urn, &compiled);
        let mut union = summarize(self.store.as_ref(), &caller.tenant, &scope, &compiled).await?;
        selection.summary = union.remove(dataset_urn).unwrap_or_default();
        Ok(())
    }

    async fn urns_of_provider_ids(
        &self,
        caller: &Caller,
        provider_ids: &[String],
    ) -> Result<BTreeSet<String>, ApiError> {
        let scope = ObjectScope {
            provider_ids: Some(provider_ids.to_vec()),
            ..ObjectScope::default()
        };
        let rows: Vec<_> = self
            .store
            .scan_objects(&caller.tenant, &scope)
            .try_collect()
            .await?;
        Ok(rows.into_iter().map(|r| r.urn).collect())
    }
}

fn now() -> DateTime<Utc> {
    dates::truncate(Utc::now())
}
