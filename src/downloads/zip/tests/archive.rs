//! A small archive read back by independent readers; sources of the wrong size.

use std::io;
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use futures::StreamExt;

use super::*;
use crate::downloads::zip::headers::dos_date_time;
use crate::downloads::zip::{Crc32, EntryNames};

/// Walks the local headers from the start: (flags, method, compressed size, name) of each.
fn local_headers(bytes: &[u8]) -> Vec<(u16, u16, u32, String)> {
    let mut headers = Vec::new();
    let mut at = 0;
    while le32(bytes, at) == 0x0403_4b50 {
        let (name_len, extra_len) = (
            usize::from(le16(bytes, at + 26)),
            usize::from(le16(bytes, at + 28)),
        );
        let name = String::from_utf8(bytes[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let size = le32(bytes, at + 18);
        headers.push((le16(bytes, at + 6), le16(bytes, at + 8), size, name));
        at += 30 + name_len + extra_len + size as usize;
    }
    headers
}

#[tokio::test]
async fn small_archive_is_read_back_by_python_and_unzip() {
    let (layout, source) = small_archive();
    let bytes = collect(&layout, None, &source).await.unwrap();
    assert_eq!(bytes.len() as u64, layout.total_length());
    assert!(!layout.is_zip64());
    for (flags, method, _, name) in local_headers(&bytes) {
        assert_eq!(flags & (1 << 3), 0, "{name}: data descriptor flag");
        assert_eq!(flags & (1 << 11), 1 << 11, "{name}: UTF-8 flag");
        assert_eq!(method, 0, "{name}: not stored");
    }
    assert_eq!(local_headers(&bytes).len(), 3);

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  print(z.testzip())\n\
                  for i in z.infolist():\n    \
                      print(i.filename, i.file_size, i.compress_type, i.date_time, repr(z.read(i).decode()))";
    let listing = python(script, file.path());
    let expected = "None\n\
                    hello.txt 14 0 (2024, 5, 6, 7, 8, 10) 'Hello, world!\\n'\n\
                    \u{e9}.txt 13 0 (2024, 5, 6, 7, 8, 10) 'caf\u{e9} cr\u{e8}me\\n'\n\
                    empty.dat 0 0 (2024, 5, 6, 7, 8, 10) ''\n";
    assert_eq!(listing, expected);

    let tested = run(Command::new("unzip").arg("-t").arg(file.path()));
    assert!(tested.contains("No errors detected"), "{tested}");
    assert_eq!(tested.matches("OK").count(), 3, "{tested}");
}

const READ_ZIP_JAVA: &str = r#"
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.zip.*;

public class ReadZip {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        try (ZipInputStream in = new ZipInputStream(new FileInputStream(args[0]), StandardCharsets.UTF_8)) {
            byte[] buffer = new byte[8192];
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                long count = 0;
                int read;
                while ((read = in.read(buffer)) > 0) count += read;
                out.println(entry.getName() + " " + count);
            }
        }
    }
}
"#;

#[tokio::test]
async fn java_zip_input_stream_reads_entry_by_entry() {
    if Command::new("java").arg("-version").output().is_err() {
        eprintln!("skipped: java is not on PATH");
        return;
    }
    let (layout, source) = small_archive();
    let bytes = collect(&layout, None, &source).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (program, archive) = (dir.path().join("ReadZip.java"), dir.path().join("a.zip"));
    std::fs::write(&program, READ_ZIP_JAVA).unwrap();
    std::fs::write(&archive, &bytes).unwrap();
    // ZipInputStream checks each stored entry's CRC as it reaches its end.
    let listing = run(Command::new("java").arg(&program).arg(&archive));
    assert_eq!(listing, "hello.txt 14\n\u{e9}.txt 13\nempty.dat 0\n");
}

/// Yields each entry as the given chunks (from offset 0 only: these tests read whole archives).
struct ChunkSource(Vec<Vec<&'static [u8]>>);

#[async_trait::async_trait]
impl EntrySource for ChunkSource {
    async fn open(
        &self,
        index: usize,
        offset: u64,
    ) -> io::Result<futures::stream::BoxStream<'static, io::Result<Bytes>>> {
        assert_eq!(offset, 0);
        let chunks: Vec<io::Result<Bytes>> = self.0[index]
            .iter()
            .map(|chunk| Ok(Bytes::from_static(chunk)))
            .collect();
        Ok(futures::stream::iter(chunks).boxed())
    }
}

