//! The catalogue on one backend. Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod port;
mod scan;
mod writes;
