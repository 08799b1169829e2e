//! The `q` language through the basket: what users type in a search box.

use crate::backend_tests;
use crate::fixtures::{DS1, selection, standard_catalogue};
use crate::helpers::{TestApp, json, messages};

backend_tests!(
    query_language_selects_the_expected_objects,
    malformed_queries_are_422
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
