//! The catalogue's storage port.

use crate::domain::{CatalogFile, CatalogObject, Dataset, FileTypeSummary, Tenant};
use crate::ports::{ObjectPrefilter, StoreResult};
use async_trait::async_trait;
use futures::stream::BoxStream;

/// Which objects a catalogue scan returns; every given restriction applies (the prefilter
/// may let more through, see [`ObjectPrefilter`]).
#[derive(Debug, Clone, Default)]
pub struct ObjectScope {
    pub dataset_urn: Option<String>,
    pub urns: Option<Vec<String>>,
    pub provider_ids: Option<Vec<String>>,
    pub prefilter: ObjectPrefilter,
}

/// A data object as a scan returns it: enough to evaluate a query and count files.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRow {
    pub urn: String,
    pub dataset_urn: String,
    pub provider_id: String,
    pub properties: serde_json::Value,
    pub summary: FileTypeSummary,
}

/// How many entries a tenant's catalogue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogCounts {
    pub datasets: i64,
    pub objects: i64,
    pub files: i64,
}

/// Datasets, data objects and their files, per tenant.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Inserts or updates datasets (the label of an existing one is replaced).
    async fn upsert_datasets(&self, tenant: &Tenant, datasets: &[Dataset]) -> StoreResult<()>;

    /// Inserts or replaces data objects with all their files, in one transaction. A dataset an
    /// object names that does not exist yet is created with its URN as label.
    async fn upsert_objects(&self, tenant: &Tenant, objects: &[CatalogObject]) -> StoreResult<()>;

    /// Streams the objects in `scope`, ordered by URN. A connection is held only while a page
    /// of them is read, never while the consumer works on a row (it may need a connection
    /// of its own meanwhile).
    fn scan_objects<'a>(
        &'a self,
        tenant: &'a Tenant,
        scope: &'a ObjectScope,
    ) -> BoxStream<'a, StoreResult<ObjectRow>>;

    /// Every dataset of the tenant, ordered by label then URN.
    async fn all_datasets(&self, tenant: &Tenant) -> StoreResult<Vec<Dataset>>;

    /// The datasets with these URNs (unknown ones are left out).
    async fn datasets(&self, tenant: &Tenant, urns: &[String]) -> StoreResult<Vec<Dataset>>;

    /// The files of one object.
    async fn object_files(&self, tenant: &Tenant, urn: &str) -> StoreResult<Vec<CatalogFile>>;

    /// The files of several objects at once, each with its object's URN, ordered by URN then
    /// file: creation reads an order's files in a few queries, not one per object.
    async fn files_of_objects(
        &self,
        tenant: &Tenant,
        urns: &[String],
    ) -> StoreResult<Vec<(String, CatalogFile)>>;

    /// How many datasets, objects and files the tenant's catalogue holds.
    async fn counts(&self, tenant: &Tenant) -> StoreResult<CatalogCounts>;
}
