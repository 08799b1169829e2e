//! Paths no local storage serves, however broadly it is rooted: the kernel's pseudo-files,
//! devices, the system's configuration and mounted secrets, and the service's own database
//! and configuration file. A storage rooted at `/` would otherwise hand out the process
//! environment (the signing keys) to whoever can import a catalogue.

use super::path::normalize;
use crate::config::Settings;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// System folders never served: process memory and environment, kernel and device files,
/// system configuration (password and key files), container and Kubernetes secrets.
const SYSTEM_FOLDERS: [&str; 6] = [
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/run/secrets",
    "/var/run/secrets",
];

/// The protected folders and files, both as written and with symbolic links resolved, so
/// that a path is checked before and after resolution alike.
#[derive(Debug, Clone)]
pub struct ProtectedPaths {
    /// Nothing under these is served.
    folders: Vec<PathBuf>,
    /// These files are not served, nor any file beside them whose name extends theirs (an
    /// SQLite database's `-wal`, `-shm` and `-journal` files).
    files: Vec<PathBuf>,
}

impl ProtectedPaths {
    /// The system folders only.
    pub fn system() -> Self {
        let mut protected = Self {
            folders: Vec::new(),
            files: Vec::new(),
        };
        for folder in SYSTEM_FOLDERS {
            let folder = Path::new(folder);
            protected.folders.push(folder.to_path_buf());
            if let Ok(real) = std::fs::canonicalize(folder)
                && real != folder
            {
                protected.folders.push(real);
            }
        }
        protected
    }

    /// The system folders, the service's SQLite database and its configuration file.
    pub fn for_service(settings: &Settings) -> Self {
        let mut protected = Self::system();
        if let Some(database) = sqlite_file(&settings.effective_database_url()) {
            protected.add_file(&database);
        }
        if let Some(config) = &settings.config_file {
            protected.add_file(config);
        }
        protected
    }

    /// Protects `path` (relative paths are taken from the working directory), whether or not
    /// it exists yet.
    pub fn add_file(&mut self, path: &Path) {
        let absolute = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.into()));
        let real = match (absolute.parent(), absolute.file_name()) {
            (Some(folder), Some(name)) => std::fs::canonicalize(folder)
                .map(|folder| folder.join(name))
                .ok(),
            _ => None,
        };
        if let Some(real) = real.filter(|real| *real != absolute) {
            self.files.push(real);
        }
        self.files.push(absolute);
    }

    /// True when `path` (absolute and normalised) must not be served.
    pub fn covers(&self, path: &Path) -> bool {
        self.folders.iter().any(|folder| path.starts_with(folder))
            || self.files.iter().any(|file| extends(path, file))
    }

    /// The first protected folder holding `path`, to refuse a root inside one.
    pub fn folder_of(&self, path: &Path) -> Option<&Path> {
        self.folders
            .iter()
            .find(|folder| path.starts_with(folder))
            .map(PathBuf::as_path)
    }
}

/// True when `path` is `file` or a file beside it whose name starts with its name.
fn extends(path: &Path, file: &Path) -> bool {
    match (path.file_name(), file.file_name()) {
        (Some(name), Some(protected)) => {
            path.parent() == file.parent() && name.as_bytes().starts_with(protected.as_bytes())
        }
        _ => false,
    }
}

/// The database file of an SQLite URL (`sqlite://path?options`); `None` for another backend
/// or an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_folders_are_covered_not_their_neighbours() {
        let protected = ProtectedPaths::system();
        for path in [
            "/proc/self/environ",
            "/proc/1/root",
            "/sys/kernel",
            "/dev/mem",
            "/etc/passwd",
            "/run/secrets/db",
        ] {
            assert!(protected.covers(Path::new(path)), "{path}");
        }
        for path in [
            "/procedures/a",
            "/data/etc/passwd",
            "/devices",
            "/run/media/x",
        ] {
            assert!(!protected.covers(Path::new(path)), "{path}");
        }
        assert_eq!(
            protected.folder_of(Path::new("/etc/data")),
            Some(Path::new("/etc"))
        );
    }

    #[test]
    fn a_database_is_covered_with_its_companion_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut protected = ProtectedPaths::system();
        protected.add_file(&dir.path().join("x.db"));
        let at = |name: &str| dir.path().join(name);
        assert!(protected.covers(&at("x.db")));
        assert!(protected.covers(&at("x.db-wal")));
        assert!(!protected.covers(&at("y.db")));
        assert!(!protected.covers(&at("sub/x.db")));
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///a/x.db"),
            Some(PathBuf::from("/a/x.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }
}
