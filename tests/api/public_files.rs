//! A public order token tells nothing of other orders' files: a file of another order and a
//! file that does not exist get the same answer.

use crate::archive::online_root;
use crate::backend_tests;
use crate::downloads::{add_files, archive_app, file_ids, order_with_status, public_token, send};
use crate::helpers::{TENANT, TestApp};
use reqwest::Method;

backend_tests!(unknown_and_foreign_files_answer_alike);

/// Status, content type and body of a public request for `file_id` with `order_token`.
async fn answer(
    app: &TestApp,
    method: Method,
    file_id: i64,
    order_token: &str,
) -> (u16, Option<String>, Vec<u8>) {
    let path = format!("/orders/public/files/{file_id}?orderToken={order_token}&scope={TENANT}");
    let response = send(app.client.request(method, app.url(&path))).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().expect("ascii").to_owned());
    let body = response.bytes().await.expect("body").to_vec();
    (status, content_type, body)
}

async fn unknown_and_foreign_files_answer_alike(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let root = online_root(app.dir.path());
    add_files(&app, &root, "mine", 1, 100).await;
    add_files(&app, &root, "also", 1, 100).await;
    let owner = app.user("u@x.fr");
    let other = app.user("v@x.fr");
    let order = order_with_status(&app, &owner, "mine", "DONE").await;
    let second = order_with_status(&app, &owner, "also", "DONE").await;
    let someone_elses = order_with_status(&app, &other, "mine", "DONE").await;
    let token = public_token(&app, &owner, order).await;
    let own_file = file_ids(&app, &owner, order).await["mine-0.dat"];
    let second_file = file_ids(&app, &owner, second).await["also-0.dat"];
    let foreign_file = file_ids(&app, &other, someone_elses).await["mine-0.dat"];
    let unknown = second_file.max(foreign_file) + 1_000_000;

    for method in [Method::GET, Method::HEAD] {
        let own = answer(&app, method.clone(), own_file, &token).await;
        assert_eq!(own.0, 200, "{method} of the token's own file");
        let missing = answer(&app, method.clone(), unknown, &token).await;
        assert_eq!(missing.0, 403, "{method} of an unknown file");
        for file in [second_file, foreign_file] {
            let refused = answer(&app, method.clone(), file, &token).await;
            assert_eq!(
                refused, missing,
                "{method} of file {file}: same answer as unknown"
            );
        }
    }
}
