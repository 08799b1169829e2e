//! OrderController: creation, reading, and every lifecycle action with its status codes.

use crate::archive::{add_products, online_root, tape_root, with_storages};
use crate::backend_tests;
use crate::fixtures::{DS1, selection, standard_catalogue};
use crate::helpers::{TestApp, json, messages, spawn_app_with};
use regards_order::auth::Role;
use serde_json::json;

backend_tests!(
    creation_answers_pending_then_completes_from_the_basket,
    creation_refusals_and_generated_labels,
    empty_basket_gives_done_with_warning,
    applicative_orders_need_admin,
    reading_follows_the_owner_rule,
    nearline_files_pass_through_pending,
    pause_and_resume_during_retrieval,
    delete_and_remove,
    restart_creates_a_new_order_from_the_same_basket,
    retry_recovers_files_in_error,
    expiration_stops_the_order_at_its_date,
    my_orders_are_paged_newest_first_without_deleted,
);

/// An app with the archive storages (nearline restores take `delay_ms`, 2 drives).
async fn archive_app(app: TestApp, delay_ms: u64) -> TestApp {
    let backend = app.backend;
    drop(app);
    spawn_app_with(backend, |s, dir| with_storages(s, dir, delay_ms, 2)).await
}

async fn creation_answers_pending_then_completes_from_the_basket(app: TestApp) {
    let app = archive_app(app, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 3, 100).await;
    let token = app.user("u@x.fr");
    app.select_q(&token, "group:on").await;
    let response = app.create_order(&token, Some("my order")).await;
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    let order = &created["content"];
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["label"], "my order");
    assert!(order.get("expirationDate").is_none());
    assert_eq!(order["datasetTasks"], json!([]));
    let rels: Vec<&str> = created["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert_eq!(rels, vec!["self", "list", "pause"]);
    // The basket is consumed.
    assert_eq!(app.get_basket(&token).await.status(), 204);

    let id = order["id"].as_i64().expect("id");
    let done = app.wait_status(&token, id, "DONE").await;
    assert_eq!(done["percentCompleted"], 100);
    assert_eq!(done["availableFilesCount"], 3);
    assert_eq!(done["filesInErrorCount"], 0);
    assert_eq!(done["waitingForUser"], true);
    assert!(done["expirationDate"].is_string());
    let task = &done["datasetTasks"][0];
    assert_eq!(task["datasetLabel"], "Archive");
    assert_eq!(task["objectsCount"], 3);
    assert_eq!(task["filesCount"], 3);
    assert_eq!(task["filesSize"], 300);
}

async fn creation_refusals_and_generated_labels(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    assert_eq!(
        app.create_order(&token, None).await.status(),
        204,
        "no basket"
    );
    app.select(&token, &selection(Some(DS1), None)).await;
    let long = "this-label-has-too-many-characters-if-we-append(51)";
    let response = app.create_order(&token, Some(long)).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        messages(response).await,
        vec!["TOO_MANY_CHARACTERS_IN_LABEL"]
    );
    assert_eq!(
        app.get_basket(&token).await.status(),
        200,
        "basket untouched"
    );
    let first = json(app.create_order(&token, Some("same")).await).await;
    assert_eq!(first["content"]["label"], "same");
    app.select(&token, &selection(Some(DS1), None)).await;
    let response = app.create_order(&token, Some("same")).await;
    assert_eq!(response.status(), 422);
    assert_eq!(messages(response).await, vec!["LABEL_NOT_UNIQUE_FOR_OWNER"]);
    // Another user may use the same label.
    let other = app.user("v@x.fr");
    app.select(&other, &selection(Some(DS1), None)).await;
    assert_eq!(app.create_order(&other, Some("same")).await.status(), 201);
    let generated = json(app.create_order(&token, None).await).await;
    let label = generated["content"]["label"].as_str().expect("label");
    let pattern =
        regex::Regex::new(r"^Order of \d{4}/\d{2}/\d{2} at \d{2}:\d{2}:\d{2}$").expect("regex");
    assert!(pattern.is_match(label), "{label}");
    let malformed = app
        .post("/user/orders", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(malformed.status(), 400, "the body is required");
}

