//! BasketController: every endpoint and status code.

use crate::backend_tests;
use crate::fixtures::{DS1, DS2, selection, standard_catalogue};
use crate::helpers::{TestApp, json, messages};
use serde_json::{Value, json};

backend_tests!(
    no_basket_answers_204,
    selection_by_dataset_counts_objects_files_sizes_and_quota,
    selection_by_query_and_by_ids,
    selections_of_several_datasets_are_sorted_by_label,
    overlapping_selections_count_objects_once,
    same_selection_date_is_added_once,
    selection_without_files_answers_204_and_creates_nothing,
    blank_engine_type_or_bad_query_is_422,
    malformed_body_is_400,
    delete_basket_always_204,
    upload_of_provider_ids,
    upload_limits_and_empty_files,
    remove_dataset_selection,
    remove_dated_item_selection,
    processing_is_stored_and_exclusive_with_filters,
    file_filters_are_validated_and_stored,
    every_basket_endpoint_answers_204_without_basket,
    baskets_are_per_user,
);

fn selection_of<'a>(basket: &'a Value, dataset: &str) -> &'a Value {
    basket["content"]["datasetSelections"]
        .as_array()
        .expect("selections")
        .iter()
        .find(|s| s["datasetIpid"] == dataset)
        .unwrap_or_else(|| panic!("no selection of {dataset} in {basket}"))
}

async fn no_basket_answers_204(app: TestApp) {
    let response = app.get_basket(&app.user("u@x.fr")).await;
    assert_eq!(response.status(), 204);
    assert!(response.text().await.expect("body").is_empty());
}

async fn selection_by_dataset_counts_objects_files_sizes_and_quota(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let response = app.select(&token, &selection(Some(DS1), None)).await;
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    assert_eq!(basket["links"], json!([]));
    assert_eq!(basket["content"]["owner"], "u@x.fr");
    assert_eq!(basket["content"]["quota"], 4);
    let ds = selection_of(&basket, DS1);
    assert_eq!(ds["datasetLabel"], "Alpha");
    assert_eq!(ds["objectsCount"], 4);
    // RAWDATA + QUICKLOOK_SD per item; thumbnails are not orderable.
    assert_eq!(ds["filesCount"], 8);
    assert_eq!(ds["filesSize"], 100 + 200 + 300 + 400 + 4 * 10);
    assert_eq!(ds["quota"], 4);
    let item = &ds["itemsSelections"][0];
    assert_eq!(item["objectsCount"], 4);
    assert_eq!(item["filesCount"], 8);
    assert_eq!(item["selectionRequest"]["datasetUrn"], DS1);
    assert!(item["date"].as_str().expect("date").ends_with('Z'));
    // The stored basket reads back the same.
    let again = json(app.get_basket(&token).await).await;
    assert_eq!(again, basket);
}

async fn selection_by_query_and_by_ids(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let by_q = selection(None, Some("platform:\"SPOT-6\" OR providerId:Q0"));
    let basket = json(app.select(&token, &by_q).await).await;
    let ds1 = selection_of(&basket, DS1);
    assert_eq!(ds1["objectsCount"], 2);
    assert_eq!(ds1["filesSize"], 300 + 400 + 20);
    let ds2 = selection_of(&basket, DS2);
    assert_eq!(ds2["objectsCount"], 1);
    assert_eq!(ds2["quota"], 1);
    assert_eq!(basket["content"]["quota"], 3);

    let other = app.user("v@x.fr");
    let by_ids = json!({
        "engineType": "legacy",
        "entityIdsToInclude": ["URN:AIP:DATA:project1:q1:V1", "URN:AIP:DATA:project1:o0:V1"]
    });
    let basket = json(app.select(&other, &by_ids).await).await;
    let ds2 = selection_of(&basket, DS2);
    assert_eq!(ds2["objectsCount"], 1);
    assert_eq!(ds2["filesSize"], 1010);
    // q1's raw file is an external reference: it does not count in the quota.
    assert_eq!(ds2["quota"], 0);
    assert_eq!(selection_of(&basket, DS1)["objectsCount"], 1);

    let excluded = json!({
        "engineType": "legacy", "datasetUrn": DS1,
        "entityIdsToExclude": ["URN:AIP:DATA:project1:o0:V1"]
    });
    let third = app.user("w@x.fr");
    let basket = json(app.select(&third, &excluded).await).await;
    assert_eq!(selection_of(&basket, DS1)["objectsCount"], 3);
}

async fn selections_of_several_datasets_are_sorted_by_label(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(None, None)).await).await;
    let labels: Vec<&str> = basket["content"]["datasetSelections"]
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["datasetLabel"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, vec!["Alpha", "beta"]);
    assert_eq!(basket["content"]["quota"], 5);
}

