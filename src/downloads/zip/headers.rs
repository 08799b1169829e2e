//! Encoding of the zip records (PKWARE APPNOTE 6.3) of stored entries, each a pure function
//! of its entry and offsets.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::layout::ZipEntry;

/// Sizes and offsets at or above this need zip64: the 32-bit field value 0xFFFFFFFF itself
/// tells readers to look in the zip64 extra field.
const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;
/// Entry counts at or above this need the zip64 end record, for the same reason (0xFFFF).
const ZIP64_COUNT_LIMIT: u64 = 0xFFFF;
const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;
/// Names are UTF-8 (bit 11); bit 3 (data descriptor) stays clear: sizes are in the headers.
const FLAGS: u16 = 1 << 11;
const VERSION_DEFAULT: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// Made by Unix (upper byte 3), so that unzip applies the permissions below.
const VERSION_MADE_BY: u16 = (3 << 8) | VERSION_ZIP64;
/// Regular file, rw-r--r--, in the Unix half of the external attributes.
const EXTERNAL_ATTRIBUTES: u32 = 0o100_644 << 16;
const LOCAL_HEADER_LEN: u64 = 30;
const CENTRAL_HEADER_LEN: u64 = 46;
const ZIP64_END_LEN: u64 = 56;
const ZIP64_LOCATOR_LEN: u64 = 20;
const END_LEN: u64 = 22;

/// Where the central directory lies, as the end records state it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Directory {
    /// Number of entries.
    pub count: u64,
    /// Archive offset of the first central record.
    pub start: u64,
    /// Length of all central records.
    pub len: u64,
}

impl Directory {
    /// Whether the end records must include the zip64 end record and locator.
    pub fn needs_zip64(&self) -> bool {
        self.count >= ZIP64_COUNT_LIMIT || self.start >= ZIP64_LIMIT || self.len >= ZIP64_LIMIT
    }

    /// Length of the end records.
    pub fn end_records_len(&self) -> u64 {
        END_LEN
            + if self.needs_zip64() {
                ZIP64_END_LEN + ZIP64_LOCATOR_LEN
            } else {
                0
            }
    }

    /// Zip64 end record and locator when needed, then the end of central directory record.
    pub fn write_end_records(&self, out: &mut Vec<u8>) {
        if self.needs_zip64() {
            put32(out, ZIP64_END_SIGNATURE);
            // Size of the record after this field.
            put64(out, ZIP64_END_LEN - 12);
            put16(out, VERSION_MADE_BY);
            put16(out, VERSION_ZIP64);
            put32(out, 0); // this disk
            put32(out, 0); // disk holding the central directory
            put64(out, self.count); // entries on this disk
            put64(out, self.count);
            put64(out, self.len);
            put64(out, self.start);
            put32(out, ZIP64_LOCATOR_SIGNATURE);
            put32(out, 0); // disk holding the zip64 end record
            put64(out, self.start + self.len); // where the zip64 end record starts
            put32(out, 1); // total disks
        }
        let count16 = u16::try_from(self.count).unwrap_or(u16::MAX);
        put32(out, END_SIGNATURE);
        put16(out, 0); // this disk
        put16(out, 0); // disk holding the central directory
        put16(out, count16);
        put16(out, count16);
        put32(out, saturate32(self.len));
        put32(out, saturate32(self.start));
        put16(out, 0); // comment length
    }
}

/// Whether an entry's data size needs the zip64 extra field (in both of its headers).
pub(super) fn large(entry: &ZipEntry) -> bool {
    entry.size >= ZIP64_LIMIT
}

/// Version needed to extract, the same in both headers of an entry.
fn version_needed(entry: &ZipEntry, offset: u64) -> u16 {
    if large(entry) || offset >= ZIP64_LIMIT {
        VERSION_ZIP64
    } else {
        VERSION_DEFAULT
    }
}

/// Length of an entry's local header.
pub(super) fn local_header_len(entry: &ZipEntry) -> u64 {
    // The local zip64 extra field holds both sizes (APPNOTE 4.5.3).
    let extra = if large(entry) { 4 + 16 } else { 0 };
    LOCAL_HEADER_LEN + entry.name.len() as u64 + extra
}

