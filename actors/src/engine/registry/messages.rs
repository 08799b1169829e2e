//! Messages of the registry.

use super::Entry;
use crate::domain::Tenant;
use crate::domain::order::Order;
use crate::engine::order::OrderActor;
use actix::prelude::*;

/// The actor of an order, started from the database when needed; None when the order does
/// not exist.
#[derive(Message)]
#[rtype(result = "Result<Option<Entry>, String>")]
pub struct Activate {
    pub tenant: Tenant,
    pub id: i64,
}

/// Starts the actor of a new order (its row is already stored).
#[derive(Message)]
#[rtype(result = "Entry")]
pub struct StartOrder(pub Order);

/// An order actor stops because it has nothing left to do; `addr` guards against forgetting
/// a newer actor of the same order.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Passivated {
    pub tenant: Tenant,
    pub id: i64,
    pub addr: Addr<OrderActor>,
}

/// Asks for the registry's figures and the entries to inspect.
#[derive(Message)]
#[rtype(result = "RegistryStatus")]
pub struct Status;

/// What the registry knows.
pub struct RegistryStatus {
    pub active: usize,
    pub loading: usize,
    pub total_restarts: u64,
    pub arbiters: usize,
    pub entries: Vec<Entry>,
}
