//! A sub-order's retrieval run: asks each pending file's storage to make it available,
//! a bounded number at a time, and reports every result to the actor.

use super::OrderActor;
use super::messages::{FileRetrieved, RunEnded};
use crate::domain::order::FileState;
use actix::prelude::*;
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
        let storages = self.deps.storages.clone();
        let gauges = self.gauges.clone();
        let tenant = self.order.tenant.clone();
        let order_id = self.id();
        let keep = Duration::from_secs(u64::from(self.keep_hours()) * 3600);
        let concurrency = self.deps.config.retrievals_per_suborder.max(1);
        actix::spawn(async move {
            let files = match store.suborder_files(&tenant, order_id, suborder_id).await {
                Ok(files) => files,
                Err(e) => {
                    tracing::error!(order_id, suborder_id, error = %e, "cannot read sub-order files");
                    Vec::new()
                }
            };
            let work = futures::stream::iter(files.into_iter().filter(|f| pending.contains(&f.id)))
                .map(|file| {
                    let storages = storages.clone();
                    let gauges = gauges.clone();
                    async move {
                        let _guard = InFlight::new(gauges);
                        let outcome = match storages.resolve(&file.url) {
                            None => Err(format!("No storage holds {}", file.url)),
                            Some(storage) => storage
                                .make_available(&file.url, keep)
                                .await
                                .map_err(|e| e.to_string()),
                        };
                        (file.id, outcome)
                    }
                })
                .buffer_unordered(concurrency)
                .for_each(|(file_id, outcome)| {
                    // do_send: results to oneself are never dropped for a full mailbox.
                    addr.do_send(FileRetrieved {
                        generation,
                        file_id,
                        outcome,
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
