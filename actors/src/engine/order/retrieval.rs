//! A sub-order's retrieval run: asks each pending file's storage to make it available,
//! a bounded number at a time, and reports every result (with the file's CRC-32) to the
//! actor. While the database is down a run starts no new file: the progress kept in memory
//! until the database is back stays bounded by the retrievals already under way.

use super::results::{FileRetrieved, RunEnded};
use super::{ActorGauges, OrderActor};
use crate::domain::Tenant;
use crate::domain::order::FileState;
use crate::engine::health::DatabaseHealth;
use crate::ports::{Admission, OrderJournal, Storage, StorageResolver};
use actix::prelude::*;
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// CRC-32 of a file's content, or None when it cannot be read (the download will say why).
async fn crc32_of(storage: &dyn Storage, url: &str) -> Option<u32> {
    let mut content = storage.open(url, None).await.ok()?.stream;
    let mut hasher = crc32fast::Hasher::new();
    while let Some(chunk) = content.next().await {
        hasher.update(&chunk.ok()?);
    }
    Some(hasher.finalize())
}

/// Decrements the in-flight gauge however the retrieval ends (cancellation included).
struct InFlight(Arc<ActorGauges>);

impl InFlight {
    fn new(gauges: Arc<ActorGauges>) -> Self {
        gauges.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(gauges)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One file's result: made available (with its CRC-32 when read) or the reason it was not.
type Retrieved = (i64, Result<(), String>, Option<u32>);

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

    /// Retrieves `files`, `concurrency` at a time, reporting each result to the actor.
    async fn retrieve_all(&self, files: Vec<(i64, String)>) {
        futures::stream::iter(files)
            // One file at a time waits for its storage to admit it: a run queued on a busy
            // tape holds one waiting future, not one per file.
            .then(|(file_id, url)| self.admitted(file_id, url))
            .map(|(file_id, url, storage, admission)| {
                retrieve(
                    file_id,
                    url,
                    storage,
                    admission,
                    self.keep,
                    self.gauges.clone(),
                )
            })
            .buffer_unordered(self.concurrency)
            .for_each(|(file_id, outcome, crc32)| {
                // do_send: results to oneself are never dropped for a full mailbox.
                self.addr.do_send(FileRetrieved {
                    generation: self.generation,
                    file_id,
                    outcome,
                    crc32,
                });
                futures::future::ready(())
            })
            .await;
    }

    /// The file's storage, once the database is up and the storage admits one more call.
    async fn admitted(
        &self,
        file_id: i64,
        url: String,
    ) -> (i64, String, Option<Arc<dyn Storage>>, Admission) {
        let storage = self.storages.resolve(&url);
        self.health.wait_until_up().await;
        let admission = match &storage {
            Some(storage) => storage.admit().await,
            None => Admission::immediate(),
        };
        (file_id, url, storage, admission)
    }
}

/// Makes one file available and, when reading it is cheap, measures its CRC-32.
async fn retrieve(
    file_id: i64,
    url: String,
    storage: Option<Arc<dyn Storage>>,
    admission: Admission,
    keep: Duration,
    gauges: Arc<ActorGauges>,
) -> Retrieved {
    let _guard = InFlight::new(gauges);
    let Some(storage) = storage else {
        return (file_id, Err(format!("No storage holds {url}")), None);
    };
    let made = storage.make_available(&url, keep).await;
    drop(admission);
    if let Err(e) = made {
        return (file_id, Err(e.to_string()), None);
    }
    // A local file is read once here so that a zip's layout is known before its first byte;
    // a remote one is not fetched ahead of its download.
    let crc = if storage.cheap_to_read() {
        crc32_of(storage.as_ref(), &url).await
    } else {
        None
    };
    (file_id, Ok(()), crc)
}
