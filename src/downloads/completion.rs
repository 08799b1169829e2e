//! Knowing how a streamed download ended: completely (every byte handed to the connection),
//! broken by the source (an I/O error), or cut by the client (the body is dropped: only the
//! bytes already handed to the connection are told).

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Told how many bytes a cut download had handed to the connection.
pub type OnCut = Box<dyn FnOnce(u64) + Send>;

/// What to run at the end of a download.
pub struct Outcome {
    /// Runs when the last byte was produced.
    pub completed: BoxFuture<'static, ()>,
    /// Runs when the source failed (the connection is then aborted).
    pub broken: BoxFuture<'static, ()>,
    /// Called when the client went away first (the body dropped before its end), with the
    /// bytes produced until then. It runs in a destructor: it must not block.
    pub cut: Option<OnCut>,
}

/// Calls the `cut` hook when the body is dropped before it ended.
struct CutOnDrop {
    produced: Arc<AtomicU64>,
    ended: Arc<AtomicBool>,
    cut: Option<OnCut>,
}

impl Drop for CutOnDrop {
    fn drop(&mut self) {
        if !self.ended.load(Ordering::Relaxed)
            && let Some(cut) = self.cut.take()
        {
            cut(self.produced.load(Ordering::Relaxed));
        }
    }
}

/// Wraps `body` so that `outcome` runs once it ends; a client that disconnects drops the
/// stream: neither `completed` nor `broken` runs, `cut` is told what was sent.
pub fn watch(
    body: BoxStream<'static, io::Result<Bytes>>,
    outcome: Outcome,
) -> BoxStream<'static, io::Result<Bytes>> {
    let on_error = Arc::new(Mutex::new(Some(outcome.broken)));
    let ended = Arc::new(AtomicBool::new(false));
    let produced = Arc::new(AtomicU64::new(0));
    let guard = CutOnDrop {
        produced: produced.clone(),
        ended: ended.clone(),
        cut: outcome.cut,
    };
    let failed = ended.clone();
    let body = body.then(move |item| {
        let on_error = on_error.clone();
        let failed = failed.clone();
        let produced = produced.clone();
        async move {
            match &item {
                Ok(chunk) => {
                    produced.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                Err(_) => {
                    failed.store(true, Ordering::Relaxed);
                    let task = on_error.lock().ok().and_then(|mut b| b.take());
                    if let Some(task) = task {
                        task.await;
                    }
                }
            }
            item
        }
    });
    let completed = outcome.completed;
    // The guard lives in the tail, which is dropped unpolled when the client leaves (the
    // body before it is dropped as soon as it is exhausted).
    let tail = futures::stream::once(async move {
        let _cut_unless_ended = guard;
        // Set first: a client leaving while `completed` runs does not count as a cut.
        if !ended.swap(true, Ordering::Relaxed) {
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
            cut: None,
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

    #[tokio::test]
    async fn a_cut_tells_the_bytes_sent_and_only_a_cut_does() {
        let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
        let cut_outcome = |sent: Arc<std::sync::Mutex<Vec<u64>>>| Outcome {
            completed: Box::pin(async {}),
            broken: Box::pin(async {}),
            cut: Some(Box::new(move |n| sent.lock().expect("lock").push(n))),
        };
        let chunks = || {
            futures::stream::iter(vec![
                Ok(Bytes::from_static(b"abc")),
                Ok(Bytes::from_static(b"de")),
            ])
            .boxed()
        };
        let mut watched = watch(chunks(), cut_outcome(sent.clone()));
        let _ = watched.next().await;
        drop(watched);
        let all: Vec<_> = watch(chunks(), cut_outcome(sent.clone())).collect().await;
        assert_eq!(all.len(), 2);
        let bad = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"a")),
            Err(io::Error::other("x")),
        ]);
        let _: Vec<_> = watch(bad.boxed(), cut_outcome(sent.clone()))
            .collect()
            .await;
        assert_eq!(
            *sent.lock().expect("lock"),
            vec![3],
            "one cut, after 3 bytes"
        );
    }
}
