//! [`EntryNames`] keeps hashes instead of names: it hands out exactly the names of a plain
//! implementation that keeps every name (the reference below), for tricky and random inputs.

use std::collections::{HashMap, HashSet};

use crate::downloads::zip::EntryNames;
use crate::downloads::zip::names::{compose, sanitize, split_extension};

/// Every sanitised name with the checksums added under it, every name handed out.
#[derive(Default)]
struct Reference {
    added: HashMap<String, Vec<Option<String>>>,
    taken: HashSet<String>,
    next_suffix: HashMap<String, u64>,
}

impl Reference {
    fn add(&mut self, name: &str, checksum: Option<&str>) -> Option<String> {
        let name = sanitize(name);
        let earlier = self.added.entry(name.clone()).or_default();
        let duplicate = earlier.iter().any(|seen| match (seen, checksum) {
            (None, _) => true,
            (Some(seen), Some(checksum)) => seen.eq_ignore_ascii_case(checksum),
            (Some(_), None) => false,
        });
        if duplicate {
            return None;
        }
        earlier.push(checksum.map(str::to_owned));
        if self.taken.insert(name.to_lowercase()) {
            return Some(name);
        }
        let (stem, extension) = split_extension(&name);
        let mut suffix = self.next_suffix.get(&name).copied().unwrap_or(1);
        loop {
            let candidate = compose(stem, &format!(" ({suffix})"), extension);
            suffix += 1;
            if self.taken.insert(candidate.to_lowercase()) {
                self.next_suffix.insert(name, suffix);
                return Some(candidate);
            }
        }
    }
}

/// Adds every file to both and compares each answer.
fn same_names<'a>(files: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> usize {
    let (mut compact, mut reference) = (EntryNames::new(), Reference::default());
    let mut count = 0;
    for (i, (name, checksum)) in files.into_iter().enumerate() {
        let expected = reference.add(name, checksum);
        assert_eq!(
            compact.add(name, checksum),
            expected,
            "file {i}: {name:?} {checksum:?}"
        );
        count += usize::from(expected.is_some());
    }
    count
}

#[test]
fn tricky_names_are_handed_out_as_the_reference_does() {
    let long = format!("{}.dat", "n".repeat(400));
    let files = [
        ("A.txt", Some("c1")),
        ("a.txt", Some("c1")),
        ("a.txt", Some("C1")),
        ("dir/a.TXT", Some("c2")),
        ("a (1).txt", Some("c3")),
        ("a.txt", Some("c4")),
        ("A.txt", Some("c1")),
        ("A.txt", None),
        ("A.txt", Some("c9")),
        ("a (2).txt", None),
        ("a (2).txt", None),
        ("../..", Some("x")),
        ("", None),
        ("file", Some("y")),
        ("file (1)", None),
        ("FILE", Some("z")),
        (".rc", Some("1")),
        (".RC", Some("2")),
        ("x.tar.gz", Some("1")),
        ("X.TAR.gz", Some("2")),
        ("x.tar (1).gz", Some("3")),
        (long.as_str(), Some("1")),
        (long.as_str(), Some("2")),
        (long.as_str(), Some("2")),
        ("NOTICE.txt", None),
        ("notice.TXT", Some("n")),
        ("NOTICE.txt", None),
        ("\u{c9}t\u{c9}.nc", Some("1")),
        ("\u{e9}t\u{e9}.nc", Some("2")),
        ("\u{e9}t\u{e9}.nc", Some("2")),
    ];
    assert_eq!(same_names(files), 22);
}

/// A deterministic pseudo-random sequence (64-bit LCG, upper bits).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn random_homonyms_are_handed_out_as_the_reference_does() {
    let stems = [
        "a", "A", "b", "data", "Data", "a (1)", "a (2)", "b (1)", "", "..", "d/a",
    ];
    let extensions = ["", ".txt", ".TXT", ".tar.gz", " (1).txt", ".nc"];
    let checksums = [
        None,
        Some("c1"),
        Some("C1"),
        Some("c2"),
        Some("c3"),
        Some("c4"),
    ];
    let mut random = Lcg(7);
    let files: Vec<(String, Option<&str>)> = (0..30_000)
        .map(|_| {
            let name = format!(
                "{}{}",
                stems[random.below(stems.len())],
                extensions[random.below(extensions.len())]
            );
            (name, checksums[random.below(checksums.len())])
        })
        .collect();
    let kept = same_names(files.iter().map(|(name, sum)| (name.as_str(), *sum)));
    assert!(kept > 100, "{kept}");
}

#[test]
fn many_files_of_one_name_are_handed_out_as_the_reference_does() {
    let sums: Vec<String> = (0..5_000).map(|i| format!("{:032x}", i % 4_000)).collect();
    let names = ["product.nc", "PRODUCT.nc", "product (7).nc"];
    let files = sums
        .iter()
        .enumerate()
        .map(|(i, sum)| (names[i % names.len()], Some(sum.as_str())));
    assert!(same_names(files) > 3_000);
}
