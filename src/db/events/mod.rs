//! The outbox on one backend: events written inside a change's transaction, the `EventLog`
//! the delivery channels read, and the order requests received over AMQP (whose answers
//! follow the outbox). Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod log;
mod requests;
mod write;