async fn empty_basket_gives_done_with_warning(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(Some(DS1), None)).await).await;
    let id = basket["content"]["datasetSelections"][0]["id"]
        .as_i64()
        .expect("id");
    app.delete(&format!("/order/basket/dataset/{id}"), &token)
        .send()
        .await
        .expect("request");
    let order = json(app.create_order(&token, None).await).await;
    let id = order["content"]["id"].as_i64().expect("id");
    let done = app.wait_status(&token, id, "DONE_WITH_WARNING").await;
    assert_eq!(done["datasetTasks"], json!([]));
}

async fn applicative_orders_need_admin(app: TestApp) {
    standard_catalogue(&app).await;
    let user = app.user("u@x.fr");
    app.select(&user, &selection(Some(DS1), None)).await;
    let refused = app
        .post("/orders", &user)
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);
    let admin = app.admin();
    app.select(&admin, &selection(Some(DS1), None)).await;
    let created = app
        .post("/orders", &admin)
        .json(&json!({"label": "app"}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let order = json(created).await;
    assert_eq!(order["content"]["owner"], "admin@regards.fr");
}

async fn reading_follows_the_owner_rule(app: TestApp) {
    standard_catalogue(&app).await;
    let owner = app.user("u@x.fr");
    let id = app.order_of(&owner, "*").await;
    assert_eq!(app.get_order(&owner, id).await.status(), 200);
    let other = app.get_order(&app.user("v@x.fr"), id).await;
    assert_eq!(other.status(), 403);
    assert!(other.text().await.expect("body").is_empty());
    assert_eq!(
        app.get_order(&app.admin(), id).await.status(),
        403,
        "ADMIN is not enough to read"
    );
    for role in [Role::ProjectAdmin, Role::InstanceAdmin] {
        assert_eq!(
            app.get_order(&app.token("boss@x.fr", role), id)
                .await
                .status(),
            200
        );
    }
    let unknown = app.get_order(&owner, 999_999).await;
    assert_eq!(unknown.status(), 404);
    let elsewhere = app.token_for("project2", "u@x.fr", Role::RegisteredUser);
    assert_eq!(
        app.get_order(&elsewhere, id).await.status(),
        404,
        "other tenant"
    );
    assert_eq!(
        app.get_order(&app.token("p@x.fr", Role::Public), id)
            .await
            .status(),
        403
    );
}

async fn nearline_files_pass_through_pending(app: TestApp) {
    let app = archive_app(app, 300).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 4, 1000).await;
    add_products(&app, &online_root(app.dir.path()), "disk", 1, 1000).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    let running = app.wait_status(&token, id, "RUNNING").await;
    assert!(running["percentCompleted"].as_i64().expect("percent") < 100);
    let partial = app
        .wait_order(&token, id, "some files available", |o| {
            o["availableFilesCount"].as_i64().unwrap_or(0) > 0 && o["status"] == "RUNNING"
        })
        .await;
    assert!(partial["percentCompleted"].as_i64().expect("percent") > 0);
    let done = app.wait_status(&token, id, "DONE").await;
    assert_eq!(done["availableFilesCount"], 5);
    assert_eq!(done["percentCompleted"], 100);
}

