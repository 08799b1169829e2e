//! Order creation: the order's archived basket becomes dataset tasks, sub-orders and
//! files, by streaming the catalogue (files read in batches, ids reserved in blocks).

use crate::catalog::selection::{CompiledSelection, union_scope};
use crate::config::OrderSettings;
use crate::orders::file_filter::FileFilter;
use crate::orders::settings::{self, EffectiveSettings};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use regards_order_actors::domain::order::{
    Bucket, DatasetTask, FileState, OrderFile, OrderHeader, OrderKind, SplitLimits, Splitter,
    SubOrder, expiration_date,
};
use regards_order_actors::domain::{Basket, DatasetSelection, Tenant};
use regards_order_actors::ports::{
    CreationError, CreationPlan, IdKind, ObjectRow, OrderBuilder, Store,
};
use std::sync::Arc;

/// Objects whose files are read in one query.
const OBJECTS_PER_READ: usize = 500;

/// Message of an order whose basket selects nothing any more.
pub const NO_FEATURE: &str = "It seems that the queried features do not exist anymore.";
/// Message of an order whose filters excluded every file.
pub const NO_FILE_MATCH: &str = "No file match filters.";

/// Why a plan could not be made: the database (try again later) or the basket itself.
enum PlanError {
    Busy(String),
    Invalid(String),
}

impl From<regards_order_actors::ports::StoreError> for PlanError {
    fn from(e: regards_order_actors::ports::StoreError) -> Self {
        PlanError::Busy(e.to_string())
    }
}

impl PlanError {
    /// The creation's failure: a busy database is transient (creation is tried again), an
    /// invalid basket is not.
    fn into_creation_error(self, expiration: DateTime<Utc>) -> CreationError {
        let (message, transient) = match self {
            PlanError::Busy(message) => (message, true),
            PlanError::Invalid(message) => (message, false),
        };
        CreationError {
            message,
            expiration,
            transient,
        }
    }
}

/// Builds orders from the service's catalogue.
pub struct CatalogOrderBuilder {
    store: Arc<dyn Store>,
    orders: OrderSettings,
}

/// One dataset selection resolved: its task (ids unset) and its buckets of files.
struct Resolved {
    task: DatasetTask,
    buckets: Vec<Bucket>,
    objects: i64,
}

impl CatalogOrderBuilder {
    /// A builder reading `store` with the configured limits.
    pub fn new(store: Arc<dyn Store>, orders: OrderSettings) -> Self {
        Self { store, orders }
    }

    fn limits(&self) -> SplitLimits {
        SplitLimits {
            bucket_bytes: i64::try_from(self.orders.bucket_size_mb.saturating_mul(1024 * 1024))
                .unwrap_or(i64::MAX),
            max_files: usize::try_from(self.orders.max_files_per_suborder).unwrap_or(usize::MAX),
        }
    }

