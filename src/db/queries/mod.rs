//! What the services ask of the order tables on one backend: ids, new order rows, listings,
//! file pages and settings. Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod create;
mod files;
mod port;
mod search;
mod suborders;
