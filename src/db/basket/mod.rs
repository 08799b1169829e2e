//! Baskets on one backend, live and archived for orders. Compiled once per backend (see
//! `db/mod.rs`).

use super::{Db, SqlStore};

mod archive;
mod port;
mod read;
mod write;
