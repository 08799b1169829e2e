//! What order actors tell the outbox: each status change once, with the change that causes
//! it; sub-orders ready; available files coalesced; nothing told twice when a batch is
//! retried; nothing told for an action that did not commit.

use super::support::{FakeStorage, Journal, advance, config, engine, tenant, tomorrow};
use super::{ONLINE, TAPE, owner};
use crate::domain::events::EventType;
use crate::domain::order::OrderStatus;
use crate::engine::Action;
use std::time::Duration;

fn told(journal: &Journal) -> Vec<(EventType, OrderStatus)> {
    journal
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.kind, e.status))
        .collect()
}

#[actix_rt::test]
async fn an_order_that_completes_tells_its_suborder_and_its_final_status_once() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 3, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(Duration::from_secs(5)).await;
    let events = told(&journal);
    let count = |kind: EventType| events.iter().filter(|(k, _)| *k == kind).count();
    assert_eq!(count(EventType::SuborderDone), 1, "{events:?}");
    assert_eq!(
        events
            .iter()
            .filter(|e| **e == (EventType::OrderStatus, OrderStatus::Done))
            .count(),
        1,
        "{events:?}"
    );
    assert!(count(EventType::FilesAvailable) >= 1, "{events:?}");
    let all = journal.events.lock().unwrap().clone();
    let done = all
        .iter()
        .find(|e| e.kind == EventType::OrderStatus)
        .expect("final status");
    assert_eq!(done.available_files_count, 3);
    assert_eq!(done.percent_completed, 100);
    let ready = all
        .iter()
        .find(|e| e.kind == EventType::SuborderDone)
        .expect("sub-order");
    assert_eq!(ready.total_sub_orders, Some(1));
}

#[actix_rt::test]
async fn an_action_tells_its_status_in_its_own_commit() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    engine
        .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
        .await
        .unwrap();
    assert_eq!(
        told(&journal),
        vec![(EventType::OrderStatus, OrderStatus::Paused)],
        "committed before the answer"
    );
    // A refused action tells nothing.
    let _ = engine
        .act(&tenant(), 1, Action::Pause, owner("b@x.fr"))
        .await;
    engine
        .act(&tenant(), 1, Action::Delete, owner("a@x.fr"))
        .await
        .unwrap();
    assert_eq!(
        told(&journal),
        vec![
            (EventType::OrderStatus, OrderStatus::Paused),
            (EventType::OrderDeleted, OrderStatus::Deleted)
        ]
    );
}

#[actix_rt::test]
async fn an_action_that_does_not_commit_tells_nothing() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    journal.fail_next(1);
    let refused = engine
        .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
        .await;
    assert!(refused.is_err(), "{refused:?}");
    advance(Duration::from_secs(10)).await;
    assert!(
        told(&journal).is_empty(),
        "no event of a pause applied nowhere: {:?}",
        told(&journal)
    );
}

#[actix_rt::test]
async fn a_retried_batch_tells_its_events_once() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 3, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    journal.fail_next(4);
    advance(Duration::from_secs(20)).await;
    let done = told(&journal)
        .into_iter()
        .filter(|e| *e == (EventType::OrderStatus, OrderStatus::Done))
        .count();
    assert_eq!(done, 1, "{:?}", told(&journal));
}
