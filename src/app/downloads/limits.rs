//! At most `downloads.max_streams_per_user` streamed downloads per user at once: a slot is
//! taken before the response starts (so a refusal is a real 429) and given back when the
//! slot is dropped — the stream ended, failed, or the client went away or stalled.

use crate::app::{AppError, AppResult};
use regards_order_actors::domain::Tenant;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Who a stream counts against: the tenant and the user's e-mail.
type UserKey = (String, String);

/// The streams each user has open; clones share the counters.
#[derive(Debug, Clone)]
pub struct StreamLimits {
    max_per_user: usize,
    /// What the streams are, for the refusal's message ("downloads", "event streams").
    what: &'static str,
    // A plain mutex: it is held only to bump a counter, never across an await.
    open: Arc<Mutex<HashMap<UserKey, usize>>>,
}

/// One open stream of a user; dropping it gives the slot back.
#[derive(Debug)]
pub struct StreamSlot {
    key: UserKey,
    open: Arc<Mutex<HashMap<UserKey, usize>>>,
}

impl StreamLimits {
    /// Limits of `max_per_user` streams per user.
    pub fn new(max_per_user: usize) -> Self {
        Self::of("downloads", max_per_user)
    }

    /// Limits of `max_per_user` streams of a kind per user.
    pub fn of(what: &'static str, max_per_user: usize) -> Self {
        Self {
            max_per_user,
            what,
            open: Arc::default(),
        }
    }

    /// A slot for `email` of `tenant`, or `LimitReached` when the user already has the most
    /// allowed.
    pub fn acquire(&self, tenant: &Tenant, email: &str) -> AppResult<StreamSlot> {
        let key = (tenant.as_str().to_owned(), email.to_owned());
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= self.max_per_user {
            return Err(AppError::LimitReached(format!(
                "Too many {} at once: at most {} per user, please try again later",
                self.what, self.max_per_user
            )));
        }
        *count += 1;
        Ok(StreamSlot {
            key,
            open: self.open.clone(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            // Users without streams leave the map: it does not grow with every user ever seen.
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_streams(limits: &StreamLimits, tenant: &Tenant, email: &str) -> usize {
        let key = (tenant.as_str().to_owned(), email.to_owned());
        limits.open.lock().unwrap().get(&key).copied().unwrap_or(0)
    }

    #[test]
    fn slots_are_counted_per_user_and_given_back_on_drop() {
        let limits = StreamLimits::new(2);
        let t = Tenant::parse("t1").unwrap();
        let other = Tenant::parse("t2").unwrap();
        let a = limits.acquire(&t, "u@x.fr").unwrap();
        let b = limits.acquire(&t, "u@x.fr").unwrap();
        assert!(matches!(
            limits.acquire(&t, "u@x.fr"),
            Err(AppError::LimitReached(_))
        ));
        // Another user, or the same e-mail in another tenant, has slots of its own.
        let _c = limits.acquire(&t, "v@x.fr").unwrap();
        let _d = limits.acquire(&other, "u@x.fr").unwrap();
        drop(a);
        assert_eq!(open_streams(&limits, &t, "u@x.fr"), 1);
        let e = limits.acquire(&t, "u@x.fr").unwrap();
        drop(b);
        drop(e);
        assert_eq!(open_streams(&limits, &t, "u@x.fr"), 0);
        assert_eq!(
            limits.open.lock().unwrap().len(),
            2,
            "idle users are forgotten"
        );
    }
}