async fn pause_and_resume_during_retrieval(app: TestApp) {
    let app = archive_app(app, 400).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 6, 10).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    app.wait_status(&token, id, "RUNNING").await;
    let other = app.user("v@x.fr");
    let (status, codes) = app
        .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &other)
        .await;
    assert_eq!(
        (status, codes),
        (401, vec!["USER_NOT_ALLOWED_TO_MANAGE_ORDER".to_owned()])
    );
    // Read twice before the change, once after: the answer follows the order.
    for _ in 0..2 {
        assert!(
            link_rels(&app, &token, id)
                .await
                .contains(&"pause".to_owned())
        );
    }
    let (status, _) = app
        .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &token)
        .await;
    assert_eq!(status, 200);
    let paused = app.order(&token, id).await;
    assert_eq!(paused["status"], "PAUSED");
    assert!(
        !link_rels(&app, &token, id)
            .await
            .contains(&"pause".to_owned())
    );
    let (status, codes) = app
        .lifecycle("PUT", &format!("/user/orders/pause/{id}"), &token)
        .await;
    assert_eq!(
        (status, codes),
        (401, vec!["ORDER_MUST_BE_PENDING_OR_RUNNING".to_owned()])
    );
    // Resume succeeds once the retrievals in flight have ended.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (status, codes) = app
            .lifecycle("PUT", &format!("/user/orders/resume/{id}"), &token)
            .await;
        if status == 200 {
            break;
        }
        assert_eq!(
            (status, codes),
            (401, vec!["ORDER_MUST_BE_PAUSED".to_owned()])
        );
        assert!(
            std::time::Instant::now() < deadline,
            "never effectively paused"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let done = app.wait_status(&token, id, "DONE").await;
    assert_eq!(done["availableFilesCount"], 6);
    let (status, codes) = app
        .lifecycle("PUT", &format!("/user/orders/resume/{id}"), &token)
        .await;
    assert_eq!(
        (status, codes),
        (401, vec!["ORDER_MUST_BE_PAUSED".to_owned()])
    );
    let (status, _) = app
        .lifecycle("PUT", "/user/orders/pause/424242", &token)
        .await;
    assert_eq!(status, 404);
}

async fn delete_and_remove(app: TestApp) {
    let app = archive_app(app, 2000).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 1, 10).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    app.wait_status(&token, id, "RUNNING").await;
    let (status, codes) = app
        .lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        codes,
        vec!["ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_PAUSED_OR_FAILED_OR_EXPIRED"]
    );
    // A paused order may be deleted even before it is effectively paused.
    assert_eq!(
        app.lifecycle("PUT", &format!("/user/orders/pause/{id}"), &token)
            .await
            .0,
        200
    );
    let super_admin = app.token("root@x.fr", Role::ProjectAdmin);
    let (status, codes) = app
        .lifecycle("DELETE", &format!("/user/orders/remove/{id}"), &super_admin)
        .await;
    assert_eq!(
        (status, codes),
        (401, vec!["ORDER_MUST_BE_DELETED".to_owned()])
    );
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
            .await
            .0,
        200
    );
    let deleted = app.order(&token, id).await;
    assert_eq!(deleted["status"], "DELETED");
    assert_eq!(deleted["availableFilesCount"], 0);
    assert_eq!(deleted["waitingForUser"], false);
    // The same order read by its owner, a super-admin, then its owner again: each sees the
    // links of his own role, whoever read it first.
    for (reader, removable) in [(&token, false), (&super_admin, true), (&token, false)] {
        let rels = link_rels(&app, reader, id).await;
        assert_eq!(rels.contains(&"remove".to_owned()), removable, "{rels:?}");
    }
    // Remove: super-admins only (an ADMIN's token is below the endpoint's role).
    let (status, _) = app
        .lifecycle("DELETE", &format!("/user/orders/remove/{id}"), &app.admin())
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .lifecycle("DELETE", &format!("/user/orders/remove/{id}"), &token)
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/remove/{id}"), &super_admin)
            .await
            .0,
        200
    );
    assert_eq!(app.get_order(&token, id).await.status(), 404);
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
            .await
            .0,
        404
    );
}

