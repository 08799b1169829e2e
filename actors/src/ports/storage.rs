//! The storage port: where order files live and how they are made available and read.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use std::time::Duration;

/// Why a storage could not make a file available or read it. The text goes into the file's
/// `downloadError`, so it must speak to a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The storage does not hold this file.
    #[error("file not found in storage {storage}: {location}")]
    NotFound { storage: String, location: String },
    /// The location resolves outside the storage's root (`..` or a symbolic link).
    #[error("location {location} is outside the root of storage {storage}")]
    OutsideRoot { storage: String, location: String },
    /// The location is not a URL or path this storage understands.
    #[error("invalid location {location}: {reason}")]
    InvalidLocation { location: String, reason: String },
    /// The storage answered with an error (an http status, a timeout, an I/O error).
    #[error("storage {storage} failed: {reason}")]
    Failed { storage: String, reason: String },
}

/// A byte range requested by a client: `start` and the inclusive `end` (absent = to the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: Option<u64>,
}

/// An opened file: its total length when known, and its bytes from the requested offset.
pub struct FileContent {
    /// Length of the whole file (not of the range), when the storage knows it.
    pub total_length: Option<u64>,
    pub stream: BoxStream<'static, std::io::Result<Bytes>>,
}

/// A place among the `make_available` calls a storage takes at once, held until dropped.
/// Callers with many files ask for one before each call, so that a storage with a few tape
/// drives and thousands of waiting orders holds one waiting caller per order, not a queued
/// request per file.
pub struct Admission {
    /// Held only to be released when the admission is dropped.
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Admission {
    /// No limit: the storage takes every call at once.
    pub fn immediate() -> Self {
        Self { _permit: None }
    }

    /// One of the places counted by a semaphore.
    pub fn held(permit: tokio::sync::OwnedSemaphorePermit) -> Self {
        Self {
            _permit: Some(permit),
        }
    }
}

/// A place files live: local disk (online or nearline), an http server, later S3.
#[async_trait]
pub trait Storage: Send + Sync {
    /// The storage's configured name.
    fn name(&self) -> &str;

    /// `local`, `nearline` or `http`, for operators.
    fn kind(&self) -> &'static str;

    /// Whether opening an available file is cheap (local disk): a zip then checks that each
    /// file with a known CRC-32 still exists before its first byte. A remote file is not
    /// fetched ahead of its download.
    fn cheap_to_read(&self) -> bool;

    /// Whether its files can be read without a restore first (not on tape), as the dataset
    /// file listing shows them (`online`).
    fn online(&self) -> bool;

    /// True when this storage owns `location` (a URL or path under its root).
    fn owns(&self, location: &str) -> bool;

    /// Brings the file to a state where it can be read, and keeps it so for `keep`: at once
    /// for online storages, after a restore (bounded by the storage's drives) for nearline
    /// ones. Idempotent: a file already available is answered at once.
    async fn make_available(&self, location: &str, keep: Duration) -> Result<(), StorageError>;

    /// Whether [`Self::make_available_many`] answers many files for much less than as many
    /// calls of `make_available` (an online disk checks them in one trip to its blocking
    /// pool). Such a storage admits every call at once.
    fn checks_in_batches(&self) -> bool {
        false
    }

    /// `make_available` of each location, the results in the same order.
    async fn make_available_many(
        &self,
        locations: Vec<String>,
        keep: Duration,
    ) -> Vec<Result<(), StorageError>> {
        let mut results = Vec::with_capacity(locations.len());
        for location in &locations {
            results.push(self.make_available(location, keep).await);
        }
        results
    }

    /// Waits for a place to call `make_available` without queueing inside the storage.
    /// Online storages admit at once.
    async fn admit(&self) -> Admission {
        Admission::immediate()
    }

    /// Opens the file, from `range.start` when a range is given.
    async fn open(
        &self,
        location: &str,
        range: Option<ByteRange>,
    ) -> Result<FileContent, StorageError>;

    /// Number of `make_available` calls under way (restores or checks), for operators.
    fn in_flight(&self) -> usize;

    /// A nearline storage's drives: how many, and how many restore now (None: no drives).
    fn drives(&self) -> Option<(usize, usize)> {
        None
    }
}

/// Finds the storage of a file.
pub trait StorageResolver: Send + Sync {
    /// The storage that owns `location`, if any.
    fn resolve(&self, location: &str) -> Option<std::sync::Arc<dyn Storage>>;

    /// Every configured storage.
    fn all(&self) -> Vec<std::sync::Arc<dyn Storage>>;
}
