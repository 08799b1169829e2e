//! The catalogue held by the service: STAC documents imported into the requester's tenant.

use super::{AppError, AppResult, Requester};
use crate::catalog::import::{ImportReport, OwnsLocation, import_bytes};
use crate::catalog::search::{CatalogMatches, CatalogSearch};
use bytes::Bytes;
use regards_order_actors::domain::Dataset;
use regards_order_actors::ports::CatalogStore;
use std::sync::Arc;

/// Imports catalogue data, lists datasets, searches data objects.
#[derive(Clone)]
pub struct CatalogService {
    store: Arc<dyn CatalogStore>,
    /// Whether a configured storage owns a file's location (the others are reported).
    owns_location: OwnsLocation,
}

impl CatalogService {
    /// A service writing into `store`, checking locations with `owns_location`.
    pub fn new(store: Arc<dyn CatalogStore>, owns_location: OwnsLocation) -> Self {
        Self {
            store,
            owns_location,
        }
    }

    /// Imports a STAC Collection, Item or ItemCollection; relative hrefs resolve against
    /// `base`. A document that cannot be imported is unprocessable.
    pub async fn import(
        &self,
        requester: &Requester,
        document: Bytes,
        base: Option<&str>,
    ) -> AppResult<ImportReport> {
        import_bytes(
            self.store.as_ref(),
            &requester.tenant,
            document,
            base,
            self.owns_location.clone(),
        )
        .await
        .map_err(|e| {
            if e.is_client_error() {
                AppError::unprocessable(e.to_string())
            } else {
                AppError::Internal(anyhow::Error::new(e))
            }
        })
    }

    /// Every dataset of the requester's tenant, ordered by label.
    pub async fn datasets(&self, requester: &Requester) -> AppResult<Vec<Dataset>> {
        Ok(self.store.all_datasets(&requester.tenant).await?)
    }

    /// The page `page` (of `size`) of the data objects matching `q` (all when blank), in
    /// `dataset` when given. A malformed `q` is unprocessable.
    pub async fn search(
        &self,
        requester: &Requester,
        q: Option<&str>,
        dataset: Option<&str>,
        page: u32,
        size: u32,
    ) -> AppResult<CatalogMatches> {
        let search =
            CatalogSearch::new(q, dataset).map_err(|e| AppError::unprocessable(e.to_string()))?;
        let offset = u64::from(page) * u64::from(size);
        Ok(search
            .run(
                self.store.as_ref(),
                &requester.tenant,
                offset,
                u64::from(size),
            )
            .await?)
    }
}
