//! Messages of the registry.

use super::Entry;
use super::restarts::OrderKey;
use crate::domain::Tenant;
use crate::domain::order::Order;
use crate::ports::{StoreError, StoredOrder};
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// The actor of an order, started from the database when needed; None when the order does
/// not exist.
#[derive(Message)]
#[rtype(result = "Result<Option<Entry>, ActivationError>")]
pub struct Activate {
    pub tenant: Tenant,
    pub id: i64,
}

/// Why an order's actor could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActivationError {
    /// The actor died and waits to be re-created (backoff).
    #[error("the order's actor is restarting; try again in {} s", .retry_in.as_secs().max(1))]
    Restarting { retry_in: Duration },
    /// The database cannot serve now.
    #[error("the database is unavailable: {0}")]
    DatabaseUnavailable(String),
    /// The database failed otherwise (shared by every caller waiting for the same load).
    #[error("cannot load the order")]
    Database(#[source] Arc<StoreError>),
    /// The registry stopped before the load ended.
    #[error("the registry dropped the activation")]
    Dropped,
}

/// Starts the actors of orders a restart loaded (those not already active or being loaded);
/// answers how many it started.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct Recovered(pub Vec<(Tenant, StoredOrder)>);

/// Starts the actor of a new order (its row is already stored).
#[derive(Message)]
#[rtype(result = "Entry")]
pub struct StartOrder(pub Order);

/// Asks for the registry's figures and the entries to inspect: every tenant's, or only
/// those of `tenant`.
#[derive(Message)]
#[rtype(result = "RegistryStatus")]
pub struct Status {
    pub tenant: Option<Tenant>,
}

/// What the registry knows (of one tenant when asked so, except the two engine-wide figures
/// `total_restarts` and `arbiters`).
pub struct RegistryStatus {
    pub active: usize,
    pub loading: usize,
    pub total_restarts: u64,
    pub arbiters: usize,
    pub entries: Vec<Entry>,
    /// Orders whose actor died and waits to be re-created: deaths so far, wait left.
    pub restarting: Vec<(OrderKey, u32, Duration)>,
}
