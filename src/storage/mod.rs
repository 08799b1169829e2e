//! The storages of order files (the `[[storages]]` configuration): local directories, online
//! or nearline, and http servers, each owning the locations under its root.

mod file_chunks;
mod http;
mod local;
mod nearline;
mod path;
mod protected;
mod tls;

pub use http::HttpStorage;
pub use local::LocalStorage;
pub use protected::ProtectedPaths;

use crate::catalog::import::OwnsLocation;
use crate::config::{Settings, StorageKind, StorageSettings};
use regards_order_actors::ports::storage::{ByteRange, Storage};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// All configured storages, and which one owns a location.
pub struct Storages {
    storages: Vec<Arc<dyn Storage>>,
    /// Length of each storage's root, in the same order: the longest owning root wins.
    root_lengths: Vec<usize>,
}

impl Storages {
    /// The service's storages: those in effect, never serving the system's folders nor the
    /// service's database and configuration file.
    pub fn for_service(settings: &Settings) -> anyhow::Result<Self> {
        let protected = ProtectedPaths::for_service(settings);
        Self::new(&settings.effective_storages(), protected)
    }

    /// Builds the storages `settings` describe, in their order, protecting the system's
    /// folders.
    pub fn from_settings(settings: &[StorageSettings]) -> anyhow::Result<Self> {
        Self::new(settings, ProtectedPaths::system())
    }

    /// Builds the storages `settings` describe, in their order, never serving `protected`.
    pub fn new(settings: &[StorageSettings], protected: ProtectedPaths) -> anyhow::Result<Self> {
        let protected = Arc::new(protected);
        let mut names = HashSet::new();
        let mut storages: Vec<Arc<dyn Storage>> = Vec::with_capacity(settings.len());
        let mut root_lengths = Vec::with_capacity(settings.len());
        for entry in settings {
            anyhow::ensure!(
                names.insert(entry.name.as_str()),
                "storage name '{}' is used twice",
                entry.name
            );
            match entry.kind {
                StorageKind::Local => {
                    let storage = LocalStorage::from_settings(entry, Arc::clone(&protected))?;
                    root_lengths.push(storage.root().as_os_str().len());
                    storages.push(Arc::new(storage));
                }
                StorageKind::Http => {
                    let storage = HttpStorage::from_settings(entry)?;
                    root_lengths.push(storage.root().len());
                    storages.push(Arc::new(storage));
                }
            }
        }
        Ok(Self {
            storages,
            root_lengths,
        })
    }

    /// The storage owning `location`: of those whose root holds it, the one with the
    /// longest root, so that `/data/tape` wins over `/`.
    pub fn resolve(&self, location: &str) -> Option<Arc<dyn Storage>> {
        self.storages
            .iter()
            .zip(&self.root_lengths)
            .filter(|(storage, _)| storage.owns(location))
            .max_by_key(|(_, length)| **length)
            .map(|(storage, _)| Arc::clone(storage))
    }

    /// Whether a storage owns a location, for catalogue imports to report those none owns.
    pub fn owns_location(self: &Arc<Self>) -> OwnsLocation {
        let storages = Arc::clone(self);
        Arc::new(move |location: &str| storages.resolve(location).is_some())
    }

    /// Every storage, in configuration order.
    pub fn all(&self) -> &[Arc<dyn Storage>] {
        &self.storages
    }
}

/// The offset to start from and the number of bytes to read for `range`; a range whose end
/// is before its start reads nothing.
fn bounds(range: Option<ByteRange>) -> (u64, u64) {
    match range {
        None => (0, u64::MAX),
        Some(ByteRange { start, end }) => {
            let length = end.map_or(u64::MAX, |end| end.saturating_add(1).saturating_sub(start));
            (start, length)
        }
    }
}

/// Counts one `make_available` call for as long as it lives: decrementing on drop keeps the
/// count right when the caller cancels the call.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    /// Counts a call in `counter` until the guard is dropped.
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: &str, kind: StorageKind, root: &str) -> StorageSettings {
        StorageSettings {
            name: name.to_owned(),
            kind,
            root: root.to_owned(),
            nearline: false,
            restore_delay_ms: 0,
            drives: 1,
            timeout_ms: 1000,
        }
    }

    #[test]
    fn the_longest_owning_root_wins() {
        let mut tape = settings("tape", StorageKind::Local, "file:///data/tape/");
        tape.nearline = true;
        let all = Storages::from_settings(&[
            settings("disk", StorageKind::Local, "/"),
            tape,
            settings("web", StorageKind::Http, "http://h.org/files"),
        ])
        .unwrap();
        let name = |location: &str| all.resolve(location).map(|s| s.name().to_owned());
        assert_eq!(name("/data/tape/a.tif").as_deref(), Some("tape"));
        assert_eq!(
            name("file:///data/tape/x/../a.tif").as_deref(),
            Some("tape")
        );
        assert_eq!(name("file:///data/tape/../a.tif").as_deref(), Some("disk"));
        assert_eq!(name("/data/tapes/a.tif").as_deref(), Some("disk"));
        assert_eq!(name("http://h.org/files/a.tif").as_deref(), Some("web"));
        assert_eq!(name("http://h.org/filesx/a.tif"), None);
        assert_eq!(name("file://other/a"), None);
        let kinds: Vec<_> = all.all().iter().map(|s| s.kind()).collect();
        assert_eq!(kinds, ["local", "nearline", "http"]);
    }

    #[test]
    fn bad_settings_are_refused() {
        let twice = [
            settings("a", StorageKind::Local, "/"),
            settings("a", StorageKind::Local, "/x"),
        ];
        assert!(Storages::from_settings(&twice).is_err());
        let relative = [settings("a", StorageKind::Local, "data")];
        let error = Storages::from_settings(&relative).err().unwrap();
        assert!(error.to_string().contains("storage 'a'"));
        let mut no_drive = settings("a", StorageKind::Local, "/");
        no_drive.nearline = true;
        no_drive.drives = 0;
        assert!(Storages::from_settings(&[no_drive]).is_err());
        let ftp = [settings("a", StorageKind::Http, "ftp://h/")];
        assert!(Storages::from_settings(&ftp).is_err());
    }

    #[test]
    fn ranges_give_an_offset_and_a_length() {
        assert_eq!(bounds(None), (0, u64::MAX));
        let range = |start, end| Some(ByteRange { start, end });
        assert_eq!(bounds(range(10, Some(19))), (10, 10));
        assert_eq!(bounds(range(10, None)), (10, u64::MAX));
        assert_eq!(bounds(range(10, Some(5))), (10, 0));
        assert_eq!(bounds(range(0, Some(u64::MAX))), (0, u64::MAX));
    }
}
