//! Messages of the slot scheduler.

use actix::prelude::*;

/// An order actor wants a slot for one of its sub-orders; granted later by `SlotGranted`.
/// Asking again for a slot already held grants it again (an actor re-created after a crash).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RequestSlot {
    pub tenant: String,
    pub user: String,
    pub order_id: i64,
    pub suborder_id: i64,
    pub recipient: Recipient<SlotGranted>,
}

/// The sub-order no longer needs its slot (nothing left to retrieve or download).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReleaseSlot {
    pub tenant: String,
    pub user: String,
    pub order_id: i64,
    pub suborder_id: i64,
}

/// Every slot and request of an order goes (pause, delete, expiration), except the
/// sub-orders listed in `keep` (waiting for the user, they keep their slot).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReleaseOrder {
    pub tenant: String,
    pub user: String,
    pub order_id: i64,
    pub keep: Vec<i64>,
}

/// A slot was granted to this sub-order.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
#[rtype(result = "()")]
pub struct SlotGranted {
    pub order_id: i64,
    pub suborder_id: i64,
}

/// Asks for the scheduler's figures: of every tenant's users, or of `tenant`'s only (the
/// limit `max_per_user` is the same for all).
#[derive(Message)]
#[rtype(result = "SlotsStatus")]
pub struct Status {
    pub tenant: Option<String>,
}

/// Figures of the scheduler.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotsStatus {
    pub max_per_user: usize,
    pub held: usize,
    pub waiting: usize,
    pub users: usize,
    /// The users holding or waiting for slots, most slots held first (at most
    /// `SHOWN_HOLDERS`).
    pub holders: Vec<SlotHolder>,
}

/// Users listed in `SlotsStatus::holders` at most.
pub const SHOWN_HOLDERS: usize = 100;

/// One user's slots.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotHolder {
    pub tenant: String,
    pub user: String,
    /// Sub-orders holding one of the user's slots.
    pub held: usize,
    /// Sub-orders waiting for one.
    pub waiting: usize,
}
