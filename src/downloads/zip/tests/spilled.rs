//! A spilled layout gives the same bytes as the in-memory layout of the same entries: whole
//! archives and any range, zip64 by count and by size included.

use std::sync::Arc;

use crate::downloads::zip::{SpilledLayout, SpilledLayoutBuilder, SpilledSource, stream_archive};

use super::zip64::{BIG, big_archive};
use super::*;

/// Serves a spilled entry through `EntrySource`, its source being its index.
struct ByIndex(Arc<dyn EntrySource>);

#[async_trait::async_trait]
impl SpilledSource for ByIndex {
    async fn open(
        &self,
        source: &[u8],
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let index = u64::from_le_bytes(source.try_into().unwrap());
        self.0.open(index as usize, offset).await
    }
}

/// The entries of `layout` (all dated alike) laid out again in a spill file.
async fn spill(layout: &ZipLayout) -> Arc<SpilledLayout> {
    let modified = layout
        .entries()
        .first()
        .map_or_else(|| entry("", b"").modified, |e| e.modified);
    let mut builder = SpilledLayoutBuilder::create(std::env::temp_dir(), modified)
        .await
        .unwrap();
    for (i, e) in layout.entries().iter().enumerate() {
        assert_eq!(e.modified, modified);
        let source = (i as u64).to_le_bytes();
        builder
            .push(e.name.clone(), e.size, e.crc32, &source)
            .await
            .unwrap();
    }
    let spilled = builder.finish().await.unwrap();
    assert_eq!(spilled.entry_count(), layout.entries().len() as u64);
    assert_eq!(spilled.total_length(), layout.total_length());
    assert_eq!(spilled.is_zip64(), layout.is_zip64());
    Arc::new(spilled)
}

/// All the bytes of the spilled archive within `range`.
async fn collect_spilled(
    layout: &Arc<SpilledLayout>,
    range: Option<Range<u64>>,
    source: &Arc<dyn EntrySource>,
) -> Vec<u8> {
    let archive = layout.archive(Arc::new(ByIndex(source.clone())));
    let chunks: Vec<Bytes> = stream_archive(archive, range).try_collect().await.unwrap();
    chunks.concat()
}

/// Checks that both layouts give the same bytes for each of `ranges`.
async fn same_ranges(
    memory: &Arc<ZipLayout>,
    spilled: &Arc<SpilledLayout>,
    source: &Arc<dyn EntrySource>,
    ranges: impl IntoIterator<Item = Range<u64>>,
) {
    for range in ranges {
        let expected = collect(memory, Some(range.clone()), source).await.unwrap();
        let got = collect_spilled(spilled, Some(range.clone()), source).await;
        assert_eq!(got.len(), expected.len(), "{range:?}");
        assert!(got == expected, "{range:?} differs");
    }
}

#[tokio::test]
async fn a_small_spilled_archive_has_the_same_bytes_and_ranges() {
    let (memory, source) = small_archive();
    let spilled = spill(&memory).await;
    let whole = collect(&memory, None, &source).await.unwrap();
    assert_eq!(collect_spilled(&spilled, None, &source).await, whole);
    let total = whole.len() as u64;
    let ranges = (0..total).flat_map(|start| {
        [1, 2, 17, 64, total].map(move |width| start..(start + width).min(total))
    });
    same_ranges(&memory, &spilled, &source, ranges).await;
    #[allow(clippy::reversed_empty_ranges)]
    let odd = [total..total + 3, 9..4];
    same_ranges(&memory, &spilled, &source, odd).await;
}

#[tokio::test]
async fn an_empty_spilled_archive_is_a_lone_end_record() {
    let memory = Arc::new(ZipLayout::new(Vec::new()));
    let source: Arc<dyn EntrySource> = Arc::new(MemorySource(Vec::new()));
    let spilled = spill(&memory).await;
    let whole = collect(&memory, None, &source).await.unwrap();
    assert_eq!(collect_spilled(&spilled, None, &source).await, whole);
}

