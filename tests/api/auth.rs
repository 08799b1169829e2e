//! Authentication, roles and tenants: 401 vs 403 vs 404/204.

use crate::backend_tests;
use crate::fixtures::{DS1, collection, selection, standard_catalogue};
use crate::helpers::{TENANT, TestApp, messages};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use regards_order::auth::Role;
use serde_json::json;

backend_tests!(
    no_token_and_no_scope_is_401,
    bad_signature_is_401,
    expired_token_is_401,
    malformed_tokens_are_401,
    role_too_low_is_403,
    anonymous_scope_acts_as_public,
    tenants_do_not_see_each_other,
);

async fn no_token_and_no_scope_is_401(app: TestApp) {
    let response = app
        .client
        .get(app.url("/order/basket"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(
        messages(response).await,
        vec!["Missing 'scope' header or param"]
    );
}

fn forged(claims: serde_json::Value, key: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .expect("token")
}

async fn bad_signature_is_401(app: TestApp) {
    let exp = chrono::Utc::now().timestamp() + 3600;
    let claims = json!({"tenant": TENANT, "role": "ADMIN", "sub": "u", "email": "u@x", "exp": exp});
    let token = forged(claims, "not-the-key-of-this-service-at-all!!");
    assert_eq!(app.get_basket(&token).await.status(), 401);
}

async fn expired_token_is_401(app: TestApp) {
    let token = app
        .tokens
        .issue(
            TENANT,
            "u@x.fr",
            Role::RegisteredUser,
            chrono::Duration::seconds(-5),
        )
        .expect("token");
    let response = app.get_basket(&token).await;
    assert_eq!(response.status(), 401);
    assert!(!messages(response).await.is_empty());
}

async fn malformed_tokens_are_401(app: TestApp) {
    assert_eq!(app.get_basket("garbage").await.status(), 401);
    let response = app
        .client
        .get(app.url("/order/basket"))
        .header("authorization", "Bearer a.b.c")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    // A validly signed token with an unknown role or a bad tenant is refused too.
    let exp = chrono::Utc::now().timestamp() + 3600;
    let key = regards_order::config::DEV_JWT_SECRET;
    let root = json!({"tenant": TENANT, "role": "ROOT", "sub": "u", "email": "u@x", "exp": exp});
    assert_eq!(app.get_basket(&forged(root, key)).await.status(), 401);
    let tenant = json!({"tenant": "a/b", "role": "ADMIN", "sub": "u", "email": "u@x", "exp": exp});
    assert_eq!(app.get_basket(&forged(tenant, key)).await.status(), 401);
}

async fn role_too_low_is_403(app: TestApp) {
    let public = app.token("p@x.fr", Role::Public);
    let response = app.get_basket(&public).await;
    assert_eq!(response.status(), 403);
    assert!(!messages(response).await.is_empty());
    let user = app.user("u@x.fr");
    let import = app
        .post("/catalog/import", &user)
        .json(&collection(DS1, "Alpha"))
        .send()
        .await
        .expect("request");
    assert_eq!(import.status(), 403);
    let exploit = app.token("e@x.fr", Role::Exploit);
    let import = app
        .post("/catalog/import", &exploit)
        .json(&collection(DS1, "Alpha"))
        .send()
        .await
        .expect("request");
    assert_eq!(import.status(), 403);
    // The super-admins call everything.
    for role in [Role::Admin, Role::ProjectAdmin, Role::InstanceAdmin] {
        let token = app.token("boss@x.fr", role);
        let import = app
            .post("/catalog/import", &token)
            .json(&collection(DS1, "Alpha"))
            .send()
            .await
            .expect("request");
        assert_eq!(import.status(), 200, "{role:?}");
    }
}

async fn anonymous_scope_acts_as_public(app: TestApp) {
    // Anonymous with a scope is the PUBLIC user: authenticated, but below REGISTERED_USER.
    let by_query = app
        .client
        .get(app.url(&format!("/order/basket?scope={TENANT}")))
        .send()
        .await
        .expect("request");
    assert_eq!(by_query.status(), 403);
    let by_header = app
        .client
        .get(app.url("/order/basket"))
        .header("scope", TENANT)
        .send()
        .await
        .expect("request");
    assert_eq!(by_header.status(), 403);
    let bad_scope = app
        .client
        .get(app.url("/order/basket?scope=a%20b"))
        .send()
        .await
        .expect("request");
    assert_eq!(bad_scope.status(), 401);
}

async fn tenants_do_not_see_each_other(app: TestApp) {
    standard_catalogue(&app).await;
    let mine = app.user("u@x.fr");
    assert_eq!(
        app.select(&mine, &selection(Some(DS1), None))
            .await
            .status(),
        200
    );
    let other_tenant = app.token_for("project2", "u@x.fr", Role::RegisteredUser);
    // Same e-mail, other tenant: no basket, and the catalogue is empty there.
    assert_eq!(app.get_basket(&other_tenant).await.status(), 204);
    let response = app.select(&other_tenant, &selection(Some(DS1), None)).await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.get_basket(&mine).await.status(), 200);
}
