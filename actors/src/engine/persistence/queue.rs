//! What a persistence actor holds: messages waiting for a transaction, in arrival order, and
//! what becomes of them when a transaction commits or fails. Pure, so that the rules ("a
//! background change is never dropped; an acknowledged change either commits or is reported
//! failed") are tested without a database.

use super::PersistError;
use crate::ports::OrderChange;
use std::collections::VecDeque;
use tokio::sync::oneshot;

/// Where the outcome of a message goes.
pub type Reply = oneshot::Sender<Result<(), PersistError>>;

/// One `Persist` message waiting for (or inside) a transaction.
pub struct Queued {
    /// Progress to write whatever happens: kept and retried until it commits.
    pub background: Vec<OrderChange>,
    /// An action's changes: committed with everything queued before them, or dropped and
    /// reported failed (the action answers 503 and is not applied).
    pub acknowledged: Vec<OrderChange>,
    pub reply: Option<Reply>,
    /// The sender waits for this message: write it now rather than after the flush delay.
    pub urgent: bool,
}

impl Queued {
    /// The changes in the order they must be written: progress made before the action first.
    pub fn changes(&self) -> impl Iterator<Item = &OrderChange> {
        self.background.iter().chain(&self.acknowledged)
    }

    fn change_count(&self) -> usize {
        self.background.len() + self.acknowledged.len()
    }

    fn answer(&mut self, outcome: Result<(), PersistError>) {
        if let Some(reply) = self.reply.take() {
            // The sender may have stopped waiting (timeout): nothing to tell then.
            let _ = reply.send(outcome);
        }
    }
}

/// Messages waiting for the next transaction.
#[derive(Default)]
pub struct WriteQueue {
    waiting: VecDeque<Queued>,
}

impl WriteQueue {
    /// Queues a message behind the others.
    pub fn push(&mut self, message: Queued) {
        self.waiting.push_back(message);
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Changes waiting (for operators).
    pub fn change_count(&self) -> usize {
        self.waiting.iter().map(Queued::change_count).sum()
    }

    /// Whether an acknowledged change or a caller waits: then the next transaction starts at
    /// once instead of after the flush delay.
    pub fn is_urgent(&self) -> bool {
        self.waiting
            .iter()
            .any(|m| m.urgent || !m.acknowledged.is_empty())
    }

    /// Everything waiting, for one transaction.
    pub fn take(&mut self) -> Vec<Queued> {
        self.waiting.drain(..).collect()
    }

    /// The transaction holding `batch` committed: every message of it succeeded.
    pub fn committed(batch: Vec<Queued>) {
        for mut message in batch {
            message.answer(Ok(()));
        }
    }

    /// The transaction holding `batch` failed: acknowledged changes are dropped and reported,
    /// background changes (and callers waiting only for them) go back to the front of the
    /// queue, before anything that arrived meanwhile, to be written first.
    pub fn failed(&mut self, batch: Vec<Queued>, error: &PersistError) {
        for mut message in batch.into_iter().rev() {
            if !message.acknowledged.is_empty() {
                message.acknowledged.clear();
                message.answer(Err(error.clone()));
            }
            if !message.background.is_empty() || message.reply.is_some() {
                self.waiting.push_front(message);
            }
        }
    }

    /// A message that cannot be written at all (its content, not the database, is at fault):
    /// reported, logged and dropped, so that it does not block the changes behind it.
    pub fn rejected(mut message: Queued, error: &PersistError) {
        let summary: Vec<String> = message.changes().map(describe).collect();
        tracing::error!(error = %error, changes = ?summary, "order changes the database refuses, dropped");
        message.answer(Err(error.clone()));
    }
}

/// A change in a few words, for the log of a rejected message.
fn describe(change: &OrderChange) -> String {
    match change {
        OrderChange::Header { tenant, header } => {
            format!("header of order {} of {tenant}", header.id)
        }
        OrderChange::FileStates {
            tenant,
            order_id,
            files,
        } => format!(
            "{} file states of order {order_id} of {tenant}",
            files.len()
        ),
        OrderChange::Crcs { tenant, crcs } => format!("{} CRC-32s of {tenant}", crcs.len()),
        OrderChange::DropFiles { tenant, order_id } => {
            format!("files of order {order_id} of {tenant} dropped")
        }
        OrderChange::Remove { tenant, order_id } => {
            format!("order {order_id} of {tenant} removed")
        }
        OrderChange::Events(events) => format!("{} events", events.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Tenant;
    use crate::ports::StoreError;

    fn drop_files(order_id: i64) -> OrderChange {
        OrderChange::DropFiles {
            tenant: Tenant::parse("t").unwrap(),
            order_id,
        }
    }

    fn message(
        background: Vec<OrderChange>,
        acknowledged: Vec<OrderChange>,
    ) -> (Queued, oneshot::Receiver<Result<(), PersistError>>) {
        let (reply, outcome) = oneshot::channel();
        let urgent = background.is_empty() && acknowledged.is_empty();
        let queued = Queued {
            background,
            acknowledged,
            reply: Some(reply),
            urgent,
        };
        (queued, outcome)
    }

    #[test]
    fn a_failed_transaction_keeps_progress_and_reports_actions() {
        let mut queue = WriteQueue::default();
        let (progress, mut progress_outcome) = message(vec![drop_files(1)], vec![]);
        let (action, mut action_outcome) = message(vec![drop_files(2)], vec![drop_files(3)]);
        queue.push(progress);
        queue.push(action);
        assert!(queue.is_urgent());
        let batch = queue.take();
        let (later, _) = message(vec![drop_files(4)], vec![]);
        queue.push(later);
        let down = StoreError::Unavailable("down".into());
        queue.failed(batch, &PersistError::Store(std::sync::Arc::new(down)));
        let reported = action_outcome.try_recv().ok();
        assert!(
            matches!(&reported, Some(Err(PersistError::Store(e))) if e.is_unavailable()),
            "{reported:?}"
        );
        assert!(progress_outcome.try_recv().is_err(), "still waiting");
        let retried: Vec<OrderChange> = queue
            .take()
            .iter()
            .flat_map(|m| m.changes().cloned().collect::<Vec<_>>())
            .collect();
        assert_eq!(
            retried,
            [drop_files(1), drop_files(2), drop_files(4)],
            "progress first, in order, the dropped action gone"
        );
    }

    #[test]
    fn a_commit_answers_every_message() {
        let mut queue = WriteQueue::default();
        let (flush, mut flush_outcome) = message(vec![], vec![]);
        queue.push(flush);
        assert!(queue.is_urgent(), "a caller waits");
        WriteQueue::committed(queue.take());
        assert!(matches!(flush_outcome.try_recv().ok(), Some(Ok(()))));
        assert!(queue.is_empty());
    }

    #[test]
    fn background_alone_is_not_urgent() {
        let mut queue = WriteQueue::default();
        let (progress, _) = message(vec![drop_files(1)], vec![]);
        queue.push(progress);
        assert!(!queue.is_urgent());
        assert_eq!(queue.change_count(), 1);
    }
}
