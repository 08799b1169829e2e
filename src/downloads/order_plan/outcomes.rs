//! What the download of an order's archive means for each of its files, spilled as files are
//! planned and read back in chunks once the whole archive was sent.

use std::io;
use std::path::PathBuf;

use futures::StreamExt;
use futures::stream::BoxStream;
use regards_order_actors::domain::order::FileState;

use crate::downloads::spill::{SpillWriter, Spilled, put_sized};

/// Files marked per message to the order: each message is one commit, and holds its files'
/// ids and reasons in memory.
pub const RECORD_CHUNK: usize = 5_000;

/// A file's new state, with the reason of a failure.
pub type Outcome = (i64, FileState, Option<String>);

const DOWNLOADED: u8 = 0;
const FAILED: u8 = 1;

/// Outcomes being written: id (i64), then 0 (DOWNLOADED) or 1 and the reason (DOWNLOAD_ERROR).
pub(super) struct OutcomeWriter {
    writer: SpillWriter,
    count: u64,
    record: Vec<u8>,
}

impl OutcomeWriter {
    /// No outcome yet, spilled to a new file in `dir`.
    pub async fn create(dir: PathBuf) -> io::Result<Self> {
        Ok(OutcomeWriter {
            writer: SpillWriter::create(dir).await?,
            count: 0,
            record: Vec::new(),
        })
    }

    /// File `id` is in the archive (or its duplicate is): DOWNLOADED once it is sent.
    pub async fn downloaded(&mut self, id: i64) -> io::Result<()> {
        self.put(id, DOWNLOADED, None).await
    }

    /// File `id` could not be added: DOWNLOAD_ERROR.
    pub async fn failed(&mut self, id: i64, reason: &str) -> io::Result<()> {
        self.put(id, FAILED, Some(reason)).await
    }

    async fn put(&mut self, id: i64, state: u8, reason: Option<&str>) -> io::Result<()> {
        self.record.clear();
        self.record.extend_from_slice(&id.to_le_bytes());
        self.record.push(state);
        if let Some(reason) = reason {
            put_sized(&mut self.record, reason.as_bytes());
        }
        self.count += 1;
        self.writer.write(&self.record).await
    }

    /// Number of files with an outcome.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The outcomes written.
    pub async fn finish(self) -> io::Result<Outcomes> {
        Ok(Outcomes {
            file: self.writer.finish().await?,
            count: self.count,
        })
    }
}

/// The outcomes of every file of a planned archive.
#[derive(Debug)]
pub struct Outcomes {
    file: Spilled,
    count: u64,
}

impl Outcomes {
    /// Number of files.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Size of the spill file, in bytes.
    pub fn spilled_bytes(&self) -> u64 {
        self.file.size()
    }

    /// The outcomes, in planning order, `chunk` at a time.
    pub fn chunks(&self, chunk: usize) -> BoxStream<'static, io::Result<Vec<Outcome>>> {
        let state = (self.file.reader(0), self.count);
        futures::stream::try_unfold(state, move |(mut reader, mut left)| async move {
            let mut outcomes = Vec::new();
            while left > 0 && outcomes.len() < chunk.max(1) {
                outcomes.push(read_outcome(&mut reader).await?);
                left -= 1;
            }
            Ok((!outcomes.is_empty()).then_some((outcomes, (reader, left))))
        })
        .boxed()
    }
}

async fn read_outcome(reader: &mut crate::downloads::spill::SpillReader) -> io::Result<Outcome> {
    let id = reader.i64().await?;
    if reader.u8().await? == DOWNLOADED {
        return Ok((id, FileState::Downloaded, None));
    }
    let reason = String::from_utf8_lossy(&reader.sized().await?).into_owned();
    Ok((id, FileState::DownloadError, Some(reason)))
}
