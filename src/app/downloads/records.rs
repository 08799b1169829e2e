//! What downloads tell an order's engine: files downloaded or failed, CRC-32s measured while
//! reading them, byte ranges served; and the sync that makes a read of the database show what
//! the order's actor knows. Best effort: a download goes on whatever the engine answers, so a
//! failure is logged here and nowhere else.

use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::FileState;
use regards_order_actors::engine::{Download, Engine};
use std::ops::Range;

/// A file's new state after a download, with the reason of a failure.
pub type FileOutcome = (i64, FileState, Option<String>);

/// Records the end of downloads of an order's files.
pub async fn files_downloaded(
    engine: &Engine,
    tenant: &Tenant,
    order_id: i64,
    files: Vec<FileOutcome>,
) {
    if let Err(e) = engine.files_downloaded(tenant, order_id, files).await {
        tracing::warn!(order_id, "download outcome not recorded: {e:?}");
    }
}

/// Records CRC-32s measured while serving an order's files (a CRC not recorded is measured
/// again next time). They reach the database through the order's actor.
pub async fn crcs_measured(engine: &Engine, tenant: &Tenant, order_id: i64, crcs: Vec<(i64, u32)>) {
    if crcs.is_empty() {
        return;
    }
    if let Err(e) = engine.record_crcs(tenant, order_id, crcs).await {
        tracing::warn!(order_id, "CRC-32s not recorded: {e:?}");
    }
}

/// Tells the order's actor that bytes `range` of `download` (`size` bytes in all) reached the
/// client: true once the ranges served cover the download, false when they do not yet or the
/// engine could not be told.
pub async fn range_served(
    engine: &Engine,
    tenant: &Tenant,
    order_id: i64,
    download: Download,
    range: Range<u64>,
    size: u64,
) -> bool {
    match engine
        .range_served(tenant, order_id, download, range, size)
        .await
    {
        Ok(covered) => covered,
        Err(e) => {
            tracing::warn!(order_id, "download progress not recorded: {e:?}");
            false
        }
    }
}

/// Has the order's actor, if active, write its pending changes; true once the database
/// holds what the engine knows of the order.
pub async fn sync_order(engine: &Engine, tenant: &Tenant, order_id: i64) -> bool {
    match engine.sync_to_store(tenant, order_id).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(order_id, "order not synchronised before a read: {e:?}");
            false
        }
    }
}
