//! Handlers of the persistence actor.

use super::queue::Queued;
use super::{Flush, Persist, PersistError, PersistenceActor, RetryNow, Status};
use actix::prelude::*;
use tokio::sync::oneshot;

impl Handler<Persist> for PersistenceActor {
    type Result = ();

    fn handle(&mut self, msg: Persist, ctx: &mut Self::Context) {
        let message = Queued {
            background: msg.background,
            acknowledged: msg.acknowledged,
            reply: msg.reply,
            urgent: msg.urgent,
        };
        self.enqueue(message, ctx);
    }
}

impl Handler<Flush> for PersistenceActor {
    type Result = ResponseFuture<Result<(), PersistError>>;

    fn handle(&mut self, _: Flush, ctx: &mut Self::Context) -> Self::Result {
        if self.queue.is_empty() && !self.flushing {
            // Nothing queued and nothing in flight: everything sent before is committed.
            return Box::pin(async { Ok(()) });
        }
        let (reply, outcome) = oneshot::channel();
        let waiter = Queued {
            background: Vec::new(),
            acknowledged: Vec::new(),
            reply: Some(reply),
            urgent: true,
        };
        self.enqueue(waiter, ctx);
        Box::pin(async move {
            outcome
                .await
                .unwrap_or_else(|_| Err(PersistError::WriterStopped))
        })
    }
}

impl Handler<RetryNow> for PersistenceActor {
    type Result = ();

    fn handle(&mut self, _: RetryNow, ctx: &mut Self::Context) {
        if let Some((handle, _)) = self.retry.take() {
            ctx.cancel_future(handle);
            self.status.retry_in_millis = None;
        }
        self.schedule_now(ctx);
    }
}

impl Handler<Status> for PersistenceActor {
    type Result = MessageResult<Status>;

    fn handle(&mut self, _: Status, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.status.clone())
    }
}
