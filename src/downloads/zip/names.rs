//! Flat, unique entry names for order archives.

use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// Longest name, in bytes, that [`sanitize`] and [`EntryNames`] hand out: most file systems
/// refuse longer file names, so an archive holding one could not be fully extracted.
pub const MAX_NAME_BYTES: usize = 255;

/// Name given to an entry when nothing usable is left of its original name.
const FALLBACK: &str = "file";

/// Longest suffix still treated as an extension when a name must be shortened: past that the
/// "extension" is more likely a dotted name than a type, and is cut like the rest.
const MAX_KEPT_EXTENSION: usize = 32;

/// Turns a file name into a safe, flat archive entry name.
///
/// Keeps only the last path component (after `/` or `\`, so neither `../` traversal nor Windows
/// paths survive), drops control characters (NUL included) and surrounding white space, and
/// shortens the name to [`MAX_NAME_BYTES`] keeping its extension. A name left empty or made
/// only of dots (`.`, `..`), before or after shortening, becomes `file`. Sanitising a sanitised
/// name changes nothing.
pub fn sanitize(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    if trimmed.chars().all(|c| c == '.') {
        // Also covers the empty name: `all` holds for no characters.
        return FALLBACK.to_owned();
    }
    let (stem, extension) = split_extension(trimmed);
    let name = compose(stem, "", extension);
    if name.chars().all(|c| c == '.') {
        // Shortening can leave only dots: `....a.` keeps its stem's dots and its extension.
        return FALLBACK.to_owned();
    }
    name
}

/// Splits `name` before its last extension; a leading dot (`.bashrc`) is not an extension.
pub(super) fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// `stem` + `tag` + `extension`, with `stem` shortened so that the whole fits
/// [`MAX_NAME_BYTES`].
pub(super) fn compose(stem: &str, tag: &str, extension: &str) -> String {
    if stem.len() + tag.len() + extension.len() <= MAX_NAME_BYTES {
        return format!("{stem}{tag}{extension}");
    }
    if extension.len() > MAX_KEPT_EXTENSION {
        let whole = format!("{stem}{extension}");
        return compose(&whole, tag, "");
    }
    let budget = MAX_NAME_BYTES.saturating_sub(tag.len() + extension.len());
    // White space the cut leaves at the end would go at the next sanitising.
    format!("{}{tag}{extension}", truncate(stem, budget).trim_end())
}

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
pub(super) fn truncate(text: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Hands out the entry names of one archive: sanitised, unique, duplicates skipped.
///
/// Uniqueness ignores case, so that the archive also extracts on case-insensitive file systems
/// (Windows, macOS) without one file overwriting another.
///
/// Memory stays small for a million names: each name handed out costs one 16-byte slot (26
/// bytes on average with the tables' spare room): a 64-bit hash of the lower-cased name, and a
/// 64-bit hash of the sanitised name and checksum of the file it went to. Only sanitised names
/// given to several files keep their text, with one 8-byte hash per file. Hashes are fixed
/// (SipHash with zero keys), so the same files get the same names. A collision of name hashes
/// only renames a file that did not need it; two different files are taken for one (the
/// second skipped) only if their 64-bit hashes collide as well: for n files of one name, a
/// chance below n²/2⁶⁴ (5·10⁻⁸ for a million).
#[derive(Debug, Default)]
pub struct EntryNames {
    /// Hash of each name handed out, lower-cased → hash of the file it went to ([`file_hash`]).
    taken: Taken,
    /// Sanitised names given to more than one file (all but the first renamed).
    homonyms: HashMap<String, Homonyms>,
}

/// Shards of the taken names, by the top bits of their hash: each grows on its own, so that a
/// million names never need the old and the new copy of one large table at once.
#[derive(Debug)]
struct Taken(Vec<HashMap<u64, u64>>);

impl Default for Taken {
    fn default() -> Self {
        Taken(vec![HashMap::new(); 256])
    }
}

impl Taken {
    fn shard(&mut self, name: u64) -> &mut HashMap<u64, u64> {
        let shard = (name >> 56) as usize % self.0.len();
        &mut self.0[shard]
    }

    /// The file holding the name of hash `name`.
    fn holder(&mut self, name: u64) -> Option<u64> {
        self.shard(name).get(&name).copied()
    }

    /// The slot of the name of hash `name`.
    fn entry(&mut self, name: u64) -> Entry<'_, u64, u64> {
        self.shard(name).entry(name)
    }
}

