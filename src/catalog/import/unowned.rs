//! The hrefs an import finds that no configured storage owns. Such a file is still imported
//! (the catalogue describes the archive, storages may come later) but would end in ERROR
//! when ordered, so the import says so, naming the item and the asset.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Tells whether a configured storage owns a file location.
pub type OwnsLocation = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Hrefs listed in a report and logged one by one; beyond, they are only counted, so that a
/// large import keeps constant memory and a readable log.
pub const LISTED: usize = 100;

/// An asset whose href no storage owns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UnownedHref {
    /// The item (data object) id.
    pub item: String,
    /// The asset's key in the item.
    pub asset: String,
    /// The asset's href, made absolute.
    pub href: String,
}

/// What one import found: every unowned href counted, the first [`LISTED`] kept.
#[derive(Default)]
struct Found {
    count: u64,
    listed: Vec<UnownedHref>,
}

/// The ownership check of one import, shared by the threads that parse its documents.
pub(super) struct Unowned {
    owns: OwnsLocation,
    found: Mutex<Found>,
}

impl Unowned {
    /// A check against `owns`, with nothing found yet.
    pub(super) fn new(owns: OwnsLocation) -> Arc<Self> {
        Arc::new(Self {
            owns,
            found: Mutex::default(),
        })
    }

    /// Records asset `asset` of item `item` when no storage owns `href`.
    pub(super) fn check(&self, item: &str, asset: &str, href: &str) {
        if (self.owns)(href) {
            return;
        }
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        found.count += 1;
        if found.listed.len() < LISTED {
            tracing::warn!(
                item,
                asset,
                href,
                "no storage owns this href: the file will end in ERROR when ordered"
            );
            found.listed.push(UnownedHref {
                item: item.to_owned(),
                asset: asset.to_owned(),
                href: href.to_owned(),
            });
        }
    }

    /// The count and the listed hrefs found so far.
    pub(super) fn take(&self) -> (u64, Vec<UnownedHref>) {
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        let found = std::mem::take(&mut *found);
        (found.count, found.listed)
    }
}

impl fmt::Debug for Unowned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unowned").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_unowned_href_and_lists_the_first() {
        let unowned = Unowned::new(Arc::new(|href: &str| href.starts_with("file:///data/")));
        unowned.check("i", "data", "file:///data/a.tif");
        for n in 0..LISTED + 5 {
            unowned.check(&format!("i{n}"), "data", "file:///etc/passwd");
        }
        let (count, listed) = unowned.take();
        assert_eq!(count, LISTED as u64 + 5);
        assert_eq!(listed.len(), LISTED);
        assert_eq!(
            listed[0],
            UnownedHref {
                item: "i0".into(),
                asset: "data".into(),
                href: "file:///etc/passwd".into()
            }
        );
    }
}
