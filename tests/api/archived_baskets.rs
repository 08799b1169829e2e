//! The basket an order was made from is archived apart from users' baskets: no e-mail names
//! it (not even `ORDER_<id>`, the original's name for it), and restart and removal use it.

use crate::archive::{add_products, online_root};
use crate::backend_tests;
use crate::downloads::archive_app;
use crate::helpers::{Backend, TENANT, TestApp, create_pg_database, json, with_database};
use regards_order::auth::Role;
use regards_order_actors::domain::{BasketSelectionRequest, FileTypeSummary, Tenant};
use serde_json::json;

backend_tests!(
    a_user_named_after_an_order_sees_only_his_own_basket,
    migration_moves_archives_apart,
);

fn tenant() -> Tenant {
    Tenant::parse(TENANT).expect("tenant")
}

async fn a_user_named_after_an_order_sees_only_his_own_basket(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    add_products(&app, &online_root(app.dir.path()), "arch", 2, 50).await;
    add_products(&app, &online_root(app.dir.path()), "mine", 1, 50).await;
    let owner = app.user("u@x.fr");
    let id = app.order_of(&owner, "group:arch").await;
    app.wait_status(&owner, id, "DONE").await;
    assert_eq!(
        app.get_basket(&owner).await.status(),
        204,
        "the basket was archived"
    );
    let store = &app.state.store;
    assert!(
        store
            .archived_basket(&tenant(), id)
            .await
            .expect("read")
            .is_some()
    );

    // A user whose e-mail is the original's name of that archive has no basket…
    let named = app.user(&format!("ORDER_{id}"));
    assert_eq!(app.get_basket(&named).await.status(), 204);
    // …and what he does with his own leaves the archive alone.
    app.select_q(&named, "group:mine").await;
    let his = json(app.get_basket(&named).await).await;
    assert_eq!(
        his["content"]["datasetSelections"][0]["objectsCount"], 1,
        "{his}"
    );
    let cleared = app
        .delete("/order/basket", &named)
        .send()
        .await
        .expect("request");
    assert_eq!(cleared.status(), 204);
    app.select_q(&named, "group:mine").await;

    // The archive still makes the restart, with the original selection.
    let restarted = app
        .post(&format!("/user/orders/{id}/restart"), &owner)
        .json(&json!({"label": "again"}))
        .send()
        .await
        .expect("request");
    assert_eq!(restarted.status(), 201);
    let new_id = json(restarted).await["content"]["id"].as_i64().expect("id");
    let again = app.wait_status(&owner, new_id, "DONE").await;
    assert_eq!(again["datasetTasks"][0]["objectsCount"], 2, "{again}");
    assert!(
        store
            .archived_basket(&tenant(), new_id)
            .await
            .expect("read")
            .is_some()
    );

    // Removal takes the order's archive, not the user's basket of the same name.
    let (status, _) = app
        .lifecycle("DELETE", &format!("/user/orders/{id}"), &owner)
        .await;
    assert_eq!(status, 200);
    let root = app.token("root@x.fr", Role::InstanceAdmin);
    let (status, _) = app
        .lifecycle("DELETE", &format!("/user/orders/remove/{id}"), &root)
        .await;
    assert_eq!(status, 200);
    assert!(
        store
            .archived_basket(&tenant(), id)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .archived_basket(&tenant(), new_id)
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        app.get_basket(&named).await.status(),
        200,
        "his basket stays"
    );
}

