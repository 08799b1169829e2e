//! `NOTICE.txt`, written line by line as files fail: one line per file, no final newline.

use std::io;
use std::path::PathBuf;

use crate::downloads::spill::{SpillWriter, Spilled};
use crate::downloads::zip::Crc32;

/// The notice being written, with its CRC-32 kept up to date.
pub(super) struct NoticeWriter {
    writer: SpillWriter,
    crc: Crc32,
}

impl NoticeWriter {
    /// An empty notice, spilled to a new file in `dir`.
    pub async fn create(dir: PathBuf) -> io::Result<Self> {
        Ok(NoticeWriter {
            writer: SpillWriter::create(dir).await?,
            crc: Crc32::new(),
        })
    }

    /// Adds the line of a file called `name` that failed for `reason`.
    pub async fn add(&mut self, name: &str, reason: &str) -> io::Result<()> {
        let separator = if self.crc.is_empty() { "" } else { "\n" };
        let line = format!("{separator}Failed to download file ({name}): {reason}.");
        self.crc.update(line.as_bytes());
        self.writer.write(line.as_bytes()).await
    }

    /// The text and its CRC-32.
    pub async fn finish(self) -> io::Result<(Spilled, u32)> {
        Ok((self.writer.finish().await?, self.crc.finalize()))
    }
}
