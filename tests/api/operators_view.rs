//! `/admin/actors` shows an operator his own tenant's orders; INSTANCE_ADMIN sees them all.

use crate::archive::{ARCHIVE_DS, tape_root, with_storages};
use crate::backend_tests;
use crate::fixtures::{collection, item_collection};
use crate::helpers::{TENANT, TestApp, json, spawn_app_with};
use regards_order::auth::Role;
use serde_json::{Value, json};

backend_tests!(operators_see_their_own_tenant_only);

const OTHER_TENANT: &str = "project2";

/// Imports one nearline file into `tenant`'s catalogue.
async fn one_product(app: &TestApp, tenant: &str) {
    let admin = app.token_for(tenant, "admin@regards.fr", Role::Admin);
    let path = tape_root(app.dir.path()).join(format!("{tenant}.dat"));
    std::fs::write(&path, vec![7u8; 64]).expect("write product");
    let item = json!({
        "type": "Feature", "stac_version": "1.0.0",
        "id": format!("URN:AIP:DATA:{tenant}:p:V1"), "collection": ARCHIVE_DS,
        "geometry": null, "properties": {"providerId": "p"}, "links": [],
        "assets": {"data": {"href": format!("file://{}", path.display()), "roles": ["data"],
                            "file:size": 64}}
    });
    for document in [
        collection(ARCHIVE_DS, "Archive"),
        item_collection(vec![item]),
    ] {
        let response = app
            .post("/catalog/import", &admin)
            .json(&document)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "import into {tenant}");
    }
}

/// `/admin/actors` as `role` of `tenant`: the (tenant, order id) of the listed order actors,
/// and the slot figures.
async fn actors_seen(app: &TestApp, tenant: &str, role: Role) -> (Vec<(String, i64)>, Value) {
    let token = app.token_for(tenant, "operator@regards.fr", role);
    let response = app
        .get("/admin/actors", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{role:?} of {tenant}");
    let status = json(response).await;
    let mut orders: Vec<(String, i64)> = status["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            let tenant = o["tenant"].as_str().expect("tenant").to_owned();
            (tenant, o["orderId"].as_i64().expect("order id"))
        })
        .collect();
    orders.sort();
    assert!(
        status["persistence"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    (orders, status["slots"].clone())
}

async fn operators_see_their_own_tenant_only(app: TestApp) {
    let backend = app.backend;
    drop(app);
    // Restores that never end: both orders stay RUNNING, their actors in memory.
    let app = spawn_app_with(backend, |s, dir| with_storages(s, dir, 600_000, 1)).await;
    one_product(&app, TENANT).await;
    one_product(&app, OTHER_TENANT).await;
    let mine = app.user("u@x.fr");
    let theirs = app.token_for(OTHER_TENANT, "u@x.fr", Role::RegisteredUser);
    let my_order = app.order_of(&mine, "*").await;
    let their_order = app.order_of(&theirs, "*").await;
    app.wait_status(&mine, my_order, "RUNNING").await;
    app.wait_status(&theirs, their_order, "RUNNING").await;
    let me = (TENANT.to_owned(), my_order);
    let them = (OTHER_TENANT.to_owned(), their_order);

    for role in [Role::Admin, Role::ProjectAdmin] {
        let (orders, slots) = actors_seen(&app, TENANT, role).await;
        assert_eq!(orders, vec![me.clone()], "{role:?} of {TENANT}");
        assert_eq!(slots["users"], 1, "{slots}");
        assert_eq!(
            slots["holders"],
            serde_json::json!([{"tenant": TENANT, "user": "u@x.fr", "held": 1, "waiting": 0}]),
            "the user holding a slot, of this tenant only"
        );
        let (orders, _) = actors_seen(&app, OTHER_TENANT, role).await;
        assert_eq!(orders, vec![them.clone()], "{role:?} of {OTHER_TENANT}");
    }
    let (orders, slots) = actors_seen(&app, TENANT, Role::InstanceAdmin).await;
    let mut every = vec![me, them];
    every.sort();
    assert_eq!(orders, every, "the instance's operator sees every tenant");
    assert_eq!(slots["users"], 2, "{slots}");
    // One tape drive: one restore runs, the other waits for it.
    let response = app
        .get("/admin/actors", &app.admin())
        .send()
        .await
        .expect("request");
    let view = json(response).await;
    let tape = view["storages"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == "tape"))
        .cloned()
        .expect("the tape storage");
    assert_eq!(tape["drives"], 1, "{tape}");
    assert_eq!(tape["busyDrives"], 1, "{tape}");
    assert_eq!(tape["queuedRestores"], 1, "{tape}");
    assert_eq!(tape["inFlight"], 2, "{tape}");
}
