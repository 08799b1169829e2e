//! Turning a location (a `file://` URL or an absolute path) into a local path under a
//! storage's root, refusing anything that escapes it.

use super::protected::ProtectedPaths;
use regards_order_actors::ports::storage::StorageError;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The root directory of a local storage, and the checks that keep reads inside it.
#[derive(Debug, Clone)]
pub(crate) struct LocalRoot {
    storage: String,
    root: PathBuf,
    /// The root with its symbolic links resolved, when that differs: an href written either
    /// way belongs to the storage.
    real_root: Option<PathBuf>,
    protected: Arc<ProtectedPaths>,
}

impl LocalRoot {
    /// A root for storage `storage`, given as an absolute path or a `file://` URL; nothing in
    /// `protected` is served from it. A root inside a protected folder is refused.
    pub(crate) fn new(
        storage: &str,
        root: &str,
        protected: Arc<ProtectedPaths>,
    ) -> anyhow::Result<Self> {
        let path = parse_location(root)
            .map_err(|reason| anyhow::anyhow!("storage '{storage}': invalid root: {reason}"))?;
        let root = normalize(&path);
        if let Some(folder) = protected.folder_of(&root) {
            anyhow::bail!(
                "storage '{storage}': root {} is inside {}, which is never served",
                root.display(),
                folder.display()
            );
        }
        let real_root = std::fs::canonicalize(&root)
            .ok()
            .filter(|real| *real != root);
        Ok(Self {
            storage: storage.to_owned(),
            root,
            real_root,
            protected,
        })
    }

    /// The name of the storage.
    pub(crate) fn storage(&self) -> &str {
        &self.storage
    }

    /// The normalised root directory.
    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    /// The normalised local path of `location`, checked lexically to be under the root and
    /// not protected. Nothing is read from the disk: this is enough to tell which storage
    /// owns a file.
    pub(crate) fn lexical(&self, location: &str) -> Result<PathBuf, StorageError> {
        let path = parse_location(location).map_err(|reason| StorageError::InvalidLocation {
            location: location.to_owned(),
            reason,
        })?;
        let path = normalize(&path);
        let inside = path.starts_with(&self.root)
            || self
                .real_root
                .as_ref()
                .is_some_and(|real| path.starts_with(real));
        if !inside {
            Err(self.outside(location))
        } else if self.protected.covers(&path) {
            Err(protected(location))
        } else {
            Ok(path)
        }
    }

    /// The real path of `location`, ready to be read: symbolic links are resolved, and a link
    /// pointing out of the (also resolved) root or to a protected path is refused, since the
    /// root is what an operator exposes to users. (The service asks [`Self::regular_file`];
    /// the tests check the link rules on any kind of path.)
    #[cfg(test)]
    pub(crate) async fn for_read(&self, location: &str) -> Result<PathBuf, StorageError> {
        let path = self.lexical(location)?;
        let (root, location) = (self.clone(), location.to_owned());
        blocking(move || root.real_path(&location, &path)).await
    }

    /// The real path of `location`, which must be a regular file: a directory is no file an
    /// order can deliver, so it is `NotFound` too. The checks are one trip to the blocking
    /// pool, not one per system call.
    pub(crate) async fn regular_file(&self, location: &str) -> Result<PathBuf, StorageError> {
        let path = self.lexical(location)?;
        let (root, location) = (self.clone(), location.to_owned());
        blocking(move || root.regular_file_now(&location, &path)).await
    }

    /// [`Self::regular_file`] of each location, in the same order, in one trip to the
    /// blocking pool: what a retrieval run asks of an online storage.
    pub(crate) async fn regular_files(
        &self,
        locations: Vec<String>,
    ) -> Vec<Result<PathBuf, StorageError>> {
        let root = self.clone();
        let count = locations.len();
        let checked = tokio::task::spawn_blocking(move || {
            locations
                .iter()
                .map(|location| {
                    let path = root.lexical(location)?;
                    root.regular_file_now(location, &path)
                })
                .collect::<Vec<_>>()
        })
        .await;
        checked.unwrap_or_else(|e| {
            let failed = self.failed(format!("file checks interrupted: {e}"));
            vec![Err(failed); count]
        })
    }

