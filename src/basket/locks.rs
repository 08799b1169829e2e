//! One async lock per (tenant, owner): basket changes are read-modify-write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Above this many entries, unused locks are dropped on the next acquisition.
const PRUNE_ABOVE: usize = 1024;

/// The lock of one basket, keyed by (tenant, owner).
type LockMap = HashMap<(String, String), Arc<AsyncMutex<()>>>;

/// Serialises the changes of one basket so that two concurrent requests of the same user do
/// not lose each other's selection.
#[derive(Default)]
pub struct KeyedLocks {
    locks: Mutex<LockMap>,
}

impl KeyedLocks {
    /// Waits for the lock of `(tenant, owner)`.
    pub async fn lock(&self, tenant: &str, owner: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut map = match self.locks.lock() {
                Ok(map) => map,
                Err(poisoned) => poisoned.into_inner(),
            };
            if map.len() > PRUNE_ABOVE {
                map.retain(|_, l| Arc::strong_count(l) > 1);
            }
            map.entry((tenant.to_owned(), owner.to_owned()))
                .or_default()
                .clone()
        };
        lock.lock_owned().await
    }
}
