//! Migrations of each backend, embedded in the binary (no folder to ship, no build-time
//! database needed).

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// One migration: (version, description, SQL).
type Script = (i64, &'static str, &'static str);

const SQLITE: &[Script] = &[
    (
        1,
        "catalog and baskets",
        include_str!("../../migrations/sqlite/0001_catalog_and_baskets.sql"),
    ),
    (
        2,
        "orders",
        include_str!("../../migrations/sqlite/0002_orders.sql"),
    ),
    (
        3,
        "file crc",
        include_str!("../../migrations/sqlite/0003_file_crc.sql"),
    ),
    (
        4,
        "files by order",
        include_str!("../../migrations/sqlite/0004_files_by_order.sql"),
    ),
    (
        5,
        "health probe",
        include_str!("../../migrations/sqlite/0005_health_probe.sql"),
    ),
    (
        6,
        "archived baskets",
        include_str!("../../migrations/sqlite/0006_archived_baskets.sql"),
    ),
    (
        7,
        "order events",
        include_str!("../../migrations/sqlite/0007_order_events.sql"),
    ),
    (
        8,
        "webhooks",
        include_str!("../../migrations/sqlite/0008_webhooks.sql"),
    ),
    (
        9,
        "order mails",
        include_str!("../../migrations/sqlite/0009_order_mails.sql"),
    ),
    (
        10,
        "amqp requests",
        include_str!("../../migrations/sqlite/0010_amqp_requests.sql"),
    ),
];

const POSTGRES: &[Script] = &[
    (
        1,
        "catalog and baskets",
        include_str!("../../migrations/postgres/0001_catalog_and_baskets.sql"),
    ),
    (
        2,
        "orders",
        include_str!("../../migrations/postgres/0002_orders.sql"),
    ),
    (
        3,
        "file crc",
        include_str!("../../migrations/postgres/0003_file_crc.sql"),
    ),
    (
        4,
        "files by order",
        include_str!("../../migrations/postgres/0004_files_by_order.sql"),
    ),
    (
        5,
        "health probe",
        include_str!("../../migrations/postgres/0005_health_probe.sql"),
    ),
    (
        6,
        "archived baskets",
        include_str!("../../migrations/postgres/0006_archived_baskets.sql"),
    ),
    (
        7,
        "order events",
        include_str!("../../migrations/postgres/0007_order_events.sql"),
    ),
    (
        8,
        "webhooks",
        include_str!("../../migrations/postgres/0008_webhooks.sql"),
    ),
    (
        9,
        "order mails",
        include_str!("../../migrations/postgres/0009_order_mails.sql"),
    ),
    (
        10,
        "amqp requests",
        include_str!("../../migrations/postgres/0010_amqp_requests.sql"),
    ),
];

fn migrator(scripts: &[Script]) -> Migrator {
    let migrations = scripts
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                (*description).into(),
                MigrationType::Simple,
                (*sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// The SQLite migrations.
pub fn sqlite() -> Migrator {
    migrator(SQLITE)
}

/// The Postgres migrations.
pub fn postgres() -> Migrator {
    migrator(POSTGRES)
}
