//! The plan of an order's archive, built file by file as the order's rows are read: entries
//! and their sources (a spilled zip layout), the outcome of each file, and `NOTICE.txt`, each
//! in its own unlinked temporary file. Memory holds running totals and the names handed out
//! ([`EntryNames`]), never a list of the files.

mod notice;
mod outcomes;
mod sources;

pub use outcomes::{Outcome, Outcomes, RECORD_CHUNK};
pub use sources::OrderSources;

use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use regards_order_actors::domain::order::OrderFile;

use crate::downloads::spill::Spilled;
use crate::downloads::zip::{EntryNames, SpilledLayout, SpilledLayoutBuilder};
use notice::NoticeWriter;
use outcomes::OutcomeWriter;
use sources::{file_source, notice_source};

/// Name of the entry listing the files that could not be added.
const NOTICE_NAME: &str = "NOTICE.txt";

/// A planned archive.
#[derive(Debug)]
pub struct Plan {
    pub layout: SpilledLayout,
    /// The text of `NOTICE.txt`, when some files failed.
    pub notice: Option<Spilled>,
    /// What each file becomes once the whole archive was sent.
    pub outcomes: Outcomes,
}

/// Plans an archive one file at a time, in the order the files come.
pub struct Planner {
    dir: PathBuf,
    names: EntryNames,
    layout: SpilledLayoutBuilder,
    outcomes: OutcomeWriter,
    /// Started at the first failure.
    notice: Option<NoticeWriter>,
}

impl Planner {
    /// An empty plan whose entries are dated `modified`, spilled to files in `dir` (or the OS
    /// temporary folder).
    pub async fn create(dir: PathBuf, modified: DateTime<Utc>) -> io::Result<Self> {
        Ok(Planner {
            layout: SpilledLayoutBuilder::create(dir.clone(), modified).await?,
            outcomes: OutcomeWriter::create(dir.clone()).await?,
            dir,
            names: EntryNames::new(),
            notice: None,
        })
    }

    /// Adds `file`, whose check `found` its CRC-32 and size, or why it cannot be added. A
    /// same-name, same-checksum file is skipped but still counts as downloaded.
    pub async fn add(
        &mut self,
        file: &OrderFile,
        found: Result<(u32, u64), String>,
    ) -> io::Result<()> {
        let (crc, size) = match found {
            Ok(found) => found,
            Err(reason) => return self.fail(file, &reason).await,
        };
        let checksum = file.checksum.as_ref().map(|c| c.value.as_str());
        if let Some(name) = self.names.add(&file.filename, checksum) {
            let source = file_source(&file.url);
            self.layout.push(name, size, crc, &source).await?;
        }
        self.outcomes.downloaded(file.id).await
    }

    /// Lists `file` in `NOTICE.txt`.
    async fn fail(&mut self, file: &OrderFile, reason: &str) -> io::Result<()> {
        let notice = match &mut self.notice {
            Some(notice) => notice,
            None => self
                .notice
                .insert(NoticeWriter::create(self.dir.clone()).await?),
        };
        notice.add(&file.filename, reason).await?;
        self.outcomes.failed(file.id, reason).await
    }

    /// The plan, with `NOTICE.txt` last when some files failed; `None` when no file came.
    pub async fn finish(mut self) -> io::Result<Option<Plan>> {
        if self.outcomes.count() == 0 {
            return Ok(None);
        }
        let notice = match self.notice.take() {
            None => None,
            Some(writer) => {
                let (text, crc) = writer.finish().await?;
                let name = self
                    .names
                    .add(NOTICE_NAME, None)
                    .unwrap_or_else(|| NOTICE_NAME.into());
                self.layout
                    .push(name, text.size(), crc, &notice_source())
                    .await?;
                Some(text)
            }
        };
        Ok(Some(Plan {
            layout: self.layout.finish().await?,
            notice,
            outcomes: self.outcomes.finish().await?,
        }))
    }
}

#[cfg(test)]
mod tests;