async fn restart_creates_a_new_order_from_the_same_basket(app: TestApp) {
    let app = archive_app(app, 0).await;
    add_products(&app, &online_root(app.dir.path()), "on", 2, 50).await;
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    let path = format!("/user/orders/{id}/restart");
    let early = app
        .post(&path, &token)
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    // Either still running (refused) or already done (accepted): only a refusal is checked here.
    if early.status() == 401 {
        assert_eq!(
            messages(early).await,
            vec!["ORDER_MUST_BE_DONE_OR_DONE_WITH_WARNING_OR_FAILED"]
        );
    }
    app.wait_status(&token, id, "DONE").await;
    let refused = app
        .post(&path, &app.user("v@x.fr"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let response = app
        .post(&path, &token)
        .json(&json!({"label": "again"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let new = json(response).await;
    let new_id = new["content"]["id"].as_i64().expect("id");
    assert_ne!(new_id, id);
    assert_eq!(new["content"]["label"], "again");
    let done = app.wait_status(&token, new_id, "DONE").await;
    assert_eq!(done["datasetTasks"][0]["filesCount"], 2);
    assert_eq!(
        app.order(&token, id).await["status"],
        "DONE",
        "the old order is untouched"
    );
    let duplicate = app
        .post(&path, &token)
        .json(&json!({"label": "again"}))
        .send()
        .await
        .expect("request");
    assert_eq!(duplicate.status(), 422);
}

async fn retry_recovers_files_in_error(app: TestApp) {
    let app = archive_app(app, 0).await;
    let files = add_products(&app, &online_root(app.dir.path()), "on", 3, 10).await;
    std::fs::rename(&files[0], app.path("moved.dat")).expect("move");
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    let (status, codes) = app
        .lifecycle("PUT", &format!("/user/orders/{id}/retry"), &token)
        .await;
    if status == 401 {
        assert!(
            codes == vec!["ORDER_MUST_BE_DONE_WITH_WARNING_OR_FAILED"],
            "{codes:?}"
        );
    }
    let warned = app.wait_status(&token, id, "DONE_WITH_WARNING").await;
    assert_eq!(warned["filesInErrorCount"], 1);
    assert_eq!(warned["availableFilesCount"], 2);
    std::fs::rename(app.path("moved.dat"), &files[0]).expect("move back");
    let (status, _) = app
        .lifecycle(
            "PUT",
            &format!("/user/orders/{id}/retry"),
            &app.user("v@x.fr"),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        app.lifecycle("PUT", &format!("/user/orders/{id}/retry"), &token)
            .await
            .0,
        200
    );
    let done = app.wait_status(&token, id, "DONE").await;
    assert_eq!(done["filesInErrorCount"], 0);
    assert_eq!(done["availableFilesCount"], 3);
}

async fn expiration_stops_the_order_at_its_date(app: TestApp) {
    let app = archive_app(app, 60_000).await;
    add_products(&app, &tape_root(app.dir.path()), "tape", 1, 10).await;
    let admin = app.admin();
    // 0.0005 h = 1.8 s of lifetime.
    let response = app
        .put("/settings/expiration_max_duration_in_hours", &admin)
        .json(&json!({"value": 0.0005}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let token = app.user("u@x.fr");
    let id = app.order_of(&token, "*").await;
    let running = app.wait_status(&token, id, "RUNNING").await;
    assert!(running["expirationDate"].is_string());
    let expired = app.wait_status(&token, id, "EXPIRED").await;
    assert_eq!(expired["availableFilesCount"], 0);
    assert_eq!(expired["waitingForUser"], false);
    // An expired order can be deleted.
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{id}"), &token)
            .await
            .0,
        200
    );
}

async fn my_orders_are_paged_newest_first_without_deleted(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let mut ids = Vec::new();
    for i in 0..3 {
        app.select(&token, &selection(Some(DS1), None)).await;
        let order = json(app.create_order(&token, Some(&format!("o{i}"))).await).await;
        ids.push(order["content"]["id"].as_i64().expect("id"));
    }
    app.order_of(&app.user("other@x.fr"), "*").await;
    // The standard catalogue's files are not on disk: these orders end FAILED.
    for id in &ids {
        app.wait_status(&token, *id, "FAILED").await;
    }
    assert_eq!(
        app.lifecycle("DELETE", &format!("/user/orders/{}", ids[0]), &token)
            .await
            .0,
        200
    );
    let page = json(
        app.get("/user/orders?page=0&size=1", &token)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(
        page["metadata"],
        json!({"size": 1, "totalElements": 2, "totalPages": 2, "number": 0})
    );
    assert_eq!(page["content"][0]["content"]["id"], ids[2]);
    let rels: Vec<&str> = page["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert_eq!(rels, vec!["self", "first", "next", "last"]);
    let all = json(
        app.get("/user/orders", &token)
            .send()
            .await
            .expect("request"),
    )
    .await;
    let listed: Vec<i64> = all["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|o| o["content"]["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed, vec![ids[2], ids[1]]);
}

/// The `rel`s of the order's links as `reader` reads it.
async fn link_rels(app: &TestApp, reader: &str, id: i64) -> Vec<String> {
    let response = app.get_order(reader, id).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    body["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel").to_owned())
        .collect()
}