/// Zip64 extra fields of a central record: (both sizes, local header offset).
fn central_zip64_fields(entry: &ZipEntry, offset: u64) -> (bool, bool) {
    (large(entry), offset >= ZIP64_LIMIT)
}

fn central_extra_len(entry: &ZipEntry, offset: u64) -> u16 {
    match central_zip64_fields(entry, offset) {
        (false, false) => 0,
        (sizes, large_offset) => 4 + if sizes { 16 } else { 0 } + if large_offset { 8 } else { 0 },
    }
}

/// Length of an entry's central directory record, its local header being at `offset`.
pub(super) fn central_header_len(entry: &ZipEntry, offset: u64) -> u64 {
    CENTRAL_HEADER_LEN + entry.name.len() as u64 + u64::from(central_extra_len(entry, offset))
}

/// The fields local and central headers share, from "version needed" to the extra length.
fn write_common(entry: &ZipEntry, offset: u64, extra_len: u16, out: &mut Vec<u8>) {
    let (time, date) = dos_date_time(&entry.modified);
    let size32 = saturate32(entry.size);
    put16(out, version_needed(entry, offset));
    put16(out, FLAGS);
    put16(out, 0); // method: stored
    put16(out, time);
    put16(out, date);
    put32(out, entry.crc32);
    put32(out, size32); // compressed size: stored, so the same
    put32(out, size32);
    put16(out, u16::try_from(entry.name.len()).unwrap_or(u16::MAX));
    put16(out, extra_len);
}

/// Appends an entry's local header (at archive offset `offset`) to `out`.
pub(super) fn write_local_header(entry: &ZipEntry, offset: u64, out: &mut Vec<u8>) {
    put32(out, LOCAL_HEADER_SIGNATURE);
    let extra_len = if large(entry) { 4 + 16 } else { 0 };
    write_common(entry, offset, extra_len, out);
    out.extend_from_slice(entry.name.as_bytes());
    if large(entry) {
        put16(out, ZIP64_EXTRA_ID);
        put16(out, 16);
        put64(out, entry.size);
        put64(out, entry.size);
    }
}

/// Appends an entry's central directory record (its local header at `offset`) to `out`.
pub(super) fn write_central_header(entry: &ZipEntry, offset: u64, out: &mut Vec<u8>) {
    put32(out, CENTRAL_HEADER_SIGNATURE);
    put16(out, VERSION_MADE_BY);
    let extra_len = central_extra_len(entry, offset);
    write_common(entry, offset, extra_len, out);
    put16(out, 0); // comment length
    put16(out, 0); // disk number start
    put16(out, 0); // internal attributes
    put32(out, EXTERNAL_ATTRIBUTES);
    put32(out, saturate32(offset));
    out.extend_from_slice(entry.name.as_bytes());
    if extra_len > 0 {
        let (sizes, large_offset) = central_zip64_fields(entry, offset);
        put16(out, ZIP64_EXTRA_ID);
        put16(out, extra_len - 4);
        // Fields appear only for the header fields set to 0xFFFFFFFF, in this order.
        if sizes {
            put64(out, entry.size);
            put64(out, entry.size);
        }
        if large_offset {
            put64(out, offset);
        }
    }
}

/// MS-DOS (time, date) of the UTC fields of `time`, clamped to the format's 1980–2107 range.
pub(super) fn dos_date_time(time: &DateTime<Utc>) -> (u16, u16) {
    match time.year() {
        ..1980 => (0, (1 << 5) | 1),
        2108.. => ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31),
        year => {
            // Each field fits its bit width, so the casts cannot lose anything.
            let clock = (time.hour() << 11) | (time.minute() << 5) | (time.second() / 2);
            let date = ((year as u32 - 1980) << 9) | (time.month() << 5) | time.day();
            (clock as u16, date as u16)
        }
    }
}

fn saturate32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}
