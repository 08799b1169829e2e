//! A sub-order's retrieval run: asks each pending file's storage to make it available,
//! a bounded number at a time (an online disk checks its files in batches), and reports the
//! results to the actor. No file is read here: its CRC-32 is measured by the first zip that
//! holds it, which records it for the next. While the database is down a run starts no new
//! file: the progress kept in memory until the database is back stays bounded by the
//! retrievals already under way.

use super::results::{FileRetrieved, RunEnded};
use super::work::{Work, Works};
use super::{ActorGauges, OrderActor};
use crate::domain::Tenant;
use crate::domain::order::FileState;
use crate::engine::health::DatabaseHealth;
use crate::ports::{Admission, OrderJournal, Storage, StorageResolver};
use actix::prelude::*;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Counts files in the in-flight gauge until the retrieval ends (cancellation included).
struct InFlight(Arc<ActorGauges>, usize);

impl InFlight {
    fn new(gauges: Arc<ActorGauges>, files: usize) -> Self {
        gauges.in_flight.fetch_add(files, Ordering::Relaxed);
        Self(gauges, files)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(self.1, Ordering::Relaxed);
    }
}

/// One file's result: made available, or the reason it was not.
type Retrieved = (i64, Result<(), String>);

/// What a run needs, moved into its task so that it borrows nothing from the actor.
struct Run {
    addr: Addr<OrderActor>,
    generation: u64,
    tenant: Tenant,
    order_id: i64,
    suborder_id: i64,
    /// Files still PENDING when the run started.
    pending: HashSet<i64>,
    store: Arc<dyn OrderJournal>,
    health: Arc<DatabaseHealth>,
    storages: Arc<dyn StorageResolver>,
    gauges: Arc<ActorGauges>,
    /// How long a storage keeps a restored file available.
    keep: Duration,
    concurrency: usize,
}

impl OrderActor {
    /// Starts retrieving the pending files of a sub-order holding a slot.
    pub(super) fn start_run(&mut self, suborder_id: i64, ctx: &mut Context<Self>) {
        let token = CancellationToken::new();
        self.runs.insert(suborder_id, token.clone());
        self.publish();
        let pending = self
            .order
            .files_of(suborder_id)
            .iter()
            .filter(|f| f.state == FileState::Pending)
            .map(|f| f.id)
            .collect();
        let run = Run {
            addr: ctx.address(),
            generation: self.generation,
            tenant: self.order.tenant.clone(),
            order_id: self.id(),
            suborder_id,
            pending,
            store: self.deps.store.clone(),
            health: self.deps.health.clone(),
            storages: self.deps.storages.clone(),
            gauges: self.gauges.clone(),
            keep: Duration::from_secs(u64::from(self.keep_hours()) * 3600),
            concurrency: self.deps.config.retrievals_per_suborder.max(1),
        };
        actix::spawn(run.execute(token));
    }
}

impl Run {
    /// Retrieves every pending file until done or cancelled, then tells the actor.
    async fn execute(self, token: CancellationToken) {
        self.health.wait_until_up().await;
        let files = self.locations().await;
        tokio::select! {
            () = token.cancelled() => {}
            () = self.retrieve_all(files) => {}
        }
        self.addr.do_send(RunEnded {
            generation: self.generation,
            suborder_id: self.suborder_id,
        });
    }

    /// Ids and locations of the files to retrieve: only those, so that a run waiting on a
    /// tape costs little memory.
    async fn locations(&self) -> Vec<(i64, String)> {
        let (order_id, suborder_id) = (self.order_id, self.suborder_id);
        let read = self
            .store
            .suborder_locations(&self.tenant, order_id, suborder_id)
            .await;
        match read {
            Ok(mut files) => {
                files.retain(|(id, _)| self.pending.contains(id));
                files.shrink_to_fit();
                files
            }
            Err(e) => {
                tracing::error!(order_id, suborder_id, error = %e, "cannot read sub-order files");
                Vec::new()
            }
        }
    }

    /// Retrieves `files`, `concurrency` pieces of work at a time, reporting the results of
    /// each piece to the actor in one message.
    async fn retrieve_all(&self, files: Vec<(i64, String)>) {
        futures::stream::iter(Works::new(files, self.storages.clone()))
            // One piece at a time waits for its storage to admit it: a run queued on a busy
            // tape holds one waiting future, not one per file.
            .then(|work| self.started(work))
            .buffer_unordered(self.concurrency)
            .for_each(|results| {
                // do_send: results to oneself are never dropped for a full mailbox.
                self.addr.do_send(FileRetrieved {
                    generation: self.generation,
                    results,
                });
                futures::future::ready(())
            })
            .await;
    }

    /// The retrieval of `work`, once the database is up and its storage admits it.
    async fn started(&self, work: Work) -> BoxFuture<'static, Vec<Retrieved>> {
        self.health.wait_until_up().await;
        let gauges = self.gauges.clone();
        match work {
            Work::One(file_id, url, storage) => {
                let admission = match &storage {
                    Some(storage) => storage.admit().await,
                    None => Admission::immediate(),
                };
                let one = retrieve(file_id, url, storage, admission, self.keep, gauges);
                Box::pin(one.map(|retrieved| vec![retrieved]))
            }
            Work::Batch(storage, files) => {
                Box::pin(retrieve_batch(storage, files, self.keep, gauges))
            }
        }
    }
}

/// Makes a batch of files of one storage available in one call.
async fn retrieve_batch(
    storage: Arc<dyn Storage>,
    files: Vec<(i64, String)>,
    keep: Duration,
    gauges: Arc<ActorGauges>,
) -> Vec<Retrieved> {
    let _guard = InFlight::new(gauges, files.len());
    let (ids, urls): (Vec<i64>, Vec<String>) = files.into_iter().unzip();
    let made = storage.make_available_many(urls, keep).await;
    ids.into_iter()
        .zip(made)
        .map(|(id, made)| (id, made.map_err(|e| e.to_string())))
        .collect()
}

/// Makes one file available.
async fn retrieve(
    file_id: i64,
    url: String,
    storage: Option<Arc<dyn Storage>>,
    admission: Admission,
    keep: Duration,
    gauges: Arc<ActorGauges>,
) -> Retrieved {
    let _guard = InFlight::new(gauges, 1);
    let Some(storage) = storage else {
        return (file_id, Err(format!("No storage holds {url}")));
    };
    let made = storage.make_available(&url, keep).await;
    drop(admission);
    (file_id, made.map_err(|e| e.to_string()))
}
