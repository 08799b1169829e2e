//! Restores of a nearline storage: a file must be brought back from tape before it can be
//! read, at most `drives` files at once, and then stays available for a while.

use super::path::LocalRoot;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use regards_order_actors::ports::storage::{Admission, StorageError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// A restore under way, awaited by every request of its file.
type Restore = Shared<BoxFuture<'static, Result<(), StorageError>>>;

/// What the storage knows of one file.
enum Entry {
    /// Restored and readable until then, for whichever order asks.
    Restored(Instant),
    /// Being restored: later requests wait for this same restore.
    Restoring(Restore),
}

/// Known files by their normalised path.
#[derive(Default)]
struct Known {
    files: HashMap<PathBuf, Entry>,
    /// Size at which expired restores are next forgotten: twice the size left by the last
    /// pruning, so that pruning costs O(1) per restore however many are queued.
    prune_at: usize,
}

type Files = Arc<Mutex<Known>>;

/// Calls admitted per drive: one restoring, one ready to take the drive the moment it frees.
const ADMITTED_PER_DRIVE: usize = 2;

/// Schedules the restores of one nearline storage.
pub(crate) struct Restorer {
    root: LocalRoot,
    delay: Duration,
    drives: Arc<Semaphore>,
    /// How many drives there are (the semaphore only knows how many are free).
    drive_count: usize,
    admissions: Arc<Semaphore>,
    files: Files,
}

impl Restorer {
    /// A restorer of the files under `root`, using `drives` drives, each restore taking
    /// `delay`.
    pub(crate) fn new(root: LocalRoot, drives: usize, delay: Duration) -> Self {
        Self {
            root,
            delay,
            drives: Arc::new(Semaphore::new(drives)),
            drive_count: drives,
            admissions: Arc::new(Semaphore::new(drives.saturating_mul(ADMITTED_PER_DRIVE))),
            files: Arc::default(),
        }
    }

    /// Waits for a place among the calls the drives can serve without queueing.
    pub(crate) async fn admit(&self) -> Admission {
        match Arc::clone(&self.admissions).acquire_owned().await {
            Ok(permit) => Admission::held(permit),
            // Never closed; were it, queueing inside the storage would still be correct.
            Err(_) => Admission::immediate(),
        }
    }

    /// Makes `location` available for at least `keep` from now: at once when it still is,
    /// otherwise after a restore (shared with any other request of the same file).
    pub(crate) async fn make_available(
        &self,
        location: &str,
        keep: Duration,
    ) -> Result<(), StorageError> {
        let path = self.root.lexical(location)?;
        if let Some(restore) = self.restore_of(&path, location, keep) {
            restore.await?;
            self.extend(&path, keep);
        }
        Ok(())
    }

    /// `None` when the file is still restored (its availability is extended to `keep`),
    /// otherwise the restore to wait for, started if none is under way.
    fn restore_of(&self, path: &PathBuf, location: &str, keep: Duration) -> Option<Restore> {
        let mut known = lock(&self.files);
        let now = Instant::now();
        match known.files.get_mut(path) {
            Some(Entry::Restored(until)) if *until > now => {
                *until = (*until).max(now + keep);
                return None;
            }
            Some(Entry::Restoring(restore)) => return Some(restore.clone()),
            _ => {}
        }
        if known.files.len() >= known.prune_at {
            // Forget expired restores now and then, so the map only holds files that matter.
            known
                .files
                .retain(|_, entry| !matches!(entry, Entry::Restored(until) if *until <= now));
            known.prune_at = known.files.len().saturating_mul(2).max(1024);
        }
        let restore = self.start(path.clone(), location.to_owned(), keep);
        known
            .files
            .insert(path.clone(), Entry::Restoring(restore.clone()));
        Some(restore)
    }

    /// Starts a restore in its own task: a tape restore goes on even if the request that
    /// started it is cancelled, and its drive is released when it ends whoever waits.
    fn start(&self, path: PathBuf, location: String, keep: Duration) -> Restore {
        let job = RestoreJob {
            root: self.root.clone(),
            delay: self.delay,
            drives: Arc::clone(&self.drives),
            files: Arc::clone(&self.files),
        };
        let handle = tokio::spawn(job.run(path, location, keep));
        let storage = self.root.storage().to_owned();
        async move {
            handle.await.unwrap_or_else(|e| {
                Err(StorageError::Failed {
                    storage,
                    reason: format!("the restore was interrupted: {e}"),
                })
            })
        }
        .boxed()
        .shared()
    }

    /// Keeps a restored file available for at least `keep` from now, for a request that
    /// waited on a restore started with a shorter `keep`.
    fn extend(&self, path: &PathBuf, keep: Duration) {
        if let Some(Entry::Restored(until)) = lock(&self.files).files.get_mut(path) {
            *until = (*until).max(Instant::now() + keep);
        }
    }
}

impl Restorer {
    /// Drives in all, and drives restoring now.
    pub(crate) fn drives(&self) -> (usize, usize) {
        let free = self.drives.available_permits().min(self.drive_count);
        (self.drive_count, self.drive_count - free)
    }
}

#[cfg(test)]
impl Restorer {
    /// Files the storage remembers (restoring or restored).
    pub(crate) fn known_files(&self) -> usize {
        lock(&self.files).files.len()
    }
}

/// What a restore task needs, owned so that the task outlives the request.
struct RestoreJob {
    root: LocalRoot,
    delay: Duration,
    drives: Arc<Semaphore>,
    files: Files,
}

impl RestoreJob {
    /// Restores the file and records the outcome: restored until `now + keep`, or forgotten
    /// on failure so that a later request tries again.
    async fn run(
        self,
        path: PathBuf,
        location: String,
        keep: Duration,
    ) -> Result<(), StorageError> {
        let result = self.restore(&location).await;
        let mut known = lock(&self.files);
        match result {
            Ok(()) => known
                .files
                .insert(path, Entry::Restored(Instant::now() + keep)),
            Err(_) => known.files.remove(&path),
        };
        result
    }

    /// Waits for a drive, checks the file, then takes the restore time.
    async fn restore(&self, location: &str) -> Result<(), StorageError> {
        let _drive = self
            .drives
            .acquire()
            .await
            .map_err(|_| StorageError::Failed {
                storage: self.root.storage().to_owned(),
                reason: "the storage is shutting down".to_owned(),
            })?;
        self.root.regular_file(location).await?;
        tokio::time::sleep(self.delay).await;
        Ok(())
    }
}

/// Locks the map; a panic while it was held cannot leave it inconsistent (each update is
/// one insert or remove), so a poisoned lock is used as it is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use crate::storage::LocalStorage;
    use regards_order_actors::ports::storage::{Storage, StorageError};
    use std::time::Duration;
    use tokio::time::Instant;

    const KEEP: Duration = Duration::from_secs(60);

    /// A nearline storage of `drives` drives and 1 s restores over a directory of `files`
    /// files named `f0`, `f1`…
    fn tape(files: usize, drives: usize) -> (tempfile::TempDir, LocalStorage, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_owned();
        let names = (0..files)
            .map(|i| {
                std::fs::write(dir.path().join(format!("f{i}")), b"x").unwrap();
                format!("{root}/f{i}")
            })
            .collect();
        let delay = Duration::from_millis(1000);
        let storage = LocalStorage::nearline("tape", &root, drives, delay).unwrap();
        (dir, storage, names)
    }

    #[tokio::test(start_paused = true)]
    async fn a_restore_takes_the_delay_then_lasts_keep() {
        let (_dir, tape, files) = tape(1, 1);
        assert_eq!(tape.kind(), "nearline");
        let start = Instant::now();
        tape.make_available(&files[0], KEEP).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        let again = Instant::now();
        tape.make_available(&files[0], KEEP).await.unwrap();
        assert_eq!(again.elapsed(), Duration::ZERO);
        tokio::time::sleep(KEEP).await;
        let expired = Instant::now();
        tape.make_available(&files[0], KEEP).await.unwrap();
        assert_eq!(expired.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_drives_restores_run_at_once() {
        let (_dir, tape, files) = tape(5, 2);
        let start = Instant::now();
        let all = files.iter().map(|f| tape.make_available(f, KEEP));
        for result in futures::future::join_all(all).await {
            result.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_millis(3000));
        assert_eq!(tape.in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_of_a_file_share_one_restore() {
        let (_dir, tape, files) = tape(1, 1);
        let start = Instant::now();
        let (a, b) = tokio::join!(
            tape.make_available(&files[0], KEEP),
            tape.make_available(&files[0], KEEP)
        );
        a.unwrap();
        b.unwrap();
        // Two restores on one drive would take 2 s.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_request_is_no_longer_counted() {
        let (_dir, tape, files) = tape(1, 1);
        // Boxed and pinned by `async_trait`, so dropping it drops the call itself.
        let mut request = tape.make_available(&files[0], KEEP);
        assert!(futures::poll!(&mut request).is_pending());
        assert_eq!(tape.in_flight(), 1);
        drop(request);
        assert_eq!(tape.in_flight(), 0);
        // The restore went on without its requester: the next request shares it.
        let start = Instant::now();
        tape.make_available(&files[0], KEEP).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn two_calls_per_drive_are_admitted_and_the_next_waits() {
        let (_dir, tape, _) = tape(0, 2);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(tape.admit().await);
        }
        let mut fifth = tape.admit();
        assert!(futures::poll!(&mut fifth).is_pending());
        held.pop();
        assert!(futures::poll!(&mut fifth).is_ready());
        // Online storages never make anyone wait.
        let online = LocalStorage::online("disk", _dir.path().to_str().unwrap()).unwrap();
        assert!(futures::poll!(online.admit()).is_ready());
    }

    #[tokio::test(start_paused = true)]
    async fn expired_restores_are_forgotten_while_new_ones_start() {
        let (_dir, tape, files) = tape(5000, 64);
        let keep = Duration::from_millis(10);
        let all = files[..3000].iter().map(|f| tape.make_available(f, keep));
        for result in futures::future::join_all(all).await {
            result.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Every restore above has expired: starting new ones prunes them.
        let others = files[3000..].iter().map(|f| tape.make_available(f, KEEP));
        for result in futures::future::join_all(others).await {
            result.unwrap();
        }
        // Without pruning the storage would remember all 5 000.
        assert!(tape.known_files() <= 2000, "{}", tape.known_files());
    }

    #[tokio::test(start_paused = true)]
    async fn missing_files_fail_and_are_retried() {
        let (dir, tape, _) = tape(0, 1);
        let missing = format!("{}/late", dir.path().display());
        let error = tape.make_available(&missing, KEEP).await.unwrap_err();
        assert!(matches!(error, StorageError::NotFound { .. }), "{error}");
        std::fs::write(dir.path().join("late"), b"x").unwrap();
        tape.make_available(&missing, KEEP).await.unwrap();
        let outside = tape.make_available("/etc/passwd", KEEP).await;
        assert!(matches!(outside, Err(StorageError::OutsideRoot { .. })));
    }
}
