//! The engine's actors against an in-memory journal and a fake storage, under tokio's paused
//! clock: what a user of the engine would check (what the journal holds, what a read shows,
//! which retrievals run), never the actors' inner state.

mod events;
mod support;

use crate::domain::order::{FileState, OrderStatus};
use crate::engine::{Action, EngineError, Requester};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::{FakeStorage, Journal, advance, config, engine, tenant, tomorrow};

fn owner(email: &str) -> Requester {
    Requester {
        email: email.to_owned(),
        is_admin: false,
        request_id: String::new(),
    }
}

const ONLINE: Duration = Duration::ZERO;
const TAPE: Duration = Duration::from_secs(10);

#[actix_rt::test]
async fn progress_reaches_the_journal_within_the_flush_delay_in_one_batch() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 3, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    assert_eq!(engine.recover().await.unwrap(), 1);
    advance(Duration::from_millis(300)).await;
    let view = engine.view(&tenant(), 1).await.unwrap();
    assert_eq!(
        view.header.available_count, 3,
        "the actor shows its progress at once"
    );
    assert_eq!(
        journal.files_in(1, FileState::Available),
        0,
        "background progress waits for the flush delay"
    );
    advance(Duration::from_secs(3)).await;
    assert_eq!(journal.files_in(1, FileState::Available), 3);
    assert_eq!(
        journal.commits.load(Ordering::SeqCst),
        1,
        "the three files are written in one transaction"
    );
}

#[actix_rt::test]
async fn an_action_is_committed_before_it_is_answered() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    let paused = engine
        .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
        .await
        .unwrap();
    assert_eq!(paused.header.status, OrderStatus::Paused);
    assert_eq!(
        journal.status(1),
        Some(OrderStatus::Paused),
        "written before the answer"
    );
    let refused = engine
        .act(&tenant(), 1, Action::Pause, owner("b@x.fr"))
        .await;
    assert!(
        matches!(refused, Err(EngineError::Refused(_))),
        "{refused:?}"
    );
    let unknown = engine
        .act(&tenant(), 9, Action::Pause, owner("a@x.fr"))
        .await;
    assert!(matches!(unknown, Err(EngineError::NotFound)), "{unknown:?}");
}

#[actix_rt::test]
async fn an_action_that_cannot_commit_is_applied_nowhere() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    journal.fail_next(usize::MAX);
    let failed = engine
        .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
        .await;
    assert!(
        matches!(failed, Err(EngineError::NotCommitted(_))),
        "{failed:?}"
    );
    let refused = engine
        .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
        .await;
    assert!(
        matches!(refused, Err(EngineError::DatabaseUnavailable)),
        "refused at once while the database is down: {refused:?}"
    );
    assert_eq!(journal.status(1), Some(OrderStatus::Running));
    journal.fail_next(0);
    advance(Duration::from_secs(3)).await;
    let view = engine.view(&tenant(), 1).await.unwrap();
    assert_eq!(
        view.header.status,
        OrderStatus::Running,
        "reloaded as stored"
    );
}

#[actix_rt::test]
async fn a_failed_batch_is_retried_until_it_commits() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 3, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    journal.fail_next(6);
    while journal.failures_left() > 0 {
        assert_eq!(
            journal.files_in(1, FileState::Available),
            0,
            "nothing is written while the database fails"
        );
        advance(Duration::from_millis(100)).await;
    }
    advance(Duration::from_secs(10)).await;
    assert_eq!(journal.files_in(1, FileState::Available), 3, "nothing lost");
    assert_eq!(
        journal.attempts.load(Ordering::SeqCst),
        6 + journal.commits.load(Ordering::SeqCst),
        "retried until it committed"
    );
    assert!(engine.database().is_up());
}

#[actix_rt::test]
async fn a_finished_order_leaves_memory_when_idle_and_comes_back_when_asked() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 1, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(Duration::from_secs(1)).await;
    let downloaded = vec![(100, FileState::Downloaded, None)];
    engine
        .files_downloaded(&tenant(), 1, downloaded)
        .await
        .unwrap();
    advance(Duration::from_secs(5)).await;
    assert_eq!(journal.status(1), Some(OrderStatus::Done));
    assert_eq!(engine.active_count(), 1, "not idle long enough yet");
    advance(Duration::from_secs(15)).await;
    assert_eq!(engine.active_count(), 0, "passivated");
    let view = engine.view(&tenant(), 1).await.unwrap();
    assert_eq!(
        view.header.status,
        OrderStatus::Done,
        "read from the journal"
    );
    engine
        .act(&tenant(), 1, Action::CheckRestart, owner("a@x.fr"))
        .await
        .unwrap();
    assert_eq!(engine.active_count(), 1, "re-activated");
}