    /// The real path of the lexically checked `path` (blocking).
    fn real_path(&self, location: &str, path: &Path) -> Result<PathBuf, StorageError> {
        let real_root = std::fs::canonicalize(&self.root).map_err(|e| {
            self.failed(format!("root {} is not readable: {e}", self.root.display()))
        })?;
        let real = std::fs::canonicalize(path).map_err(|e| self.io_error(location, &e))?;
        if !real.starts_with(&real_root) {
            Err(self.outside(location))
        } else if self.protected.covers(&real) {
            Err(protected(location))
        } else {
            Ok(real)
        }
    }

    /// The real path of the lexically checked `path`, a regular file (blocking).
    fn regular_file_now(&self, location: &str, path: &Path) -> Result<PathBuf, StorageError> {
        let real = self.real_path(location, path)?;
        let metadata = std::fs::metadata(&real).map_err(|e| self.io_error(location, &e))?;
        if metadata.is_file() {
            Ok(real)
        } else {
            Err(self.not_found(location))
        }
    }

    /// Maps an I/O error on `location`: a missing file (or a file used as a directory) is
    /// `NotFound`, anything else a failure whose text names the cause.
    pub(crate) fn io_error(&self, location: &str, error: &std::io::Error) -> StorageError {
        match error.kind() {
            ErrorKind::NotFound | ErrorKind::NotADirectory => self.not_found(location),
            _ => self.failed(format!("cannot read {location}: {error}")),
        }
    }

    /// `NotFound` for `location` in this storage.
    pub(crate) fn not_found(&self, location: &str) -> StorageError {
        StorageError::NotFound {
            storage: self.storage.clone(),
            location: location.to_owned(),
        }
    }

    fn outside(&self, location: &str) -> StorageError {
        StorageError::OutsideRoot {
            storage: self.storage.clone(),
            location: location.to_owned(),
        }
    }

    fn failed(&self, reason: String) -> StorageError {
        StorageError::Failed {
            storage: self.storage.clone(),
            reason,
        }
    }
}

/// Runs filesystem checks on the blocking pool; a check that panicked is a failure.
async fn blocking<T: Send + 'static>(
    check: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(check)
        .await
        .unwrap_or_else(|e| {
            Err(StorageError::Failed {
                storage: String::new(),
                reason: format!("file check interrupted: {e}"),
            })
        })
}

/// The refusal of a protected path: it names no reason beyond the rule, so that a probe learns
/// nothing of the file.
fn protected(location: &str) -> StorageError {
    StorageError::InvalidLocation {
        location: location.to_owned(),
        reason: "a protected system or service path, never served".to_owned(),
    }
}

/// The path a location designates, percent-decoded but not normalised. Accepts
/// `file:///abs/path`, `file://localhost/abs/path` and plain absolute paths.
pub(crate) fn parse_location(location: &str) -> Result<PathBuf, String> {
    let path = match strip_file_scheme(location) {
        Some(rest) => url_path(rest)?,
        None if location.starts_with('/') => PathBuf::from(location),
        None => return Err("not a file:// URL nor an absolute path".to_owned()),
    };
    if path.as_os_str().as_encoded_bytes().contains(&0) {
        return Err("the path contains a NUL character".to_owned());
    }
    Ok(path)
}

/// What follows `file://`, when the location is a file URL (the scheme is case-insensitive).
fn strip_file_scheme(location: &str) -> Option<&str> {
    let prefix = location.get(..7)?;
    prefix
        .eq_ignore_ascii_case("file://")
        .then(|| &location[7..])
}

/// The decoded path of a file URL after `file://`: its host must be empty or `localhost`,
/// since a file on another machine cannot be read here.
fn url_path(rest: &str) -> Result<PathBuf, String> {
    let slash = rest
        .find('/')
        .ok_or_else(|| "a file URL needs an absolute path".to_owned())?;
    let host = &rest[..slash];
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return Err(format!("the file is on another host ({host})"));
    }
    // A query or fragment is not part of a file's path.
    let path = rest[slash..].split(['?', '#']).next().unwrap_or_default();
    Ok(PathBuf::from(OsString::from_vec(percent_decode(path))))
}