/// Rows of a database at version 5: order 5 of u@x.fr with its archive `ORDER_5` (one
/// selection, one item), the copy `RESTART_ORDER_5` an interrupted restart left, u's live
/// basket, and the live basket of a user whose e-mail is `ORDER_77` (no such order).
fn version_5_rows() -> String {
    let summary = serde_json::to_string(&FileTypeSummary::default()).expect("json");
    let request = serde_json::to_string(&BasketSelectionRequest {
        engine_type: "legacy".into(),
        dataset_urn: None,
        search_parameters: Default::default(),
        entity_ids_to_include: None,
        entity_ids_to_exclude: None,
        selection_date: None,
    })
    .expect("json");
    format!(
        "INSERT INTO orders (id, tenant, owner, label, kind, creation_date, status, status_date, \
         percent_completed, files_in_error, available_count, waiting_for_user, correlation_id) \
         VALUES (5, '{TENANT}', 'u@x.fr', 'l', 'USER', '2024-01-01T00:00:00Z', 'DONE', \
         '2024-01-01T00:00:00Z', 100, 0, 0, FALSE, 'c');
         INSERT INTO baskets (id, tenant, owner) VALUES (1, '{TENANT}', 'ORDER_5'), \
         (2, '{TENANT}', 'RESTART_ORDER_5'), (3, '{TENANT}', 'u@x.fr'), (4, '{TENANT}', 'ORDER_77');
         INSERT INTO basket_datasets (id, tenant, basket_id, dataset_urn, dataset_label, summary) \
         VALUES (10, '{TENANT}', 1, 'URN:DS', 'DS', '{summary}'), \
         (11, '{TENANT}', 2, 'URN:DS', 'DS', '{summary}');
         INSERT INTO basket_items (tenant, basket_dataset_id, date, request, summary) \
         VALUES ('{TENANT}', 10, '2024-01-01T00:00:00Z', '{request}', '{summary}'), \
         ('{TENANT}', 11, '2024-01-01T00:00:00Z', '{request}', '{summary}');"
    )
}

/// A new database migrated to version 5 and holding `version_5_rows`; answers its URL.
async fn database_at_version_5(app: &TestApp) -> String {
    use regards_order::db::migrations;
    let sql = sqlx::AssertSqlSafe(version_5_rows());
    match app.backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}/v5.db?mode=rwc", app.dir.path().display());
            let pool = sqlx::SqlitePool::connect(&url).await.expect("open SQLite");
            migrations::sqlite()
                .run_to(5, &pool)
                .await
                .expect("migrate to 5");
            sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .expect("version 5 rows");
            pool.close().await;
            url
        }
        Backend::Postgres => {
            let (server, name) = create_pg_database().await;
            let url = with_database(&server, &name);
            let pool = sqlx::PgPool::connect(&url).await.expect("open Postgres");
            migrations::postgres()
                .run_to(5, &pool)
                .await
                .expect("migrate to 5");
            sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .expect("version 5 rows");
            pool.close().await;
            url
        }
    }
}

async fn migration_moves_archives_apart(app: TestApp) {
    let url = database_at_version_5(&app).await;
    let store = regards_order::db::connect(&url).await.expect("migrated");
    let t = tenant();
    let archive = store
        .archived_basket(&t, 5)
        .await
        .expect("read")
        .expect("archive of order 5");
    assert_eq!(archive.owner, "u@x.fr");
    assert_eq!(archive.selections.len(), 1);
    assert_eq!(archive.selections[0].items.len(), 1);
    for gone in ["ORDER_5", "RESTART_ORDER_5"] {
        assert!(
            store.load_basket(&t, gone).await.expect("read").is_none(),
            "{gone}"
        );
    }
    let live = store
        .load_basket(&t, "u@x.fr")
        .await
        .expect("read")
        .expect("u's basket");
    assert_eq!(live.id, 3);
    let named = store
        .load_basket(&t, "ORDER_77")
        .await
        .expect("read")
        .expect("a user's");
    assert_eq!(named.id, 4);
    // The rebuilt tables keep their keys: a live basket saves (reusing its row) and deletes,
    // the archive stays.
    let mut changed = live.clone();
    changed.selections = archive.selections.clone();
    changed.selections[0].id = 0;
    let saved = store.save_basket(&t, &changed).await.expect("save");
    assert_eq!(saved.id, 3);
    store.delete_basket(&t, "u@x.fr").await.expect("delete");
    assert!(
        store
            .load_basket(&t, "u@x.fr")
            .await
            .expect("read")
            .is_none()
    );
    assert!(store.archived_basket(&t, 5).await.expect("read").is_some());
    if app.backend == Backend::Postgres {
        let dropped = url.rsplit('/').next().unwrap_or_default().to_owned();
        drop(store);
        drop_pg_database(&dropped).await;
    }
}

/// Drops a database made by `database_at_version_5`.
async fn drop_pg_database(name: &str) {
    use sqlx::Connection;
    let server = crate::helpers::postgres_url().expect("TEST_DATABASE_URL");
    let mut conn = sqlx::PgConnection::connect(&server)
        .await
        .expect("Postgres");
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("drop database");
}
