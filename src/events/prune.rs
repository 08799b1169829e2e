//! Pruning: events older than `events.retention_hours` leave the outbox, and the order
//! requests received by message that need nothing more leave their log after as long.

use super::feed::EventFeed;
use std::time::Duration;

/// How often old events are looked for.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Prunes now and every ten minutes while the feed lives.
pub fn run_pruning(feed: &EventFeed, retention: Duration) -> tokio::task::JoinHandle<()> {
    let feed = feed.downgrade();
    tokio::spawn(async move {
        loop {
            let Some(live) = feed.upgrade() else { return };
            let before = chrono::Utc::now()
                - chrono::TimeDelta::from_std(retention).unwrap_or(chrono::TimeDelta::MAX);
            match live.store().prune_events(before).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "old events pruned"),
                Err(e) => tracing::debug!(error = %e, "events not pruned this time"),
            }
            match live.store().prune_order_requests(before).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "old order requests pruned"),
                Err(e) => tracing::debug!(error = %e, "order requests not pruned this time"),
            }
            drop(live);
            tokio::time::sleep(PRUNE_EVERY).await;
        }
    })
}