/// The files added under one sanitised name that had to be renamed.
#[derive(Debug)]
struct Homonyms {
    /// Next ` (n)` to try, so that many homonyms cost linear time.
    next_suffix: u64,
    /// [`file_hash`] of every file added under the name (plus, harmlessly, that of whichever
    /// file held the name when the first one had to be renamed).
    files: HashSet<u64>,
}

/// Hash of `text`.
fn hash_of(text: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Hash of a name, ignoring case.
fn folded(name: &str) -> u64 {
    hash_of(name.to_lowercase())
}

/// Hash of a file as duplicates are told: its sanitised name, and its checksum ignoring ASCII
/// case (or the absence of one).
fn file_hash(name: &str, checksum: Option<&str>) -> u64 {
    hash_of((name, checksum.map(str::to_ascii_lowercase)))
}

impl EntryNames {
    /// An empty set of names.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entry name for a file called `name` with the given checksum, or `None` when the file
    /// is a duplicate to skip: a file with the same sanitised name was already added with the
    /// same checksum (compared ignoring ASCII case), or without any checksum.
    ///
    /// A different file whose name is taken gets ` (1)`, ` (2)`… before its last extension
    /// (`a.txt`, `a (1).txt`), skipping any name already handed out.
    pub fn add(&mut self, name: &str, checksum: Option<&str>) -> Option<String> {
        let name = sanitize(name);
        let file = file_hash(&name, checksum);
        let unchecked = file_hash(&name, None);
        let duplicate = match self.homonyms.get(&name) {
            Some(homonyms) => homonyms.files.contains(&unchecked) || homonyms.files.contains(&file),
            // At most one file was added under this name, and it holds the name itself.
            None => self
                .taken
                .holder(folded(&name))
                .is_some_and(|holder| holder == unchecked || holder == file),
        };
        if duplicate {
            return None;
        }
        Some(self.unique(name, file))
    }

    /// `name` itself when free, otherwise the first free `stem (n).ext`; marks it taken.
    fn unique(&mut self, name: String, file: u64) -> String {
        let holder = match self.taken.entry(folded(&name)) {
            Entry::Vacant(slot) => {
                slot.insert(file);
                return name;
            }
            Entry::Occupied(slot) => *slot.get(),
        };
        let homonyms = self
            .homonyms
            .entry(name.clone())
            .or_insert_with(|| Homonyms {
                next_suffix: 1,
                files: HashSet::from([holder]),
            });
        homonyms.files.insert(file);
        let (stem, extension) = split_extension(&name);
        loop {
            let candidate = compose(stem, &format!(" ({})", homonyms.next_suffix), extension);
            homonyms.next_suffix += 1;
            if let Entry::Vacant(slot) = self.taken.entry(folded(&candidate)) {
                slot.insert(file);
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_the_last_component_only() {
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize("C:\\x\\y.txt"), "y.txt");
        assert_eq!(sanitize("dir/sub\\mixed/name.nc"), "name.nc");
        assert_eq!(sanitize("plain.txt"), "plain.txt");
        assert_eq!(sanitize("é.txt"), "é.txt");
    }

    #[test]
    fn sanitize_falls_back_to_file() {
        for name in ["..", ".", "...", "", "a/", "../..", " ", "\0", "x/\n\t"] {
            assert_eq!(sanitize(name), "file", "{name:?}");
        }
    }

    #[test]
    fn sanitize_drops_control_characters() {
        assert_eq!(sanitize("a\0b\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(sanitize("  spaced.txt "), "spaced.txt");
        assert_eq!(sanitize(".hidden"), ".hidden");
    }

    #[test]
    fn sanitize_shortens_long_names_keeping_the_extension() {
        let long = format!("{}.nc", "é".repeat(300));
        let name = sanitize(&long);
        assert!(name.len() <= MAX_NAME_BYTES);
        assert!(name.ends_with("é.nc"), "{name}");
        let odd = format!("x.{}", "y".repeat(400));
        assert_eq!(sanitize(&odd).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn shortened_names_stay_clean_and_stable() {
        // The cut falls in a run of spaces: none stays at the end.
        let spaced = format!("{}{}{}", "a".repeat(250), " ".repeat(10), "b".repeat(10));
        assert_eq!(sanitize(&spaced), "a".repeat(250));
        // Only dots are left once the stem is cut before its last letter.
        let dotted = format!("{}a.", ".".repeat(300));
        assert_eq!(sanitize(&dotted), "file");
        for name in [spaced, dotted, format!("{}.nc", "é ".repeat(200))] {
            let once = sanitize(&name);
            assert_eq!(sanitize(&once), once, "{name:?}");
        }
    }

    #[test]
    fn duplicates_are_skipped() {
        let mut names = EntryNames::new();
        assert_eq!(names.add("a.txt", Some("c1")).as_deref(), Some("a.txt"));
        assert_eq!(names.add("dir/a.txt", Some("C1")), None);
        assert_eq!(names.add("a.txt", Some("c2")).as_deref(), Some("a (1).txt"));
        assert_eq!(names.add("a.txt", Some("c2")), None);
        // Without a checksum on the new file nothing proves it is the same file.
        assert_eq!(names.add("a.txt", None).as_deref(), Some("a (2).txt"));
        // Once a file without checksum is known, any homonym is taken for it.
        assert_eq!(names.add("a.txt", Some("c3")), None);
        let mut unchecked = EntryNames::new();
        assert_eq!(unchecked.add("b", None).as_deref(), Some("b"));
        assert_eq!(unchecked.add("b", None), None);
    }

    #[test]
    fn homonyms_are_renamed_before_the_last_extension() {
        let mut names = EntryNames::new();
        let mut add = |name: &str, sum: &str| names.add(name, Some(sum));
        assert_eq!(add("a", "1").as_deref(), Some("a"));
        assert_eq!(add("a", "2").as_deref(), Some("a (1)"));
        assert_eq!(add("a", "3").as_deref(), Some("a (2)"));
        assert_eq!(add("x.tar.gz", "1").as_deref(), Some("x.tar.gz"));
        assert_eq!(add("x.tar.gz", "2").as_deref(), Some("x.tar (1).gz"));
        assert_eq!(add(".rc", "1").as_deref(), Some(".rc"));
        assert_eq!(add(".rc", "2").as_deref(), Some(".rc (1)"));
        assert_eq!(add("A", "4").as_deref(), Some("A (3)"));
    }

    #[test]
    fn renamed_names_stay_unique_against_originals() {
        let mut names = EntryNames::new();
        assert_eq!(
            names.add("a (1).txt", Some("0")).as_deref(),
            Some("a (1).txt")
        );
        assert_eq!(names.add("a.txt", Some("1")).as_deref(), Some("a.txt"));
        assert_eq!(names.add("a.txt", Some("2")).as_deref(), Some("a (2).txt"));
        assert_eq!(
            names.add("a (2).txt", Some("3")).as_deref(),
            Some("a (2) (1).txt")
        );
        // The original `a (1).txt` is still recognised as itself.
        assert_eq!(names.add("a (1).txt", Some("0")), None);
    }

    #[test]
    fn renamed_long_names_fit() {
        let mut names = EntryNames::new();
        let long = format!("{}.dat", "n".repeat(400));
        let first = names.add(&long, Some("1")).unwrap_or_default();
        let second = names.add(&long, Some("2")).unwrap_or_default();
        assert_eq!(first.len(), MAX_NAME_BYTES);
        assert_eq!(second.len(), MAX_NAME_BYTES);
        assert!(second.ends_with(" (1).dat"), "{second}");
    }
}
