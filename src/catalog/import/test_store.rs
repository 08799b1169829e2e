//! An in-memory catalogue store for the import tests.

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use regards_order_actors::domain::{CatalogFile, CatalogObject, Dataset, Tenant};
use regards_order_actors::ports::{
    CatalogCounts, CatalogStore, ObjectRow, ObjectScope, StoreError, StoreResult,
};
use std::collections::HashMap;
use std::sync::Mutex;

type Key = (String, String);

#[derive(Default)]
struct Data {
    datasets: HashMap<Key, Dataset>,
    objects: HashMap<Key, CatalogObject>,
    /// `dataset:<urn>` and `object:<urn>` in the order they were stored.
    events: Vec<String>,
    largest_batch: usize,
}

/// HashMaps behind a mutex; `fail_objects` makes `upsert_objects` fail.
#[derive(Default)]
pub(super) struct MemoryStore {
    data: Mutex<Data>,
    fail_objects: bool,
}

fn key(tenant: &Tenant, urn: &str) -> Key {
    (tenant.as_str().to_owned(), urn.to_owned())
}

impl MemoryStore {
    /// A store whose `upsert_objects` always fails.
    pub fn failing() -> Self {
        Self {
            fail_objects: true,
            ..Self::default()
        }
    }

    pub fn dataset(&self, tenant: &Tenant, urn: &str) -> Option<Dataset> {
        self.data
            .lock()
            .unwrap()
            .datasets
            .get(&key(tenant, urn))
            .cloned()
    }

    pub fn object(&self, tenant: &Tenant, urn: &str) -> Option<CatalogObject> {
        self.data
            .lock()
            .unwrap()
            .objects
            .get(&key(tenant, urn))
            .cloned()
    }

    pub fn events(&self) -> Vec<String> {
        self.data.lock().unwrap().events.clone()
    }

    pub fn largest_batch(&self) -> usize {
        self.data.lock().unwrap().largest_batch
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn upsert_datasets(&self, tenant: &Tenant, datasets: &[Dataset]) -> StoreResult<()> {
        let mut data = self.data.lock().unwrap();
        for d in datasets {
            data.events.push(format!("dataset:{}", d.urn));
            data.datasets.insert(key(tenant, &d.urn), d.clone());
        }
        Ok(())
    }

    async fn upsert_objects(&self, tenant: &Tenant, objects: &[CatalogObject]) -> StoreResult<()> {
        if self.fail_objects {
            return Err(StoreError::Corrupt("test failure".into()));
        }
        let mut data = self.data.lock().unwrap();
        data.largest_batch = data.largest_batch.max(objects.len());
        for o in objects {
            let label = o.dataset_urn.clone();
            data.datasets
                .entry(key(tenant, &o.dataset_urn))
                .or_insert_with(|| Dataset {
                    urn: label.clone(),
                    label,
                });
            data.events.push(format!("object:{}", o.urn));
            data.objects.insert(key(tenant, &o.urn), o.clone());
        }
        Ok(())
    }

    fn scan_objects<'a>(
        &'a self,
        tenant: &'a Tenant,
        scope: &'a ObjectScope,
    ) -> BoxStream<'a, StoreResult<ObjectRow>> {
        let data = self.data.lock().unwrap();
        let mut rows: Vec<ObjectRow> = data
            .objects
            .iter()
            .filter(|((t, _), o)| {
                t == tenant.as_str()
                    && scope
                        .dataset_urn
                        .as_ref()
                        .is_none_or(|d| *d == o.dataset_urn)
                    && scope.urns.as_ref().is_none_or(|u| u.contains(&o.urn))
                    && scope
                        .provider_ids
                        .as_ref()
                        .is_none_or(|p| p.contains(&o.provider_id))
            })
            .map(|(_, o)| ObjectRow {
                urn: o.urn.clone(),
                dataset_urn: o.dataset_urn.clone(),
                provider_id: o.provider_id.clone(),
                properties: o.properties.clone(),
                summary: o.summary(),
            })
            .collect();
        rows.sort_by(|a, b| a.urn.cmp(&b.urn));
        stream::iter(rows.into_iter().map(Ok)).boxed()
    }

    async fn all_datasets(&self, tenant: &Tenant) -> StoreResult<Vec<Dataset>> {
        let data = self.data.lock().unwrap();
        let mut all: Vec<Dataset> = data
            .datasets
            .iter()
            .filter(|((t, _), _)| t == tenant.as_str())
            .map(|(_, d)| d.clone())
            .collect();
        all.sort_by(|a, b| (&a.label, &a.urn).cmp(&(&b.label, &b.urn)));
        Ok(all)
    }

    async fn datasets(&self, tenant: &Tenant, urns: &[String]) -> StoreResult<Vec<Dataset>> {
        let data = self.data.lock().unwrap();
        Ok(urns
            .iter()
            .filter_map(|u| data.datasets.get(&key(tenant, u)).cloned())
            .collect())
    }

    async fn object_files(&self, tenant: &Tenant, urn: &str) -> StoreResult<Vec<CatalogFile>> {
        let data = self.data.lock().unwrap();
        Ok(data
            .objects
            .get(&key(tenant, urn))
            .map(|o| o.files.clone())
            .unwrap_or_default())
    }

    async fn files_of_objects(
        &self,
        tenant: &Tenant,
        urns: &[String],
    ) -> StoreResult<Vec<(String, CatalogFile)>> {
        let mut found = Vec::new();
        for urn in urns {
            for f in self.object_files(tenant, urn).await? {
                found.push((urn.clone(), f));
            }
        }
        Ok(found)
    }

    async fn counts(&self, tenant: &Tenant) -> StoreResult<CatalogCounts> {
        let data = self.data.lock().unwrap();
        let mine = |t: &String| t == tenant.as_str();
        let objects = data.objects.iter().filter(|((t, _), _)| mine(t));
        Ok(CatalogCounts {
            datasets: data.datasets.keys().filter(|(t, _)| mine(t)).count() as i64,
            objects: objects.clone().count() as i64,
            files: objects.map(|(_, o)| o.files.len() as i64).sum(),
        })
    }
}
