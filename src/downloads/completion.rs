//! Knowing how a streamed download ended: completely (every byte handed to the connection),
//! broken by the source (an I/O error), or cut by the client (the body is dropped: nothing).

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use std::io;
use std::sync::{Arc, Mutex};

/// What to run at the end of a download.
pub struct Outcome {
    /// Runs when the last byte was produced.
    pub completed: BoxFuture<'static, ()>,
    /// Runs when the source failed (the connection is then aborted).
    pub broken: BoxFuture<'static, ()>,
}

/// Wraps `body` so that `outcome` runs once it ends; a client that disconnects drops the
/// stream and neither runs.
pub fn watch(
    body: BoxStream<'static, io::Result<Bytes>>,
    outcome: Outcome,
) -> BoxStream<'static, io::Result<Bytes>> {
    let broken = Arc::new(Mutex::new(Some(outcome.broken)));
    let on_error = broken.clone();
    let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_failure = failed.clone();
    let body = body.then(move |item| {
        let on_error = on_error.clone();
        let failed = failed.clone();
        async move {
            if item.is_err() {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
                let task = on_error.lock().ok().and_then(|mut b| b.take());
                if let Some(task) = task {
                    task.await;
                }
            }
            item
        }
    });
    let completed = outcome.completed;
    let tail = futures::stream::once(async move {
        if !seen_failure.load(std::sync::atomic::Ordering::Relaxed) {
            completed.await;
        }
        None::<io::Result<Bytes>>
    })
    .filter_map(futures::future::ready);
    body.chain(tail).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU8, Ordering};

    fn outcome(flag: Arc<AtomicU8>) -> Outcome {
        let f1 = flag.clone();
        Outcome {
            completed: Box::pin(async move { f1.store(1, Ordering::SeqCst) }),
            broken: Box::pin(async move { flag.store(2, Ordering::SeqCst) }),
        }
    }

    #[tokio::test]
    async fn completion_error_and_disconnect() {
        let flag = Arc::new(AtomicU8::new(0));
        let ok = futures::stream::iter(vec![Ok(Bytes::from_static(b"ab"))]).boxed();
        let all: Vec<_> = watch(ok, outcome(flag.clone())).collect().await;
        assert_eq!(all.len(), 1);
        assert_eq!(flag.load(Ordering::SeqCst), 1);

        let flag = Arc::new(AtomicU8::new(0));
        let bad = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"a")),
            Err(io::Error::other("x")),
        ])
        .boxed();
        let _: Vec<_> = watch(bad, outcome(flag.clone())).collect().await;
        assert_eq!(flag.load(Ordering::SeqCst), 2);

        let flag = Arc::new(AtomicU8::new(0));
        let two = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"a")),
            Ok(Bytes::from_static(b"b")),
        ])
        .boxed();
        let mut watched = watch(two, outcome(flag.clone()));
        let _ = watched.next().await;
        drop(watched);
        assert_eq!(
            flag.load(Ordering::SeqCst),
            0,
            "a disconnect changes nothing"
        );
    }
}
