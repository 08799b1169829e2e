//! A sub-order's retrieval run: queued (an entry in its storage's queue, no task) until the
//! storage admits it, then a task that reads its pending files' ids and locations a page at a
//! time, asks each file's storage to make it available, a bounded number at a time (an online
//! disk checks its files in batches), and reports the results to the actor. No file is read
//! here: its CRC-32 is measured by the first zip that holds it, which records it for the next.
//! While the database is down a run starts no new file: the progress kept in memory until the
//! database is back stays bounded by the retrievals already under way.

use super::results::{FileRetrieved, RunEnded};
use super::run_queue::RunAdmitted;
use super::work::{Work, Works};
use super::{ActorGauges, OrderActor};
use crate::domain::Tenant;
use crate::domain::order::FileState;
use crate::engine::health::DatabaseHealth;
use crate::ports::{Admission, OrderJournal, Storage, StorageResolver};
use actix::prelude::*;
use futures::future::BoxFuture;
use futures::{FutureExt, Stream, StreamExt};
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

/// Files whose ids and locations a run reads from the database at a time.
const PAGE: u32 = 64;

/// A sub-order's run as its actor tracks it: queued for its storage's admission (no task
/// yet), or started.
pub(super) struct RunEntry {
    /// The actor's generation when the run was queued.
    generation: u64,
    /// Cancels the started run's task; None while queued.
    token: Option<CancellationToken>,
}

impl RunEntry {
    /// The actor's generation when the run was queued.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// Cancels the run's task, if started; answers whether it was (a queued run has no task
    /// that will tell its end).
    pub(super) fn cancel(&self) -> bool {
        self.token.as_ref().map(CancellationToken::cancel).is_some()
    }
}

/// What a run needs, moved into its task so that it borrows nothing from the actor.
struct Run {
    addr: Addr<OrderActor>,
    generation: u64,
    tenant: Tenant,
    order_id: i64,
    suborder_id: i64,
    /// Ids of the files still PENDING when the run started, ascending.
    pending: Vec<i64>,
    store: Arc<dyn OrderJournal>,
    health: Arc<DatabaseHealth>,
    storages: Arc<dyn StorageResolver>,
    gauges: Arc<ActorGauges>,
    /// How long a storage keeps a restored file available.
    keep: Duration,
    concurrency: usize,
}

impl OrderActor {
    /// Ids of a sub-order's files still PENDING, ascending.
    fn pending_of(&self, suborder_id: i64) -> Vec<i64> {
        self.order
            .files_of(suborder_id)
            .iter()
            .filter(|f| f.state == FileState::Pending)
            .map(|f| f.id)
            .collect()
    }

    /// Queues the run of a sub-order holding a slot on the storage of its first pending
    /// file: it starts when that storage admits it. Until then it costs a queue entry, not a
    /// task holding its files' locations.
    pub(super) fn start_run(&mut self, suborder_id: i64, ctx: &mut Context<Self>) {
        let generation = self.generation;
        let entry = RunEntry {
            generation,
            token: None,
        };
        self.runs.insert(suborder_id, entry);
        self.publish();
        let first = self
            .order
            .files_of(suborder_id)
            .iter()
            .find(|f| f.state == FileState::Pending)
            .map(|f| f.id);
        let Some(first) = first else {
            // Nothing to retrieve: the run ends at once.
            self.begin_run(suborder_id, Admission::immediate(), ctx);
            return;
        };
        let store = self.deps.store.clone();
        let (tenant, order_id) = (self.order.tenant.clone(), self.id());
        let read = async move {
            store
                .suborder_locations(&tenant, order_id, suborder_id, first - 1, 1)
                .await
        };
        ctx.spawn(read.into_actor(self).map(move |read, act, ctx| {
            if !act.is_queued(suborder_id, generation) {
                return;
            }
            let storage = match read {
                Ok(files) => files
                    .first()
                    .and_then(|(_, url)| act.deps.storages.resolve(url)),
                Err(e) => {
                    tracing::warn!(order_id, suborder_id, error = %e, "cannot read a sub-order's first file");
                    None
                }
            };
            match storage {
                Some(storage) => {
                    let actor = ctx.address().downgrade();
                    act.deps.run_queue.enqueue(storage, actor, generation, suborder_id);
                }
                // The run reports the missing storage (or reads again) file by file.
                None => act.begin_run(suborder_id, Admission::immediate(), ctx),
            }
        }));
    }

