//! An action whose commit fails because an outage has just begun (before the service noticed
//! it) answers 503 and is applied nowhere: not in memory, not in the database once it is back,
//! even though progress made before it is kept and written.

use crate::archive::{add_products, online_root, tape_root, with_storages};
use crate::helpers::{Backend, TENANT, spawn_app_with};
use crate::outage::chattr_permitted;
use regards_order_actors::domain::Tenant;
use std::process::Command;
use std::time::{Duration, Instant};

fn chattr(flag: &str, files: &[std::path::PathBuf]) {
    for file in files {
        let done = Command::new("chattr").arg(flag).arg(file).status();
        assert!(
            done.is_ok_and(|s| s.success()),
            "chattr {flag} {}",
            file.display()
        );
    }
}

#[actix_web::test]
async fn a_pause_refused_by_a_failed_commit_is_never_applied() {
    let probe = tempfile::tempdir().expect("temp dir");
    if !chattr_permitted(probe.path()) {
        eprintln!("chattr +i is not permitted here: the test is skipped");
        return;
    }
    // Progress waits 3 s before it is written: the pause finds it unwritten.
    let app = spawn_app_with(Backend::Sqlite, |s, dir| {
        with_storages(s, dir, 600_000, 1);
        s.engine.flush_delay_ms = 3_000;
        s.engine.commit_timeout_secs = 2;
    })
    .await;
    add_products(&app, &online_root(app.dir.path()), "fast", 1, 10).await;
    add_products(&app, &tape_root(app.dir.path()), "slow", 1, 10).await;
    let user = app.user("u@x.fr");
    let id = app.order_of(&user, "group:fast OR group:slow").await;
    app.wait_order(&user, id, "a file available", |o| {
        o["availableFilesCount"] == 1
    })
    .await;
    let files = [
        app.dir.path().join("test.db"),
        app.dir.path().join("test.db-wal"),
    ];
    chattr("+i", &files);
    let (status, _) = app
        .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &user)
        .await;
    chattr("-i", &files);
    assert_eq!(status, 503, "the pause could not be committed");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = app
            .client
            .get(app.url("/ready"))
            .send()
            .await
            .expect("ready");
        if ready.status() == 200 && app.get_order(&user, id).await.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never ready again");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // The progress shown reaches the database (the header within a flush delay of the
    // actor's reload); the pause is nowhere.
    let tenant = Tenant::parse(TENANT).expect("tenant");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let order = app.order(&user, id).await;
        assert_eq!(order["status"], "RUNNING", "{order}");
        let stored = app.state.store.order_header(&tenant, id).await;
        let header = stored.expect("read").expect("stored").header;
        assert_eq!(header.status.as_str(), "RUNNING", "in the database");
        if header.available_count == 1 && order["availableFilesCount"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the progress never came back: {order}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}
