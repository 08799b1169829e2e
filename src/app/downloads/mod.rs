//! Downloads of an order's files: one file (for its owner, or with a public order token), the
//! order's zip and metalink, and the listings of its files. Every stream first takes a slot of
//! its user's streams (`downloads.max_streams_per_user`); what reached the client is told to
//! the order's actor, which marks the files DOWNLOADED once their bytes were all served.
//!
//! A download comes in two steps, so that the caller can pick the bytes to serve once it knows
//! the size: the service checks who asks and prepares the download ([`FileDownload`],
//! [`ZipDownload`]), then opens it for a [`ByteRange`] into a [`DownloadBody`].

mod access;
mod coverage;
mod file;
mod limits;
mod listings;
mod metalink;
mod records;
mod zip;

pub use file::{FileDownload, ServableFile};
pub use limits::{StreamLimits, StreamSlot};
pub use listings::{DatasetFile, FilePage, PageRequest};
pub use metalink::MetalinkDownload;
pub use zip::ZipDownload;

use crate::auth::OrderTokenCodec;
use crate::config::Settings;
use crate::storage::Storages;
use bytes::Bytes;
use futures::stream::BoxStream;
use regards_order_actors::engine::Engine;
use regards_order_actors::ports::{ByteRange, Store};
use std::path::PathBuf;
use std::sync::Arc;

/// A download with the stream slot its body must hold until it ends (none when the answer
/// streams nothing, as a HEAD).
pub struct Streamed<T> {
    pub download: T,
    pub slot: Option<StreamSlot>,
}

/// The bytes of a download, and how many they are when known in advance.
pub struct DownloadBody {
    pub stream: BoxStream<'static, std::io::Result<Bytes>>,
    pub length: Option<u64>,
}

/// Serves the files of orders.
pub struct DownloadService {
    store: Arc<dyn Store>,
    engine: Engine,
    storages: Arc<Storages>,
    /// Signs the public tokens that metalinks carry.
    order_tokens: OrderTokenCodec,
    limits: StreamLimits,
    /// Base of every URL written (no trailing slash).
    public_url: String,
    /// Where zip plans are spilled.
    spill_dir: PathBuf,
}

impl DownloadService {
    /// The service over `store`, `engine` and `storages`, with the limits and keys of
    /// `settings`; URLs it writes start with `public_url`.
    pub fn new(
        store: Arc<dyn Store>,
        engine: Engine,
        storages: Arc<Storages>,
        settings: &Settings,
        public_url: String,
    ) -> Self {
        Self {
            store,
            engine,
            storages,
            order_tokens: OrderTokenCodec::new(&settings.auth.order_secret),
            limits: StreamLimits::new(settings.downloads.max_streams_per_user),
            public_url,
            spill_dir: settings.data_dir.clone(),
        }
    }

    /// The per-user stream limits, shared with the other streamed answers (CSV export).
    pub fn stream_limits(&self) -> &StreamLimits {
        &self.limits
    }
}
