//! Telling an order's actor which bytes of a download reached the client, so that its files
//! are marked DOWNLOADED only once all their bytes were served: in one response, or in several
//! ranges (a segmented or resumed download). The last byte alone, half a file or a HEAD
//! never mark anything.

use super::records;
use crate::downloads::completion::Outcome;
use crate::downloads::order_plan::{Outcomes, RECORD_CHUNK};
use futures::StreamExt;
use futures::future::BoxFuture;
use regards_order_actors::domain::Tenant;
use regards_order_actors::engine::Download;
use regards_order_actors::engine::Engine;
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Records what a download delivered, once it is covered whole.
pub type OnCovered = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// A response serving bytes `range` of `download` (`size` bytes in all) of an order.
#[derive(Clone)]
pub struct Served {
    pub engine: Engine,
    pub tenant: Tenant,
    pub order_id: i64,
    pub download: Download,
    pub size: u64,
    pub range: Range<u64>,
}

/// Runs at most once, whichever end of the response covers the download.
type Once = Arc<Mutex<Option<OnCovered>>>;

impl Served {
    /// The `Outcome` of the response: its whole range is told once it was all sent, the
    /// part already sent when the client leaves first; when that covers the download,
    /// `on_covered` runs. `broken` runs if the source fails.
    pub fn outcome(self, on_covered: OnCovered, broken: BoxFuture<'static, ()>) -> Outcome {
        let on_covered: Once = Arc::new(Mutex::new(Some(on_covered)));
        let cut_part = self.clone();
        let cut_covered = on_covered.clone();
        Outcome {
            completed: Box::pin(self.tell(on_covered)),
            broken,
            cut: Some(Box::new(move |sent| {
                if sent > 0 {
                    let end = cut_part
                        .range
                        .start
                        .saturating_add(sent)
                        .min(cut_part.range.end);
                    let part = Self {
                        range: cut_part.range.start..end,
                        ..cut_part
                    };
                    // Called from a destructor: the message goes from a task of its own, on
                    // the runtime if there still is one (not while the process stops).
                    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                        runtime.spawn(part.tell(cut_covered));
                    }
                }
            })),
        }
    }

    /// Sends the range to the order's actor, and records the outcome if it covered the
    /// download (best effort: a failure is logged, the files stay available to download).
    async fn tell(self, on_covered: Once) {
        let Self {
            engine,
            tenant,
            order_id,
            download,
            size,
            range,
        } = self;
        if records::range_served(&engine, &tenant, order_id, download, range, size).await {
            let record = on_covered.lock().ok().and_then(|mut once| once.take());
            if let Some(record) = record {
                record().await;
            }
        }
    }
}

/// Identifies a zip archive by its length and the files it delivers: the same files give the
/// same bytes, so the ranges of two requests add up only when they are of one archive. A
/// whole answer (`ranged` false) covers the archive at once and needs no more than a length.
pub async fn archive_key(total: u64, outcomes: &Outcomes, ranged: bool) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    total.hash(&mut hasher);
    if !ranged {
        return hasher.finish();
    }
    let mut chunks = outcomes.chunks(RECORD_CHUNK);
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(files) => {
                for (id, state, _) in files {
                    (id, state.as_str()).hash(&mut hasher);
                }
            }
            Err(error) => {
                // A key of its own: this range adds to no other, so it marks nothing wrongly.
                tracing::warn!(%error, "zip outcomes not read back for its key");
                uuid::Uuid::new_v4().hash(&mut hasher);
                break;
            }
        }
    }
    hasher.finish()
}
