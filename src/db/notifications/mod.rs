//! `NotificationStore` on this backend: what the creation e-mails and the reminders read and
//! mark on the order rows. Compiled once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};

mod port;