async fn overlapping_selections_count_objects_once(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    app.select(&token, &selection(None, Some("cloud:[0 TO 10]")))
        .await;
    let basket = json(
        app.select(&token, &selection(None, Some("cloud:[10 TO 20]")))
            .await,
    )
    .await;
    let ds1 = selection_of(&basket, DS1);
    assert_eq!(ds1["itemsSelections"].as_array().expect("items").len(), 2);
    assert_eq!(ds1["itemsSelections"][0]["objectsCount"], 2);
    assert_eq!(ds1["itemsSelections"][1]["objectsCount"], 2);
    // o0, o1, o2: the union, o1 counted once.
    assert_eq!(ds1["objectsCount"], 3);
    assert_eq!(ds1["filesSize"], 100 + 200 + 300 + 30);
}

async fn same_selection_date_is_added_once(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let mut s = selection(Some(DS1), None);
    s["selectionDate"] = json!("2025-01-23T14:42:27.5Z");
    app.select(&token, &s).await;
    let basket = json(app.select(&token, &s).await).await;
    let ds1 = selection_of(&basket, DS1);
    assert_eq!(ds1["itemsSelections"].as_array().expect("items").len(), 1);
    assert_eq!(ds1["itemsSelections"][0]["date"], "2025-01-23T14:42:27.5Z");
}

async fn selection_without_files_answers_204_and_creates_nothing(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let response = app
        .select(&token, &selection(None, Some("platform:NONE")))
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.get_basket(&token).await.status(), 204);
}

async fn blank_engine_type_or_bad_query_is_422(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let response = app.select(&token, &json!({"engineType": "  "})).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        messages(response).await,
        vec!["engineType must not be blank"]
    );
    let response = app
        .select(&token, &selection(None, Some("platform:(SPOT")))
        .await;
    assert_eq!(response.status(), 422);
    let text = messages(response).await.join(" ");
    assert!(text.contains("malformed query"), "{text}");
}

async fn malformed_body_is_400(app: TestApp) {
    let response = app
        .post("/order/basket/selection", &app.user("u@x.fr"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    assert!(!messages(response).await.is_empty());
}

async fn delete_basket_always_204(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let empty = app
        .delete("/order/basket", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(empty.status(), 204);
    app.select(&token, &selection(Some(DS1), None)).await;
    let deleted = app
        .delete("/order/basket", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get_basket(&token).await.status(), 204);
}

async fn upload_of_provider_ids(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let response = app.upload(&token, "P0\n P3 \n\nQ1\nUNKNOWN\n").await;
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    assert_eq!(selection_of(&basket, DS1)["objectsCount"], 2);
    assert_eq!(selection_of(&basket, DS1)["filesSize"], 100 + 400 + 20);
    assert_eq!(selection_of(&basket, DS2)["objectsCount"], 1);
    let request = &selection_of(&basket, DS1)["itemsSelections"][0]["selectionRequest"];
    let q = request["searchParameters"]["q"][0].as_str().expect("q");
    assert!(q.starts_with("providerId:(\"P0\" OR \"P3\""), "{q}");
}

async fn upload_limits_and_empty_files(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    assert_eq!(app.upload(&token, "").await.status(), 204);
    assert_eq!(app.upload(&token, "NOPE\nNADA\n").await.status(), 204);
    let too_long: String = (0..1001).map(|i| format!("id{i}\n")).collect();
    let response = app.upload(&token, &too_long).await;
    assert_eq!(response.status(), 413);
    assert!(!messages(response).await.is_empty());
    let no_part = app
        .post("/order/basket/selection/upload", &token)
        .multipart(reqwest::multipart::Form::new().text("other", "P0"))
        .send()
        .await
        .expect("request");
    assert_eq!(no_part.status(), 400);
    assert_eq!(app.get_basket(&token).await.status(), 204);
}

async fn remove_dataset_selection(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(None, None)).await).await;
    let id = selection_of(&basket, DS1)["id"].as_i64().expect("id");
    let response = app
        .delete(&format!("/order/basket/dataset/{id}"), &token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    let selections = basket["content"]["datasetSelections"]
        .as_array()
        .expect("array");
    assert_eq!(selections.len(), 1);
    assert_eq!(selections[0]["datasetIpid"], DS2);
    assert_eq!(basket["content"]["quota"], 1);
}

async fn remove_dated_item_selection(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let mut first = selection(Some(DS1), Some("cloud:0"));
    first["selectionDate"] = json!("2025-01-01T10:00:00Z");
    let mut second = selection(Some(DS1), Some("cloud:30"));
    second["selectionDate"] = json!("2025-01-01T11:00:00.25Z");
    app.select(&token, &first).await;
    let basket = json(app.select(&token, &second).await).await;
    let id = selection_of(&basket, DS1)["id"].as_i64().expect("id");
    assert_eq!(selection_of(&basket, DS1)["objectsCount"], 2);

    let path = format!("/order/basket/dataset/{id}/2025-01-01T11%3A00%3A00.25Z");
    let response = app.delete(&path, &token).send().await.expect("request");
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    let ds1 = selection_of(&basket, DS1);
    assert_eq!(ds1["id"], id, "the selection keeps its id");
    assert_eq!(ds1["objectsCount"], 1);
    assert_eq!(ds1["filesSize"], 110);

    let bad = format!("/order/basket/dataset/{id}/not-a-date");
    let response = app.delete(&bad, &token).send().await.expect("request");
    assert_eq!(response.status(), 400);

    let last = format!("/order/basket/dataset/{id}/2025-01-01T10:00:00Z");
    let basket = json(app.delete(&last, &token).send().await.expect("request")).await;
    assert_eq!(basket["content"]["datasetSelections"], json!([]));
}

async fn processing_is_stored_and_exclusive_with_filters(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(Some(DS1), None)).await).await;
    let id = selection_of(&basket, DS1)["id"].as_i64().expect("id");
    let path = format!("/order/basket/dataset/{id}/updateProcessing");
    let process = json!({
        "processBusinessId": "7f7e6d2c-3b0a-4c55-9f4e-2a1b3c4d5e6f",
        "parameters": {"resolution": "10m"}
    });
    let response = app
        .put(&path, &token)
        .json(&process)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    assert_eq!(
        selection_of(&basket, DS1)["processDatasetDescription"],
        process
    );

    let filters = format!("/order/basket/dataset/{id}/updateFileFilters");
    let filter = json!({"fileTypes": ["RAWDATA"]});
    let refused = app
        .put(&filters, &token)
        .json(&filter)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 400);

    let unknown = app
        .put("/order/basket/dataset/999999/updateProcessing", &token)
        .json(&process)
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);

    let not_uuid = json!({"processBusinessId": "nope"});
    let response = app
        .put(&path, &token)
        .json(&not_uuid)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);

    let detached = app.put(&path, &token).send().await.expect("request");
    assert_eq!(detached.status(), 200);
    let basket = json(detached).await;
    assert!(
        selection_of(&basket, DS1)
            .get("processDatasetDescription")
            .is_none()
    );
}

