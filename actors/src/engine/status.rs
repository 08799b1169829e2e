//! `/admin/actors`: a live picture of the engine.

use super::EngineDeps;
use super::EngineError;
use super::facade::mailbox as busy;
use super::order::{ActorInfo, Inspect};
use super::persistence::{self, PersistenceStatus};
use super::registry::{self, RegistryActor};
use super::slots::{self, SlotsStatus};
use crate::domain::Tenant;
use actix::prelude::*;
use futures::StreamExt;
use std::time::Duration;

/// Longest wait for one actor's figures: a busy actor is shown without them.
const INSPECT_TIMEOUT: Duration = Duration::from_millis(500);

/// The registry, every order actor, the slot scheduler and the persistence actors.
///
/// Seen for one tenant, the lists and counts of orders, restarts and slots are that tenant's;
/// the persistence actors stay engine-wide: they are shared by every tenant (one queue mixes
/// all tenants' changes), their figures are counts and latencies that name no order or user,
/// and an operator needs them to tell whether his tenant's writes are delayed. So do the
/// registry's `restarts` and `arbiters`, figures of the engine's health, not of orders.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineStatus {
    pub registry: RegistryFigures,
    pub orders: Vec<ActorInfo>,
    /// Orders whose actor died and waits to be re-created (backoff).
    pub restarting: Vec<RestartingOrder>,
    pub slots: SlotsStatus,
    pub persistence: Vec<PersistenceStatus>,
}

/// An order whose actor died and waits to be re-created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartingOrder {
    pub order_id: i64,
    pub tenant: String,
    /// Deaths of this order's actor since it was last forgotten.
    pub restarts: u32,
    /// Milliseconds until it is re-created.
    pub restart_in_millis: u64,
}

/// The registry's own figures.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryFigures {
    pub active_orders: usize,
    pub loading: usize,
    pub restarts: u64,
    pub arbiters: usize,
}

/// The engine's figures, of every tenant (`scope` None) or of one.
pub(super) async fn collect(
    registry: &Addr<RegistryActor>,
    deps: &EngineDeps,
    scope: Option<&Tenant>,
) -> Result<EngineStatus, EngineError> {
    let status = registry
        .send(registry::Status {
            tenant: scope.cloned(),
        })
        .timeout(deps.config.call_timeout)
        .await
        .map_err(busy)?;
    let mut restarting: Vec<RestartingOrder> = status
        .restarting
        .iter()
        .map(|((tenant, id), restarts, wait)| RestartingOrder {
            order_id: *id,
            tenant: tenant.to_string(),
            restarts: *restarts,
            restart_in_millis: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        })
        .collect();
    restarting.sort_by(|a, b| (&a.tenant, a.order_id).cmp(&(&b.tenant, b.order_id)));
    let mut orders: Vec<ActorInfo> = futures::stream::iter(status.entries)
        .map(|e| async move { e.addr.send(Inspect).timeout(INSPECT_TIMEOUT).await.ok() })
        .buffer_unordered(64)
        .filter_map(futures::future::ready)
        .collect()
        .await;
    orders.sort_by(|a, b| (&a.tenant, a.order_id).cmp(&(&b.tenant, b.order_id)));
    let slots = deps
        .slots
        .send(slots::Status {
            tenant: scope.map(Tenant::to_string),
        })
        .timeout(deps.config.call_timeout)
        .await
        .map_err(busy)?;
    let mut persistence = Vec::new();
    for p in &deps.persistence {
        persistence.push(
            p.send(persistence::Status)
                .timeout(deps.config.call_timeout)
                .await
                .map_err(busy)?,
        );
    }
    Ok(EngineStatus {
        registry: RegistryFigures {
            active_orders: status.active,
            loading: status.loading,
            restarts: status.total_restarts,
            arbiters: status.arbiters,
        },
        orders,
        restarting,
        slots,
        persistence,
    })
}
