//! Any range of an archive equals the same slice of the whole archive.

use super::*;

#[tokio::test]
async fn named_ranges_match_slices_of_the_whole_archive() {
    let (layout, source) = small_archive();
    let whole = collect(&layout, None, &source).await.unwrap();
    let total = layout.total_length();
    let second_data = layout.data_offset(1).unwrap();
    let ranges = [
        ("start", 0..10),
        ("across header and data", second_data - 4..second_data + 3),
        (
            "across data and next header",
            second_data + 10..second_data + 25,
        ),
        ("single byte of data", second_data..second_data + 1),
        ("single header byte", 3..4),
        ("end", total - 30..total),
        ("last byte", total - 1..total),
        ("whole", 0..total),
    ];
    for (what, range) in ranges {
        let part = collect(&layout, Some(range.clone()), &source)
            .await
            .unwrap();
        let expected = &whole[range.start as usize..range.end as usize];
        assert_eq!(part, expected, "{what}: {range:?}");
    }
}

#[tokio::test]
async fn every_range_of_a_small_archive_matches() {
    let (layout, source) = small_archive();
    let whole = collect(&layout, None, &source).await.unwrap();
    let total = whole.len();
    for start in 0..total {
        for width in [1, 2, 17, 64, total] {
            let end = (start + width).min(total);
            let range = start as u64..end as u64;
            let part = collect(&layout, Some(range.clone()), &source)
                .await
                .unwrap();
            assert_eq!(part, &whole[start..end], "{range:?}");
        }
    }
}

#[tokio::test]
async fn ranges_are_clamped_to_the_archive() {
    let (layout, source) = small_archive();
    let whole = collect(&layout, None, &source).await.unwrap();
    let total = layout.total_length();
    let past = collect(&layout, Some(total - 5..total + 100), &source)
        .await
        .unwrap();
    assert_eq!(past, &whole[whole.len() - 5..]);
    assert!(
        collect(&layout, Some(total..total + 3), &source)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        collect(&layout, Some(7..7), &source)
            .await
            .unwrap()
            .is_empty()
    );
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = collect(&layout, Some(9..4), &source).await.unwrap();
    assert!(reversed.is_empty());
}

#[tokio::test]
async fn an_empty_archive_is_a_lone_end_record() {
    let layout = Arc::new(ZipLayout::new(Vec::new()));
    let source: Arc<dyn EntrySource> = Arc::new(MemorySource(Vec::new()));
    let bytes = collect(&layout, None, &source).await.unwrap();
    assert_eq!(bytes.len(), 22);
    assert_eq!(layout.total_length(), 22);
    assert_eq!(le32(&bytes, 0), 0x0605_4b50);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let script = "import sys, zipfile\nprint(len(zipfile.ZipFile(sys.argv[1]).infolist()))";
    assert_eq!(python(script, file.path()), "0\n");
}
