//! The requester's basket: read, emptied, selections added (by query or by an uploaded list
//! of provider ids) and removed, processing and file filters set. Every change is a
//! read-modify-write of the whole basket, serialised per owner. "No basket" and "nothing
//! selected" are answers (`None`), not errors.

mod selections;

use super::{AppError, AppResult, Requester};
use crate::basket::locks::KeyedLocks;
use crate::basket::{PROVIDER_IDS_PER_QUERY, provider_id_lines, provider_ids_query};
use chrono::{DateTime, Duration, Utc};
use regards_order_actors::domain::{
    Basket, BasketSelectionRequest, FileSelectionDescription, ProcessDatasetDescription, dates,
};
use regards_order_actors::ports::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::OwnedMutexGuard;

/// Reads and changes baskets. Cheap to clone: clones share the store and the locks.
#[derive(Clone)]
pub struct BasketService {
    store: Arc<dyn Store>,
    locks: Arc<KeyedLocks>,
}

impl BasketService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            locks: Arc::default(),
        }
    }

    /// Holds the requester's basket still (order creation reads and archives it).
    pub(crate) async fn lock(&self, requester: &Requester) -> OwnedMutexGuard<()> {
        self.locks
            .lock(requester.tenant.as_str(), &requester.email)
            .await
    }

    /// The requester's basket, if he has one.
    pub async fn get(&self, requester: &Requester) -> AppResult<Option<Basket>> {
        Ok(self
            .store
            .load_basket(&requester.tenant, &requester.email)
            .await?)
    }

    /// Empties the requester's basket (deletes it).
    pub async fn clear(&self, requester: &Requester) -> AppResult<()> {
        let _guard = self.lock(requester).await;
        Ok(self
            .store
            .delete_basket(&requester.tenant, &requester.email)
            .await?)
    }

    /// Adds a selection; None when it selects no orderable file (the basket is unchanged).
    pub async fn add_selection(
        &self,
        requester: &Requester,
        request: BasketSelectionRequest,
    ) -> AppResult<Option<Basket>> {
        if request.engine_type.trim().is_empty() {
            return Err(AppError::unprocessable("engineType must not be blank"));
        }
        let _guard = self.lock(requester).await;
        let mut basket = self.load_or_new(requester).await?;
        let date = request.selection_date.map_or_else(now, dates::truncate);
        if !self
            .add_request(requester, &mut basket, request, date)
            .await?
        {
            return Ok(None);
        }
        self.save(requester, &basket).await
    }

    /// Adds the objects of the provider ids listed in `text`, one per line; None when it
    /// names none or none is found.
    pub async fn add_uploaded(
        &self,
        requester: &Requester,
        text: &str,
    ) -> AppResult<Option<Basket>> {
        let ids = provider_id_lines(text).map_err(|e| AppError::TooLarge(e.to_string()))?;
        if ids.is_empty() {
            return Ok(None);
        }
        self.add_provider_ids(requester, &ids).await
    }

    /// Adds the objects of these provider ids, 100 ids per selection.
    async fn add_provider_ids(
        &self,
        requester: &Requester,
        provider_ids: &[String],
    ) -> AppResult<Option<Basket>> {
        let _guard = self.lock(requester).await;
        let mut basket = self.load_or_new(requester).await?;
        let start = now();
        let mut added = false;
        for (i, chunk) in provider_ids.chunks(PROVIDER_IDS_PER_QUERY).enumerate() {
            let urns = self.urns_of_provider_ids(requester, chunk).await?;
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
            added |= self
                .add_request(requester, &mut basket, request, date)
                .await?;
        }
        if !added {
            return Ok(None);
        }
        self.save(requester, &basket).await
    }

    /// Removes a dataset selection; None when there is no basket.
    pub async fn remove_dataset(
        &self,
        requester: &Requester,
        id: i64,
    ) -> AppResult<Option<Basket>> {
        let _guard = self.lock(requester).await;
        let Some(mut basket) = self.get(requester).await? else {
            return Ok(None);
        };
        basket.remove_selection(id);
        self.save(requester, &basket).await
    }

    /// Removes the item selection of `date` from a dataset selection; None when there is no
    /// basket.
    pub async fn remove_item(
        &self,
        requester: &Requester,
        id: i64,
        date: DateTime<Utc>,
    ) -> AppResult<Option<Basket>> {
        let _guard = self.lock(requester).await;
        let Some(mut basket) = self.get(requester).await? else {
            return Ok(None);
        };
        let urn = basket.remove_item(id, date).map(|s| s.dataset_urn.clone());
        if let Some(urn) = urn {
            self.refresh_dataset(requester, &mut basket, &urn).await?;
        }
        self.save(requester, &basket).await
    }

    /// Attaches (Some) or detaches (None) a processing; None when there is no basket.
    pub async fn set_processing(
        &self,
        requester: &Requester,
        id: i64,
        process: Option<ProcessDatasetDescription>,
    ) -> AppResult<Option<Basket>> {
        let _guard = self.lock(requester).await;
        let Some(mut basket) = self.get(requester).await? else {
            return Ok(None);
        };
        basket.set_processing(id, process)?;
        self.save(requester, &basket).await
    }

    /// Sets (Some) or removes (None) a file filter; None when there is no basket.
    pub async fn set_file_filter(
        &self,
        requester: &Requester,
        id: i64,
        filter: Option<FileSelectionDescription>,
    ) -> AppResult<Option<Basket>> {
        let _guard = self.lock(requester).await;
        let Some(mut basket) = self.get(requester).await? else {
            return Ok(None);
        };
        basket.set_file_filter(id, filter)?;
        self.save(requester, &basket).await
    }

    async fn load_or_new(&self, requester: &Requester) -> AppResult<Basket> {
        Ok(self
            .get(requester)
            .await?
            .unwrap_or_else(|| Basket::new(&requester.email)))
    }

    async fn save(&self, requester: &Requester, basket: &Basket) -> AppResult<Option<Basket>> {
        let saved = self.store.save_basket(&requester.tenant, basket).await?;
        Ok(Some(saved))
    }
}

fn now() -> DateTime<Utc> {
    dates::truncate(Utc::now())
}
