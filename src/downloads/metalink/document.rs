//! The document as a stream of chunks.

use std::io;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::{self, BoxStream, ReadyChunks};

use super::{MetalinkFile, MetalinkVersion, v3, v4};

/// Most files written into one chunk. Files already waiting are batched so that a fast source
/// (a database cursor) does not produce one tiny chunk per file; the bound keeps a chunk
/// around a hundred kilobytes whatever the order's size.
const FILES_PER_CHUNK: usize = 256;

/// The document as a stream of chunks: header, one chunk per file (or per batch of files), footer.
/// Memory does not depend on the number of files; an error from `files` ends the stream with an Err.
///
/// The header is yielded before the first file is read, so an HTTP response starts at once
/// even when the files come from a slow query. A Metalink 3.0 document without any file does
/// not satisfy the XSD (`files` needs one), yet is still written: clients then simply have
/// nothing to download.
pub fn stream(
    version: MetalinkVersion,
    files: BoxStream<'static, io::Result<MetalinkFile>>,
) -> BoxStream<'static, io::Result<Bytes>> {
    let state = State {
        version,
        files: files.ready_chunks(FILES_PER_CHUNK),
        phase: Phase::Header,
    };
    stream::unfold(state, next_chunk).boxed()
}

/// Where the document is.
enum Phase {
    /// Nothing written yet.
    Header,
    /// Writing files.
    Files,
    /// `files` failed after some files of a batch were written: those go out first, then
    /// this error.
    Failed(io::Error),
    /// Footer written, or an error yielded: nothing follows.
    Done,
}

struct State {
    version: MetalinkVersion,
    files: ReadyChunks<BoxStream<'static, io::Result<MetalinkFile>>>,
    phase: Phase,
}

async fn next_chunk(mut state: State) -> Option<(io::Result<Bytes>, State)> {
    let mut out = String::new();
    match std::mem::replace(&mut state.phase, Phase::Done) {
        Phase::Header => {
            match state.version {
                MetalinkVersion::V3 => v3::header(&mut out),
                MetalinkVersion::V4 => v4::header(&mut out),
            }
            state.phase = Phase::Files;
        }
        Phase::Files => match state.files.next().await {
            Some(batch) => {
                out.reserve(batch.len() * 512);
                for item in batch {
                    match item {
                        Ok(file) => match state.version {
                            MetalinkVersion::V3 => v3::file(&mut out, &file),
                            MetalinkVersion::V4 => v4::file(&mut out, &file),
                        },
                        Err(error) if out.is_empty() => return Some((Err(error), state)),
                        Err(error) => {
                            state.phase = Phase::Failed(error);
                            return Some((Ok(Bytes::from(out)), state));
                        }
                    }
                }
                state.phase = Phase::Files;
            }
            None => match state.version {
                MetalinkVersion::V3 => v3::footer(&mut out),
                MetalinkVersion::V4 => v4::footer(&mut out),
            },
        },
        Phase::Failed(error) => return Some((Err(error), state)),
        Phase::Done => return None,
    }
    Some((Ok(Bytes::from(out)), state))
}
