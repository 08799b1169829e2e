//! Handlers of the slot scheduler.

use super::messages::{SHOWN_HOLDERS, SlotHolder};
use super::{
    ReleaseOrder, ReleaseSlot, RequestSlot, SlotGranted, SlotScheduler, SlotsStatus, Status,
    UserKey,
};
use actix::prelude::*;
use std::collections::{BTreeMap, HashSet};

impl Handler<RequestSlot> for SlotScheduler {
    type Result = ();

    fn handle(&mut self, msg: RequestSlot, _: &mut Self::Context) {
        let user = (msg.tenant, msg.user);
        let key = (msg.order_id, msg.suborder_id);
        if self.held.get(&user).is_some_and(|h| h.contains(&key)) {
            let _ = msg.recipient.try_send(SlotGranted {
                order_id: key.0,
                suborder_id: key.1,
            });
            return;
        }
        self.waiting
            .entry(user.clone())
            .or_default()
            .insert(key, msg.recipient);
        self.grant(&user);
    }
}

impl Handler<ReleaseSlot> for SlotScheduler {
    type Result = ();

    fn handle(&mut self, msg: ReleaseSlot, _: &mut Self::Context) {
        let user = (msg.tenant, msg.user);
        let key = (msg.order_id, msg.suborder_id);
        if let Some(h) = self.held.get_mut(&user) {
            h.remove(&key);
        }
        if let Some(w) = self.waiting.get_mut(&user) {
            w.remove(&key);
        }
        self.grant(&user);
    }
}

impl Handler<ReleaseOrder> for SlotScheduler {
    type Result = ();

    fn handle(&mut self, msg: ReleaseOrder, _: &mut Self::Context) {
        let user = (msg.tenant, msg.user);
        let order = msg.order_id;
        if let Some(h) = self.held.get_mut(&user) {
            h.retain(|(o, s)| *o != order || msg.keep.contains(s));
        }
        if let Some(w) = self.waiting.get_mut(&user) {
            w.retain(|(o, _), _| *o != order);
        }
        self.grant(&user);
        self.held.retain(|_, h| !h.is_empty());
        self.waiting.retain(|_, w| !w.is_empty());
    }
}

impl Handler<Status> for SlotScheduler {
    type Result = MessageResult<Status>;

    fn handle(&mut self, msg: Status, _: &mut Self::Context) -> Self::Result {
        let shown = |user: &&UserKey| msg.tenant.as_ref().is_none_or(|t| *t == user.0);
        let held: usize = self
            .held
            .iter()
            .filter(|(u, _)| shown(u))
            .map(|(_, h)| h.len())
            .sum();
        let waiting: usize = self
            .waiting
            .iter()
            .filter(|(u, _)| shown(u))
            .map(|(_, w)| w.len())
            .sum();
        let users: HashSet<&UserKey> = self
            .held
            .keys()
            .chain(self.waiting.keys())
            .filter(shown)
            .collect();
        let mut holders: Vec<SlotHolder> = users
            .iter()
            .map(|user| SlotHolder {
                tenant: user.0.clone(),
                user: user.1.clone(),
                held: self.held.get(*user).map_or(0, HashSet::len),
                waiting: self.waiting.get(*user).map_or(0, BTreeMap::len),
            })
            .collect();
        holders.sort_by(|a, b| {
            (b.held, b.waiting, &a.tenant, &a.user).cmp(&(a.held, a.waiting, &b.tenant, &b.user))
        });
        holders.truncate(SHOWN_HOLDERS);
        MessageResult(SlotsStatus {
            max_per_user: self.max_per_user,
            held,
            waiting,
            users: users.len(),
            holders,
        })
    }
}