    /// Streams the objects of the selection's dataset matched by any of its item requests and
    /// splits their retained files.
    async fn resolve(&self, tenant: &Tenant, s: &DatasetSelection) -> Result<Resolved, PlanError> {
        let compiled = s
            .items
            .iter()
            .map(|i| CompiledSelection::compile(&i.request))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PlanError::Invalid(e.to_string()))?;
        let filter = FileFilter::new(s.file_filter.as_ref()).map_err(PlanError::Invalid)?;
        let scope = union_scope(&s.dataset_urn, &compiled);
        let mut splitter = Splitter::new(self.limits());
        let mut objects = 0;
        let mut batch: Vec<ObjectRow> = Vec::with_capacity(OBJECTS_PER_READ);
        let mut rows = self.store.scan_objects(tenant, &scope);
        while let Some(row) = rows.try_next().await? {
            if compiled.iter().any(|c| c.matches(&row)) {
                objects += 1;
                batch.push(row);
            }
            if batch.len() == OBJECTS_PER_READ {
                self.split_batch(tenant, &mut batch, &filter, &mut splitter)
                    .await?;
            }
        }
        self.split_batch(tenant, &mut batch, &filter, &mut splitter)
            .await?;
        let buckets = splitter.finish();
        let files: Vec<&OrderFile> = buckets.iter().flat_map(|b| &b.files).collect();
        let task = DatasetTask {
            id: 0,
            dataset_urn: s.dataset_urn.clone(),
            dataset_label: s.dataset_label.clone(),
            objects_count: s.summary.objects_count,
            files_count: i64::try_from(files.len()).unwrap_or(i64::MAX),
            files_size: files.iter().filter_map(|f| f.size).sum(),
            selection_requests: s.items.iter().map(|i| i.request.clone()).collect(),
            process: s.process.clone(),
            file_filter: s.file_filter.clone(),
        };
        Ok(Resolved {
            task,
            buckets,
            objects,
        })
    }

    async fn split_batch(
        &self,
        tenant: &Tenant,
        batch: &mut Vec<ObjectRow>,
        filter: &FileFilter,
        splitter: &mut Splitter,
    ) -> Result<(), PlanError> {
        if batch.is_empty() {
            return Ok(());
        }
        let urns: Vec<String> = batch.iter().map(|o| o.urn.clone()).collect();
        let files = self.store.files_of_objects(tenant, &urns).await?;
        let mut files = files.into_iter().peekable();
        for object in batch.drain(..) {
            let mut kept = Vec::new();
            while let Some((_, file)) = files.next_if(|(urn, _)| *urn == object.urn) {
                if filter.keeps(&file) {
                    kept.push(order_file(&object, file));
                }
            }
            splitter.add_object(kept);
        }
        Ok(())
    }

    /// Resolves every dataset selection of `basket` (none without a basket); true when any
    /// selected an object, even if no file of it was kept.
    async fn resolve_basket(
        &self,
        tenant: &Tenant,
        basket: Option<&Basket>,
    ) -> Result<(Vec<Resolved>, bool), PlanError> {
        let mut resolved = Vec::new();
        let mut any_object = false;
        for selection in basket.iter().flat_map(|b| &b.selections) {
            let r = self.resolve(tenant, selection).await?;
            any_object |= r.objects > 0;
            if !r.buckets.is_empty() {
                resolved.push(r);
            }
        }
        Ok((resolved, any_object))
    }

    /// Gives ids to tasks, sub-orders and files, from blocks reserved in three queries.
    async fn number(&self, resolved: Vec<Resolved>) -> Result<NumberedPlan, PlanError> {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let suborders: usize = resolved.iter().map(|r| r.buckets.len()).sum();
        let files: usize = resolved
            .iter()
            .flat_map(|r| &r.buckets)
            .map(|b| b.files.len())
            .sum();
        let reserve = |kind, n| async move {
            if n == 0 {
                return Ok(0);
            }
            self.store
                .reserve_ids(kind, n)
                .await
                .map_err(PlanError::from)
        };
        let mut task_id = reserve(IdKind::DatasetTask, count(resolved.len())).await?;
        let mut suborder_id = reserve(IdKind::SubOrder, count(suborders)).await?;
        let mut file_id = reserve(IdKind::File, count(files)).await?;
        let mut plan = NumberedPlan::default();
        for r in resolved {
            let task = DatasetTask {
                id: task_id,
                ..r.task
            };
            for bucket in r.buckets {
                plan.storage_suborders += usize::from(!bucket.external);
                plan.suborders.push(SubOrder {
                    id: suborder_id,
                    dataset_task_id: task_id,
                    external: bucket.external,
                });
                for f in bucket.files {
                    plan.files.push(OrderFile {
                        id: file_id,
                        suborder_id,
                        dataset_task_id: task_id,
                        ..f
                    });
                    file_id += 1;
                }
                suborder_id += 1;
            }
            plan.tasks.push(task);
            task_id += 1;
        }
        Ok(plan)
    }
}

/// Tasks, sub-orders and files with their ids.
#[derive(Default)]
struct NumberedPlan {
    tasks: Vec<DatasetTask>,
    suborders: Vec<SubOrder>,
    files: Vec<OrderFile>,
    storage_suborders: usize,
}

/// An order file for a catalogue file of `object`: external references are available at
/// once, the others wait for their storage.
fn order_file(object: &ObjectRow, f: regards_order_actors::domain::CatalogFile) -> OrderFile {
    OrderFile {
        id: 0,
        suborder_id: 0,
        dataset_task_id: 0,
        state: if f.reference {
            FileState::Available
        } else {
            FileState::Pending
        },
        filename: f.filename,
        url: f.url,
        mime_type: f.mime_type,
        size: f.size,
        checksum: f.checksum,
        data_type: f.data_type,
        reference: f.reference,
        object_urn: object.urn.clone(),
        provider_id: object.provider_id.clone(),
        version: 0,
        download_error: None,
    }
}

#[async_trait]
impl OrderBuilder for CatalogOrderBuilder {
    async fn plan(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
    ) -> Result<CreationPlan, CreationError> {
        let now = Utc::now();
        let effective = settings::effective(self.store.as_ref(), tenant, &self.orders)
            .await
            .unwrap_or_else(|_| EffectiveSettings::from_config(&self.orders));
        let duration = match header.kind {
            OrderKind::User => effective.user_suborder,
            OrderKind::App => effective.app_suborder,
        };
        let expiration = now + duration;
        let failed = |e: PlanError| e.into_creation_error(expiration);
        let basket = self
            .store
            .archived_basket(tenant, header.id)
            .await
            .map_err(|e| failed(e.into()))?;
        let (resolved, any_object) = self
            .resolve_basket(tenant, basket.as_ref())
            .await
            .map_err(failed)?;
        let plan = self.number(resolved).await.map_err(failed)?;
        Ok(CreationPlan {
            expiration: expiration_date(
                now,
                plan.storage_suborders,
                duration,
                effective.expiration_max,
            ),
            tasks: plan.tasks,
            suborders: plan.suborders,
            files: plan.files,
            empty_message: if any_object {
                NO_FILE_MATCH
            } else {
                NO_FEATURE
            }
            .to_owned(),
        })
    }
}
