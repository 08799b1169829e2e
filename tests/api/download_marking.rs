//! A file is DOWNLOADED only once all its bytes were served: in one answer, or in ranges
//! that add up. The last byte, half a file, a HEAD or the end of a zip mark nothing.

use crate::archive::online_root;
use crate::backend_tests;
use crate::downloads::{
    add_files, archive_app, available_stays, file_ids, file_states, header, order_with_status,
    public_token, send,
};
use crate::helpers::{TENANT, TestApp};
use reqwest::header::{CONTENT_LENGTH, RANGE};

backend_tests!(
    only_ranges_covering_a_file_mark_it,
    the_end_of_a_zip_marks_nothing_until_the_zip_is_covered,
    a_cut_download_resumed_to_the_end_marks_the_file,
);

/// GET of a range of file `file_id`; answers the body after checking the 206.
async fn ranged(app: &TestApp, token: &str, file_id: i64, range: &str) -> Vec<u8> {
    let response = send(
        app.get(&format!("/orders/files/{file_id}"), token)
            .header(RANGE, range),
    )
    .await;
    assert_eq!(response.status(), 206, "{range}");
    response.bytes().await.expect("body").to_vec()
}

async fn only_ranges_covering_a_file_mark_it(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    let files = add_files(&app, &online_root(app.dir.path()), "mark", 2, 1000).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "mark", "DONE").await;
    let ids = file_ids(&app, &token, id).await;
    let (first, second) = (ids["mark-0.dat"], ids["mark-1.dat"]);

    // The last byte, a HEAD, then the first half: nothing is downloaded yet.
    assert_eq!(
        ranged(&app, &token, first, "bytes=-1").await,
        files[0].bytes[999..]
    );
    let order_token = public_token(&app, &token, id).await;
    let head_path = format!("/orders/public/files/{first}?orderToken={order_token}&scope={TENANT}");
    let head = send(app.client.head(app.url(&head_path))).await;
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, CONTENT_LENGTH), "1000");
    assert_eq!(
        ranged(&app, &token, first, "bytes=0-499").await,
        files[0].bytes[..500]
    );
    available_stays(&app, &token, id, 2, 300).await;

    // The second half, on a connection of its own: the file is covered, and only it.
    let other_client = crate::helpers::client();
    let rest = send(
        other_client
            .get(app.url(&format!("/orders/files/{first}")))
            .bearer_auth(&token)
            .header(RANGE, "bytes=500-"),
    )
    .await;
    assert_eq!(rest.status(), 206);
    assert_eq!(rest.bytes().await.expect("body"), files[0].bytes[500..]);
    let order = app
        .wait_order(&token, id, "the covered file downloaded", |o| {
            o["availableFilesCount"] == 1
        })
        .await;
    assert_eq!(
        order["waitingForUser"], true,
        "the other file is still to download"
    );
    let states = file_states(&app, &token, id).await;
    assert_eq!(states["mark-0.dat"], "DOWNLOADED");
    assert_eq!(states["mark-1.dat"], "AVAILABLE");

    // Overlapping ranges in any order count too (this file is 1001 bytes long).
    for range in ["bytes=600-", "bytes=0-99", "bytes=50-650"] {
        assert!(!ranged(&app, &token, second, range).await.is_empty());
    }
    app.wait_order(&token, id, "every file downloaded", |o| {
        o["availableFilesCount"] == 0
    })
    .await;
}

async fn the_end_of_a_zip_marks_nothing_until_the_zip_is_covered(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    add_files(&app, &online_root(app.dir.path()), "zipend", 3, 700).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "zipend", "DONE").await;
    let path = format!("/user/orders/{id}/download");

    let tail = send(app.get(&path, &token).header(RANGE, "bytes=-100")).await;
    assert_eq!(tail.status(), 206);
    let content_range = header(&tail, reqwest::header::CONTENT_RANGE).to_owned();
    let total: u64 = content_range
        .rsplit('/')
        .next()
        .and_then(|t| t.parse().ok())
        .expect("total length");
    assert_eq!(tail.bytes().await.expect("body").len(), 100);
    available_stays(&app, &token, id, 3, 300).await;

    let head = send(
        app.get(&path, &token)
            .header(RANGE, format!("bytes=0-{}", total - 101)),
    )
    .await;
    assert_eq!(head.status(), 206);
    head.bytes().await.expect("body");
    app.wait_order(&token, id, "the covered zip recorded", |o| {
        o["availableFilesCount"] == 0
    })
    .await;
    let states = file_states(&app, &token, id).await;
    assert!(states.values().all(|s| s == "DOWNLOADED"), "{states:?}");
}

async fn a_cut_download_resumed_to_the_end_marks_the_file(app: TestApp) {
    let app = archive_app(app, 0, 2).await;
    // Large enough for the socket buffers not to swallow the whole body.
    let files = add_files(&app, &online_root(app.dir.path()), "resume", 1, 16 << 20).await;
    let token = app.user("u@x.fr");
    let id = order_with_status(&app, &token, "resume", "DONE").await;
    let file_id = file_ids(&app, &token, id).await["resume-0.dat"];
    let path = format!("/orders/files/{file_id}");

    let mut cut = send(app.get(&path, &token)).await;
    assert_eq!(cut.status(), 200);
    let received = cut
        .chunk()
        .await
        .expect("chunk")
        .expect("a first chunk")
        .len();
    drop(cut);
    available_stays(&app, &token, id, 1, 300).await;

    let rest = ranged(&app, &token, file_id, &format!("bytes={received}-")).await;
    assert_eq!(rest, files[0].bytes[received..]);
    app.wait_order(&token, id, "the resumed file downloaded", |o| {
        o["availableFilesCount"] == 0
    })
    .await;
}
