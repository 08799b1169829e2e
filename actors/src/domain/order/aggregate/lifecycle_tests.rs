//! The state machine, transition by transition, with every refusal and its reason code.

use crate::domain::Tenant;
use crate::domain::order::aggregate::{Order, may_manage};
use crate::domain::order::model::{DatasetTask, FileSlot, OrderHeader, OrderKind, SubOrder};
use crate::domain::order::refusal::Refusal;
use crate::domain::order::status::{ALL_STATUSES, FileState, OrderStatus};
use crate::domain::{ProcessDatasetDescription, dates};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

fn t0() -> DateTime<Utc> {
    dates::parse("2025-01-23T14:42:27Z").unwrap_or_default()
}

fn header(status: OrderStatus) -> OrderHeader {
    OrderHeader {
        id: 1,
        owner: "u@x".into(),
        label: "l".into(),
        kind: OrderKind::User,
        creation_date: t0(),
        expiration_date: None,
        status,
        status_date: t0(),
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: "c".into(),
        frontend_url: None,
        message: None,
    }
}

fn task(files_count: i64) -> DatasetTask {
    DatasetTask {
        id: 10,
        dataset_urn: "DS".into(),
        dataset_label: "ds".into(),
        objects_count: 1,
        files_count,
        files_size: 0,
        selection_requests: Vec::new(),
        process: None,
        file_filter: None,
    }
}

fn slot(id: i64, suborder_id: i64, size: i64, state: FileState) -> FileSlot {
    FileSlot {
        id,
        suborder_id,
        size,
        state,
    }
}

/// A created order: sub-order 100 (storage) with files 1 (10 B) and 2 (30 B), sub-order 200
/// (external) with file 3 (60 B, available at once).
fn running() -> Order {
    let mut o = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Pending),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let suborders = vec![
        SubOrder {
            id: 100,
            dataset_task_id: 10,
            external: false,
        },
        SubOrder {
            id: 200,
            dataset_task_id: 10,
            external: true,
        },
    ];
    let files = vec![
        slot(1, 100, 10, FileState::Pending),
        slot(2, 100, 30, FileState::Pending),
        slot(3, 200, 60, FileState::Available),
    ];
    o.complete_creation(
        vec![task(3)],
        suborders,
        files,
        t0() + Duration::hours(1),
        "",
        t0(),
    );
    o
}

fn with_status(status: OrderStatus) -> Order {
    let mut o = running();
    std::sync::Arc::make_mut(&mut o.header).status = status;
    o
}

#[test]
fn creation_runs_and_counts_external_files_as_available() {
    let o = running();
    assert_eq!(o.header.status, OrderStatus::Running);
    assert_eq!(o.header.percent_completed, 60);
    assert_eq!(o.header.available_count, 1);
    assert!(
        o.header.waiting_for_user,
        "the external sub-order waits for the user"
    );
    assert_eq!(o.header.expiration_date, Some(t0() + Duration::hours(1)));
}

#[test]
fn creation_without_task_is_done_with_warning_and_only_external_is_done() {
    let mut empty = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Pending),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(empty.header.percent_completed, 0);
    empty.complete_creation(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        t0(),
        "No file match filters.",
        t0(),
    );
    assert_eq!(empty.header.status, OrderStatus::DoneWithWarning);
    assert_eq!(
        empty.header.message.as_deref(),
        Some("No file match filters.")
    );

    let mut external = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Pending),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let sub = vec![SubOrder {
        id: 1,
        dataset_task_id: 10,
        external: true,
    }];
    let files = vec![slot(5, 1, 7, FileState::Available)];
    external.complete_creation(vec![task(1)], sub, files, t0(), "", t0());
    assert_eq!(external.header.status, OrderStatus::Done);
    assert_eq!(external.header.percent_completed, 100);
    assert!(external.header.waiting_for_user);
}

#[test]
fn a_pause_during_creation_is_kept() {
    let mut o = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Pending),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(o.pause(t0()), Ok(()));
    let sub = vec![SubOrder {
        id: 1,
        dataset_task_id: 10,
        external: false,
    }];
    o.complete_creation(
        vec![task(1)],
        sub,
        vec![slot(5, 1, 7, FileState::Pending)],
        t0(),
        "",
        t0(),
    );
    assert_eq!(o.header.status, OrderStatus::Paused);
    assert_eq!(o.resume(t0(), true), Ok(()));
    assert_eq!(o.header.status, OrderStatus::Running);
}

#[test]
fn resume_before_creation_returns_to_pending() {
    let mut o = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Pending),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    assert_eq!(o.pause(t0()), Ok(()));
    assert_eq!(o.resume(t0(), true), Ok(()));
    assert_eq!(o.header.status, OrderStatus::Pending);
}

