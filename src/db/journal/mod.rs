//! The engine's journal on one backend: batches of changes, creation's content, and what
//! activation and recovery read back. Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod changes;
mod creation;
mod port;
mod reads;
mod recovery;
