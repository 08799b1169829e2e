//! regards-order: an order engine for Earth-observation and scientific data archives,
//! API-compatible with the Order service of REGARDS.

pub mod amqp;
pub mod app;
pub mod auth;
pub mod basket;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod downloads;
pub mod engine_setup;
pub mod events;
pub mod fuzzing;
pub mod http;
pub mod mail;
pub mod orders;
pub mod routes;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
