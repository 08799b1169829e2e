//! Where the entries of an order's archive come from: a file of a storage, or `NOTICE.txt`.
//! The layout spills each entry's source as a tag byte and, for a file, its URL; the storage
//! is found again from the URL when the entry is read.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use regards_order_actors::ports::ByteRange;

use crate::downloads::spill::Spilled;
use crate::downloads::zip::SpilledSource;
use crate::storage::Storages;

const FILE: u8 = b'F';
const NOTICE: u8 = b'N';

/// The spilled source of a file at `url`.
pub(super) fn file_source(url: &str) -> Vec<u8> {
    let mut source = Vec::with_capacity(1 + url.len());
    source.push(FILE);
    source.extend_from_slice(url.as_bytes());
    source
}

/// The spilled source of `NOTICE.txt`.
pub(super) fn notice_source() -> [u8; 1] {
    [NOTICE]
}

/// Opens an order archive's entries: files from their storages, the notice from its spill file.
pub struct OrderSources {
    pub storages: Arc<Storages>,
    /// The text of `NOTICE.txt`, when some files failed.
    pub notice: Option<Spilled>,
}

#[async_trait::async_trait]
impl SpilledSource for OrderSources {
    async fn open(
        &self,
        source: &[u8],
        offset: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        match source.split_first() {
            Some((&FILE, url)) => {
                let url = std::str::from_utf8(url)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                let storage = self
                    .storages
                    .resolve(url)
                    .ok_or_else(|| io::Error::other("no storage holds this file any more"))?;
                let range = (offset > 0).then_some(ByteRange {
                    start: offset,
                    end: None,
                });
                let content = storage.open(url, range).await.map_err(io::Error::other)?;
                Ok(content.stream)
            }
            Some((&NOTICE, _)) => match &self.notice {
                Some(notice) => Ok(notice.stream(offset)),
                None => Err(io::Error::other("no NOTICE.txt was written")),
            },
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "unknown zip entry source",
            )),
        }
    }
}
