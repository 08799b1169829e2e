//! Orders asked and followed by message (REGARDS' AMQP interface): order requests made into
//! automatic orders for the user they name, cancel requests, and the answers that follow an
//! order (SUBORDER_DONE, DONE, FAILED). Nothing here knows the broker: its adapter
//! (`crate::amqp`) hands the messages in and publishes the replies.

mod cancel;
mod follow_up;
mod link_status;
mod messages;
mod requests;

pub use follow_up::FollowUp;
pub use link_status::{MessageLinkStatus, MessageLinkView};
pub use messages::{OrderResponse, Reply, ResponseErrorType, ResponseStatus};
pub use requests::IncomingMessage;

use super::{AppError, AppResult, OrderService};
use regards_order_actors::engine::EngineError;
use regards_order_actors::ports::Store;
use std::sync::Arc;
use std::time::Duration;

/// How long a cancellation waits for a paused order's retrievals to stop.
#[derive(Debug, Clone, Copy)]
pub struct CancelWait {
    /// Between two looks at the order.
    pub poll: Duration,
    /// Looks before the cancellation fails.
    pub polls: u32,
}

/// Handles the order messages of every tenant.
#[derive(Clone)]
pub struct OrderMessageService {
    orders: OrderService,
    store: Arc<dyn Store>,
    /// Base of the download links (no trailing slash).
    public_url: String,
    cancel_wait: CancelWait,
}

impl OrderMessageService {
    /// A service creating orders through `orders`, recording requests in `store`, writing
    /// download links under `public_url`.
    pub fn new(
        orders: OrderService,
        store: Arc<dyn Store>,
        public_url: String,
        cancel_wait: CancelWait,
    ) -> Self {
        Self {
            orders,
            store,
            public_url,
            cancel_wait,
        }
    }

    /// Records that the broker confirmed `reply` (a request's answer): answers that follow
    /// its order may go now, and a redelivered request is answered again without waiting.
    pub async fn reply_sent(&self, reply: &Reply) -> AppResult<()> {
        if let Some(tenant) = &reply.recorded {
            self.store
                .mark_order_answer_sent(tenant, &reply.response.correlation_id)
                .await?;
        }
        Ok(())
    }

    /// The link that downloads the order's available files.
    fn download_link(&self, order_id: i64) -> String {
        format!("{}/user/orders/{order_id}/download", self.public_url)
    }
}

/// True when `error` is the database's or the engine's availability: the same message may
/// succeed later, so it is handled again rather than answered.
pub(crate) fn is_transient(error: &AppError) -> bool {
    match error {
        AppError::Unavailable(_) => true,
        AppError::Store(e) => e.is_unavailable(),
        AppError::Engine(e) => matches!(
            e,
            EngineError::DatabaseUnavailable
                | EngineError::NotCommitted(_)
                | EngineError::Busy(_)
                | EngineError::Store(_)
        ),
        _ => false,
    }
}
