//! What the outage scenario watches: the orders' progress as responses show it, `/ready` and
//! a refused action while the database is away, and the service's return to work.

use crate::api::{Api, OrderRef, Persistence, status_is, summary};
use anyhow::{Result, bail};
use reqwest::header::RETRY_AFTER;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Longest wait of one probe: far beyond what any answer may take, so a hang is a failure
/// rather than a stuck run.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The most files any response showed AVAILABLE, per order.
pub struct Shown {
    pub max: Vec<i64>,
}

impl Shown {
    pub fn new(orders: usize) -> Self {
        Self {
            max: vec![0; orders],
        }
    }

    pub fn total(&self) -> i64 {
        self.max.iter().sum()
    }

    /// Reads every order once (None for a read that failed: the outage may refuse it). An
    /// order PAUSED means a refused pause was applied: that is fatal.
    async fn read_all(&mut self, api: &Api, orders: &[OrderRef]) -> Result<Vec<Option<Value>>> {
        let mut read = Vec::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            let Ok(order) = api.order(o).await else {
                read.push(None);
                continue;
            };
            if status_is(&order, &["PAUSED"]) {
                bail!("an order was paused during the outage: {}", summary(&order));
            }
            let available = order["availableFilesCount"].as_i64().unwrap_or(0);
            self.max[i] = self.max[i].max(available);
            read.push(Some(order));
        }
        Ok(read)
    }

    /// Reads every order once; gives how many reads failed.
    async fn poll(&mut self, api: &Api, orders: &[OrderRef]) -> Result<usize> {
        Ok(self
            .read_all(api, orders)
            .await?
            .iter()
            .filter(|o| o.is_none())
            .count())
    }

    /// Polls until the orders show `files` AVAILABLE files in all (two minutes at most).
    pub async fn wait_until(&mut self, api: &Api, orders: &[OrderRef], files: i64) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.total() < files {
            if Instant::now() > deadline {
                bail!("only {} files AVAILABLE after 2 minutes", self.total());
            }
            self.poll(api, orders).await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Polls every 100 ms until `until`; gives the reads made and those that failed.
    async fn poll_until(
        &mut self,
        api: &Api,
        orders: &[OrderRef],
        until: Instant,
    ) -> Result<(usize, usize)> {
        let (mut reads, mut failed) = (0, 0);
        while Instant::now() < until {
            failed += self.poll(api, orders).await?;
            reads += orders.len();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok((reads, failed))
    }
}

/// What the service answered while the database was away.
pub struct During {
    /// From the start of the take-away to the end of the probes.
    pub lasted: Duration,
    pub shown_before: i64,
    pub shown_at_end: i64,
    /// From the start of the take-away to the first 503 of `/ready`.
    pub detected: Option<Duration>,
    pub ready_max: Duration,
    pub ready_count: usize,
    pub ready_up: usize,
    pub pause_max: Duration,
    pub pauses: Vec<Duration>,
    pub reads: usize,
    pub reads_failed: usize,
    /// The persistence actors at the end of the outage.
    pub persistence: Persistence,
}

impl During {
    pub fn describe_ready(&self) -> String {
        format!(
            "{} probes every 100 ms, {} answered 200 (before the service noticed); first 503 \
             {} after the database went; {} reads of live orders, {} failed",
            self.ready_count,
            self.ready_up,
            self.detected
                .map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64())),
            self.reads,
            self.reads_failed
        )
    }

    pub fn describe_pauses(&self) -> String {
        let mut sorted = self.pauses.clone();
        sorted.sort_unstable();
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
        format!(
            "{} pauses every 250 ms from the first 503 of /ready on, all 503 with Retry-After, \
             none applied; median {:.1} ms",
            sorted.len(),
            median.as_secs_f64() * 1e3
        )
    }
}

/// Probes `/ready`, a pause and the orders until `until`.
pub async fn during_outage(
    api: &Api,
    orders: &[OrderRef],
    shown: &mut Shown,
    began: Instant,
    until: Instant,
) -> Result<During> {
    let shown_before = shown.total();
    let paused = &orders[orders.len() - 1];
    let (noticed, noticed_rx) = watch::channel(false);
    let (ready, pauses, reads) = tokio::join!(
        probe_ready(api, began, until, noticed),
        probe_pauses(api, paused, until, noticed_rx),
        shown.poll_until(api, orders, until),
    );
    let (ready, pauses, (reads, reads_failed)) = (ready?, pauses?, reads?);
    Ok(During {
        lasted: began.elapsed(),
        shown_before,
        shown_at_end: shown.total(),
        detected: ready.iter().find(|r| r.2 == 503).map(|r| r.0),
        ready_max: ready.iter().map(|r| r.1).max().unwrap_or_default(),
        ready_count: ready.len(),
        ready_up: ready.iter().filter(|r| r.2 == 200).count(),
        pause_max: pauses.iter().max().copied().unwrap_or_default(),
        pauses,
        reads,
        reads_failed,
        persistence: Persistence::default(),
    })
}

