//! A layout spilled to a temporary file, for archives of any number of entries.
//!
//! Entries are written to the file as they are laid out; memory keeps the running offsets and
//! one [`Mark`] per [`MARK_EVERY`] entries. Headers are pure functions of an entry and its
//! offsets, so reading the file again (sequentially for a whole download, from the nearest mark
//! for a range) regenerates any slice of the archive, the central directory included, with the
//! same bytes as [`ZipLayout`](super::ZipLayout) gives for the same entries.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use super::archive::Archive;
use super::layout::ZipEntry;
use super::offsets::{Offsets, fit_name};
use super::regions::{Part, Region, in_directory, in_end_records, in_entry, part_at};
use super::spilled_cursor::{Axis, Cursor, encode_record};
use crate::downloads::spill::{SpillWriter, Spilled};

/// Entries between two marks: finding an entry reads at most this many records, and the marks
/// cost 24 bytes per 1 024 entries.
pub(super) const MARK_EVERY: u64 = 1024;

/// Where entry `i × MARK_EVERY` lies, in the archive and in the file.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mark {
    /// Archive offset of its local header.
    pub local: u64,
    /// Offset of its central record in the directory.
    pub central: u64,
    /// Position of its record in the file.
    pub record: u64,
}

/// Opens the data of a spilled entry.
#[async_trait::async_trait]
pub trait SpilledSource: Send + Sync + 'static {
    /// The data of the entry spilled with `source`, from byte `offset` of that entry to its end
    /// (exactly `size - offset` bytes, as [`EntrySource::open`](super::EntrySource::open)).
    async fn open(
        &self,
        source: &[u8],
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>>;
}

/// Lays out entries as they come, writing each to a spill file.
pub struct SpilledLayoutBuilder {
    writer: SpillWriter,
    offsets: Offsets,
    marks: Vec<Mark>,
    modified: DateTime<Utc>,
    /// The record being encoded, reused.
    scratch: Vec<u8>,
}

impl SpilledLayoutBuilder {
    /// An empty layout whose entries are all dated `modified`, spilled to a new file in `dir`.
    pub async fn create(dir: PathBuf, modified: DateTime<Utc>) -> io::Result<Self> {
        Ok(SpilledLayoutBuilder {
            writer: SpillWriter::create(dir).await?,
            offsets: Offsets::default(),
            marks: Vec::new(),
            modified,
            scratch: Vec::new(),
        })
    }

    /// Lays out an entry of `size` bytes with the given CRC-32 after the others; `source`,
    /// opaque to the layout, is handed to [`SpilledSource::open`] to read its data.
    pub async fn push(
        &mut self,
        name: String,
        size: u64,
        crc32: u32,
        source: &[u8],
    ) -> io::Result<()> {
        let mut entry = ZipEntry {
            name,
            size,
            crc32,
            modified: self.modified,
        };
        fit_name(&mut entry.name);
        let first_of_mark = self.offsets.count().is_multiple_of(MARK_EVERY);
        let placed = self.offsets.place(&entry);
        if first_of_mark {
            self.marks.push(Mark {
                local: placed.local,
                central: placed.central,
                record: self.writer.position(),
            });
        }
        self.scratch.clear();
        encode_record(&entry, source, &mut self.scratch);
        self.writer.write(&self.scratch).await
    }

    /// The complete layout.
    pub async fn finish(self) -> io::Result<SpilledLayout> {
        Ok(SpilledLayout {
            file: self.writer.finish().await?,
            offsets: self.offsets,
            marks: self.marks,
            modified: self.modified,
        })
    }
}

/// A complete spilled layout: its length is known and any slice of it can be produced.
#[derive(Debug)]
pub struct SpilledLayout {
    file: Spilled,
    offsets: Offsets,
    marks: Vec<Mark>,
    modified: DateTime<Utc>,
}

impl SpilledLayout {
    /// Exact length of the archive in bytes.
    pub fn total_length(&self) -> u64 {
        self.offsets.total_length()
    }

    /// Number of entries.
    pub fn entry_count(&self) -> u64 {
        self.offsets.count()
    }

    /// Whether the archive needs zip64 structures anywhere (large entry, offset or count).
    pub fn is_zip64(&self) -> bool {
        self.offsets.is_zip64()
    }

    /// Size of the spill file, in bytes.
    pub fn spilled_bytes(&self) -> u64 {
        self.file.size()
    }

    /// The archive, its entries' data opened by `source`; each archive reads the file on its
    /// own, so several can stream one layout at once.
    pub fn archive(self: &Arc<Self>, source: Arc<dyn SpilledSource>) -> SpilledArchive {
        SpilledArchive {
            cursor: Cursor::new(self.file.reader(0), self.modified),
            layout: Arc::clone(self),
            source,
        }
    }

    pub(super) fn offsets(&self) -> &Offsets {
        &self.offsets
    }

    pub(super) fn marks(&self) -> &[Mark] {
        &self.marks
    }
}

/// A spilled layout being streamed.
pub struct SpilledArchive {
    layout: Arc<SpilledLayout>,
    cursor: Cursor,
    source: Arc<dyn SpilledSource>,
}

#[async_trait::async_trait]
impl Archive for SpilledArchive {
    fn total_length(&self) -> u64 {
        self.layout.total_length()
    }

    async fn read_at(&mut self, position: u64, out: &mut Vec<u8>) -> io::Result<Region> {
        let layout = &self.layout;
        Ok(match part_at(layout.offsets(), position) {
            Part::Entries => {
                let at = self.cursor.find(layout, Axis::Local, position).await?;
                let index = usize::try_from(at.index).unwrap_or(usize::MAX);
                in_entry(&at.entry, index, at.placed.local, position, out)
            }
            Part::Directory(relative) => {
                let at = self.cursor.find(layout, Axis::Central, relative).await?;
                let record = layout.offsets().directory().start + at.placed.central;
                in_directory(&at.entry, at.placed.local, record, position, out)
            }
            Part::EndRecords => in_end_records(&layout.offsets().directory(), position, out),
            Part::Past => Region::End,
        })
    }

    async fn open(
        &mut self,
        index: usize,
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let at = self
            .cursor
            .find(&self.layout, Axis::Index, index as u64)
            .await?;
        self.source.open(&at.source, offset).await
    }

    fn name(&self, index: usize) -> String {
        self.cursor.name_of(index as u64).unwrap_or_default()
    }
}
