//! Stored-entry zip archives with a layout known before the first byte.
//!
//! Orders download as one zip whose entries are stored (not compressed) and whose local headers
//! carry the real CRC-32 and sizes (no data descriptors, which streaming readers such as Java's
//! `ZipInputStream` reject for stored entries). Since every header and offset follows from the
//! entries alone, the exact length is known up front and any byte range can be produced, which
//! gives downloads a `Content-Length` and `Range` support. Zip64 structures appear only where
//! needed: an entry or offset of 4 GiB or more, or 65 535 entries or more.
//!
//! [`ZipLayout`] holds a layout in memory; [`SpilledLayout`] writes it to a temporary file as
//! entries come, so that an archive of a million entries costs a few kilobytes of memory, and
//! produces the same bytes.

mod archive;
mod headers;
mod layout;
mod names;
mod offsets;
mod regions;
mod spilled;
mod spilled_cursor;
mod stream;
#[cfg(test)]
mod tests;

pub use archive::Archive;
pub use layout::{ZipEntry, ZipLayout};
pub use names::{EntryNames, MAX_NAME_BYTES, sanitize};
pub use regions::Region;
pub use spilled::{SpilledArchive, SpilledLayout, SpilledLayoutBuilder, SpilledSource};
pub use stream::{EntrySource, stream, stream_archive};

/// CRC-32 (the zip polynomial) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Incremental CRC-32, for files whose checksum is recorded while they are first read.
#[derive(Clone, Debug, Default)]
pub struct Crc32(crc32fast::Hasher);

impl Crc32 {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `data` after the bytes seen so far.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// Adds the bytes seen by `other` after those seen by `self`, without reading them again
    /// (the CRCs of separately hashed parts of a file combine into the whole file's).
    pub fn combine(&mut self, other: &Crc32) {
        self.0.combine(&other.0);
    }

    /// Number of bytes seen so far.
    pub fn len(&self) -> u64 {
        self.0.total_len()
    }

    /// Whether no bytes were seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// CRC-32 of the bytes seen so far; the hasher may go on.
    pub fn value(&self) -> u32 {
        self.0.clone().finalize()
    }

    /// CRC-32 of the bytes seen.
    pub fn finalize(self) -> u32 {
        self.0.finalize()
    }
}
