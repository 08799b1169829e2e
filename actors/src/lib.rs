//! Domain, actors and ports of the regards-order engine.
//!
//! This crate knows nothing of HTTP or SQL: it holds the pure domain types and their rules,
//! and the traits ("ports") that the service implements for its databases and storages.

pub mod domain;
pub mod engine;
pub mod ports;
