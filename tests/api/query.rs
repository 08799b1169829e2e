//! The `q` language through the basket: what users type in a search box.

use crate::backend_tests;
use crate::downloads::order_files;
use crate::fixtures::{DS1, collection, item, item_collection, selection, standard_catalogue};
use crate::helpers::{TestApp, json, messages};
use serde_json::json;
use std::collections::BTreeSet;

backend_tests!(
    query_language_selects_the_expected_objects,
    malformed_queries_are_422,
    an_order_holds_the_files_of_exactly_the_objects_its_query_selects,
    a_selection_counts_objects_past_the_first_page_of_a_scan
);

/// Objects of DS1 + DS2 a query selects (0 when the basket answer is 204).
async fn count(app: &TestApp, q: &str) -> i64 {
    let token = app.user(&format!("{}@x.fr", uuid::Uuid::new_v4().simple()));
    let response = app.select(&token, &selection(None, Some(q))).await;
    if response.status() == 204 {
        return 0;
    }
    assert_eq!(response.status(), 200, "q = {q}");
    let basket = json(response).await;
    basket["content"]["datasetSelections"]
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["objectsCount"].as_i64().expect("count"))
        .sum()
}

async fn query_language_selects_the_expected_objects(app: TestApp) {
    standard_catalogue(&app).await;
    let cases = [
        ("", 6),
        ("*:*", 6),
        ("platform:\"SPOT-5\"", 2),
        ("platform:SPOT-5 OR platform:SENTINEL-2", 4),
        ("platform:SPOT* AND NOT cloud:0", 3),
        (
            "platform:(\"SPOT-5\" OR \"SPOT-6\") AND cloud:[10 TO 20]",
            2,
        ),
        ("cloud:{0 TO 30}", 2),
        ("cloud:[20 TO *]", 2),
        ("datetime:[2020-02-01 TO 2020-03-15]", 2),
        ("keywords:k2", 1),
        ("keywords:a", 4),
        ("providerId:Q1", 1),
        ("-platform:SENTINEL-2", 4),
        ("(cloud:0 OR cloud:30) AND platform:SPOT-6", 1),
        ("cloud:0 OR cloud:10 AND platform:SPOT-6", 1),
        ("dataset:\"URN:AIP:DATASET:project1:ds2:V1\"", 2),
        ("missing:*", 0),
    ];
    for (q, expected) in cases {
        assert_eq!(count(&app, q).await, expected, "q = {q}");
    }
    let token = app.user("scoped@x.fr");
    let basket = json(
        app.select(&token, &selection(Some(DS1), Some("cloud:[0 TO 10]")))
            .await,
    )
    .await;
    assert_eq!(basket["content"]["datasetSelections"][0]["objectsCount"], 2);
}

async fn malformed_queries_are_422(app: TestApp) {
    standard_catalogue(&app).await;
    let token = app.user("u@x.fr");
    for q in [
        "(platform:x",
        "platform:",
        "cloud:[1 TO",
        "a:\"unterminated",
        "AND",
        "x:1 OR",
    ] {
        let response = app.select(&token, &selection(None, Some(q))).await;
        assert_eq!(response.status(), 422, "q = {q}");
        let text = messages(response).await.join(" ");
        assert!(
            text.contains("malformed query at character"),
            "q = {q}: {text}"
        );
    }
    let deep = format!("{}x:1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(
        app.select(&token, &selection(None, Some(&deep)))
            .await
            .status(),
        422
    );
}

/// Objects whose properties hold the searched strings in every place but the one asked for.
async fn lookalike_catalogue(app: &TestApp) {
    app.import(&collection(DS1, "Alpha")).await;
    let objects = [
        ("mine", json!({"owner": "u1"})),
        ("listed", json!({"owner": ["u3", "u1"]})),
        ("elsewhere", json!({"owner": "u2", "note": "u1"})),
        ("as-key", json!({"owner": "u2", "u1": "x"})),
        ("nested", json!({"owner": {"name": "u1"}})),
        ("upper", json!({"owner": "U1"})),
        ("longer", json!({"owner": "u10", "note": "a \"u1\" quoted"})),
        ("number", json!({"owner": "u4", "cloud": 10.0})),
        ("text-number", json!({"owner": "u4", "cloud": "10"})),
        ("provider", json!({"owner": "u5", "providerId": "u1"})),
    ];
    let items = objects
        .into_iter()
        .map(|(name, properties)| item(&format!("URN:LOOK:{name}"), DS1, 10, properties))
        .collect();
    app.import(&item_collection(items)).await;
}

/// The objects an order of `q` holds files of, from the names of its data files.
async fn ordered_objects(app: &TestApp, q: &str) -> BTreeSet<String> {
    let token = app.user(&format!("{}@x.fr", uuid::Uuid::new_v4().simple()));
    let id = app.order_of(&token, q).await;
    app.wait_order(&token, id, "its content", |o| o["status"] != "PENDING")
        .await;
    let files = order_files(app, &token, id).await;
    files
        .iter()
        .filter_map(|f| f["filename"].as_str()?.strip_suffix(".nc"))
        .map(|name| name.trim_start_matches("URN:LOOK:").to_owned())
        .collect()
}

async fn an_order_holds_the_files_of_exactly_the_objects_its_query_selects(app: TestApp) {
    lookalike_catalogue(&app).await;
    let cases: [(&str, &[&str]); 10] = [
        ("owner:u1", &["listed", "mine"]),
        ("owner:\"u1\"", &["listed", "mine"]),
        ("note:u1", &["elsewhere"]),
        ("owner.name:u1", &["nested"]),
        ("owner:u1 OR note:u1", &["elsewhere", "listed", "mine"]),
        ("owner:u1 AND NOT owner:u3", &["mine"]),
        ("cloud:10", &["number", "text-number"]),
        ("providerId:u1", &["provider"]),
        ("id:\"URN:LOOK:upper\"", &["upper"]),
        ("owner:(u4 OR u5) AND -cloud:10", &["provider"]),
    ];
    for (q, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(ordered_objects(&app, q).await, expected, "q = {q}");
    }
}

async fn a_selection_counts_objects_past_the_first_page_of_a_scan(app: TestApp) {
    app.import(&collection(DS1, "Alpha")).await;
    // More objects than a scan reads in one page (2 000), half of them owned by `a`.
    let items = (0..4_100)
        .map(|i| {
            let owner = if i % 2 == 0 { "a" } else { "b" };
            item(&format!("URN:MANY:{i:05}"), DS1, 1, json!({"owner": owner}))
        })
        .collect();
    app.import(&item_collection(items)).await;
    assert_eq!(count(&app, "owner:a").await, 2_050);
    assert_eq!(count(&app, "").await, 4_100);
}
