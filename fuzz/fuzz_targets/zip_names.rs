//! Zip entry names: every name handed out is flat, safe on any file system, short enough,
//! stable under sanitising again, and unique ignoring case. The input is one name per line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use regards_order::fuzzing::{EntryNames, MAX_NAME_BYTES, sanitize};
use std::collections::HashSet;

fn check_safe(original: &str, name: &str) {
    assert!(!name.is_empty(), "{original:?} → empty");
    assert!(name.len() <= MAX_NAME_BYTES, "{original:?} → {} bytes", name.len());
    assert!(!name.contains(['/', '\\']), "{original:?} → {name:?}");
    assert!(!name.chars().all(|c| c == '.'), "{original:?} → {name:?}");
    assert!(!name.chars().any(char::is_control), "{original:?} → {name:?}");
    assert_eq!(sanitize(name), name, "{original:?} → {name:?} is not stable");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut names = EntryNames::new();
    let mut handed_out = HashSet::new();
    for (i, line) in text.split('\n').enumerate() {
        check_safe(line, &sanitize(line));
        // A few checksums, and no checksum at all, so that both duplicates and homonyms occur.
        let checksum = (i % 4 != 3).then(|| format!("{:x}", line.len() % 3));
        if let Some(name) = names.add(line, checksum.as_deref()) {
            check_safe(line, &name);
            assert!(handed_out.insert(name.to_lowercase()), "{name:?} handed out twice");
        }
    }
});