/// `/ready` every 100 ms: when each was sent (since `began`), how long it took, its status.
/// Tells `noticed` at its first 503.
async fn probe_ready(
    api: &Api,
    began: Instant,
    until: Instant,
    noticed: watch::Sender<bool>,
) -> Result<Vec<(Duration, Duration, u16)>> {
    let mut answers = Vec::new();
    while Instant::now() < until {
        let sent = Instant::now();
        let request = api.client.get(api.url("/ready")).timeout(PROBE_TIMEOUT);
        let status = request.send().await?.status().as_u16();
        answers.push((sent - began, sent.elapsed(), status));
        match status {
            503 => noticed.send_replace(true),
            200 => false,
            _ => bail!("/ready answered {status} during the outage"),
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(answers)
}

/// `PUT /user/orders/pause/{id}` every 250 ms once the service noticed the outage (`/ready`
/// answered 503): each must be refused at once (503, `Retry-After`).
async fn probe_pauses(
    api: &Api,
    order: &OrderRef,
    until: Instant,
    mut noticed: watch::Receiver<bool>,
) -> Result<Vec<Duration>> {
    let mut took = Vec::new();
    let left = until.saturating_duration_since(Instant::now());
    if tokio::time::timeout(left, noticed.wait_for(|n| *n))
        .await
        .is_err()
    {
        return Ok(took);
    }
    while Instant::now() < until {
        let sent = Instant::now();
        let request = api
            .client
            .put(api.url(&format!("/user/orders/pause/{}", order.id)))
            .bearer_auth(&order.token)
            .timeout(PROBE_TIMEOUT);
        let response = request.send().await?;
        took.push(sent.elapsed());
        let status = response.status().as_u16();
        if status != 503 || !response.headers().contains_key(RETRY_AFTER) {
            let body = response.text().await.unwrap_or_default();
            bail!("a pause during the outage answered {status}: {body}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(took)
}

/// From now on, while the database comes back: when `/ready` first answers 200, when a
/// persistence actor first commits a transaction, and when every writer's last attempt has
/// committed.
pub async fn recovery(api: &Api, before: Persistence) -> Result<(Instant, Instant, Instant)> {
    let (ready, writers) = tokio::join!(until_ready(api), until_committed(api, before.batches));
    let (first, all) = writers?;
    Ok((ready?, first, all))
}

/// `/ready` every 10 ms until it answers 200 (one minute at most).
async fn until_ready(api: &Api) -> Result<Instant> {
    for _ in 0..6_000 {
        if api.ready().await {
            return Ok(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("/ready did not answer 200 within a minute of the database's return")
}

/// `/admin/actors` every 20 ms until the writers committed more than `batches` transactions
/// and none is retrying (one minute at most).
async fn until_committed(api: &Api, batches: u64) -> Result<(Instant, Instant)> {
    let mut first = None;
    for _ in 0..3_000 {
        let now = api.persistence().await?;
        if now.batches > batches {
            let first = *first.get_or_insert_with(Instant::now);
            if now.consecutive_failures == 0 {
                return Ok((first, Instant::now()));
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("the persistence actors did not commit within a minute of the database's return")
}

/// Polls until every order is DONE (ten minutes at most); gives the time it took.
pub async fn wait_done(api: &Api, orders: &[OrderRef], shown: &mut Shown) -> Result<Duration> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(600);
    loop {
        let mut pending = None;
        for order in shown.read_all(api, orders).await? {
            let Some(order) = order else {
                bail!("an order could not be read once the database was back");
            };
            if status_is(&order, &["FAILED", "ERROR", "DONE_WITH_WARNING"]) {
                bail!("an order ended badly: {}", summary(&order));
            }
            if !status_is(&order, &["DONE"]) {
                pending = Some(order);
            }
        }
        let Some(example) = pending else {
            return Ok(started.elapsed());
        };
        if Instant::now() > deadline {
            bail!(
                "orders not DONE after 10 minutes, e.g. {}",
                summary(&example)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the persistence actors hold nothing and retry nothing, twice 100 ms apart:
/// whatever a response showed is then committed (one minute at most).
pub async fn wait_flushed(api: &Api) -> Result<()> {
    let mut clean_in_a_row = 0;
    for _ in 0..600 {
        let now = api.persistence().await?;
        let clean = now.queued == 0 && now.consecutive_failures == 0 && now.retry_in_ms == 0;
        clean_in_a_row = if clean { clean_in_a_row + 1 } else { 0 };
        if clean_in_a_row == 2 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the persistence actors still hold changes after a minute")
}