#[test]
fn counters_follow_each_file_and_the_last_one_finishes_the_order() {
    let mut o = running();
    let later = t0() + Duration::seconds(5);
    assert_eq!(
        o.set_file_state(1, FileState::Available, later),
        Some(FileState::Pending)
    );
    assert_eq!(o.header.percent_completed, 70);
    assert_eq!(o.header.available_count, 2);
    assert_eq!(o.header.status, OrderStatus::Running);
    assert_eq!(
        o.set_file_state(1, FileState::Available, later),
        None,
        "no change twice"
    );
    o.set_file_state(2, FileState::Available, later);
    assert_eq!(o.header.percent_completed, 100);
    assert_eq!(o.header.status, OrderStatus::Done);
    assert_eq!(o.header.status_date, later);
    assert!(o.header.waiting_for_user);
    // Downloads end the waiting; a failed download makes DONE a DONE_WITH_WARNING.
    for id in [1, 2, 3] {
        o.set_file_state(id, FileState::Downloaded, later);
    }
    assert!(!o.header.waiting_for_user);
    assert_eq!(o.header.available_count, 0);
    o.set_file_state(3, FileState::DownloadError, later);
    assert_eq!(o.header.status, OrderStatus::DoneWithWarning);
    assert_eq!(
        o.header.files_in_error, 0,
        "download errors are not counted as errors"
    );
}

#[test]
fn errors_give_warning_or_failure() {
    let mut o = running();
    o.set_file_state(1, FileState::Error, t0());
    o.set_file_state(2, FileState::Available, t0());
    assert_eq!(o.header.status, OrderStatus::DoneWithWarning);
    assert_eq!(o.header.files_in_error, 1);

    let mut all = running();
    all.tasks = vec![task(2)].into();
    all.set_file_state(1, FileState::Error, t0());
    all.set_file_state(2, FileState::Error, t0());
    assert_eq!(all.header.status, OrderStatus::Failed);
}

#[test]
fn a_paused_order_can_still_finish() {
    let mut o = running();
    assert_eq!(o.pause(t0()), Ok(()));
    o.set_file_state(1, FileState::Available, t0());
    o.set_file_state(2, FileState::Available, t0());
    assert_eq!(o.header.status, OrderStatus::Done);
}

#[test]
fn pause_is_refused_unless_pending_or_running() {
    for status in ALL_STATUSES {
        let mut o = with_status(status);
        let expected = match status {
            OrderStatus::Pending | OrderStatus::Running => Ok(()),
            _ => Err(Refusal::MustBePendingOrRunning),
        };
        assert_eq!(o.pause(t0()), expected, "{status:?}");
    }
}

#[test]
fn resume_needs_paused_and_effectively_paused() {
    for status in ALL_STATUSES {
        let mut o = with_status(status);
        let expected = match status {
            OrderStatus::Paused => Ok(()),
            _ => Err(Refusal::MustBePaused),
        };
        assert_eq!(o.resume(t0(), true), expected, "{status:?}");
    }
    let mut o = with_status(OrderStatus::Paused);
    assert_eq!(o.resume(t0(), false), Err(Refusal::MustBePaused));
    assert_eq!(o.header.status, OrderStatus::Paused);
}

#[test]
fn delete_follows_the_matrix_and_drops_files() {
    for status in ALL_STATUSES {
        let mut o = with_status(status);
        let allowed = matches!(
            status,
            OrderStatus::Done
                | OrderStatus::DoneWithWarning
                | OrderStatus::Paused
                | OrderStatus::Expired
                | OrderStatus::Failed
        );
        let result = o.delete(t0());
        if allowed {
            assert_eq!(result, Ok(()), "{status:?}");
            assert_eq!(o.header.status, OrderStatus::Deleted);
            assert_eq!(o.file_count(), 0);
            assert!(!o.header.waiting_for_user);
            assert_eq!(o.header.available_count, 0);
        } else {
            assert_eq!(result, Err(Refusal::NotDeletable), "{status:?}");
        }
    }
}

#[test]
fn remove_and_restart_follow_the_matrix() {
    for status in ALL_STATUSES {
        let o = with_status(status);
        let remove = if status == OrderStatus::Deleted {
            Ok(())
        } else {
            Err(Refusal::MustBeDeleted)
        };
        assert_eq!(o.check_remove(), remove, "{status:?}");
        let restart = if status.is_finished() {
            Ok(())
        } else {
            Err(Refusal::NotRestartable)
        };
        assert_eq!(o.check_restart(), restart, "{status:?}");
    }
}

