//! The API contract: what the OpenAPI document says about every operation, and the answers
//! the document cannot leave to handlers (undeclared methods, malformed bodies).

use crate::backend_tests;
use crate::helpers::{TestApp, json, messages};
use serde_json::{Value, json};

backend_tests!(
    undeclared_methods_answer_405_with_allow,
    structures_must_be_json_objects,
    a_label_too_long_is_refused_before_the_basket,
    the_document_declares_the_shared_answers,
);

async fn undeclared_methods_answer_405_with_allow(app: TestApp) {
    let token = app.admin();
    let call = |method: &str, path: &str| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        app.client
            .request(method, app.url(path))
            .bearer_auth(&token)
            .send()
    };
    for (method, path, allow) in [
        ("PATCH", "/order/basket", "GET, DELETE"),
        ("PUT", "/health", "GET"),
        // A literal segment wins over a neighbouring path's parameter.
        ("GET", "/user/orders/apply", "POST"),
        ("DELETE", "/order/basket/dataset/1/updateProcessing", "PUT"),
        ("POST", "/user/orders/12", "GET, DELETE"),
    ] {
        let response = call(method, path).await.expect("request");
        assert_eq!(response.status(), 405, "{method} {path}");
        let header = response.headers().get("allow").expect("Allow");
        assert_eq!(header.to_str().unwrap(), allow, "{method} {path}");
        let body = messages(response).await;
        assert_eq!(
            body,
            [format!("Request method '{method}' is not supported")]
        );
    }
    // The methods served still reach their handlers, and unknown paths stay unknown.
    let apply = call("POST", "/user/orders/apply").await.expect("request");
    assert_eq!(apply.status(), 400, "no body");
    let basket = call("GET", "/order/basket").await.expect("request");
    assert_eq!(basket.status(), 204);
    let nowhere = call("PATCH", "/nowhere").await.expect("request");
    assert_eq!(nowhere.status(), 404);
}

async fn structures_must_be_json_objects(app: TestApp) {
    let token = app.admin();
    let bad = [
        ("/user/orders", json!([null, null])),
        ("/orders/search", json!({"creationDate": [null, null]})),
        ("/orders/search", json!({"statuses": [["DONE"], "INCLUDE"]})),
        (
            "/user/orders/apply",
            json!({"queries": ["*"], "filters": [["RAWDATA"]]}),
        ),
        ("/order/basket/selection", json!(["legacy"])),
    ];
    for (path, body) in bad {
        let response = app.post(path, &token).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path} {body}");
        let text = messages(response).await.join(" ");
        assert!(text.contains("expected an object"), "{path}: {text}");
    }
    let filters = app
        .put("/order/basket/dataset/1/updateFileFilters", &token)
        .json(&json!([["RAWDATA"], null]))
        .send()
        .await
        .unwrap();
    assert_eq!(filters.status(), 400);
    let objects = app
        .post("/orders/search", &token)
        .json(&json!({"creationDate": {"after": null}, "statuses": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(objects.status(), 200);
}

async fn a_label_too_long_is_refused_before_the_basket(app: TestApp) {
    let token = app.user("nobasket@x.fr");
    let long = "x".repeat(51);
    for path in ["/user/orders", "/orders"] {
        let token = if path == "/orders" {
            app.admin()
        } else {
            token.clone()
        };
        let response = app
            .post(path, &token)
            .json(&json!({ "label": long }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{path}");
        assert_eq!(messages(response).await, ["TOO_MANY_CHARACTERS_IN_LABEL"]);
    }
    // Without a basket, a valid label still gives the original's 204.
    let response = app.create_order(&token, Some("fine")).await;
    assert_eq!(response.status(), 204);
}

async fn the_document_declares_the_shared_answers(app: TestApp) {
    let doc = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let paths = doc["paths"].as_object().expect("paths");
    for open in ["/health", "/ready", "/metrics"] {
        assert_eq!(doc["paths"][open]["get"]["security"], json!([]), "{open}");
    }
    let mut checked = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if ["/health", "/ready", "/metrics"].contains(&path.as_str()) {
                continue;
            }
            let responses = &operation["responses"];
            for status in ["401", "403", "503"] {
                assert!(!responses[status].is_null(), "{method} {path}: no {status}");
            }
            let has_input =
                !operation["parameters"].is_null() || !operation["requestBody"].is_null();
            assert_eq!(
                !responses["400"].is_null(),
                has_input,
                "{method} {path}: 400"
            );
            checked += 1;
        }
    }
    assert!(checked >= 35, "{checked} operations");
    let public = &doc["paths"]["/orders/public/files/{dataFileId}"]["get"]["security"];
    assert_eq!(public, &json!([{"bearer": []}, {"scope": []}]));
    let settings = &doc["paths"]["/settings"]["get"]["responses"]["200"]["content"];
    let schema: &Value = &settings["application/json"]["schema"]["items"]["$ref"];
    assert_eq!(schema, "#/components/schemas/SettingModel");
}
