//! The records of a spilled layout and the cursor that walks them: forward one record at a
//! time (a whole download reads the file twice, in order), or from the nearest mark.

use std::io;

use chrono::{DateTime, Utc};

use super::headers::{central_header_len, local_header_len};
use super::layout::ZipEntry;
use super::offsets::Placed;
use super::spilled::{MARK_EVERY, Mark, SpilledLayout};
use crate::downloads::spill::{SpillReader, put_sized};

/// Appends the record of `entry` and its `source`: name (u16 length), size, CRC-32, source
/// (u32 length), little-endian. The date is the layout's.
pub(super) fn encode_record(entry: &ZipEntry, source: &[u8], out: &mut Vec<u8>) {
    // Names were cut to 65 535 bytes.
    let name_len = u16::try_from(entry.name.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&entry.name.as_bytes()[..usize::from(name_len)]);
    out.extend_from_slice(&entry.size.to_le_bytes());
    out.extend_from_slice(&entry.crc32.to_le_bytes());
    put_sized(out, source);
}

/// Reads the record at the reader's position.
async fn decode_record(
    reader: &mut SpillReader,
    modified: DateTime<Utc>,
) -> io::Result<(ZipEntry, Vec<u8>)> {
    let name_len = reader.u16().await?;
    let name = String::from_utf8(reader.bytes(usize::from(name_len)).await?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let size = reader.u64().await?;
    let crc32 = reader.u32().await?;
    let source = reader.sized().await?;
    let entry = ZipEntry {
        name,
        size,
        crc32,
        modified,
    };
    Ok((entry, source))
}

/// An entry read back, with where it lies.
pub(super) struct Located {
    pub index: u64,
    pub entry: ZipEntry,
    pub source: Vec<u8>,
    pub placed: Placed,
}

/// A way to order the entries: each entry covers a span of it, the spans follow each other.
#[derive(Clone, Copy, Debug)]
pub(super) enum Axis {
    /// Archive offsets of local headers and data.
    Local,
    /// Offsets in the central directory.
    Central,
    /// Entry numbers.
    Index,
}

impl Axis {
    /// The number of the last mark at or before `target`.
    fn mark_before(self, marks: &[Mark], target: u64) -> usize {
        let after = match self {
            Axis::Local => marks.partition_point(|mark| mark.local <= target),
            Axis::Central => marks.partition_point(|mark| mark.central <= target),
            Axis::Index => usize::try_from(target / MARK_EVERY + 1).unwrap_or(usize::MAX),
        };
        after.saturating_sub(1)
    }

    fn start(self, at: &Located) -> u64 {
        match self {
            Axis::Local => at.placed.local,
            Axis::Central => at.placed.central,
            Axis::Index => at.index,
        }
    }

    fn end(self, at: &Located) -> u64 {
        match self {
            Axis::Local => at.placed.local + local_header_len(&at.entry) + at.entry.size,
            Axis::Central => at.placed.central + central_header_len(&at.entry, at.placed.local),
            Axis::Index => at.index + 1,
        }
    }
}

/// Where a cursor is in the file of a spilled layout.
pub(super) struct Cursor {
    reader: SpillReader,
    modified: DateTime<Utc>,
    /// The entry read last.
    current: Option<Located>,
}

impl Cursor {
    /// A cursor before the first record of `reader`'s file.
    pub fn new(reader: SpillReader, modified: DateTime<Utc>) -> Self {
        Cursor {
            reader,
            modified,
            current: None,
        }
    }

    /// The entry whose span on `axis` holds `target`, which must lie within the entries.
    pub async fn find(
        &mut self,
        layout: &SpilledLayout,
        axis: Axis,
        target: u64,
    ) -> io::Result<&Located> {
        let number = axis.mark_before(layout.marks(), target);
        let first = number as u64 * MARK_EVERY;
        let reusable =
            matches!(&self.current, Some(at) if at.index >= first && axis.start(at) <= target);
        if !reusable {
            let mark = *layout.marks().get(number).ok_or_else(|| beyond(target))?;
            self.load(mark, first).await?;
        }
        loop {
            let at = self.current.as_ref().ok_or_else(|| beyond(target))?;
            if axis.end(at) > target {
                break;
            }
            if at.index + 1 >= layout.entry_count() {
                return Err(beyond(target));
            }
            self.advance().await?;
        }
        self.current.as_ref().ok_or_else(|| beyond(target))
    }

    /// The name of entry `index` if it is the one at hand.
    pub fn name_of(&self, index: u64) -> Option<String> {
        let at = self.current.as_ref().filter(|at| at.index == index)?;
        Some(at.entry.name.clone())
    }

    /// Reads the entry `mark` stands for, entry number `index`.
    async fn load(&mut self, mark: Mark, index: u64) -> io::Result<()> {
        self.current = None;
        self.reader.seek(mark.record);
        let (entry, source) = decode_record(&mut self.reader, self.modified).await?;
        let placed = Placed {
            local: mark.local,
            central: mark.central,
        };
        self.current = Some(Located {
            index,
            entry,
            source,
            placed,
        });
        Ok(())
    }

    /// Reads the entry after the current one, whose record follows.
    async fn advance(&mut self) -> io::Result<()> {
        let Some(at) = self.current.take() else {
            return Err(beyond(0));
        };
        let placed = Placed {
            local: Axis::Local.end(&at),
            central: Axis::Central.end(&at),
        };
        let (entry, source) = decode_record(&mut self.reader, self.modified).await?;
        self.current = Some(Located {
            index: at.index + 1,
            entry,
            source,
            placed,
        });
        Ok(())
    }
}

/// The error of a position no entry holds: the file and the layout disagree.
fn beyond(target: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("no spilled zip entry at {target}"),
    )
}
