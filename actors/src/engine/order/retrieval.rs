//! A sub-order's retrieval run: asks each pending file's storage to make it available,
//! a bounded number at a time, and reports every result (with the file's CRC-32) to the
//! actor. While the database is down a run starts no new file: the progress kept in memory
//! until the database is back stays bounded by the retrievals already under way.

use super::OrderActor;
use super::messages::{FileRetrieved, RunEnded};
use crate::domain::order::FileState;
use crate::ports::Admission;
use actix::prelude::*;
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// CRC-32 of a file's content, or None when it cannot be read (the download will say why).
async fn crc32_of(storage: &dyn crate::ports::Storage, url: &str) -> Option<u32> {
    let mut content = storage.open(url, None).await.ok()?.stream;
    let mut hasher = crc32fast::Hasher::new();
    while let Some(chunk) = content.next().await {
        hasher.update(&chunk.ok()?);
    }
    Some(hasher.finalize())
}

/// Decrements the in-flight gauge however the retrieval ends (cancellation included).
struct InFlight(std::sync::Arc<super::ActorGauges>);

impl InFlight {
    fn new(gauges: std::sync::Arc<super::ActorGauges>) -> Self {
        gauges.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(gauges)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl OrderActor {
    /// Starts retrieving the pending files of a sub-order holding a slot.
    pub(super) fn start_run(&mut self, suborder_id: i64, ctx: &mut Context<Self>) {
        let token = CancellationToken::new();
        self.runs.insert(suborder_id, token.clone());
        self.publish();
        let pending: HashSet<i64> = self
            .order
            .files_of(suborder_id)
            .iter()
            .filter(|f| f.state == FileState::Pending)
            .map(|f| f.id)
            .collect();
        let generation = self.generation;
        let addr = ctx.address();
        let store = self.deps.store.clone();
        let health = self.deps.health.clone();
        let storages = self.deps.storages.clone();
        let gauges = self.gauges.clone();
        let tenant = self.order.tenant.clone();
        let order_id = self.id();
        let keep = Duration::from_secs(u64::from(self.keep_hours()) * 3600);
        let concurrency = self.deps.config.retrievals_per_suborder.max(1);
        actix::spawn(async move {
            health.wait_until_up().await;
            // Only ids and locations, so that a run waiting on a tape costs little memory.
            let files = match store
                .suborder_locations(&tenant, order_id, suborder_id)
                .await
            {
                Ok(mut files) => {
                    files.retain(|(id, _)| pending.contains(id));
                    files.shrink_to_fit();
                    files
                }
                Err(e) => {
                    tracing::error!(order_id, suborder_id, error = %e, "cannot read sub-order files");
                    Vec::new()
                }
            };
            drop(pending);
            let work = futures::stream::iter(files)
                // One file at a time waits for its storage to admit it: a run queued on a
                // busy tape holds one waiting future, not one per file.
                .then(|(file_id, url)| {
                    let storage = storages.resolve(&url);
                    let health = health.clone();
                    async move {
                        health.wait_until_up().await;
                        let admission = match &storage {
                            Some(storage) => storage.admit().await,
                            None => Admission::immediate(),
                        };
                        (file_id, url, storage, admission)
                    }
                })
                .map(|(file_id, url, storage, admission)| {
                    let gauges = gauges.clone();
                    async move {
                        let _guard = InFlight::new(gauges);
                        let Some(storage) = storage else {
                            return (file_id, Err(format!("No storage holds {url}")), None);
                        };
                        let made = storage.make_available(&url, keep).await;
                        drop(admission);
                        if let Err(e) = made {
                            return (file_id, Err(e.to_string()), None);
                        }
                        // Local files are read once here for their CRC-32, so that a zip's
                        // layout is known before its first byte; http references are not
                        // fetched ahead of their download.
                        let crc = if storage.kind() == "http" {
                            None
                        } else {
                            crc32_of(storage.as_ref(), &url).await
                        };
                        (file_id, Ok(()), crc)
                    }
                })
                .buffer_unordered(concurrency)
                .for_each(|(file_id, outcome, crc32)| {
                    // do_send: results to oneself are never dropped for a full mailbox.
                    addr.do_send(FileRetrieved {
                        generation,
                        file_id,
                        outcome,
                        crc32,
                    });
                    futures::future::ready(())
                });
            tokio::select! {
                () = token.cancelled() => {}
                () = work => {}
            }
            addr.do_send(RunEnded {
                generation,
                suborder_id,
            });
        });
    }
}
