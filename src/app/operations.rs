//! What operators watch: the engine's actors and the storages, the AMQP link, readiness to
//! take requests, and the engine's counters.

use super::order_messages::{MessageLinkStatus, MessageLinkView};
use super::webhooks::{WebhookFigures, webhook_figures};
use super::{AppResult, Requester, Role};
use crate::events::{EventBacklog, EventFeed};
use crate::storage::Storages;
use regards_order_actors::engine::health::PING_TIMEOUT;
use regards_order_actors::engine::{Engine, EngineStatus};
use regards_order_actors::ports::{Store, StoreError};
use serde::Serialize;
use std::sync::Arc;

/// The engine live, with the storages.
#[derive(Debug, Clone, Serialize)]
pub struct EngineView {
    #[serde(flatten)]
    pub status: EngineStatus,
    pub storages: Vec<StorageFigures>,
    /// The outbox and every channel's delivery behind it.
    pub events: EventBacklog,
    /// The webhooks of the requester's tenant (every tenant's for INSTANCE_ADMIN); left out
    /// while the database cannot tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<WebhookFigures>,
    /// The AMQP link, when the service has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amqp: Option<MessageLinkView>,
}

/// A storage and the retrievals it runs now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageFigures {
    pub name: String,
    pub kind: &'static str,
    /// Files being made available (restores running or waiting for a drive, checks).
    pub in_flight: usize,
    /// A nearline storage's drives, those restoring now, and the restores waiting for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drives: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy_drives: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_restores: Option<usize>,
}

/// Whether the service can take requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Up,
    /// Not now, and why.
    Down(&'static str),
}

/// Counters of the engine's order actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorCounts {
    /// Order actors alive.
    pub active: usize,
    /// Order actors re-created after they died, since start.
    pub restarts: u64,
}

/// Looks at the engine, the database and the storages.
#[derive(Clone)]
pub struct OperationsService {
    store: Arc<dyn Store>,
    engine: Engine,
    storages: Arc<Storages>,
    feed: EventFeed,
    message_link: Option<Arc<MessageLinkStatus>>,
}

impl OperationsService {
    /// A service over the running engine, its database and the storages.
    pub fn new(
        store: Arc<dyn Store>,
        engine: Engine,
        storages: Arc<Storages>,
        feed: EventFeed,
    ) -> Self {
        Self {
            store,
            engine,
            storages,
            feed,
            message_link: None,
        }
    }

    /// The events' backlog: the outbox's head, live streams, each channel's delivery.
    pub fn event_backlog(&self) -> EventBacklog {
        EventBacklog::of(&self.feed)
    }

    /// Shows the state of the message link (AMQP) too.
    pub fn with_message_link(mut self, status: Arc<MessageLinkStatus>) -> Self {
        self.message_link = Some(status);
        self
    }

    /// The message link's state, when the service has one.
    pub fn message_link(&self) -> Option<MessageLinkView> {
        self.message_link.as_ref().map(|s| s.view())
    }

    /// Every actor of the engine with its figures, and the storages. Orders, restarts and
    /// slots are the requester's tenant's unless he is INSTANCE_ADMIN, the operator of the
    /// whole instance; the persistence actors and the storages are shared by every tenant and
    /// shown whole (counts, no order).
    pub async fn engine_view(&self, requester: &Requester) -> AppResult<EngineView> {
        let scope = (requester.role != Role::InstanceAdmin).then_some(&requester.tenant);
        let status = self.engine.status(scope).await?;
        let storages = self
            .storages
            .all()
            .iter()
            .map(|s| {
                let drives = s.drives();
                StorageFigures {
                    name: s.name().to_owned(),
                    kind: s.kind(),
                    in_flight: s.in_flight(),
                    drives: drives.map(|(all, _)| all),
                    busy_drives: drives.map(|(_, busy)| busy),
                    queued_restores: drives.map(|(_, busy)| s.in_flight().saturating_sub(busy)),
                }
            })
            .collect();
        let webhooks = match webhook_figures(self.store.as_ref(), scope).await {
            Ok(figures) => Some(figures),
            Err(e) => {
                // The view serves operators during outages: the rest of it still answers.
                tracing::debug!(error = %e, "webhook figures left out");
                None
            }
        };
        Ok(EngineView {
            status,
            storages,
            events: self.event_backlog(),
            webhooks,
            amqp: self.message_link(),
        })
    }

    /// Up when the engine runs and the database answers a ping within `PING_TIMEOUT`; a
    /// failed ping is reported to the engine's view of the database.
    pub async fn readiness(&self) -> Readiness {
        if !self.engine.is_running() {
            return Readiness::Down("the order engine is stopped");
        }
        let database = self.engine.database();
        if !database.is_up() {
            return Readiness::Down("the database is unavailable");
        }
        match tokio::time::timeout(PING_TIMEOUT, self.store.ping()).await {
            Ok(Ok(())) => Readiness::Up,
            Ok(Err(e)) => {
                database.report_failure(&unavailable(e));
                Readiness::Down("the database is unavailable")
            }
            Err(_) => {
                database.report_failure(&StoreError::Unavailable("no answer to a ping".into()));
                Readiness::Down("the database does not answer")
            }
        }
    }

    /// Short name of the database's backend (`sqlite`, `postgres`).
    pub fn backend(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// The engine's counters.
    pub fn actor_counts(&self) -> ActorCounts {
        ActorCounts {
            active: self.engine.active_count(),
            restarts: self.engine.restarts(),
        }
    }
}

/// A failed ping is the database's availability, whatever its cause.
fn unavailable(e: StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(_) => e,
        other => StoreError::Unavailable(Box::new(other)),
    }
}
