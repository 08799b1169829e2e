//! Creation in the order's actor: the builder computes the content, the store writes it, then
//! the aggregate takes it. Until the content is stored the order reads PENDING, so readers of
//! the database and of the actor agree; a database that cannot store it now is tried again
//! with backoff, keeping what was computed.

use super::OrderActor;
use crate::domain::events::OrderEvent;
use crate::domain::order::{DatasetTask, FileSlot, Order, OrderFile, OrderHeader, SubOrder};
use crate::engine::backoff::Backoff;
use crate::ports::{CreationError, CreationPlan, CreationWrite, StoreError};
use actix::prelude::*;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Pause before creation is tried again after the database failed it.
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// Longest pause between attempts to store a creation.
const LONGEST_RETRY: Duration = Duration::from_secs(5);

/// Creation's outcome, applied to the aggregate once stored.
#[derive(Clone)]
pub(crate) enum Created {
    Content {
        tasks: Vec<DatasetTask>,
        suborders: Vec<SubOrder>,
        slots: Vec<FileSlot>,
        expiration: DateTime<Utc>,
        empty_message: String,
    },
    Failed {
        message: String,
        expiration: DateTime<Utc>,
    },
}

impl Created {
    fn apply(self, order: &mut Order, now: DateTime<Utc>) {
        match self {
            Created::Content {
                tasks,
                suborders,
                slots,
                expiration,
                empty_message,
            } => order.complete_creation(tasks, suborders, slots, expiration, &empty_message, now),
            Created::Failed {
                message,
                expiration,
            } => order.fail_creation(&message, expiration, now),
        }
    }
}

/// What creation computed and the store has not written yet.
pub(crate) struct Unstored {
    created: Created,
    /// The order's header once creation applies: what the store writes.
    header: OrderHeader,
    /// When creation applied to `header`: memory takes the same dates.
    applied_at: DateTime<Utc>,
    tasks: Vec<DatasetTask>,
    suborders: Vec<SubOrder>,
    files: Vec<OrderFile>,
    /// What creation tells the outbox (written with it).
    events: Vec<OrderEvent>,
    backoff: Backoff,
}

/// Creation computed the order's content (internal).
#[derive(Message)]
#[rtype(result = "()")]
struct CreationPlanned(pub Result<CreationPlan, CreationError>);

/// Creation's content was written, or not (internal).
#[derive(Message)]
#[rtype(result = "()")]
struct CreationStored {
    pub result: Result<CreationWrite, StoreError>,
    pub content: Unstored,
}

impl OrderActor {
    /// Starts computing the order's content (once).
    pub(super) fn start_creation(&mut self, ctx: &mut Context<Self>) {
        if self.creating {
            return;
        }
        self.creating = true;
        let builder = self.deps.builder.clone();
        let tenant = self.order.tenant.clone();
        let header = self.order.header.clone();
        let addr = ctx.address();
        actix::spawn(async move {
            let plan = builder.plan(&tenant, &header).await;
            addr.do_send(CreationPlanned(plan));
        });
    }

    /// Writes what creation computed; the outcome comes back as `CreationStored`.
    fn store_creation(&mut self, content: Unstored, ctx: &mut Context<Self>) {
        let store = self.deps.store.clone();
        let tenant = self.order.tenant.clone();
        let addr = ctx.address();
        actix::spawn(async move {
            let result = store
                .store_creation(
                    &tenant,
                    &content.header,
                    &content.tasks,
                    &content.suborders,
                    &content.files,
                    &content.events,
                )
                .await;
            addr.do_send(CreationStored { result, content });
        });
    }

    /// The content as the database will hold it.
    fn unstored(&mut self, created: Created, files: Vec<OrderFile>) -> Unstored {
        let mut preview = Order::new(
            self.order.tenant.clone(),
            OrderHeader::clone(&self.order.header),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let (tasks, suborders) = match &created {
            Created::Content {
                tasks, suborders, ..
            } => (tasks.clone(), suborders.clone()),
            Created::Failed { .. } => (Vec::new(), Vec::new()),
        };
        let applied_at = Utc::now();
        created.clone().apply(&mut preview, applied_at);
        // Sub-orders ready at once (nothing to retrieve), then the new status.
        self.events.suborders_done(&preview, None, applied_at);
        let events = self.events.told_by(&preview, &preview.header, applied_at);
        Unstored {
            events,
            created,
            header: std::sync::Arc::unwrap_or_clone(preview.header),
            applied_at,
            tasks,
            suborders,
            files,
            backoff: Backoff::new(FIRST_RETRY, LONGEST_RETRY),
        }
    }

    /// The content is in the database (or the order was deleted meanwhile): the aggregate
    /// takes it. An action committed meanwhile already is in the database (the store gave way
    /// to it); should the header still differ, it is written as progress.
    fn creation_stored(&mut self, content: Unstored, ctx: &mut Context<Self>) {
        self.creating = false;
        content.created.apply(&mut self.order, content.applied_at);
        self.last_persisted = Some(Utc::now());
        if *self.order.header != content.header {
            self.persist_later(ctx);
        }
        self.resume_work(ctx);
        self.touch(ctx);
        self.publish();
    }
}

impl Handler<CreationPlanned> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: CreationPlanned, ctx: &mut Self::Context) {
        let (created, files) = match msg.0 {
            Ok(plan) => {
                let slots: Vec<FileSlot> = plan.files.iter().map(FileSlot::from).collect();
                let created = Created::Content {
                    tasks: plan.tasks,
                    suborders: plan.suborders,
                    slots,
                    expiration: plan.expiration,
                    empty_message: plan.empty_message,
                };
                (created, plan.files)
            }
            Err(e) if e.transient => {
                // The database, not the order, failed: creation runs again a little later.
                tracing::warn!(order_id = self.id(), error = %e, "order creation postponed");
                self.creating = false;
                self.publish();
                ctx.run_later(FIRST_RETRY.max(Duration::from_secs(1)), |act, ctx| {
                    act.start_creation(ctx)
                });
                return;
            }
            Err(e) => {
                tracing::warn!(order_id = self.id(), error = %e, "order creation failed");
                let failed = Created::Failed {
                    message: e.message,
                    expiration: e.expiration,
                };
                (failed, Vec::new())
            }
        };
        let content = self.unstored(created, files);
        self.store_creation(content, ctx);
    }
}

impl Handler<CreationStored> for OrderActor {
    type Result = ();

    fn handle(&mut self, msg: CreationStored, ctx: &mut Self::Context) {
        let mut content = msg.content;
        match msg.result {
            Ok(CreationWrite::Written | CreationWrite::Discarded) => {
                self.creation_stored(content, ctx);
            }
            Err(e) if e.is_unavailable() => {
                // Kept in memory and written once the database takes it.
                self.deps.health.report_failure(&e);
                content.backoff.failed();
                let delay = content.backoff.delay();
                tracing::debug!(order_id = self.id(), ?delay, "creation not stored yet");
                ctx.run_later(delay, move |act, ctx| act.store_creation(content, ctx));
            }
            Err(e) => {
                // The database still says PENDING: a new life of this actor creates it again.
                tracing::error!(order_id = self.id(), error = %e, "cannot store the created order");
                ctx.stop();
            }
        }
    }
}
