//! Handlers of the persistence actor.

use super::{Flush, Persist, PersistError, PersistenceActor, Status};
use actix::prelude::*;
use tokio::sync::oneshot;

impl Handler<Persist> for PersistenceActor {
    type Result = ResponseFuture<Result<(), PersistError>>;

    fn handle(&mut self, msg: Persist, ctx: &mut Self::Context) -> Self::Result {
        self.pending.extend(msg.changes);
        self.status.queue_length = self.pending.len();
        if !msg.ack {
            self.schedule(ctx, false);
            return Box::pin(async { Ok(()) });
        }
        if self.pending.is_empty() && !self.flushing {
            // Nothing queued and nothing in flight: everything sent before is committed.
            return Box::pin(async { Ok(()) });
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        self.schedule(ctx, true);
        Box::pin(async move {
            rx.await
                .unwrap_or_else(|_| Err(PersistError("the writer stopped".into())))
        })
    }
}

impl Handler<Flush> for PersistenceActor {
    type Result = ResponseFuture<Result<(), PersistError>>;

    fn handle(&mut self, _: Flush, ctx: &mut Self::Context) -> Self::Result {
        if self.pending.is_empty() && !self.flushing {
            return Box::pin(async { Ok(()) });
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        self.schedule(ctx, true);
        Box::pin(async move {
            rx.await
                .unwrap_or_else(|_| Err(PersistError("the writer stopped".into())))
        })
    }
}

impl Handler<Status> for PersistenceActor {
    type Result = MessageResult<Status>;

    fn handle(&mut self, _: Status, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.status.clone())
    }
}