async fn file_filters_are_validated_and_stored(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    let basket = json(app.select(&token, &selection(Some(DS1), None)).await).await;
    let id = selection_of(&basket, DS1)["id"].as_i64().expect("id");
    let path = format!("/order/basket/dataset/{id}/updateFileFilters");
    let bad_regex = json!({"fileTypes": ["RAWDATA"], "fileNamePattern": "(unclosed"});
    let response = app
        .put(&path, &token)
        .json(&bad_regex)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    assert!(!messages(response).await.is_empty());
    let bad_type = json!({"fileTypes": ["THUMBNAIL"]});
    let response = app
        .put(&path, &token)
        .json(&bad_type)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);

    let filter = json!({"fileTypes": ["QUICKLOOK"], "fileNamePattern": ".*\\.png"});
    let response = app
        .put(&path, &token)
        .json(&filter)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let basket = json(response).await;
    assert_eq!(
        selection_of(&basket, DS1)["fileSelectionDescription"],
        filter
    );
    let stored = json(app.get_basket(&token).await).await;
    assert_eq!(
        selection_of(&stored, DS1)["fileSelectionDescription"],
        filter
    );

    let processing = format!("/order/basket/dataset/{id}/updateProcessing");
    let process = json!({"processBusinessId": "7f7e6d2c-3b0a-4c55-9f4e-2a1b3c4d5e6f"});
    let refused = app
        .put(&processing, &token)
        .json(&process)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 400);

    let unknown = app
        .put("/order/basket/dataset/424242/updateFileFilters", &token)
        .json(&filter)
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
}

async fn every_basket_endpoint_answers_204_without_basket(app: TestApp) {
    let token = app.user("nobody@x.fr");
    let paths = [
        ("DELETE", "/order/basket/dataset/1"),
        ("DELETE", "/order/basket/dataset/1/2025-01-01T00:00:00Z"),
        ("PUT", "/order/basket/dataset/1/updateProcessing"),
        ("PUT", "/order/basket/dataset/1/updateFileFilters"),
    ];
    for (method, path) in paths {
        let request = match method {
            "PUT" => app.put(path, &token),
            _ => app.delete(path, &token),
        };
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 204, "{method} {path}");
    }
}

async fn baskets_are_per_user(app: TestApp) {
    standard_catalogue(&app).await;
    let alice = app.user("alice@x.fr");
    app.select(&alice, &selection(Some(DS1), None)).await;
    assert_eq!(app.get_basket(&app.user("bob@x.fr")).await.status(), 204);
    assert_eq!(app.get_basket(&alice).await.status(), 200);
}