/// Streams an archive whose second entry is declared 5 bytes long but whose source yields
/// `chunks`: the bytes produced, and the error that ended the stream if any.
async fn with_second_source(chunks: Vec<&'static [u8]>) -> (Vec<u8>, Option<io::Error>) {
    let entries = vec![
        entry("a", b"first"),
        entry("b", b"12345"),
        entry("c", b"last"),
    ];
    let source: Arc<dyn EntrySource> = Arc::new(ChunkSource(vec![
        vec![b"first"],
        chunks,
        vec![b"la", b"", b"st"],
    ]));
    let mut zip = stream(Arc::new(ZipLayout::new(entries)), None, source);
    let mut bytes = Vec::new();
    while let Some(item) = zip.next().await {
        match item {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(error) => {
                assert!(zip.next().await.is_none(), "nothing may follow an error");
                return (bytes, Some(error));
            }
        }
    }
    (bytes, None)
}

#[tokio::test]
async fn a_short_source_ends_the_stream_with_an_error() {
    let (bytes, error) = with_second_source(vec![b"12", b"34"]).await;
    let error = error.expect("a short entry must fail the stream");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    assert!(error.to_string().contains("zip entry 1 (b)"), "{error}");
    assert!(bytes.ends_with(b"1234"));
}

#[tokio::test]
async fn a_long_source_ends_the_stream_with_an_error() {
    let (_, error) = with_second_source(vec![b"123456"]).await;
    assert_eq!(
        error.expect("a long chunk must fail").kind(),
        io::ErrorKind::InvalidData
    );
    // The extra byte comes in a chunk of its own, after exactly the declared size.
    let (bytes, error) = with_second_source(vec![b"123", b"45", b"6"]).await;
    assert_eq!(
        error.expect("a long entry must fail").kind(),
        io::ErrorKind::InvalidData
    );
    assert!(bytes.ends_with(b"12345"));
    let (bytes, error) = with_second_source(vec![b"", b"123", b"45", b""]).await;
    assert!(error.is_none(), "{error:?}");
    assert!(bytes.windows(5).any(|w| w == b"12345"));
}

#[tokio::test]
async fn a_range_ending_inside_an_entry_does_not_check_its_length() {
    let entries = vec![entry("a", b"0123456789")];
    let layout = Arc::new(ZipLayout::new(entries));
    // The source holds more than declared, but the range stops before the difference shows.
    let source: Arc<dyn EntrySource> =
        Arc::new(MemorySource(vec![Bytes::from_static(b"0123456789ABC")]));
    let start = layout.data_offset(0).unwrap();
    let bytes = collect(&layout, Some(start + 2..start + 6), &source)
        .await
        .unwrap();
    assert_eq!(bytes, b"2345");
}

#[test]
fn dos_dates_are_clamped_to_the_format_range() {
    let at = |y, mo, d, h, mi, s| dos_date_time(&Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap());
    assert_eq!(
        at(2024, 5, 6, 7, 8, 11),
        ((7 << 11) | (8 << 5) | 5, (44 << 9) | (5 << 5) | 6)
    );
    assert_eq!(at(1970, 1, 1, 0, 0, 0), (0, (1 << 5) | 1));
    assert_eq!(at(2200, 1, 1, 0, 0, 0), at(2107, 12, 31, 23, 59, 59));
}

#[test]
fn crc32_matches_known_values_and_combines() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    let mut whole = Crc32::new();
    whole.update(b"12345");
    let mut tail = Crc32::new();
    tail.update(b"6789");
    assert_eq!(whole.value(), crc32(b"12345"));
    whole.combine(&tail);
    assert_eq!(whole.len(), 9);
    assert_eq!(whole.finalize(), 0xCBF4_3926);
}

#[test]
fn entry_names_feed_the_layout() {
    let mut names = EntryNames::new();
    let kept: Vec<String> = [("x/a.txt", "1"), ("y/a.txt", "2"), ("z/a.txt", "1")]
        .into_iter()
        .filter_map(|(name, sum)| names.add(name, Some(sum)))
        .collect();
    assert_eq!(kept, ["a.txt", "a (1).txt"]);
}