/// Entries `f00000`… of a few bytes each (some empty), with long names now and then.
fn many(count: usize) -> (Arc<ZipLayout>, Arc<dyn EntrySource>) {
    let files: Vec<(String, Vec<u8>)> = (0..count)
        .map(|i| {
            let name = if i % 97 == 0 {
                format!("{}{i}", "long-".repeat(40))
            } else {
                format!("f{i:05}")
            };
            (name, format!("{i}").repeat(i % 4).into_bytes())
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, data)| (name.as_str(), data.as_slice()))
        .collect();
    archive(&borrowed)
}

#[tokio::test]
async fn ranges_anywhere_in_thousands_of_entries_match() {
    let (memory, source) = many(5_000);
    let spilled = spill(&memory).await;
    let whole = collect(&memory, None, &source).await.unwrap();
    assert_eq!(collect_spilled(&spilled, None, &source).await, whole);
    let total = whole.len() as u64;
    // Around the entries where marks fall, and spread over the archive (directory included).
    let mut starts: Vec<u64> = [0, 1, 1023, 1024, 1025, 2047, 2048, 4096, 4999]
        .iter()
        .flat_map(|&i| {
            let data = memory.data_offset(i).unwrap();
            [data - 3, data, data + 1]
        })
        .collect();
    starts.extend((0..total).step_by(total as usize / 61));
    starts.extend([total - 22, total - 1]);
    let ranges = starts
        .iter()
        .flat_map(|&start| [1, 45, 300, 5_000].map(move |width| start..(start + width).min(total)));
    same_ranges(&memory, &spilled, &source, ranges).await;
    same_ranges(&memory, &spilled, &source, [total / 3..total, 7..total]).await;
}

#[tokio::test]
async fn spilled_archives_past_65535_entries_match() {
    let entries: Vec<ZipEntry> = (1..=70_000)
        .map(|i| entry(&format!("f{i:05}"), b""))
        .collect();
    let memory = Arc::new(ZipLayout::new(entries));
    let source: Arc<dyn EntrySource> = Arc::new(MemorySource(Vec::new()));
    let spilled = spill(&memory).await;
    assert!(spilled.is_zip64());
    let whole = collect(&memory, None, &source).await.unwrap();
    assert!(collect_spilled(&spilled, None, &source).await == whole);
    let total = whole.len() as u64;
    let ranges = (0..total)
        .step_by(total as usize / 37)
        .map(|start| start..(start + 4_000).min(total));
    same_ranges(&memory, &spilled, &source, ranges).await;
}

#[tokio::test]
async fn a_spilled_entry_past_4_gib_matches() {
    let (memory, source) = big_archive();
    let spilled = spill(&memory).await;
    let (big_data, total) = (memory.data_offset(1).unwrap(), memory.total_length());
    let big_end = big_data + BIG;
    let ranges = [
        0..big_data + 100,
        big_end - 6..big_end + 40,
        big_end - 1..total,
        big_end + 70..total - 10,
        total - 98..total,
        (1 << 32) - 5..(1 << 32) + 5,
    ];
    same_ranges(&memory, &spilled, &source, ranges).await;
}

#[tokio::test]
async fn archives_of_one_spilled_layout_stream_side_by_side() {
    let (memory, source) = many(3_000);
    let spilled = spill(&memory).await;
    let whole = collect(&memory, None, &source).await.unwrap();
    let open =
        |range| stream_archive(spilled.archive(Arc::new(ByIndex(source.clone()))), range).fuse();
    let (mut first, mut second) = (open(None), open(Some(1_000..whole.len() as u64)));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    loop {
        let (x, y) = (first.next().await, second.next().await);
        if x.is_none() && y.is_none() {
            break;
        }
        a.extend_from_slice(&x.transpose().unwrap().unwrap_or_default());
        b.extend_from_slice(&y.transpose().unwrap().unwrap_or_default());
    }
    assert!(a == whole);
    assert!(b == whole[1_000..]);
}
