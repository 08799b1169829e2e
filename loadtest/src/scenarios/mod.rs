//! One module per scenario (the outage's probes and the stalled readers' rows in modules of
//! their own), run in the order of [`NAMES`].

use crate::env::Ctx;
use crate::report::Row;
use anyhow::{Result, bail};

mod big_order;
mod creation;
mod events;
mod events_receivers;
mod lifecycle;
mod metalink;
mod nearline;
mod outage;
mod outage_probes;
mod scale;
mod stalled_readers;
mod stalled_readers_rows;
pub mod status_reads;
mod zip;
mod zip_transfers;

pub const NAMES: &[&str] = &[
    "creation",
    "status-reads",
    "lifecycle-writes",
    "zip",
    "metalink",
    "nearline",
    "scale",
    "outage",
    "stalled-readers",
    "events",
];

/// Scenarios run only when named (`--scenario`), never by default.
pub const ON_DEMAND: &[&str] = &["big-order"];

/// Every scenario `--scenario` accepts.
pub fn all() -> impl Iterator<Item = &'static str> {
    NAMES.iter().chain(ON_DEMAND).copied()
}

pub async fn run(name: &str, ctx: &Ctx) -> Result<Vec<Row>> {
    match name {
        "creation" => creation::run(ctx).await,
        "big-order" => big_order::run(ctx).await,
        "status-reads" => status_reads::run(ctx).await,
        "lifecycle-writes" => lifecycle::run(ctx).await,
        "zip" => zip::run(ctx).await,
        "metalink" => metalink::run(ctx).await,
        "nearline" => nearline::run(ctx).await,
        "scale" => scale::run(ctx).await,
        "outage" => outage::run(ctx).await,
        "stalled-readers" => stalled_readers::run(ctx).await,
        "events" => events::run(ctx).await,
        other => bail!("unknown scenario {other}"),
    }
}
