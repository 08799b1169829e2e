//! The outbox on one backend: events written inside a change's transaction, and the
//! `EventLog` the delivery channels read. Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod log;
mod write;
