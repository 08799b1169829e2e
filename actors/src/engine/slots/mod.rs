//! The slot scheduler: each user has at most N sub-orders active at once (being retrieved,
//! or retrieved and not yet downloaded), across all his orders. A user who does not download
//! blocks his own next sub-orders, never other users'.

mod handlers;
mod messages;

pub use messages::{ReleaseOrder, ReleaseSlot, RequestSlot, SlotGranted, SlotsStatus, Status};

use actix::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A user of a tenant.
type UserKey = (String, String);
/// A sub-order of an order.
type SlotKey = (i64, i64);

/// Grants sub-order slots, oldest order first.
pub struct SlotScheduler {
    max_per_user: usize,
    held: HashMap<UserKey, HashSet<SlotKey>>,
    waiting: HashMap<UserKey, BTreeMap<SlotKey, Recipient<SlotGranted>>>,
}

impl SlotScheduler {
    /// A scheduler granting `max_per_user` slots to each user.
    pub fn new(max_per_user: usize) -> Self {
        Self {
            max_per_user: max_per_user.max(1),
            held: HashMap::new(),
            waiting: HashMap::new(),
        }
    }

    /// Grants waiting requests of `user` while slots are free.
    fn grant(&mut self, user: &UserKey) {
        loop {
            let held = self.held.entry(user.clone()).or_default();
            if held.len() >= self.max_per_user {
                return;
            }
            let Some(queue) = self.waiting.get_mut(user) else {
                return;
            };
            let Some((key, recipient)) = queue.pop_first() else {
                return;
            };
            let granted = SlotGranted {
                order_id: key.0,
                suborder_id: key.1,
            };
            // A recipient whose actor died does not keep the slot.
            if recipient.try_send(granted).is_ok() {
                held.insert(key);
            }
        }
    }
}

impl Actor for SlotScheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(4096);
    }
}
