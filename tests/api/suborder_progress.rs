//! `GET /orders/{id}/filesTasks`: each sub-order of an order with its files counted per state,
//! as the order moves from restoring to done to downloaded; owner rule, paging, bad input.

use crate::archive::{online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::downloads::{add_files, order_files, poll, send, settled};
use crate::helpers::{TestApp, json, spawn_app_with};
use serde_json::{Value, json};
use std::collections::HashMap;

backend_tests!(
    each_suborder_tells_where_its_files_stand,
    suborder_listing_pages_and_refusals,
);

/// The listing's entries (content only), all on one page.
async fn suborders(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let page = json(send(app.get(&format!("/orders/{id}/filesTasks?size=100"), token)).await).await;
    page["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|e| e["content"].clone())
        .collect()
}

/// The sub-order holding the file named `name`.
fn suborder_of(files: &[Value], name: &str) -> i64 {
    files
        .iter()
        .find(|f| f["filename"] == name)
        .and_then(|f| f["filesTaskId"].as_i64())
        .expect("file's sub-order")
}

/// Per sub-order, per state, the files the order's file listing shows.
fn states_by_suborder(files: &[Value]) -> HashMap<i64, HashMap<String, u64>> {
    let mut found: HashMap<i64, HashMap<String, u64>> = HashMap::new();
    for f in files {
        let suborder = f["filesTaskId"].as_i64().expect("filesTaskId");
        let state = f["state"].as_str().expect("state").to_owned();
        *found.entry(suborder).or_default().entry(state).or_default() += 1;
    }
    found
}

async fn each_suborder_tells_where_its_files_stand(app: TestApp) {
    // Two files per sub-order; one drive restoring for 2 s each: the tape's first sub-order is
    // still restoring once an online one is ready.
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| {
        with_storages(s, dir, 2000, 1);
        s.orders.max_files_per_suborder = 2;
    })
    .await;
    let dir = app.dir.path().to_owned();
    let tape = add_files(&app, &tape_root(&dir), "near", 2, 400).await;
    let online = add_files(&app, &online_root(&dir), "now", 3, 100).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    app.wait_status(&token, id, "RUNNING").await;
    let files = order_files(&app, &token, id).await;
    let near = suborder_of(&files, "near-0.dat");

    let listed = poll("an online sub-order ready", || async {
        let listed = suborders(&app, &token, id).await;
        let ready = listed.iter().any(|s| {
            s["pendingCount"] == 0 && s["availableCount"] == s["filesCount"] && s["id"] != near
        });
        ready.then_some(listed)
    })
    .await;
    assert!(listed.len() >= 3, "5 files, 2 per sub-order: {listed:?}");
    let ready = listed
        .iter()
        .find(|s| s["pendingCount"] == 0 && s["id"] != near)
        .expect("a ready sub-order");
    assert_eq!(ready["percentCompleted"], 100);
    assert_eq!(ready["waitingForUser"], true);
    assert_eq!(ready["orderId"], id);
    let sizes: u64 = files
        .iter()
        .filter(|f| f["filesTaskId"] == ready["id"])
        .map(|f| f["filesize"].as_u64().expect("filesize"))
        .sum();
    assert_eq!(ready["filesSize"], sizes);
    // Restoring, or waiting for a slot (two per user, a ready sub-order holds one).
    let restoring = listed.iter().find(|s| s["id"] == near).expect("tape's");
    assert!(
        restoring["pendingCount"].as_u64().expect("pending") >= 1,
        "{restoring}"
    );
    assert!(
        restoring["percentCompleted"].as_u64().expect("percent") < 100,
        "{restoring}"
    );
    let total: u64 = listed
        .iter()
        .map(|s| s["filesCount"].as_u64().expect("filesCount"))
        .sum();
    assert_eq!(total, (tape.len() + online.len()) as u64);

    // Downloading the ready sub-order's files frees its slot: the others go on to DONE.
    let ready_id = ready["id"].clone();
    for f in files.iter().filter(|f| f["filesTaskId"] == ready_id) {
        let got = send(app.get(&format!("/orders/files/{}", f["id"]), &token)).await;
        assert_eq!(got.status(), 200);
        got.bytes().await.expect("bytes");
    }
    // Once DONE, every count agrees with the order's file listing, sub-order by sub-order.
    settled(&app, &token, id, "DONE").await;
    let files = order_files(&app, &token, id).await;
    let expected = states_by_suborder(&files);
    let page =
        json(send(app.get(&format!("/orders/{id}/filesTasks?size=100"), &token)).await).await;
    let entries = page["content"].as_array().expect("content");
    assert_eq!(entries.len(), expected.len());
    for entry in entries {
        let s = &entry["content"];
        let states = &expected[&s["id"].as_i64().expect("id")];
        let of = |state: &str| states.get(state).copied().unwrap_or(0);
        assert_eq!(s["availableCount"], of("AVAILABLE"), "{s}");
        assert_eq!(s["pendingCount"], 0, "{s}");
        assert_eq!(s["percentCompleted"], 100, "{s}");
        assert_eq!(s["filesCount"], states.values().sum::<u64>(), "{s}");
        // The sub-order's link lists exactly its available files.
        let href = entry["links"][0]["href"].as_str().expect("available link");
        let link = json(send(app.client.get(href).bearer_auth(&token)).await).await;
        assert_eq!(link["metadata"]["totalElements"], of("AVAILABLE"));
    }

    // A downloaded file moves to its sub-order's downloaded count.
    let near_file = files
        .iter()
        .find(|f| f["filename"] == "near-1.dat")
        .expect("near-1");
    let body = send(app.get(&format!("/orders/files/{}", near_file["id"]), &token)).await;
    assert_eq!(body.status(), 200);
    assert_eq!(&body.bytes().await.expect("bytes")[..], &tape[1].bytes[..]);
    let holder = near_file["filesTaskId"].clone();
    let before = expected[&holder.as_i64().expect("id")]["AVAILABLE"];
    let downloaded_before = expected[&holder.as_i64().expect("id")]
        .get("DOWNLOADED")
        .copied()
        .unwrap_or(0);
    let after = poll("the download counted", || async {
        let listed = suborders(&app, &token, id).await;
        listed
            .into_iter()
            .find(|s| s["id"] == holder && s["downloadedCount"] == downloaded_before + 1)
    })
    .await;
    assert_eq!(after["availableCount"], before - 1);
}

async fn suborder_listing_pages_and_refusals(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let app = spawn_app_with(backend, |s, dir| {
        with_storages(s, dir, 0, 2);
        s.orders.max_files_per_suborder = 1;
    })
    .await;
    let dir = app.dir.path().to_owned();
    add_files(&app, &tape_root(&dir), "pt", 2, 10).await;
    add_files(&app, &online_root(&dir), "po", 2, 10).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    app.wait_status(&token, id, "RUNNING").await;
    let path = format!("/orders/{id}/filesTasks");
    let all = json(send(app.get(&path, &token)).await).await;
    let count = all["metadata"]["totalElements"].as_u64().expect("total");
    assert_eq!(count, 4, "one file per sub-order: {all}");
    assert_eq!(all["metadata"]["size"], 20);
    let ids: Vec<i64> = all["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|e| e["content"]["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "by id: {ids:?}");
    for entry in all["content"].as_array().expect("content") {
        let href = entry["links"][0]["href"].as_str().expect("link");
        assert_eq!(entry["links"][0]["rel"], "available");
        assert!(
            href.ends_with(&format!(
                "/orders/{id}/filesTask/{}/files/available",
                entry["content"]["id"]
            )),
            "{href}"
        );
    }
    let second = json(send(app.get(&format!("{path}?page=1&size=1"), &token)).await).await;
    assert_eq!(
        second["metadata"],
        json!({"size": 1, "totalElements": count, "totalPages": count, "number": 1})
    );
    assert_eq!(second["content"][0]["content"]["id"], ids[1]);

    // Another user, an unknown order, a malformed page (who else may read it: the
    // authorization table).
    assert_eq!(
        send(app.get(&path, &app.user("v@x.fr"))).await.status(),
        403
    );
    assert_eq!(
        send(app.get("/orders/999999/filesTasks", &token))
            .await
            .status(),
        404
    );
    let bad = send(app.get(&format!("{path}?page=x"), &token)).await;
    assert_eq!(bad.status(), 400);
}
