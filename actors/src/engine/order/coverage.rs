//! Which bytes of an order's downloads reached their client: a file (or an archive of the
//! order's files) counts as downloaded once the ranges served of it cover all its bytes,
//! whether in one response or in several (segmented or resumed downloads). Only downloads
//! with partial coverage have an entry; it goes once covered, when the file is marked
//! DOWNLOADED another way, or with the order's files.

use std::collections::HashMap;
use std::ops::Range;

/// At most this many disjoint ranges per download: a download manager leaves a few gaps;
/// a client asking for thousands of scattered bytes is not downloading, and the memory it
/// could hold stays bounded (a range beyond the cap that joins no other is not counted).
const MAX_RANGES: usize = 256;

/// At most this many archives partly served per order; the oldest is forgotten beyond.
const MAX_ARCHIVES: usize = 16;

/// What was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Download {
    /// One file of the order, by id.
    File(i64),
    /// An archive of the order's files, by a fingerprint of its content (the same files
    /// give the same bytes, so ranges of two requests add up only if they are equal).
    Archive(u64),
}

/// Disjoint, sorted, non-adjacent half-open ranges.
#[derive(Debug, Default)]
struct Ranges(Vec<Range<u64>>);

impl Ranges {
    /// Adds `range`, merging it with the ranges it touches; false when it would be one
    /// disjoint range too many (nothing changes then).
    fn add(&mut self, range: Range<u64>) -> bool {
        let first = self.0.partition_point(|r| r.end < range.start);
        let last = self.0.partition_point(|r| r.start <= range.end);
        if first == last {
            if self.0.len() >= MAX_RANGES {
                return false;
            }
            self.0.insert(first, range);
            return true;
        }
        let start = range.start.min(self.0[first].start);
        let end = range.end.max(self.0[last - 1].end);
        self.0.splice(first..last, std::iter::once(start..end));
        true
    }

    fn covers(&self, size: u64) -> bool {
        matches!(self.0.as_slice(), [only] if only.start == 0 && only.end >= size)
    }
}

/// Partial coverage of an order's downloads.
#[derive(Debug, Default)]
pub struct Coverage {
    entries: HashMap<Download, (u64, Ranges)>,
    /// Bumped at each new entry, so that the oldest archive can be told.
    next_age: u64,
}

impl Coverage {
    /// Counts `range` of `download` (`size` bytes long); true when the download is now
    /// covered whole (its entry is then gone).
    pub fn add(&mut self, download: Download, range: Range<u64>, size: u64) -> bool {
        let range = range.start.min(size)..range.end.min(size);
        if size == 0 || (range.start == 0 && range.end == size) {
            self.entries.remove(&download);
            return true;
        }
        if range.is_empty() {
            return false;
        }
        if !self.entries.contains_key(&download) {
            self.make_room(download);
        }
        let age = self.next_age;
        let (_, ranges) = self
            .entries
            .entry(download)
            .or_insert_with(|| (age, Ranges::default()));
        self.next_age += 1;
        ranges.add(range);
        if ranges.covers(size) {
            self.entries.remove(&download);
            return true;
        }
        false
    }

    /// Forgets a download (its file was marked DOWNLOADED another way).
    pub fn forget(&mut self, download: Download) {
        self.entries.remove(&download);
    }

    /// Forgets everything (the order's files are gone).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Downloads partly served now.
    pub fn partial(&self) -> usize {
        self.entries.len()
    }

    /// Before a new archive entry: forgets the oldest archive when there are too many.
    fn make_room(&mut self, download: Download) {
        if !matches!(download, Download::Archive(_)) {
            return;
        }
        let archives = self
            .entries
            .iter()
            .filter(|(k, _)| matches!(k, Download::Archive(_)));
        if archives.clone().count() < MAX_ARCHIVES {
            return;
        }
        if let Some(oldest) = archives.min_by_key(|(_, (age, _))| *age).map(|(k, _)| *k) {
            self.entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: Download = Download::File(7);

    #[test]
    fn one_whole_response_covers_at_once() {
        let mut c = Coverage::default();
        assert!(c.add(FILE, 0..100, 100));
        assert_eq!(c.partial(), 0);
        assert!(
            c.add(FILE, 0..0, 0),
            "an empty file is covered by any answer"
        );
    }

    #[test]
    fn the_last_byte_or_half_a_file_do_not_cover_it() {
        let mut c = Coverage::default();
        assert!(!c.add(FILE, 99..100, 100));
        assert!(!c.add(FILE, 0..50, 100));
        assert_eq!(c.partial(), 1);
        assert!(!c.add(FILE, 0..50, 100), "the same half twice");
    }

    #[test]
    fn ranges_in_any_order_cover_the_file_once_joined() {
        let mut c = Coverage::default();
        assert!(!c.add(FILE, 60..100, 100));
        assert!(!c.add(FILE, 0..20, 100));
        assert!(!c.add(FILE, 30..50, 100));
        assert!(!c.add(FILE, 15..35, 100), "overlapping");
        assert!(c.add(FILE, 50..60, 100), "adjacent ranges join");
        assert_eq!(c.partial(), 0, "the entry goes once covered");
    }

    #[test]
    fn files_and_archives_are_counted_apart() {
        let mut c = Coverage::default();
        assert!(!c.add(Download::File(1), 0..10, 20));
        assert!(!c.add(Download::Archive(1), 10..20, 20));
        assert!(!c.add(Download::File(2), 10..20, 20));
        assert!(c.add(Download::File(1), 10..20, 20));
        assert_eq!(c.partial(), 2);
        c.forget(Download::File(2));
        c.clear();
        assert_eq!(c.partial(), 0);
    }

    #[test]
    fn memory_stays_bounded() {
        let mut c = Coverage::default();
        for i in 0..10_000u64 {
            assert!(!c.add(FILE, 2 * i..2 * i + 1, 1_000_000));
        }
        let Some((_, ranges)) = c.entries.get(&FILE) else {
            panic!("no entry")
        };
        assert_eq!(ranges.0.len(), MAX_RANGES);
        for a in 0..100u64 {
            c.add(Download::Archive(a), 0..1, 10);
        }
        let archives = c
            .entries
            .keys()
            .filter(|k| matches!(k, Download::Archive(_)))
            .count();
        assert_eq!(archives, MAX_ARCHIVES);
        assert!(
            c.entries.contains_key(&Download::Archive(99)),
            "the newest stays"
        );
    }
}
