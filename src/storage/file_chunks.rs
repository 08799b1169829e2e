//! Streams a part of a local file in large chunks, read straight into buffers that are used
//! again once the connection has taken their bytes.
//!
//! A download's bytes are copied from the page cache into a buffer, by actix into its write
//! buffer, then into the socket: each chunk costs those copies and nothing more. The read is
//! first tried on the calling thread with `RWF_NOWAIT`, which succeeds only for bytes already in
//! the page cache and never waits for the disk; bytes that must come from the disk are read on
//! the blocking pool instead, so a cold file never stalls the worker serving other requests.
//! Buffers come from a small pool shared by every stream of a storage and go back to it when
//! actix drops a chunk, which it does as soon as it copied it: memory stays a few buffers per
//! storage however many bytes are sent, and no chunk allocates.

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use rustix::io::{Errno, ReadWriteFlags};
use std::fs::File;
use std::io::{self, IoSliceMut};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};

/// Size of the chunks a file is streamed in: large enough that per-chunk costs (a wake-up, a
/// syscall) are small next to the copies, small enough for many downloads at once and for a
/// client on a slow link (one chunk must go within `http.stall_timeout_secs`: 256 KiB in 60 s
/// is 4.4 KB/s).
pub const CHUNK: usize = 256 * 1024;

/// Idle buffers a pool keeps; more are allocated while many streams run at once, and freed
/// when given back to a full pool.
const KEPT: usize = 4;

/// Buffers of [`CHUNK`] bytes for the streams of one storage.
#[derive(Debug, Default)]
pub struct BufferPool {
    idle: Mutex<Vec<Vec<u8>>>,
}

impl BufferPool {
    /// A buffer of [`CHUNK`] bytes (contents unspecified).
    fn take(&self) -> Vec<u8> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        reused.unwrap_or_else(|| vec![0; CHUNK])
    }

    /// Gives a buffer back (kept if the pool is not full).
    fn give(&self, buffer: Vec<u8>) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
        {
            idle.push(buffer);
        }
    }
}

/// The first `len` bytes of a pooled buffer, given back to its pool when dropped.
struct Filled {
    buffer: Vec<u8>,
    len: usize,
    pool: Arc<BufferPool>,
}

impl AsRef<[u8]> for Filled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer[..self.len]
    }
}

impl Drop for Filled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buffer));
    }
}

/// At most `length` bytes of `file` from `start`, in chunks of up to [`CHUNK`] bytes; the
/// stream ends early at the end of the file.
pub fn stream(
    file: File,
    start: u64,
    length: u64,
    pool: Arc<BufferPool>,
) -> BoxStream<'static, io::Result<Bytes>> {
    let reader = Reader {
        file: Arc::new(file),
        position: start,
        end: start.saturating_add(length),
        pool,
    };
    futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(reader))),
            Ok(None) => None,
            Err(error) => Some((Err(error), None)),
        }
    })
    .boxed()
}

/// Where a stream is in its file.
struct Reader {
    file: Arc<File>,
    position: u64,
    end: u64,
    pool: Arc<BufferPool>,
}

impl Reader {
    /// The next chunk, `None` at the end of the part or of the file.
    async fn next(&mut self) -> io::Result<Option<Bytes>> {
        let wanted = usize::try_from(self.end.saturating_sub(self.position))
            .unwrap_or(usize::MAX)
            .min(CHUNK);
        if wanted == 0 {
            return Ok(None);
        }
        let mut buffer = self.pool.take();
        let read = match read_cached(&self.file, &mut buffer[..wanted], self.position) {
            Some(read) => read?,
            None => {
                let file = Arc::clone(&self.file);
                let position = self.position;
                let (back, read) = tokio::task::spawn_blocking(move || {
                    let read = file.read_at(&mut buffer[..wanted], position);
                    (buffer, read)
                })
                .await
                .map_err(io::Error::other)?;
                buffer = back;
                read?
            }
        };
        if read == 0 {
            self.pool.give(buffer);
            return Ok(None);
        }
        self.position += read as u64;
        Ok(Some(Bytes::from_owner(Filled {
            buffer,
            len: read,
            pool: Arc::clone(&self.pool),
        })))
    }
}

/// Reads what the page cache holds of `buffer.len()` bytes at `position`, without waiting for
/// the disk; `None` when that needs the disk (nothing cached there) or the kernel cannot say.
fn read_cached(file: &File, buffer: &mut [u8], position: u64) -> Option<io::Result<usize>> {
    let mut slices = [IoSliceMut::new(buffer)];
    match rustix::io::preadv2(file, &mut slices, position, ReadWriteFlags::NOWAIT) {
        // Zero bytes may be the end of the file or nothing cached: the blocking read tells.
        Ok(0) => None,
        Ok(read) => Some(Ok(read)),
        Err(Errno::AGAIN | Errno::OPNOTSUPP | Errno::NOSYS | Errno::INVAL) => None,
        Err(error) => Some(Err(error.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    /// A file of `len` bytes whose contents depend on their offset.
    fn file_of(dir: &tempfile::TempDir, len: usize) -> (File, Vec<u8>) {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let path = dir.path().join("f");
        std::fs::write(&path, &data).unwrap();
        (File::open(&path).unwrap(), data)
    }

    #[tokio::test]
    async fn streams_large_parts_in_chunks_through_reused_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = file_of(&dir, 2 * CHUNK + CHUNK / 2);
        let pool = Arc::new(BufferPool::default());
        let mut stream = stream(file.try_clone().unwrap(), 10, u64::MAX, Arc::clone(&pool));
        let mut received = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = stream.try_next().await.unwrap() {
            assert!(chunk.len() <= CHUNK);
            received.extend_from_slice(&chunk);
            chunks += 1;
            // Dropped at once, as the connection does: its buffer serves the next chunk.
        }
        assert_eq!(received, &data[10..]);
        assert_eq!(chunks, 3);
        assert_eq!(pool.idle.lock().unwrap().len(), 1);

        let part: Vec<Bytes> = stream_of(&file, CHUNK as u64 - 5, 20, &pool).await;
        assert_eq!(part.concat(), &data[CHUNK - 5..CHUNK + 15]);
    }

    #[tokio::test]
    async fn a_part_past_the_end_stops_at_the_end_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = file_of(&dir, 1000);
        let pool = Arc::new(BufferPool::default());
        assert_eq!(
            stream_of(&file, 900, 500, &pool).await.concat(),
            &data[900..]
        );
        assert!(stream_of(&file, 5000, 10, &pool).await.is_empty());
        assert!(stream_of(&file, 0, 0, &pool).await.is_empty());
    }

    #[test]
    fn a_full_pool_frees_what_it_is_given() {
        let pool = BufferPool::default();
        for _ in 0..KEPT + 3 {
            pool.give(vec![0; 8]);
        }
        assert_eq!(pool.idle.lock().unwrap().len(), KEPT);
    }

    async fn stream_of(file: &File, start: u64, len: u64, pool: &Arc<BufferPool>) -> Vec<Bytes> {
        stream(file.try_clone().unwrap(), start, len, Arc::clone(pool))
            .try_collect()
            .await
            .unwrap()
    }
}
