//! Files on a local or mounted filesystem: online (readable at once) or nearline (restored
//! from tape first, a few at a time).

use super::file_chunks::{self, BufferPool};
use super::nearline::Restorer;
use super::path::LocalRoot;
use super::protected::ProtectedPaths;
use super::{InFlight, bounds};
use crate::config::StorageSettings;
use async_trait::async_trait;
use regards_order_actors::ports::storage::{
    Admission, ByteRange, FileContent, Storage, StorageError,
};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A storage of the files under a local directory.
pub struct LocalStorage {
    name: String,
    root: LocalRoot,
    /// Present for a nearline storage.
    restorer: Option<Restorer>,
    in_flight: AtomicUsize,
    /// The buffers files are streamed through.
    buffers: Arc<BufferPool>,
}

impl LocalStorage {
    /// An online storage: its files are readable as soon as they exist. Only the system's
    /// folders are protected; the service's own storages come from [`Self::from_settings`].
    pub fn online(name: &str, root: &str) -> anyhow::Result<Self> {
        let protected = Arc::new(ProtectedPaths::system());
        Self::build(LocalRoot::new(name, root, protected)?, None)
    }

    /// A nearline storage: a file is restored before it is available, `drives` files at
    /// once, each restore taking `restore_delay`.
    pub fn nearline(
        name: &str,
        root: &str,
        drives: usize,
        restore_delay: Duration,
    ) -> anyhow::Result<Self> {
        let protected = Arc::new(ProtectedPaths::system());
        let root = LocalRoot::new(name, root, protected)?;
        Self::build(root, Some((drives, restore_delay)))
    }

    /// The storage a `[[storages]]` entry of kind `local` describes, never serving
    /// `protected`.
    pub fn from_settings(
        settings: &StorageSettings,
        protected: Arc<ProtectedPaths>,
    ) -> anyhow::Result<Self> {
        let root = LocalRoot::new(&settings.name, &settings.root, protected)?;
        let restores = settings.nearline.then(|| {
            let drives = usize::try_from(settings.drives).unwrap_or(usize::MAX);
            (drives, Duration::from_millis(settings.restore_delay_ms))
        });
        Self::build(root, restores)
    }

    /// An online storage, or a nearline one when `restores` gives its drives and delay.
    fn build(root: LocalRoot, restores: Option<(usize, Duration)>) -> anyhow::Result<Self> {
        let name = root.storage().to_owned();
        let restorer = match restores {
            Some((drives, delay)) => {
                anyhow::ensure!(drives > 0, "storage '{name}': drives must be > 0");
                Some(Restorer::new(root.clone(), drives, delay))
            }
            None => None,
        };
        Ok(Self {
            name,
            root,
            restorer,
            in_flight: AtomicUsize::new(0),
            buffers: Arc::default(),
        })
    }

    /// Files a nearline storage remembers.
    #[cfg(test)]
    pub(crate) fn known_files(&self) -> usize {
        self.restorer.as_ref().map_or(0, Restorer::known_files)
    }

    /// The normalised root directory.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

#[async_trait]
impl Storage for LocalStorage {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        if self.restorer.is_some() {
            "nearline"
        } else {
            "local"
        }
    }

    fn online(&self) -> bool {
        self.restorer.is_none()
    }

    fn cheap_to_read(&self) -> bool {
        // Online or restored from tape, the file is on a local disk.
        true
    }

    fn owns(&self, location: &str) -> bool {
        self.root.lexical(location).is_ok()
    }

    async fn make_available(&self, location: &str, keep: Duration) -> Result<(), StorageError> {
        let _counted = InFlight::enter(&self.in_flight);
        match &self.restorer {
            Some(restorer) => restorer.make_available(location, keep).await,
            None => self.root.regular_file(location).await.map(drop),
        }
    }

    fn checks_in_batches(&self) -> bool {
        self.restorer.is_none()
    }

    async fn make_available_many(
        &self,
        locations: Vec<String>,
        keep: Duration,
    ) -> Vec<Result<(), StorageError>> {
        if self.restorer.is_some() {
            let mut results = Vec::with_capacity(locations.len());
            for location in &locations {
                results.push(self.make_available(location, keep).await);
            }
            return results;
        }
        let _counted = InFlight::enter(&self.in_flight);
        let checked = self.root.regular_files(locations).await;
        checked.into_iter().map(|c| c.map(drop)).collect()
    }

    async fn admit(&self) -> Admission {
        match &self.restorer {
            Some(restorer) => restorer.admit().await,
            None => Admission::immediate(),
        }
    }