/// Decodes `%XX` escapes into bytes (a path need not be UTF-8); an invalid escape is kept
/// as it is, as catalogue hrefs do.
pub(crate) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// Applies `.` and `..` lexically; `..` never climbs above `/`.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(location: &str) -> PathBuf {
        normalize(&parse_location(location).unwrap())
    }

    #[test]
    fn file_urls_and_paths_are_decoded_and_normalised() {
        assert_eq!(
            parsed("file:///a/my%20file.tif"),
            Path::new("/a/my file.tif")
        );
        assert_eq!(parsed("FILE://localhost/a/b"), Path::new("/a/b"));
        assert_eq!(parsed("file:///a/%E2%82%AC%zz"), Path::new("/a/€%zz"));
        assert_eq!(parsed("file:///a/b.tif?x=1#y"), Path::new("/a/b.tif"));
        assert_eq!(parsed("/a/./b/../c//d"), Path::new("/a/c/d"));
        assert_eq!(parsed("/../../x"), Path::new("/x"));
        assert_eq!(parsed("file:///a/%2E%2E/b"), Path::new("/b"));
    }

    #[test]
    fn other_hosts_and_relative_paths_are_refused() {
        assert!(
            parse_location("file://server/a")
                .unwrap_err()
                .contains("server")
        );
        assert!(parse_location("file://").is_err());
        assert!(parse_location("a/b").is_err());
        assert!(parse_location("http://h/a").is_err());
        assert!(parse_location("file:///a%00b").is_err());
    }

    fn root(path: &str) -> LocalRoot {
        LocalRoot::new("disk", path, Arc::new(ProtectedPaths::system())).unwrap()
    }

    #[test]
    fn dot_dot_cannot_leave_the_root() {
        let root = root("/data/tape");
        assert_eq!(
            root.lexical("/data/tape/a/../b").unwrap(),
            Path::new("/data/tape/b")
        );
        assert!(matches!(
            root.lexical("/data/tape/../secret"),
            Err(StorageError::OutsideRoot { .. })
        ));
        assert!(matches!(
            root.lexical("file:///data/tapes/x"),
            Err(StorageError::OutsideRoot { .. })
        ));
        assert!(matches!(
            root.lexical("x"),
            Err(StorageError::InvalidLocation { .. })
        ));
    }

    #[tokio::test]
    async fn symlinks_out_of_the_root_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in"), b"i").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("in"), dir.path().join("inner")).unwrap();
        let root = root(dir.path().to_str().unwrap());
        let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
        assert!(matches!(
            root.for_read(&at("link")).await,
            Err(StorageError::OutsideRoot { .. })
        ));
        assert!(root.for_read(&at("inner")).await.unwrap().ends_with("in"));
        // The root written through a symbolic link owns the same files.
        let alias = outside.path().join("alias");
        std::os::unix::fs::symlink(dir.path(), &alias).unwrap();
        let aliased = LocalRoot::new("disk", alias.to_str().unwrap(), root.protected.clone());
        let aliased = aliased.unwrap();
        assert!(aliased.lexical(&at("in")).is_ok());
        assert!(aliased.for_read(&at("in")).await.is_ok());
        let via_alias = alias.join("in").to_str().unwrap().to_owned();
        assert!(aliased.for_read(&via_alias).await.is_ok());
        let missing = root.for_read(&at("missing")).await.unwrap_err();
        assert!(matches!(missing, StorageError::NotFound { .. }));
        assert!(
            missing
                .to_string()
                .contains("file not found in storage disk")
        );
        assert!(matches!(
            root.for_read(&at("in/x")).await,
            Err(StorageError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn protected_paths_are_refused_under_any_root() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("service.db");
        std::fs::write(&database, b"db").unwrap();
        std::fs::write(dir.path().join("service.db-wal"), b"wal").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd")).unwrap();
        std::os::unix::fs::symlink(&database, dir.path().join("db-link")).unwrap();
        let mut protected = ProtectedPaths::system();
        protected.add_file(&database);
        let everything = LocalRoot::new("disk", "/", Arc::new(protected)).unwrap();
        let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
        for location in [
            "/proc/self/environ".to_owned(),
            "file:///etc/passwd".to_owned(),
            "/proc/self/root/etc/passwd".to_owned(),
            "file:///tmp/../dev/null".to_owned(),
            at("service.db"),
            at("service.db-wal"),
            at("passwd"),
            at("db-link"),
        ] {
            let refused = everything.for_read(&location).await.unwrap_err();
            assert!(
                refused.to_string().contains("never served"),
                "{location}: {refused}"
            );
        }
        std::fs::write(dir.path().join("data.tif"), b"d").unwrap();
        assert!(everything.for_read(&at("data.tif")).await.is_ok());
        let inside = LocalRoot::new("x", "/etc/data", Arc::new(ProtectedPaths::system()));
        assert!(inside.unwrap_err().to_string().contains("never served"));
    }
}
