//! Unlinked temporary files that large downloads spill their plans to, so that memory does not
//! grow with the order: written once, in order, then read back from any position.
//!
//! Reads and writes are positional (`pread`/`pwrite`), so any number of readers can share one
//! file, and go through the blocking pool in blocks of [`BLOCK`] bytes.

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

/// Bytes gathered before one write, and read at once: one blocking-pool hop per 64 KiB keeps
/// the hops cheap next to the work, and a reader's memory small.
const BLOCK: usize = 64 * 1024;

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// Appends bytes to a new unlinked file: nothing is left behind, even after a crash.
pub struct SpillWriter {
    file: Arc<File>,
    /// Bytes not written yet.
    buffer: Vec<u8>,
    written: u64,
}

impl SpillWriter {
    /// A new empty file in `dir`, or in the OS temporary folder when `dir` cannot hold it.
    pub async fn create(dir: PathBuf) -> io::Result<Self> {
        let file =
            blocking(move || tempfile::tempfile_in(&dir).or_else(|_| tempfile::tempfile())).await?;
        Ok(SpillWriter {
            file: Arc::new(file),
            buffer: Vec::with_capacity(BLOCK),
            written: 0,
        })
    }

    /// Bytes appended so far: the position of the next one.
    pub fn position(&self) -> u64 {
        self.written + self.buffer.len() as u64
    }

    /// Appends `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= BLOCK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let (file, at) = (Arc::clone(&self.file), self.written);
        let buffer = std::mem::take(&mut self.buffer);
        let mut buffer = blocking(move || file.write_all_at(&buffer, at).map(|()| buffer)).await?;
        self.written += buffer.len() as u64;
        buffer.clear();
        self.buffer = buffer;
        Ok(())
    }

    /// The file as written, to read back.
    pub async fn finish(mut self) -> io::Result<Spilled> {
        self.flush().await?;
        Ok(Spilled {
            file: self.file,
            size: self.written,
        })
    }
}

/// A spill file written in full; the file goes when the last clone and reader are dropped.
#[derive(Clone, Debug)]
pub struct Spilled {
    file: Arc<File>,
    size: u64,
}

impl Spilled {
    /// Length of the file in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A reader from byte `position`.
    pub fn reader(&self, position: u64) -> SpillReader {
        SpillReader {
            file: Arc::clone(&self.file),
            size: self.size,
            block: Vec::new(),
            block_start: position,
            at: 0,
        }
    }

    /// The bytes from `start` to the end of the file, in blocks.
    pub fn stream(&self, start: u64) -> BoxStream<'static, io::Result<Bytes>> {
        let reader = self.reader(start.min(self.size));
        futures::stream::try_unfold(reader, |mut reader| async move {
            let left = reader.size - reader.position();
            if left == 0 {
                return Ok(None);
            }
            let mut chunk = vec![0; usize::try_from(left).unwrap_or(BLOCK).min(BLOCK)];
            reader.read_exact(&mut chunk).await?;
            Ok(Some((Bytes::from(chunk), reader)))
        })
        .boxed()
    }
}

/// Reads a spill file from a position, a block at a time.
pub struct SpillReader {
    file: Arc<File>,
    size: u64,
    /// The block read last, which starts at `block_start`.
    block: Vec<u8>,
    block_start: u64,
    /// Position in `block` of the next byte.
    at: usize,
}

impl SpillReader {
    /// Position of the next byte read.
    pub fn position(&self) -> u64 {
        self.block_start + self.at as u64
    }

    /// Moves to `position`, keeping the block read when it holds that position.
    pub fn seek(&mut self, position: u64) {
        let block_end = self.block_start + self.block.len() as u64;
        if (self.block_start..=block_end).contains(&position) {
            self.at = usize::try_from(position - self.block_start).unwrap_or(usize::MAX);
        } else {
            self.block.clear();
            self.block_start = position;
            self.at = 0;
        }
    }

    /// Fills `out` from the current position; an `UnexpectedEof` error past the end.
    pub async fn read_exact(&mut self, mut out: &mut [u8]) -> io::Result<()> {
        while !out.is_empty() {
            if self.at == self.block.len() {
                self.next_block().await?;
            }
            let n = out.len().min(self.block.len() - self.at);
            out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
            self.at += n;
            out = &mut out[n..];
        }
        Ok(())
    }

    async fn next_block(&mut self) -> io::Result<()> {
        let start = self.position();
        let left = self.size.saturating_sub(start);
        if left == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of a spill file",
            ));
        }
        let mut block = std::mem::take(&mut self.block);
        block.resize(usize::try_from(left).unwrap_or(BLOCK).min(BLOCK), 0);
        let file = Arc::clone(&self.file);
        self.block =
            blocking(move || file.read_exact_at(&mut block, start).map(|()| block)).await?;
        self.block_start = start;
        self.at = 0;
        Ok(())
    }

    /// The next `N` bytes.
    async fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0; N];
        self.read_exact(&mut bytes).await?;
        Ok(bytes)
    }

    /// One byte.
    pub async fn u8(&mut self) -> io::Result<u8> {
        Ok(u8::from_le_bytes(self.array().await?))
    }

    /// A little-endian u16.
    pub async fn u16(&mut self) -> io::Result<u16> {
        Ok(u16::from_le_bytes(self.array().await?))
    }

    /// A little-endian u32.
    pub async fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array().await?))
    }

    /// A little-endian u64.
    pub async fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array().await?))
    }

    /// A little-endian i64.
    pub async fn i64(&mut self) -> io::Result<i64> {
        Ok(i64::from_le_bytes(self.array().await?))
    }

    /// The next `len` bytes.
    pub async fn bytes(&mut self, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; len];
        self.read_exact(&mut bytes).await?;
        Ok(bytes)
    }

    /// A u32 length, then that many bytes.
    pub async fn sized(&mut self) -> io::Result<Vec<u8>> {
        let len = self.u32().await?;
        self.bytes(len as usize).await
    }
}

/// Appends `bytes` to `out` after their length as a little-endian u32 (cut to 4 GiB).
pub fn put_sized(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes[..len as usize]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[tokio::test]
    async fn written_bytes_read_back_from_any_position() {
        let mut writer = SpillWriter::create(std::env::temp_dir()).await.unwrap();
        let data: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i * 7 % 251) as u8).collect();
        for chunk in data.chunks(1000) {
            writer.write(chunk).await.unwrap();
        }
        assert_eq!(writer.position(), data.len() as u64);
        let spilled = writer.finish().await.unwrap();
        assert_eq!(spilled.size(), data.len() as u64);
        let mut reader = spilled.reader(5);
        let mut out = vec![0; BLOCK + 3];
        reader.read_exact(&mut out).await.unwrap();
        assert_eq!(out, &data[5..BLOCK + 8]);
        for at in [BLOCK as u64 + 2, 1, 3 * BLOCK as u64] {
            reader.seek(at);
            let mut one = [0; 4];
            reader.read_exact(&mut one).await.unwrap();
            assert_eq!(one, data[at as usize..at as usize + 4]);
        }
        reader.seek(data.len() as u64 - 1);
        let error = reader.read_exact(&mut [0; 2]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        let tail: Vec<Bytes> = spilled
            .stream(BLOCK as u64 - 1)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(tail.concat(), &data[BLOCK - 1..]);
    }
}
