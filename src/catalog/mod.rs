//! The catalogue held by the service: STAC import, the `q` query language, and the
//! evaluation of basket selections against it.

pub mod import;
pub mod query;
pub mod search;
pub mod selection;
