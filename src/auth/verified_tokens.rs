//! Bearer tokens whose signature was already checked, by their exact text: a client sends the
//! same token with every request, and checking its HMAC, decoding its base64 and parsing its
//! claims each time was the largest cost of a status read after the routing.
//!
//! Only the signature check is remembered: the expiry is compared with the clock at each use,
//! so a remembered token stops working the second it expires, as an unremembered one would.
//! The key is the whole token, signature included, checked with the one key of the codec that
//! owns the cache: a token altered in any byte is another key and is verified afresh.

use super::token::Claims;
use dashmap::DashMap;
use std::sync::Arc;

/// How many distinct tokens are remembered at most; a full cache is emptied and refills with
/// the tokens in use (a few hundred bytes each: at most a few MiB).
pub(super) const CAPACITY: usize = 10_000;

/// Claims of tokens already verified, shared by every clone of the codec.
#[derive(Clone, Default)]
pub(super) struct VerifiedTokens(Arc<DashMap<Box<str>, Arc<Claims>>>);

impl VerifiedTokens {
    /// The claims of `token` if it was verified before (whatever its expiry).
    pub fn get(&self, token: &str) -> Option<Arc<Claims>> {
        self.0.get(token).map(|entry| entry.value().clone())
    }

    /// Remembers a token whose signature and claims were just verified.
    pub fn remember(&self, token: &str, claims: Arc<Claims>) {
        // Bounded without bookkeeping: a flood of distinct valid tokens only costs a refill.
        if self.0.len() >= CAPACITY {
            self.0.clear();
        }
        self.0.insert(token.into(), claims);
    }

    /// Forgets a token (expired: no use remembering it).
    pub fn forget(&self, token: &str) {
        self.0.remove(token);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}
