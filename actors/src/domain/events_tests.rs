//! Which events a header tells, and their JSON.

use super::*;
use crate::domain::order::{OrderHeader, OrderKind, OrderStatus};
use chrono::TimeDelta;

fn t0() -> DateTime<Utc> {
    dates::parse("2025-01-23T14:42:27Z").unwrap_or_default()
}

fn header(status: OrderStatus, available: i32) -> OrderHeader {
    OrderHeader {
        id: 7,
        owner: "u@x".into(),
        label: "my order".into(),
        kind: OrderKind::User,
        creation_date: t0(),
        expiration_date: None,
        status,
        status_date: t0(),
        percent_completed: 40,
        files_in_error: 1,
        available_count: available,
        waiting_for_user: false,
        correlation_id: "c".into(),
        frontend_url: None,
        message: None,
    }
}

fn tenant() -> Tenant {
    Tenant::parse("demo").unwrap_or_else(|_| unreachable!())
}

fn kinds(events: &[OrderEvent]) -> Vec<EventType> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn a_status_change_is_told_once() {
    let mut keys = EventKeys::new(7, 1);
    let mut basis = EventBasis::of(&header(OrderStatus::Pending, 0));
    let running = header(OrderStatus::Running, 0);
    assert_eq!(
        kinds(&basis.diff(&tenant(), &running, t0(), &mut keys)),
        vec![EventType::OrderStatus]
    );
    assert!(basis.diff(&tenant(), &running, t0(), &mut keys).is_empty());
}

#[test]
fn deletion_and_expiry_have_their_own_types() {
    let mut keys = EventKeys::new(7, 1);
    let mut basis = EventBasis::of(&header(OrderStatus::Running, 0));
    let deleted = header(OrderStatus::Deleted, 0);
    assert_eq!(
        kinds(&basis.diff(&tenant(), &deleted, t0(), &mut keys)),
        vec![EventType::OrderDeleted]
    );
    let mut basis = EventBasis::of(&header(OrderStatus::Done, 3));
    let expired = header(OrderStatus::Expired, 0);
    assert_eq!(
        kinds(&basis.diff(&tenant(), &expired, t0(), &mut keys)),
        vec![EventType::OrderExpired]
    );
}

#[test]
fn available_files_are_told_at_most_once_a_second_and_the_last_count_is_kept() {
    let mut keys = EventKeys::new(7, 1);
    let mut basis = EventBasis::of(&header(OrderStatus::Running, 0));
    let first = basis.diff(&tenant(), &header(OrderStatus::Running, 1), t0(), &mut keys);
    assert_eq!(kinds(&first), vec![EventType::FilesAvailable]);
    let soon = t0() + TimeDelta::milliseconds(300);
    assert!(
        basis
            .diff(&tenant(), &header(OrderStatus::Running, 2), soon, &mut keys)
            .is_empty()
    );
    assert_eq!(
        basis.deferred_for(soon),
        Some(std::time::Duration::from_millis(700))
    );
    let later = t0() + TimeDelta::seconds(1);
    let told = basis.diff(
        &tenant(),
        &header(OrderStatus::Running, 2),
        later,
        &mut keys,
    );
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].available_files_count, 2);
    assert_eq!(basis.deferred_for(later), None);
}

#[test]
fn a_final_status_tells_the_files_it_brought_at_once() {
    let mut keys = EventKeys::new(7, 1);
    let mut basis = EventBasis::of(&header(OrderStatus::Running, 0));
    basis.diff(&tenant(), &header(OrderStatus::Running, 1), t0(), &mut keys);
    let done = basis.diff(&tenant(), &header(OrderStatus::Done, 2), t0(), &mut keys);
    assert_eq!(
        kinds(&done),
        vec![EventType::OrderStatus, EventType::FilesAvailable]
    );
}

#[test]
fn fewer_available_files_tell_nothing() {
    let mut keys = EventKeys::new(7, 1);
    let mut basis = EventBasis::of(&header(OrderStatus::Done, 5));
    assert!(
        basis
            .diff(&tenant(), &header(OrderStatus::Done, 2), t0(), &mut keys)
            .is_empty()
    );
}

#[test]
fn keys_are_unique_within_a_life_and_between_lives() {
    let mut a = EventKeys::new(7, 1);
    let mut b = EventKeys::new(7, 2);
    let keys = [a.next_key(), a.next_key(), b.next_key()];
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[0], keys[2]);
}

#[test]
fn the_json_has_the_documented_shape() {
    let event = OrderEvent::of(
        EventType::SuborderDone,
        "k".into(),
        &tenant(),
        &header(OrderStatus::Running, 3),
        t0(),
    )
    .for_suborder(12, 4);
    let json: serde_json::Value =
        serde_json::from_str(&StoredEvent { id: 42, event }.to_json()).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({
            "id": 42, "type": "SUBORDER_DONE", "tenant": "demo", "orderId": 7,
            "owner": "u@x", "label": "my order", "status": "RUNNING",
            "percentCompleted": 40, "availableFilesCount": 3, "filesInErrorCount": 1,
            "subOrderId": 12, "totalSubOrders": 4, "date": "2025-01-23T14:42:27Z"
        })
    );
}
