//! Black-box tests of the assembled service: each test gets its own port-0 server and its own
//! database — a temporary SQLite file, and a fresh Postgres database when `TEST_DATABASE_URL`
//! is set (every test runs on both backends then).

// Tests may panic on unexpected answers: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod amqp;
mod amqp_broker;
mod amqp_restart;
mod archive;
mod archived_baskets;
mod auth;
mod authorization;
mod authorization_table;
mod basket;
mod catalog;
mod catalog_search;
mod confinement;
mod contract;
mod csv_export;
mod download_marking;
mod downloads;
mod downloads_metalink;
mod downloads_zip;
mod downloads_zip_pages;
mod engine;
mod event_channels;
mod events_sse;
mod fixtures;
mod helpers;
mod lifecycle_race;
mod limits;
mod mail;
mod operations;
mod operators_view;
mod order_requests_pruning;
mod order_search;
mod order_settings;
mod order_store;
mod orders;
mod outage;
mod outage_actions;
mod pg_cluster;
mod process;
mod process_client;
mod public_files;
mod query;
mod recovery;
mod secrets;
mod sse_client;
mod streams;
mod suborder_progress;
mod ui_assets;
mod ui_browser;
mod webhook_receiver;
mod webhooks;
mod webhooks_crash;
