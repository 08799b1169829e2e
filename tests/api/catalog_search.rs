//! What a user may put in the basket: the datasets of his tenant and the data objects a `q`
//! query matches, page by page (`GET /catalog/datasets`, `GET /catalog/search`).

use crate::backend_tests;
use crate::fixtures::{DS1, DS2, collection, item, item_collection};
use crate::helpers::{TestApp, json, messages};
use regards_order::auth::Role;
use serde_json::json;

backend_tests!(
    datasets_are_listed_by_label_within_the_tenant,
    search_pages_the_objects_q_matches,
    a_malformed_query_is_422_naming_the_character
);

/// Two datasets, 25 objects in the first (cloud cover 0..24), 3 in the second.
async fn seed(app: &TestApp) {
    app.import(&collection(DS1, "Zeta optical")).await;
    app.import(&collection(DS2, "Alpha radar")).await;
    let mut items: Vec<_> = (0..25)
        .map(|i| {
            item(
                &format!("URN:AIP:DATA:project1:opt-{i:02}:V1"),
                DS1,
                100,
                json!({"providerId": format!("opt-{i:02}"), "cloud": i}),
            )
        })
        .collect();
    items.extend((0..3).map(|i| {
        item(
            &format!("URN:AIP:DATA:project1:sar-{i}:V1"),
            DS2,
            7,
            json!({"providerId": format!("sar-{i}"), "cloud": i}),
        )
    }));
    app.import(&item_collection(items)).await;
}

async fn datasets_are_listed_by_label_within_the_tenant(app: TestApp) {
    seed(&app).await;
    let user = app.user("reader@example.org");
    let listed = json(app.get("/catalog/datasets", &user).send().await.unwrap()).await;
    assert_eq!(
        listed,
        json!([{"urn": DS2, "label": "Alpha radar"}, {"urn": DS1, "label": "Zeta optical"}])
    );
    // Another tenant's user sees none of them.
    let stranger = app.token_for("project2", "reader@example.org", Role::RegisteredUser);
    let listed = json(
        app.get("/catalog/datasets", &stranger)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed, json!([]));
}

async fn search_pages_the_objects_q_matches(app: TestApp) {
    seed(&app).await;
    let user = app.user("reader@example.org");
    let search = |query: &str| app.get(&format!("/catalog/search?{query}"), &user).send();

    // Everything, 20 a page by default, ordered by URN.
    let all = json(search("").await.unwrap()).await;
    assert_eq!(all["metadata"]["totalElements"], 28);
    assert_eq!(all["metadata"]["totalPages"], 2);
    assert_eq!(all["content"].as_array().unwrap().len(), 20);
    assert_eq!(all["content"][0]["id"], "URN:AIP:DATA:project1:opt-00:V1");
    assert_eq!(all["content"][0]["providerId"], "opt-00");
    assert_eq!(all["content"][0]["datasetUrn"], DS1);
    // Orderable files, as the basket counts them: the thumbnail is not one.
    assert_eq!(all["content"][0]["filesCount"], 2);
    assert_eq!(all["content"][0]["filesSize"], 110);
    assert_eq!(all["content"][0]["properties"]["cloud"], 0);

    // A query, within one dataset, second page.
    let page = json(
        search("q=cloud%3A%5B0%20TO%209%5D&dataset=URN%3AAIP%3ADATASET%3Aproject1%3Ads1%3AV1&page=1&size=4")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["metadata"]["totalElements"], 10);
    assert_eq!(page["metadata"]["totalPages"], 3);
    assert_eq!(page["metadata"]["number"], 1);
    let ids: Vec<&str> = page["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["providerId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["opt-04", "opt-05", "opt-06", "opt-07"]);

    // The same query across datasets finds the radar objects too; a page past the end is empty.
    let both = json(search("q=cloud%3A%5B0%20TO%209%5D").await.unwrap()).await;
    assert_eq!(both["metadata"]["totalElements"], 13);
    let past = json(search("q=sar*&page=5").await.unwrap()).await;
    assert_eq!(past["metadata"]["totalElements"], 3);
    assert_eq!(past["content"], json!([]));
}

async fn a_malformed_query_is_422_naming_the_character(app: TestApp) {
    seed(&app).await;
    let user = app.user("reader@example.org");
    let response = app
        .get("/catalog/search?q=cloud%3A%5B0%20TO", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let said = messages(response).await;
    assert!(said.iter().any(|m| m.contains("at character")), "{said:?}");
    let response = app
        .get("/catalog/search?page=x", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
