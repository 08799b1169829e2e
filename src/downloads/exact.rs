//! A body that must be exactly `expected` bytes long: fewer or more is an error, so that a
//! truncated source aborts the connection instead of ending a short 200 cleanly.

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Checks the total length of `body` against `expected`.
pub fn exactly(
    body: BoxStream<'static, io::Result<Bytes>>,
    expected: u64,
) -> BoxStream<'static, io::Result<Bytes>> {
    let counter = Arc::new(AtomicU64::new(0));
    let seen = counter.clone();
    let body = body.map(move |item| {
        let chunk = item?;
        let total = seen.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > expected {
            return Err(io::Error::other(format!(
                "the source gave more than {expected} bytes"
            )));
        }
        Ok(chunk)
    });
    let tail = futures::stream::once(async move {
        let got = counter.load(Ordering::Relaxed);
        (got != expected).then(|| {
            Err(io::Error::other(format!(
                "the source ended after {got} of {expected} bytes"
            )))
        })
    })
    .filter_map(futures::future::ready);
    body.chain(tail).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(chunks: Vec<&'static [u8]>, expected: u64) -> Vec<io::Result<Bytes>> {
        let body =
            futures::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c)))).boxed();
        exactly(body, expected).collect().await
    }

    #[tokio::test]
    async fn short_and_long_sources_end_in_error() {
        let exact = run(vec![b"ab", b"c"], 3).await;
        assert!(exact.iter().all(Result::is_ok));
        assert_eq!(exact.len(), 2);
        let short = run(vec![b"ab"], 3).await;
        assert!(short.last().is_some_and(Result::is_err));
        let long = run(vec![b"abcd"], 3).await;
        assert!(long.iter().any(Result::is_err));
    }
}