    /// Whether the sub-order's run is queued, for this generation, and not started.
    fn is_queued(&self, suborder_id: i64, generation: u64) -> bool {
        generation == self.generation
            && self
                .runs
                .get(&suborder_id)
                .is_some_and(|r| r.generation == generation && r.token.is_none())
    }

    /// Starts the task of an admitted run: `admission` is for its first file.
    fn begin_run(&mut self, suborder_id: i64, admission: Admission, ctx: &mut Context<Self>) {
        let token = CancellationToken::new();
        let entry = RunEntry {
            generation: self.generation,
            token: Some(token.clone()),
        };
        self.runs.insert(suborder_id, entry);
        let run = Run {
            addr: ctx.address(),
            generation: self.generation,
            tenant: self.order.tenant.clone(),
            order_id: self.id(),
            suborder_id,
            pending: self.pending_of(suborder_id),
            store: self.deps.store.clone(),
            health: self.deps.health.clone(),
            storages: self.deps.storages.clone(),
            gauges: self.gauges.clone(),
            keep: Duration::from_secs(u64::from(self.keep_hours()) * 3600),
            concurrency: self.deps.config.retrievals_per_suborder.max(1),
        };
        actix::spawn(run.execute(token, admission));
    }
}

impl Handler<RunAdmitted> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: RunAdmitted, ctx: &mut Self::Context) {
        // A run cancelled while queued lets its admission go back to the storage.
        if self.is_queued(msg.suborder_id, msg.generation) {
            self.begin_run(msg.suborder_id, msg.admission, ctx);
        }
    }
}

impl Run {
    /// Retrieves every pending file until done or cancelled, then tells the actor.
    async fn execute(self, token: CancellationToken, admission: Admission) {
        tokio::select! {
            () = token.cancelled() => {}
            () = self.retrieve_all(admission) => {}
        }
        self.addr.do_send(RunEnded {
            generation: self.generation,
            suborder_id: self.suborder_id,
        });
    }

    /// The pending files' ids and locations, read a page at a time as the retrievals go.
    fn files(&self) -> impl Stream<Item = (i64, String)> + '_ {
        let start = self.pending.first().map(|first| first - 1);
        futures::stream::unfold(start, move |cursor| async move {
            let page = self.page(cursor?).await;
            Some(page)
        })
        .flat_map(futures::stream::iter)
    }

    /// The pending files among the `PAGE` files after id `after`, and where the next page
    /// starts (None: no pending file left after these).
    async fn page(&self, after: i64) -> (Vec<(i64, String)>, Option<i64>) {
        let (order_id, suborder_id) = (self.order_id, self.suborder_id);
        self.health.wait_until_up().await;
        let read = self
            .store
            .suborder_locations(&self.tenant, order_id, suborder_id, after, PAGE)
            .await;
        let mut files = match read {
            Ok(files) => files,
            Err(e) => {
                tracing::error!(order_id, suborder_id, error = %e, "cannot read sub-order files");
                return (Vec::new(), None);
            }
        };
        let last_pending = self.pending.last().copied().unwrap_or(i64::MIN);
        let next = match files.last() {
            Some((id, _)) if files.len() >= PAGE as usize && *id < last_pending => Some(*id),
            _ => None,
        };
        files.retain(|(id, _)| self.pending.binary_search(id).is_ok());
        (files, next)
    }

    /// Retrieves the pending files, `concurrency` pieces of work at a time, reporting the
    /// results of each piece to the actor in one message; `first` is the admission of the
    /// first single file.
    async fn retrieve_all(&self, first: Admission) {
        let mut first = Some(first);
        Works::new(self.files(), self.storages.clone())
            .into_stream()
            // One piece at a time waits for its storage to admit it: a run queued on a busy
            // tape holds one waiting future, not one per file.
            .then(|work| {
                let given = match work {
                    Work::One(..) => first.take(),
                    Work::Batch(..) => None,
                };
                self.started(work, given)
            })
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

    /// The retrieval of `work`, once the database is up and its storage admits it (`given`:
    /// the run's admission, taken by its first single file; a batch needs none).
    async fn started(
        &self,
        work: Work,
        given: Option<Admission>,
    ) -> BoxFuture<'static, Vec<Retrieved>> {
        self.health.wait_until_up().await;
        let gauges = self.gauges.clone();
        match work {
            Work::One(file_id, url, storage) => {
                let admission = match (given, &storage) {
                    (Some(given), _) => given,
                    (None, Some(storage)) => storage.admit().await,
                    (None, None) => Admission::immediate(),
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