#[test]
fn retry_resets_failed_files_and_runs_again() {
    for status in ALL_STATUSES {
        let mut o = with_status(status);
        let result = o.retry(t0(), t0());
        if !matches!(status, OrderStatus::DoneWithWarning | OrderStatus::Failed) {
            assert_eq!(result, Err(Refusal::NotRetryable), "{status:?}");
        }
    }
    let mut o = running();
    o.set_file_state(1, FileState::Error, t0());
    o.set_file_state(2, FileState::Available, t0());
    o.set_file_state(3, FileState::DownloadError, t0());
    assert_eq!(o.header.status, OrderStatus::DoneWithWarning);
    let expiration = t0() + Duration::hours(9);
    let changed = o.retry(t0(), expiration);
    assert_eq!(
        changed,
        Ok(vec![(1, FileState::Pending), (3, FileState::Available)])
    );
    assert_eq!(o.header.status, OrderStatus::Running);
    assert_eq!(o.header.files_in_error, 0);
    assert_eq!(o.header.expiration_date, Some(expiration));

    let mut processed = running();
    processed.set_file_state(1, FileState::Error, t0());
    processed.set_file_state(2, FileState::Available, t0());
    let mut tasks = processed.tasks.to_vec();
    tasks[0].process = Some(ProcessDatasetDescription {
        process_business_id: "p".into(),
        parameters: BTreeMap::new(),
    });
    processed.tasks = tasks.into();
    assert_eq!(processed.retry(t0(), t0()), Err(Refusal::HasProcessing));
}

#[test]
fn expiration_stops_running_orders_and_finished_ones_with_files_left() {
    let after = t0() + Duration::hours(2);
    let mut o = running();
    assert!(!o.expire(t0()), "not yet due");
    assert!(o.expire(after));
    assert_eq!(o.header.status, OrderStatus::Expired);
    assert_eq!(o.file_count(), 0);
    assert_eq!(o.header.available_count, 0);

    let mut done_nothing_left = running();
    for id in [1, 2] {
        done_nothing_left.set_file_state(id, FileState::Available, t0());
    }
    for id in [1, 2, 3] {
        done_nothing_left.set_file_state(id, FileState::Downloaded, t0());
    }
    assert_eq!(done_nothing_left.header.status, OrderStatus::Done);
    assert!(!done_nothing_left.expire(after), "nothing left to offer");

    for status in [
        OrderStatus::Failed,
        OrderStatus::Deleted,
        OrderStatus::Expired,
    ] {
        assert!(!with_status(status).expire(after), "{status:?}");
    }
}

#[test]
fn only_owner_or_admin_may_manage() {
    assert_eq!(may_manage("u@x", "u@x", false), Ok(()));
    assert_eq!(may_manage("u@x", "a@x", true), Ok(()));
    assert_eq!(may_manage("u@x", "v@x", false), Err(Refusal::NotAllowed));
    assert_eq!(
        Refusal::NotAllowed.code(),
        "USER_NOT_ALLOWED_TO_MANAGE_ORDER"
    );
    assert_eq!(Refusal::NotAllowed.to_string(), Refusal::NotAllowed.code());
}

#[test]
fn files_are_found_by_id_and_by_sub_order() {
    let o = running();
    assert_eq!(o.file(2).map(|f| f.size), Some(30));
    assert!(o.file(99).is_none());
    assert_eq!(o.files_of(100).len(), 2);
    assert_eq!(o.files_of(200).len(), 1);
    assert!(o.suborders()[0].has_pending());
}

#[test]
fn files_are_found_when_ids_do_not_follow_sub_orders() {
    let mut o = Order::new(
        Tenant::parse("t").unwrap_or_else(|_| panic!("tenant")),
        header(OrderStatus::Running),
        vec![task(3)],
        vec![
            SubOrder {
                id: 100,
                dataset_task_id: 10,
                external: false,
            },
            SubOrder {
                id: 200,
                dataset_task_id: 10,
                external: false,
            },
        ],
        vec![
            slot(5, 100, 1, FileState::Pending),
            slot(6, 100, 1, FileState::Pending),
            slot(1, 200, 1, FileState::Pending),
        ],
    );
    std::sync::Arc::make_mut(&mut o.header).expiration_date = Some(t0());
    assert_eq!(
        o.set_file_state(1, FileState::Available, t0()),
        Some(FileState::Pending)
    );
    assert!(
        o.header.waiting_for_user,
        "sub-order 200 waits for the user"
    );
    assert_eq!(
        o.set_file_state(6, FileState::Error, t0()),
        Some(FileState::Pending)
    );
    assert_eq!(o.file(5).map(|f| f.state), Some(FileState::Pending));
    o.set_file_state(1, FileState::Downloaded, t0());
    assert!(!o.header.waiting_for_user);
}
