//! Results of retrieval runs: each file's outcome becomes progress, and a run that ended
//! with files still pending is tried again a little later.

use super::OrderActor;
use crate::domain::order::{FileState, OrderStatus};
use actix::prelude::*;
use chrono::Utc;
use std::time::Duration;

/// Pause before a sub-order whose run ended with files still pending is tried again.
const RETRY_RUN_AFTER: Duration = Duration::from_secs(5);

/// Retrievals ended: each file's id and outcome (internal). Results of an older generation
/// are ignored.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct FileRetrieved {
    pub generation: u64,
    pub results: Vec<(i64, Result<(), String>)>,
}

/// A sub-order's retrieval run ended (internal).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct RunEnded {
    pub generation: u64,
    pub suborder_id: i64,
}

impl Handler<FileRetrieved> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: FileRetrieved, ctx: &mut Self::Context) {
        if msg.generation != self.generation {
            return;
        }
        let now = Utc::now();
        let mut changed = false;
        for (file_id, outcome) in msg.results {
            let (state, reason) = match outcome {
                Ok(()) => (FileState::Available, None),
                Err(reason) => (FileState::Error, Some(reason)),
            };
            let file = self.order.file(file_id).copied();
            let pending = file.map(|f| f.state) == Some(FileState::Pending);
            if pending && self.order.set_file_state(file_id, state, now).is_some() {
                if let Some(file) = file {
                    // The sub-order's last file to retrieve: it is ready.
                    self.events
                        .suborders_done(&self.order, Some(file.suborder_id), now);
                }
                self.dirty_files.push((file_id, state, reason));
                changed = true;
            }
        }
        if changed {
            self.release_finished_slots();
            self.persist_later(ctx);
        }
    }
}

impl Handler<RunEnded> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: RunEnded, ctx: &mut Self::Context) {
        // A cancelled run's entry is forgotten too, unless a newer run of the sub-order
        // replaced it.
        if self
            .runs
            .get(&msg.suborder_id)
            .is_some_and(|run| run.generation() == msg.generation)
        {
            self.runs.remove(&msg.suborder_id);
        }
        let still_pending = self
            .order
            .suborders()
            .iter()
            .any(|s| s.suborder.id == msg.suborder_id && s.has_pending());
        if still_pending && self.order.header.status == OrderStatus::Running {
            ctx.run_later(RETRY_RUN_AFTER, move |act, ctx| {
                if act.granted.contains(&msg.suborder_id)
                    && !act.runs.contains_key(&msg.suborder_id)
                {
                    act.start_run(msg.suborder_id, ctx);
                }
            });
        }
        self.touch(ctx);
        self.publish();
    }
}
