//! STAC documents posted to `POST /catalog/import`: the import never panics, refuses bad
//! input as the client's fault, reports what it stored, and stores only well-formed files.

#![no_main]

use libfuzzer_sys::fuzz_target;
use regards_order::fuzzing::{Stored, import_stac};
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| match Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(e) => panic!("no tokio runtime: {e}"),
    })
}

fn digest_length(algorithm: &str) -> usize {
    match algorithm {
        "MD5" => 16,
        "SHA-1" => 20,
        "SHA-256" => 32,
        "SHA-512" => 64,
        other => panic!("unknown checksum algorithm {other}"),
    }
}

fn check_stored(stored: &Stored) {
    for dataset in &stored.datasets {
        assert!(!dataset.urn.is_empty(), "a dataset without URN");
    }
    for object in &stored.objects {
        assert!(!object.urn.is_empty(), "an object without URN");
        assert!(!object.dataset_urn.is_empty(), "{}: no dataset", object.urn);
        assert!(object.properties.is_object(), "{}: properties", object.urn);
        for file in &object.files {
            let http = file.url.starts_with("http://") || file.url.starts_with("https://");
            assert!(http || file.url.starts_with("file://"), "url {}", file.url);
            assert_eq!(file.reference, http, "reference of {}", file.url);
            assert!(!file.filename.is_empty(), "empty file name for {}", file.url);
            assert!(!file.filename.contains('/'), "file name {:?}", file.filename);
            assert!(file.size.is_none_or(|s| s >= 0), "size {:?}", file.size);
            if let Some(checksum) = &file.checksum {
                let hex = &checksum.value;
                assert_eq!(hex.len(), 2 * digest_length(&checksum.algorithm), "{hex}");
                assert!(hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{hex}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (outcome, stored) = runtime().block_on(import_stac(data, Some("file:///data/stac/")));
    check_stored(&stored);
    match outcome {
        Ok(report) => {
            assert_eq!(report.datasets, stored.datasets.len() as u64);
            assert_eq!(report.objects, stored.objects.len() as u64);
            let files: usize = stored.objects.iter().map(|o| o.files.len()).sum();
            assert_eq!(report.files, files as u64);
        }
        Err(e) => assert!(e.is_client_error(), "a server error for client input: {e}"),
    }
});
