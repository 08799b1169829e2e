//! The persistence actor against a writer that fails on demand: background changes survive
//! any number of failed transactions, acknowledged ones are committed or reported failed and
//! never written later, a message the database refuses is dropped without blocking the rest.

use super::*;
use crate::domain::Tenant;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// How the next transactions end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Up,
    Down,
    /// Refuses any transaction holding a drop of this order (as a constraint would).
    Refuse(i64),
}

/// A writer recording the committed changes, failing as told.
struct Writer {
    mode: Mutex<Mode>,
    committed: Mutex<Vec<OrderChange>>,
}

impl Writer {
    fn new(mode: Mode) -> Arc<Self> {
        Arc::new(Self {
            mode: Mutex::new(mode),
            committed: Mutex::new(Vec::new()),
        })
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn committed(&self) -> Vec<i64> {
        self.committed
            .lock()
            .unwrap()
            .iter()
            .map(|c| match c {
                OrderChange::DropFiles { order_id, .. } => *order_id,
                _ => -1,
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl ChangeWriter for Writer {
    async fn apply_changes(&self, changes: &[&OrderChange]) -> StoreResult<()> {
        let mode = *self.mode.lock().unwrap();
        match mode {
            Mode::Down => return Err(StoreError::Unavailable("connection refused".into())),
            Mode::Refuse(id) if changes.iter().any(|c| drop_of(c) == Some(id)) => {
                return Err(StoreError::Constraint {
                    constraint: "refused".into(),
                });
            }
            _ => {}
        }
        let mut committed = self.committed.lock().unwrap();
        committed.extend(changes.iter().map(|c| (*c).clone()));
        Ok(())
    }
}

fn drop_of(change: &OrderChange) -> Option<i64> {
    match change {
        OrderChange::DropFiles { order_id, .. } => Some(*order_id),
        _ => None,
    }
}

fn dropped(order_id: i64) -> OrderChange {
    OrderChange::DropFiles {
        tenant: Tenant::parse("t").unwrap(),
        order_id,
    }
}

type Outcome = oneshot::Receiver<Result<(), PersistError>>;

fn send(
    actor: &Addr<PersistenceActor>,
    background: Vec<OrderChange>,
    acknowledged: Vec<OrderChange>,
) -> Outcome {
    let (reply, outcome) = oneshot::channel();
    let urgent = !acknowledged.is_empty();
    actor.do_send(Persist {
        background,
        acknowledged,
        reply: Some(reply),
        urgent,
    });
    outcome
}

fn start(writer: &Arc<Writer>) -> (Addr<PersistenceActor>, Arc<DatabaseHealth>) {
    let health = Arc::new(DatabaseHealth::default());
    let actor =
        PersistenceActor::new(writer.clone(), health.clone(), Duration::from_millis(5)).start();
    (actor, health)
}

async fn outcome(receiver: Outcome) -> Result<(), PersistError> {
    tokio::time::timeout(Duration::from_secs(10), receiver)
        .await
        .expect("an answer")
        .expect("a sender")
}

#[actix_rt::test]
async fn progress_is_retried_until_the_database_takes_it() {
    let writer = Writer::new(Mode::Down);
    let (actor, health) = start(&writer);
    let progress = send(&actor, vec![dropped(1)], vec![]);
    let action = send(&actor, vec![dropped(2)], vec![dropped(3)]);
    assert!(
        outcome(action).await.is_err(),
        "the action is reported failed"
    );
    assert!(!health.is_up(), "the outage is seen");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(writer.committed().is_empty());
    writer.set(Mode::Up);
    actor.do_send(RetryNow);
    assert!(matches!(outcome(progress).await, Ok(())));
    assert!(health.is_up());
    assert_eq!(
        writer.committed(),
        [1, 2],
        "progress in order, the failed action never"
    );
    let status = actor.send(Status).await.unwrap();
    assert!(status.failures >= 1);
    assert_eq!(status.consecutive_failures, 0);
    assert_eq!(status.queue_length, 0);
}

#[actix_rt::test]
async fn actions_commit_with_the_progress_queued_before_them() {
    let writer = Writer::new(Mode::Up);
    let (actor, _) = start(&writer);
    let progress = send(&actor, vec![dropped(1)], vec![]);
    let action = send(&actor, vec![], vec![dropped(2)]);
    assert!(matches!(outcome(action).await, Ok(())));
    assert!(matches!(outcome(progress).await, Ok(())));
    assert_eq!(writer.committed(), [1, 2]);
    assert!(matches!(actor.send(Flush).await.unwrap(), Ok(())));
}

#[actix_rt::test]
async fn a_refused_message_is_dropped_and_the_others_written() {
    let writer = Writer::new(Mode::Refuse(7));
    let (actor, health) = start(&writer);
    let first = send(&actor, vec![dropped(1)], vec![]);
    let refused = send(&actor, vec![dropped(7)], vec![]);
    let last = send(&actor, vec![dropped(8)], vec![]);
    assert!(outcome(refused).await.is_err());
    assert!(matches!(outcome(first).await, Ok(())));
    assert!(matches!(outcome(last).await, Ok(())));
    assert_eq!(writer.committed(), [1, 8]);
    assert!(health.is_up(), "a refusal is not an outage");
}
