//! Closed-loop load: concurrent workers for a fixed time, each request's latency recorded.

use std::time::{Duration, Instant};

/// At most this many requests per worker, whatever the duration.
const MAX_PER_WORKER: u64 = 5_000_000;

pub struct LoadResult {
    pub ok: u64,
    pub failed: u64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// The slowest request.
    pub max: Duration,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn describe(&self) -> String {
        format!(
            "{} ok, {} failed in {:.1} s, p50 {:.2} ms, p99 {:.2} ms",
            self.ok,
            self.failed,
            self.elapsed.as_secs_f64(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// `workers` tasks each calling `request(worker, n)` back to back for `duration`; a call
/// answers whether it succeeded.
pub async fn closed_loop<F, Fut>(workers: usize, duration: Duration, request: F) -> LoadResult
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let request = request.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            let mut n = 0;
            while Instant::now() < deadline && n < MAX_PER_WORKER {
                let t = Instant::now();
                if request(w, n).await {
                    latencies.push(t.elapsed());
                } else {
                    failed += 1;
                }
                n += 1;
            }
            (latencies, failed)
        });
    }
    let mut all = Vec::new();
    let mut failed = 0;
    while let Some(Ok((latencies, f))) = tasks.join_next().await {
        all.extend(latencies);
        failed += f;
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let pick = |q: f64| {
        if all.is_empty() {
            Duration::ZERO
        } else {
            all[((all.len() - 1) as f64 * q) as usize]
        }
    };
    LoadResult {
        ok: all.len() as u64,
        failed,
        elapsed,
        p50: pick(0.5),
        p99: pick(0.99),
        max: all.last().copied().unwrap_or_default(),
    }
}
