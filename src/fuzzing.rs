//! Entry points of the fuzz targets (`fuzz/`): the parsers that read untrusted input, reached
//! through the library, and a catalogue store that records what a STAC import stores so that
//! a target can check it.

use crate::catalog::import::{ImportError, ImportReport, import_bytes};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use regards_order_actors::domain::{CatalogFile, CatalogObject, Checksum, Dataset, Tenant};
use regards_order_actors::ports::{
    CatalogCounts, CatalogStore, ObjectRow, ObjectScope, StoreResult,
};
use std::sync::{Arc, Mutex, PoisonError};

pub use crate::catalog::query::{Query, QueryError, Searchable};
pub use crate::downloads::zip::{EntryNames, MAX_NAME_BYTES, sanitize};
pub use crate::http::range::{RangeAnswer, answer as range_answer};

/// Decodes a STAC `file:checksum` (a hex multihash) into an algorithm and a lower-case digest.
pub fn multihash(hex: &str) -> Result<Checksum, String> {
    crate::catalog::import::multihash::parse(hex)
}

/// What a STAC import handed to the store, in order.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub datasets: Vec<Dataset>,
    pub objects: Vec<CatalogObject>,
}

/// Imports `body` as `POST /catalog/import` does (relative hrefs against `base`, every href
/// owned by a storage) into a store that only records; returns the outcome and what was
/// stored. Runs inside a tokio runtime (the parse is on a blocking thread).
pub async fn import_stac(
    body: &[u8],
    base: Option<&str>,
) -> (Result<ImportReport, ImportError>, Stored) {
    let store = Recorder::default();
    let Ok(tenant) = Tenant::parse("fuzz") else {
        return (
            Err(ImportError::Invalid("bad tenant".into())),
            Stored::default(),
        );
    };
    let outcome = import_bytes(
        &store,
        &tenant,
        Bytes::copy_from_slice(body),
        base,
        Arc::new(|_: &str| true),
    )
    .await;
    let stored = store.0.into_inner().unwrap_or_else(PoisonError::into_inner);
    (outcome, stored)
}

/// A catalogue store that records upserts and holds nothing to read.
#[derive(Default)]
struct Recorder(Mutex<Stored>);

impl Recorder {
    fn with<T>(&self, f: impl FnOnce(&mut Stored) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
impl CatalogStore for Recorder {
    async fn upsert_datasets(&self, _: &Tenant, datasets: &[Dataset]) -> StoreResult<()> {
        self.with(|s| s.datasets.extend_from_slice(datasets));
        Ok(())
    }

    async fn upsert_objects(&self, _: &Tenant, objects: &[CatalogObject]) -> StoreResult<()> {
        self.with(|s| s.objects.extend_from_slice(objects));
        Ok(())
    }

    fn scan_objects<'a>(
        &'a self,
        _: &'a Tenant,
        _: &'a ObjectScope,
    ) -> BoxStream<'a, StoreResult<ObjectRow>> {
        stream::empty().boxed()
    }

    async fn all_datasets(&self, _: &Tenant) -> StoreResult<Vec<Dataset>> {
        Ok(Vec::new())
    }

    async fn datasets(&self, _: &Tenant, _: &[String]) -> StoreResult<Vec<Dataset>> {
        Ok(Vec::new())
    }

    async fn object_files(&self, _: &Tenant, _: &str) -> StoreResult<Vec<CatalogFile>> {
        Ok(Vec::new())
    }

    async fn files_of_objects(
        &self,
        _: &Tenant,
        _: &[String],
    ) -> StoreResult<Vec<(String, CatalogFile)>> {
        Ok(Vec::new())
    }

    async fn counts(&self, _: &Tenant) -> StoreResult<CatalogCounts> {
        Ok(CatalogCounts::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_example_item_is_recorded_as_imported() {
        let body = std::fs::read("examples/stac/sentinel/items/s2a-001.json").unwrap();
        let (report, stored) = import_stac(&body, Some("file:///data/items/")).await;
        let report = report.unwrap();
        assert_eq!(report.objects, 1);
        assert_eq!(stored.objects.len(), 1);
        let files = &stored.objects[0].files;
        assert_eq!(report.files, files.len() as u64);
        assert!(files.iter().all(|f| f.url.starts_with("file:///data/")));
    }

    #[tokio::test]
    async fn a_malformed_document_is_the_client_s_fault() {
        let (report, stored) = import_stac(b"{\"type\": 3}", None).await;
        assert!(report.unwrap_err().is_client_error());
        assert!(stored.objects.is_empty());
    }
}
