//! Running offsets of an archive laid out entry by entry, which both layouts compute the same
//! way: an entry's place follows from the entries before it.

use super::headers::{Directory, central_header_len, large, local_header_len};
use super::layout::ZipEntry;
use super::names::truncate;

/// Where one entry's records lie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Placed {
    /// Archive offset of its local header.
    pub local: u64,
    /// Offset of its central directory record from the start of the directory.
    pub central: u64,
}

/// The entries laid out so far: where the next one goes and where the directory will lie.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Offsets {
    next_local: u64,
    central_len: u64,
    count: u64,
    /// Whether some entry needs zip64 fields for its size.
    large_entry: bool,
}

impl Offsets {
    /// Places `entry` after the entries laid out so far.
    pub fn place(&mut self, entry: &ZipEntry) -> Placed {
        let placed = Placed {
            local: self.next_local,
            central: self.central_len,
        };
        // Saturating: absurd sizes give a useless archive rather than a panic.
        self.next_local = self
            .next_local
            .saturating_add(local_header_len(entry))
            .saturating_add(entry.size);
        self.central_len += central_header_len(entry, placed.local);
        self.count += 1;
        self.large_entry |= large(entry);
        placed
    }

    /// Number of entries laid out.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Where the central directory lies once every entry is laid out.
    pub fn directory(&self) -> Directory {
        Directory {
            count: self.count,
            start: self.next_local,
            len: self.central_len,
        }
    }

    /// Exact length of the archive.
    pub fn total_length(&self) -> u64 {
        let directory = self.directory();
        directory
            .start
            .saturating_add(directory.len)
            .saturating_add(directory.end_records_len())
    }

    /// Whether the archive needs zip64 structures anywhere (large entry, offset or count).
    pub fn is_zip64(&self) -> bool {
        self.large_entry || self.directory().needs_zip64()
    }
}

/// Cuts a name longer than 65 535 bytes (at a character boundary): the format cannot hold it.
pub(super) fn fit_name(name: &mut String) {
    let cut = truncate(name, usize::from(u16::MAX)).len();
    name.truncate(cut);
}
