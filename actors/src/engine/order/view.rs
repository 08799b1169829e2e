//! The order as its actor last published it: reading an order is a lock read, not a message
//! (status reads are the most frequent request).

use super::OrderSnapshot;
use std::sync::{Arc, PoisonError, RwLock};

/// The latest snapshot of one order, shared by its actor (the only writer) and the readers.
#[derive(Debug, Default)]
pub(crate) struct PublishedView(RwLock<Option<Arc<OrderSnapshot>>>);

impl PublishedView {
    /// The order as its actor last published it (None before the actor started).
    pub fn get(&self) -> Option<Arc<OrderSnapshot>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the published order.
    pub(super) fn publish(&self, snapshot: OrderSnapshot) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(snapshot));
    }
}
