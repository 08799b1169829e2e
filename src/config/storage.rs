//! Storage configuration (`[[storages]]`).

use serde::Deserialize;
use std::collections::HashSet;

/// Kind of a storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Files on a local or mounted filesystem.
    Local,
    /// Files referenced by an http(s) URL.
    Http,
}

/// One storage: it owns the files whose location starts with its root.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    /// Unique name, shown in `/admin/actors` and metrics.
    pub name: String,
    pub kind: StorageKind,
    /// local: a directory; http: a URL prefix.
    pub root: String,
    /// local only: true = a file must be restored before it is available.
    #[serde(default)]
    pub nearline: bool,
    /// nearline: time one restore takes.
    #[serde(default)]
    pub restore_delay_ms: u64,
    /// At most this many restores (or fetches) at once.
    #[serde(default = "default_drives")]
    pub drives: u32,
    /// http: timeout of one request.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

impl StorageSettings {
    /// A local online storage of the files under `root`.
    pub fn online(name: &str, root: &std::path::Path) -> Self {
        Self {
            name: name.to_owned(),
            kind: StorageKind::Local,
            root: root.to_string_lossy().into_owned(),
            nearline: false,
            restore_delay_ms: 0,
            drives: default_drives(),
            timeout_ms: default_timeout_ms(),
        }
    }
}

fn default_drives() -> u32 {
    4
}

fn default_timeout_ms() -> u64 {
    10_000
}

/// Checks names are unique and every storage is coherent.
pub fn validate_all(storages: &[StorageSettings]) -> anyhow::Result<()> {
    let mut names = HashSet::new();
    for s in storages {
        if !names.insert(s.name.as_str()) {
            anyhow::bail!("storage name '{}' is used twice", s.name);
        }
        if s.drives == 0 {
            anyhow::bail!("storage '{}': drives must be > 0", s.name);
        }
        if s.kind == StorageKind::Http && s.nearline {
            anyhow::bail!("storage '{}': only local storages can be nearline", s.name);
        }
        if s.kind == StorageKind::Http
            && !(s.root.starts_with("http://") || s.root.starts_with("https://"))
        {
            anyhow::bail!("storage '{}': an http root must be an http(s) URL", s.name);
        }
    }
    Ok(())
}
