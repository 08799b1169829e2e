//! Actions acknowledged while an order's creation is still running are never undone by the
//! creation finishing: create, pause at once, wait for PAUSED, delete — the order stays
//! DELETED, in memory and in the database, looped a few hundred times by concurrent users.

use crate::archive::{add_products, tape_root, with_storages};
use crate::backend_tests;
use crate::helpers::{TENANT, TestApp, spawn_app_with};
use futures::TryStreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::FileFilter;
use std::time::Duration;

backend_tests!(a_deletion_during_creation_is_never_undone);

/// Concurrent users, each looping `ROUNDS` times.
const USERS: usize = 4;
const ROUNDS: usize = 75;
/// Files per order: enough that creation takes a while.
const FILES: usize = 300;

async fn a_deletion_during_creation_is_never_undone(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 2_000, 1)).await;
    add_products(&app, &tape_root(app.dir.path()), "r", FILES, 8).await;
    let loops = (0..USERS).map(|u| race_loop(&app, u));
    let ids: Vec<i64> = futures::future::join_all(loops).await.concat();
    assert_eq!(ids.len(), USERS * ROUNDS);
    // Whatever creation did afterwards, every order stays DELETED, with no file left.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let tenant = Tenant::parse(TENANT).expect("tenant");
    for (i, id) in ids.iter().enumerate() {
        let token = app.user(&format!("racer{}@x.fr", i / ROUNDS));
        let order = app.order(&token, *id).await;
        assert_eq!(order["status"], "DELETED", "order {id} in memory: {order}");
        let stored = app
            .state
            .store
            .order_header(&tenant, *id)
            .await
            .expect("read");
        let status = stored.expect("stored").header.status;
        assert_eq!(status.as_str(), "DELETED", "order {id} in the database");
        let files: Vec<_> = app
            .state
            .store
            .order_files(&tenant, *id, &FileFilter::default())
            .try_collect()
            .await
            .expect("files");
        assert!(files.is_empty(), "order {id} kept {} files", files.len());
    }
}

/// One user's rounds of create → pause → wait PAUSED → delete; answers the order ids.
async fn race_loop(app: &TestApp, user: usize) -> Vec<i64> {
    let token = app.user(&format!("racer{user}@x.fr"));
    let mut ids = Vec::new();
    for _ in 0..ROUNDS {
        let id = app.order_of(&token, "group:r").await;
        let (status, messages) = app
            .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &token)
            .await;
        assert_eq!(status, 200, "pause of {id}: {messages:?}");
        app.wait_status(&token, id, "PAUSED").await;
        let (status, messages) = app
            .lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
            .await;
        assert_eq!(status, 200, "delete of {id}: {messages:?}");
        let order = app.order(&token, id).await;
        assert_eq!(
            order["status"], "DELETED",
            "right after the delete: {order}"
        );
        ids.push(id);
    }
    ids
}
