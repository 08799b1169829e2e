//! Tests of the documents, the stream and the negotiation.

use std::io;
use std::path::Path;
use std::time::Instant;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use quick_xml::XmlVersion;
use quick_xml::events::Event;

use super::{MetalinkFile, MetalinkVersion, negotiate, stream};

/// An element read back from a generated document.
#[derive(Debug, Default)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }

    pub fn child_names(&self) -> Vec<&str> {
        self.children
            .iter()
            .map(|child| child.name.as_str())
            .collect()
    }
}

/// Parses `xml` with quick-xml into its root element, resolving every reference.
pub(super) fn parse(xml: &str) -> Element {
    fn element(start: &quick_xml::events::BytesStart<'_>) -> Element {
        let attrs = start
            .attributes()
            .map(|attr| {
                let attr = attr.unwrap();
                let key = attr.key.as_ref().to_owned();
                (
                    key,
                    attr.normalized_value(XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect();
        Element {
            name: start.name().as_ref().to_owned(),
            attrs,
            ..Element::default()
        }
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(_) => {
                let mut done = stack.pop().unwrap();
                done.text = done.text.trim().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().unwrap() {
                    Some(c) => c,
                    None => match &*reference {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity {other}"),
                    },
                };
                stack.last_mut().unwrap().text.push(resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    root.expect("no root element")
}

const URL_WITH_QUERY: &str =
    "https://host.example/api/v1/rs-order/orders/public/files/2?orderToken=a.b.c&scope=PROJECT";

/// Three files: a complete one, a bare one, and one whose name and URL need escaping.
pub(super) fn three_files() -> Vec<MetalinkFile> {
    vec![
        MetalinkFile {
            name: "file1.txt".to_owned(),
            size: Some(12),
            mime_type: Some("text/plain".to_owned()),
            checksum: Some((
                "MD5".to_owned(),
                "0123456789abcdef0123456789ABCDEF".to_owned(),
            )),
            url: "http://host.example/files/1".to_owned(),
        },
        MetalinkFile {
            name: "bare.dat".to_owned(),
            size: None,
            mime_type: None,
            checksum: None,
            url: "https://host.example/files/3".to_owned(),
        },
        MetalinkFile {
            name: "../dir/a&b<c\"d'.nc".to_owned(),
            size: Some(0),
            mime_type: Some("application/x-netcdf".to_owned()),
            checksum: Some(("SHA-256".to_owned(), "ab".repeat(32))),
            url: URL_WITH_QUERY.to_owned(),
        },
    ]
}

pub(super) fn source(files: Vec<MetalinkFile>) -> BoxStream<'static, io::Result<MetalinkFile>> {
    stream::iter(files.into_iter().map(Ok)).boxed()
}

/// The whole document, failing on an error chunk.
pub(super) async fn render(version: MetalinkVersion, files: Vec<MetalinkFile>) -> String {
    let mut chunks = stream(version, source(files));
    let mut out = Vec::new();
    while let Some(chunk) = chunks.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn metalink3_structure_and_escaping() {
    let xml = render(MetalinkVersion::V3, three_files()).await;
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <metalink xmlns=\"http://www.metalinker.org/\" version=\"3.0\">\n    <files>\n"
    ));
    // Pretty-printed like the original, and the URL's `&` escaped.
    assert!(xml.contains("\n        <file name=\"file1.txt\">\n            <identity>"));
    assert!(xml.contains("?orderToken=a.b.c&amp;scope=PROJECT</url>"));
    assert!(xml.contains("<file name=\"a&amp;b&lt;c&quot;d&apos;.nc\">"));

    let root = parse(&xml);
    assert_eq!(root.name, "metalink");
    assert_eq!(root.attr("xmlns"), Some("http://www.metalinker.org/"));
    assert_eq!(root.attr("version"), Some("3.0"));
    assert_eq!(root.child_names(), ["files"]);
    let files: Vec<_> = root
        .child("files")
        .unwrap()
        .children_named("file")
        .collect();
    assert_eq!(files.len(), 3);

    let first = files[0];
    assert_eq!(first.attr("name"), Some("file1.txt"));
    assert_eq!(
        first.child_names(),
        ["identity", "size", "mimetype", "verification", "resources"]
    );
    assert_eq!(first.child("identity").unwrap().text, "file1.txt");
    assert_eq!(first.child("size").unwrap().text, "12");
    assert_eq!(first.child("mimetype").unwrap().text, "text/plain");
    let hash = first.child("verification").unwrap().child("hash").unwrap();
    assert_eq!(hash.attr("type"), Some("md5"));
    assert_eq!(hash.text, "0123456789abcdef0123456789abcdef");
    let url = first.child("resources").unwrap().child("url").unwrap();
    assert_eq!(url.attr("type"), Some("http"));
    assert_eq!(url.attr("preference"), Some("100"));
    assert_eq!(url.text, "http://host.example/files/1");

    let bare = files[1];
    assert_eq!(bare.child_names(), ["identity", "resources"]);
    let url = bare.child("resources").unwrap().child("url").unwrap();
    assert_eq!(url.attr("type"), Some("https"));

    let escaped = files[2];
    assert_eq!(escaped.attr("name"), Some("a&b<c\"d'.nc"));
    assert_eq!(escaped.child("identity").unwrap().text, "a&b<c\"d'.nc");
    assert_eq!(escaped.child("size").unwrap().text, "0");
    let hash = escaped
        .child("verification")
        .unwrap()
        .child("hash")
        .unwrap();
    assert_eq!(hash.attr("type"), Some("sha256"));
    assert_eq!(hash.text, "ab".repeat(32));
    let url = escaped.child("resources").unwrap().child("url").unwrap();
    assert_eq!(url.text, URL_WITH_QUERY);
}

#[tokio::test]
async fn metalink4_structure_and_escaping() {
    let xml = render(MetalinkVersion::V4, three_files()).await;
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">\n"
    ));
    assert!(xml.contains("?orderToken=a.b.c&amp;scope=PROJECT</url>"));

    let root = parse(&xml);
    assert_eq!(root.name, "metalink");
    assert_eq!(root.attr("xmlns"), Some("urn:ietf:params:xml:ns:metalink"));
    assert_eq!(
        root.child("generator").unwrap().text,
        concat!("regards-order/", env!("CARGO_PKG_VERSION"))
    );
    let published = &root.child("published").unwrap().text;
    chrono::DateTime::parse_from_rfc3339(published).unwrap();
    let files: Vec<_> = root.children_named("file").collect();
    assert_eq!(files.len(), 3);

    assert_eq!(files[0].attr("name"), Some("file1.txt"));
    assert_eq!(files[0].child_names(), ["size", "hash", "url"]);
    assert_eq!(files[0].child("size").unwrap().text, "12");
    let hash = files[0].child("hash").unwrap();
    assert_eq!(hash.attr("type"), Some("md5"));
    assert_eq!(hash.text, "0123456789abcdef0123456789abcdef");
    assert_eq!(
        files[0].child("url").unwrap().text,
        "http://host.example/files/1"
    );

    assert_eq!(files[1].attr("name"), Some("bare.dat"));
    assert_eq!(files[1].child_names(), ["url"]);

    assert_eq!(files[2].attr("name"), Some("a&b<c\"d'.nc"));
    let hash = files[2].child("hash").unwrap();
    assert_eq!(hash.attr("type"), Some("sha-256"));
    assert_eq!(files[2].child("url").unwrap().text, URL_WITH_QUERY);
}

/// Runs xmllint on a v3 document against the XSD kept with the project.
fn assert_valid_v3(xml: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/metalink-3.0.xsd");
    let dir = tempfile::tempdir().unwrap();
    let document = dir.path().join("order.metalink");
    std::fs::write(&document, xml).unwrap();
    let output = match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&document)
        .output()
    {
        Ok(output) => output,
        Err(error) => panic!(
            "cannot run xmllint ({error}): install it (Debian: apt-get install -y libxml2-utils)"
        ),
    };
    assert!(
        output.status.success(),
        "xmllint rejected the document: {}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn metalink3_validates_against_the_xsd() {
    assert_valid_v3(&render(MetalinkVersion::V3, three_files()).await);

    // Every algorithm, and values that are left out (unknown algorithm, malformed digest).
    let checksums = [
        ("SHA-1", "a".repeat(40)),
        ("sha-512", "b".repeat(128)),
        ("SHA_384", "c".repeat(96)),
        ("CRC-64", "d".repeat(16)),
        ("MD5", "not hex".to_owned()),
    ];
    let files = checksums
        .into_iter()
        .enumerate()
        .map(|(i, (algorithm, digest))| MetalinkFile {
            name: format!("f{i}"),
            size: Some(i as u64),
            mime_type: None,
            checksum: Some((algorithm.to_owned(), digest)),
            url: format!("https://h/{i}"),
        })
        .collect();
    let xml = render(MetalinkVersion::V3, files).await;
    assert_valid_v3(&xml);
    let root = parse(&xml);
    let types: Vec<Option<&str>> = root
        .child("files")
        .unwrap()
        .children_named("file")
        .map(|file| {
            file.child("verification")
                .map(|v| v.child("hash").unwrap().attr("type").unwrap())
        })
        .collect();
    assert_eq!(
        types,
        [Some("sha1"), Some("sha512"), Some("sha384"), None, None]
    );
}

#[tokio::test]
async fn names_keep_only_their_last_component() {
    let named = |name: &str, url: &str| MetalinkFile {
        name: name.to_owned(),
        size: None,
        mime_type: None,
        checksum: None,
        url: url.to_owned(),
    };
    let files = vec![
        named("/etc/passwd", "https://h/1"),
        named("..\\..\\windows\\x.dll", "https://h/2"),
        named("a/b/..", "https://h/files/42?token=x/y"),
        named("", "https://h/"),
        named("tab\there", "https://h/3"),
        named(" .. ", "https://h"),
    ];
    let root = parse(&render(MetalinkVersion::V4, files).await);
    let names: Vec<&str> = root
        .children_named("file")
        .map(|file| file.attr("name").unwrap())
        .collect();
    assert_eq!(names, ["passwd", "x.dll", "42", "file", "tab_here", "file"]);
}

#[tokio::test]
async fn invalid_xml_characters_do_not_break_the_document() {
    let files = vec![MetalinkFile {
        name: "a\u{1}b".to_owned(),
        size: None,
        mime_type: Some("text/\u{0}plain\u{FFFF}".to_owned()),
        checksum: None,
        url: "https://h/1".to_owned(),
    }];
    let xml = render(MetalinkVersion::V3, files).await;
    assert_valid_v3(&xml);
    let root = parse(&xml);
    let file = root.child("files").unwrap().child("file").unwrap();
    assert_eq!(file.attr("name"), Some("a_b"));
    assert_eq!(
        file.child("mimetype").unwrap().text,
        "text/\u{FFFD}plain\u{FFFD}"
    );
}

#[tokio::test]
async fn a_hundred_thousand_files_stream_in_many_chunks() {
    const COUNT: usize = 100_000;
    for version in [MetalinkVersion::V3, MetalinkVersion::V4] {
        // Files are made as they are pulled, so nothing holds the whole list.
        let files = stream::iter(0..COUNT)
            .map(|i| {
                Ok(MetalinkFile {
                    name: format!("file_{i}.dat"),
                    size: Some(i as u64),
                    mime_type: Some("application/octet-stream".to_owned()),
                    checksum: Some(("MD5".to_owned(), format!("{i:032x}"))),
                    url: format!("https://host/files/{i}?orderToken=t&scope=P"),
                })
            })
            .boxed();
        let started = Instant::now();
        let mut chunks = stream(version, files);
        let (mut count, mut bytes, mut largest) = (0usize, 0usize, 0usize);
        let mut tail = Vec::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.unwrap();
            count += 1;
            bytes += chunk.len();
            largest = largest.max(chunk.len());
            tail = chunk.to_vec();
        }
        println!(
            "{version:?}: {COUNT} files, {bytes} bytes in {count} chunks (largest {largest}) in {:?}",
            started.elapsed()
        );
        assert!(count >= COUNT / 256, "too few chunks: {count}");
        // A chunk holds a bounded batch of files, never the whole document.
        assert!(largest < 256 * 1024, "chunk of {largest} bytes");
        assert!(bytes > COUNT * 150);
        assert!(String::from_utf8(tail).unwrap().ends_with("</metalink>\n"));
    }
}

#[tokio::test]
async fn an_error_from_the_files_ends_the_stream_with_an_error() {
    for version in [MetalinkVersion::V3, MetalinkVersion::V4] {
        // Error after some files (same batch: the files already written come out first).
        let files = three_files();
        let items: Vec<io::Result<MetalinkFile>> = vec![
            Ok(files[0].clone()),
            Err(io::Error::other("database gone")),
            Ok(files[1].clone()),
        ];
        let chunks: Vec<_> = stream(version, stream::iter(items).boxed()).collect().await;
        let last = chunks.last().unwrap();
        assert_eq!(last.as_ref().unwrap_err().to_string(), "database gone");
        let body: Vec<u8> = chunks[..chunks.len() - 1]
            .iter()
            .flat_map(|chunk| chunk.as_ref().unwrap().to_vec())
            .collect();
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("file1.txt"));
        assert!(!body.contains("bare.dat"), "nothing after the error");
        assert!(!body.contains("</metalink>"), "no footer after an error");

        // Error as the very first file.
        let items: Vec<io::Result<MetalinkFile>> = vec![Err(io::Error::other("no"))];
        let chunks: Vec<_> = stream(version, stream::iter(items).boxed()).collect().await;
        assert_eq!(chunks.len(), 2, "header then error");
        assert!(chunks[0].is_ok());
        assert!(chunks[1].is_err());
    }
}

#[test]
fn negotiation() {
    assert_eq!(
        negotiate(Some("application/metalink4+xml")),
        MetalinkVersion::V4
    );
    assert_eq!(
        negotiate(Some(
            "text/html, Application/Metalink4+XML;q=0.5, */*;q=0.1"
        )),
        MetalinkVersion::V4
    );
    assert_eq!(
        negotiate(Some("application/metalink+xml")),
        MetalinkVersion::V3
    );
    assert_eq!(negotiate(Some("*/*")), MetalinkVersion::V3);
    assert_eq!(negotiate(Some("application/*")), MetalinkVersion::V3);
    assert_eq!(negotiate(None), MetalinkVersion::V3);
    assert_eq!(negotiate(Some("")), MetalinkVersion::V3);
    assert_eq!(
        negotiate(Some("application/metalink4+xml;q=0")),
        MetalinkVersion::V3
    );
    assert_eq!(
        negotiate(Some("application/metalink4+xml; q=0.0")),
        MetalinkVersion::V3
    );
    assert_eq!(
        negotiate(Some("application/metalink4+xml;q=abc")),
        MetalinkVersion::V3
    );
    assert_eq!(
        negotiate(Some(
            "application/metalink+xml, application/metalink4+xml;q=0.9"
        )),
        MetalinkVersion::V3
    );
    assert_eq!(
        negotiate(Some(
            "application/metalink+xml;q=0.5, application/metalink4+xml"
        )),
        MetalinkVersion::V4
    );
}

#[test]
fn content_types_and_extensions() {
    assert_eq!(
        MetalinkVersion::V3.content_type(),
        "application/metalink+xml"
    );
    assert_eq!(
        MetalinkVersion::V4.content_type(),
        "application/metalink4+xml"
    );
    assert_eq!(MetalinkVersion::V3.extension(), "metalink");
    assert_eq!(MetalinkVersion::V4.extension(), "meta4");
}