    /// Reads the bytes on disk whether or not a nearline file is restored: deciding when a
    /// file may be downloaded is the order engine's business.
    async fn open(
        &self,
        location: &str,
        range: Option<ByteRange>,
    ) -> Result<FileContent, StorageError> {
        let path = self.root.regular_file(location).await?;
        let io_error = |e: std::io::Error| self.root.io_error(location, &e);
        // Opened and measured in one trip to the blocking pool; reads need no more trips
        // while the file is in the page cache.
        let (file, total_length) = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&path)?;
            let length = file.metadata()?.len();
            Ok((file, length))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|opened| opened)
        .map_err(io_error)?;
        let (start, length) = bounds(range);
        // Not past the length measured now: the last chunk is known without reading the end.
        let length = length.min(total_length.saturating_sub(start));
        let stream = file_chunks::stream(file, start, length, Arc::clone(&self.buffers));
        Ok(FileContent {
            total_length: Some(total_length),
            stream,
        })
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn drives(&self) -> Option<(usize, usize)> {
        self.restorer.as_ref().map(Restorer::drives)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use futures::TryStreamExt;

    /// Reads a whole opened file.
    pub(crate) async fn read_all(content: FileContent) -> Vec<u8> {
        let chunks: Vec<bytes::Bytes> = content.stream.try_collect().await.unwrap();
        chunks.concat()
    }

    fn storage(dir: &tempfile::TempDir) -> LocalStorage {
        LocalStorage::online("disk", dir.path().to_str().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn online_files_are_available_when_they_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a b.tif"), b"data").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let disk = storage(&dir);
        let url = format!("file://{}/a%20b.tif", dir.path().display());
        let keep = Duration::from_secs(1);
        assert!(disk.owns(&url));
        assert_eq!(disk.kind(), "local");
        disk.make_available(&url, keep).await.unwrap();
        let sub = format!("{}/sub", dir.path().display());
        assert!(matches!(
            disk.make_available(&sub, keep).await,
            Err(StorageError::NotFound { .. })
        ));
        assert!(matches!(
            disk.make_available(&format!("{sub}/none"), keep).await,
            Err(StorageError::NotFound { .. })
        ));
        assert!(!disk.owns("/elsewhere/x") && !disk.owns("http://h/x"));
        assert_eq!(disk.in_flight(), 0);
    }

    #[tokio::test]
    async fn an_online_storage_checks_many_files_in_one_call_as_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"data").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let disk = storage(&dir);
        assert!(disk.checks_in_batches());
        let at = |name: &str| format!("file://{}/{name}", dir.path().display());
        let locations = vec![
            at("a"),
            at("sub"),
            at("missing"),
            "/etc/passwd".into(),
            at("a"),
        ];
        let keep = Duration::from_secs(1);
        let many = disk.make_available_many(locations.clone(), keep).await;
        let mut one_by_one = Vec::new();
        for location in &locations {
            one_by_one.push(disk.make_available(location, keep).await);
        }
        assert_eq!(many, one_by_one);
        assert!(many[0].is_ok() && many[4].is_ok());
        assert!(matches!(many[1], Err(StorageError::NotFound { .. })));
        assert!(matches!(many[2], Err(StorageError::NotFound { .. })));
        assert!(matches!(many[3], Err(StorageError::OutsideRoot { .. })));
        assert_eq!(disk.in_flight(), 0);
        let tape = LocalStorage::nearline("tape", dir.path().to_str().unwrap(), 1, keep).unwrap();
        assert!(!tape.checks_in_batches());
    }

    #[tokio::test]
    async fn open_streams_the_whole_file_or_a_range() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("f"), &data).unwrap();
        let disk = storage(&dir);
        let path = format!("{}/f", dir.path().display());
        let whole = disk.open(&path, None).await.unwrap();
        assert_eq!(whole.total_length, Some(200_000));
        assert_eq!(read_all(whole).await, data);
        let range = ByteRange {
            start: 10,
            end: Some(70_009),
        };
        let part = disk.open(&path, Some(range)).await.unwrap();
        assert_eq!(part.total_length, Some(200_000));
        assert_eq!(read_all(part).await, &data[10..70_010]);
        let tail = ByteRange {
            start: 199_990,
            end: None,
        };
        assert_eq!(
            read_all(disk.open(&path, Some(tail)).await.unwrap()).await,
            &data[199_990..]
        );
        let past = ByteRange {
            start: 300_000,
            end: None,
        };
        assert!(
            read_all(disk.open(&path, Some(past)).await.unwrap())
                .await
                .is_empty()
        );
        let missing = disk.open(&format!("{path}x"), None).await;
        assert!(matches!(missing, Err(StorageError::NotFound { .. })));
    }
}
