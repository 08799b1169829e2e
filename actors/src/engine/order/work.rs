//! How a retrieval run cuts its files into work: consecutive files of a storage that checks
//! many at once go in batches (one call to the storage, one message to the actor per batch);
//! the others go one by one, each waiting for its storage to admit it.

use crate::ports::{Storage, StorageResolver};
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::Arc;

/// Most files in one batch: the checks of a batch block one thread of the storage's pool, and
/// its results wait for the slowest.
pub(super) const BATCH: usize = 256;

/// A piece of a run's work.
pub(super) enum Work {
    /// Consecutive files of one storage that checks them in batches.
    Batch(Arc<dyn Storage>, Vec<(i64, String)>),
    /// A file retrieved on its own, with its storage when one holds it.
    One(i64, String, Option<Arc<dyn Storage>>),
}

/// A file's id, location and storage (when one holds it).
type Located = (i64, String, Option<Arc<dyn Storage>>);

/// The run's files as work, each file's storage resolved once, as they are taken from the
/// stream of the run's files (read a page at a time).
pub(super) struct Works<S> {
    /// Fused: a batch may ask for one file past the last.
    files: Pin<Box<futures::stream::Fuse<S>>>,
    storages: Arc<dyn StorageResolver>,
    /// A file taken to see whether it joins the batch, and its storage.
    next: Option<Located>,
}

impl<S: Stream<Item = (i64, String)>> Works<S> {
    pub(super) fn new(files: S, storages: Arc<dyn StorageResolver>) -> Self {
        Self {
            files: Box::pin(files.fuse()),
            storages,
            next: None,
        }
    }

    /// The pieces of work, one after the other.
    pub(super) fn into_stream(self) -> impl Stream<Item = Work> {
        futures::stream::unfold(self, |mut works| async move {
            let work = works.next_work().await?;
            Some((work, works))
        })
    }

    async fn take(&mut self) -> Option<Located> {
        if let Some(next) = self.next.take() {
            return Some(next);
        }
        let (id, url) = self.files.next().await?;
        let storage = self.storages.resolve(&url);
        Some((id, url, storage))
    }

    async fn next_work(&mut self) -> Option<Work> {
        let (id, url, storage) = self.take().await?;
        let storage = match storage {
            Some(storage) if storage.checks_in_batches() => storage,
            other => return Some(Work::One(id, url, other)),
        };
        let mut batch = vec![(id, url)];
        while batch.len() < BATCH {
            match self.take().await {
                Some((id, url, Some(same))) if Arc::ptr_eq(&same, &storage) => {
                    batch.push((id, url));
                }
                Some(other) => {
                    self.next = Some(other);
                    break;
                }
                None => break,
            }
        }
        Some(Work::Batch(storage, batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::storage::{ByteRange, FileContent, StorageError};
    use async_trait::async_trait;
    use std::time::Duration;

    /// A storage owning the locations that start with its name.
    struct Named(&'static str, bool);

    #[async_trait]
    impl Storage for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn kind(&self) -> &'static str {
            "local"
        }
        fn cheap_to_read(&self) -> bool {
            true
        }
        fn online(&self) -> bool {
            self.1
        }
        fn checks_in_batches(&self) -> bool {
            self.1
        }
        fn owns(&self, location: &str) -> bool {
            location.starts_with(self.0)
        }
        async fn make_available(&self, _: &str, _: Duration) -> Result<(), StorageError> {
            Ok(())
        }
        async fn open(&self, l: &str, _: Option<ByteRange>) -> Result<FileContent, StorageError> {
            Err(StorageError::NotFound {
                storage: self.0.into(),
                location: l.into(),
            })
        }
        fn in_flight(&self) -> usize {
            0
        }
    }

    struct Resolver(Vec<Arc<dyn Storage>>);

    impl StorageResolver for Resolver {
        fn resolve(&self, location: &str) -> Option<Arc<dyn Storage>> {
            self.0.iter().find(|s| s.owns(location)).cloned()
        }
        fn all(&self) -> Vec<Arc<dyn Storage>> {
            self.0.clone()
        }
    }

    #[test]
    fn consecutive_files_of_a_batching_storage_go_together_up_to_a_batch() {
        let resolver = Resolver(vec![
            Arc::new(Named("disk", true)),
            Arc::new(Named("other", true)),
            Arc::new(Named("tape", false)),
        ]);
        let mut files: Vec<(i64, String)> = Vec::new();
        let mut add = |prefix: &str, count: usize| {
            for _ in 0..count {
                files.push((files.len() as i64, format!("{prefix}/{}", files.len())));
            }
        };
        add("disk", BATCH + 2);
        add("tape", 2);
        add("disk", 1);
        add("other", 1);
        add("nowhere", 1);
        let works = Works::new(futures::stream::iter(files), Arc::new(resolver)).into_stream();
        let works: Vec<Work> = futures::executor::block_on(works.collect());
        let shape: Vec<(String, usize)> = works
            .into_iter()
            .map(|work| match work {
                Work::Batch(storage, files) => (storage.name().to_owned(), files.len()),
                Work::One(_, url, storage) => {
                    let name = storage.map_or("none".to_owned(), |s| s.name().to_owned());
                    (format!("one {name} {}", url.starts_with(&name)), 1)
                }
            })
            .collect();
        let expected = [
            ("disk", BATCH),
            ("disk", 2),
            ("one tape true", 1),
            ("one tape true", 1),
            ("disk", 1),
            ("other", 1),
            ("one none false", 1),
        ];
        let expected: Vec<(String, usize)> = expected
            .iter()
            .map(|(n, c)| ((*n).to_owned(), *c))
            .collect();
        assert_eq!(shape, expected);
    }
}