#[actix_rt::test]
async fn a_user_s_orders_share_his_slots_and_other_users_do_not_wait() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 1, tomorrow());
    journal.add_order(2, "a@x.fr", 1, tomorrow());
    journal.add_order(3, "b@x.fr", 1, tomorrow());
    let storage = FakeStorage::new(TAPE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(TAPE / 2).await;
    assert_eq!(
        storage.in_flight.load(Ordering::SeqCst),
        2,
        "one sub-order of a, one of b"
    );
    advance(TAPE * 2).await;
    let available = |id| {
        let engine = engine.clone();
        async move {
            let view = engine.view(&tenant(), id).await.unwrap();
            view.header.available_count
        }
    };
    assert_eq!(available(1).await, 1);
    assert_eq!(available(3).await, 1);
    assert_eq!(
        available(2).await,
        0,
        "waits until a downloads his first order"
    );
    assert_eq!(storage.calls.load(Ordering::SeqCst), 2);
    let downloaded = vec![(100, FileState::Downloaded, None)];
    engine
        .files_downloaded(&tenant(), 1, downloaded)
        .await
        .unwrap();
    advance(TAPE * 2).await;
    assert_eq!(available(2).await, 1, "the slot went to the next order");
}

#[actix_rt::test]
async fn a_sub_order_of_more_files_than_a_page_retrieves_each_once() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 150, tomorrow());
    let storage = FakeStorage::new(ONLINE);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(Duration::from_secs(3)).await;
    assert_eq!(journal.files_in(1, FileState::Available), 150);
    assert_eq!(storage.calls.load(Ordering::SeqCst), 150);
}

#[actix_rt::test]
async fn sub_orders_waiting_for_a_busy_storage_start_in_turn_and_a_paused_one_gives_its_turn() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 1, tomorrow());
    let storage = FakeStorage::limited(TAPE, 1);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(TAPE / 2).await;
    assert_eq!(storage.in_flight.load(Ordering::SeqCst), 1);
    // Two more orders, activated while the storage's only place is taken: both wait.
    journal.add_order(2, "b@x.fr", 1, tomorrow());
    journal.add_order(3, "c@x.fr", 1, tomorrow());
    assert_eq!(engine.recover().await.unwrap(), 3);
    advance(Duration::from_millis(10)).await;
    assert_eq!(storage.calls.load(Ordering::SeqCst), 1, "2 and 3 wait");
    let paused = engine
        .act(&tenant(), 2, Action::Pause, owner("b@x.fr"))
        .await
        .unwrap();
    assert_eq!(paused.header.status, OrderStatus::Paused);
    assert!(
        paused.effectively_paused,
        "a waiting sub-order has nothing to stop"
    );
    advance(TAPE * 3).await;
    assert_eq!(journal.files_in(1, FileState::Available), 1);
    assert_eq!(
        journal.files_in(3, FileState::Available),
        1,
        "2's turn went to 3"
    );
    assert_eq!(journal.files_in(2, FileState::Pending), 1, "paused");
    assert_eq!(storage.calls.load(Ordering::SeqCst), 2);
    engine
        .act(&tenant(), 2, Action::Resume, owner("b@x.fr"))
        .await
        .unwrap();
    advance(TAPE * 3).await;
    assert_eq!(journal.files_in(2, FileState::Available), 1, "resumed");
    assert_eq!(storage.calls.load(Ordering::SeqCst), 3);
}

#[actix_rt::test]
async fn an_order_past_its_date_expires_and_its_files_go() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(
        1,
        "a@x.fr",
        2,
        chrono::Utc::now() - chrono::Duration::seconds(1),
    );
    journal.add_order(2, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    advance(Duration::from_secs(1)).await;
    assert_eq!(journal.status(1), Some(OrderStatus::Expired));
    assert_eq!(journal.files_in(1, FileState::Pending), 0, "files dropped");
    assert_eq!(journal.status(2), Some(OrderStatus::Running));
}

#[cfg(feature = "fault-injection")]
#[actix_rt::test]
async fn a_crashed_actor_is_re_created_after_a_growing_pause() {
    tokio::time::pause();
    let journal = Journal::new();
    journal.add_order(1, "a@x.fr", 2, tomorrow());
    let storage = FakeStorage::new(TAPE * 360);
    let engine = engine(config(), &journal, &storage);
    engine.recover().await.unwrap();
    let mut pauses = Vec::new();
    for death in 1..=2u32 {
        let _ = engine.crash(&tenant(), 1).await;
        advance(Duration::from_millis(100)).await;
        let status = engine.status(None).await.unwrap();
        let restarting = status.restarting.first().cloned();
        let restarting = restarting.expect("waiting to be re-created");
        assert_eq!(restarting.restarts, death);
        pauses.push(restarting.restart_in_millis);
        let busy = engine
            .act(&tenant(), 1, Action::Pause, owner("a@x.fr"))
            .await;
        assert!(matches!(busy, Err(EngineError::Busy(_))), "{busy:?}");
        advance(Duration::from_secs(5)).await;
        assert_eq!(engine.active_count(), 1, "re-created after death {death}");
    }
    assert_eq!(engine.restarts(), 2);
    assert!(pauses[1] > pauses[0], "the pause grows: {pauses:?}");
}
