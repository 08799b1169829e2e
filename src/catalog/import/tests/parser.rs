//! The streaming parser on its own, with a channel that never blocks.

use super::super::ImportError;
use super::super::convert::Ctx;
use super::super::stream::{Mode, Parsed, parse};
use serde_json::json;
use tokio::sync::mpsc;

fn ctx() -> Ctx {
    Ctx {
        source: "doc.json".into(),
        base: Some("http://h/".into()),
        inherit: Some("c".into()),
        unowned: super::super::unowned::Unowned::new(std::sync::Arc::new(|_: &str| true)),
    }
}

/// Parses `doc` with a channel large enough to never block, returning what was sent.
fn run(doc: &serde_json::Value, mode: Mode) -> (Result<Parsed, ImportError>, Vec<usize>) {
    let (tx, mut rx) = mpsc::channel(100);
    let body = serde_json::to_vec(doc).unwrap();
    let parsed = parse(&body[..], &ctx(), mode, &tx);
    drop(tx);
    let mut sizes = Vec::new();
    while let Ok(batch) = rx.try_recv() {
        sizes.push(batch.len());
    }
    (parsed, sizes)
}

fn features(count: usize) -> Vec<serde_json::Value> {
    (0..count)
        .map(|i| json!({"type": "Feature", "id": format!("i{i}")}))
        .collect()
}

#[test]
fn features_are_sent_in_batches_and_other_members_kept() {
    let doc = json!({"features": features(1_201), "type": "FeatureCollection", "n": 1});
    let (parsed, sizes) = run(&doc, Mode::Full);
    assert_eq!(sizes, [500, 500, 201]);
    let Ok(Parsed::Document { top, streamed }) = parsed else {
        panic!("{parsed:?}")
    };
    assert!(streamed);
    assert_eq!(top.get("n"), Some(&json!(1)));
    assert!(!top.contains_key("features"));
}

#[test]
fn the_first_pass_skips_items_as_soon_as_it_sees_them() {
    let doc = json!({"type": "FeatureCollection", "features": features(3)});
    let (parsed, sizes) = run(&doc, Mode::CollectionsFirst);
    assert!(matches!(parsed, Ok(Parsed::Skipped)) && sizes.is_empty());
    let (parsed, _) = run(&json!({"features": features(3)}), Mode::CollectionsFirst);
    assert!(matches!(parsed, Ok(Parsed::Skipped)));
    let (parsed, _) = run(
        &json!({"type": "Collection", "id": "c"}),
        Mode::CollectionsFirst,
    );
    assert!(matches!(
        parsed,
        Ok(Parsed::Document {
            streamed: false,
            ..
        })
    ));
}

#[test]
fn a_bad_feature_stops_the_parse_with_its_own_error() {
    let mut items = features(3);
    items[1] = json!({"type": "Feature"});
    let (parsed, _) = run(&json!({"features": items}), Mode::Full);
    let err = parsed.unwrap_err().to_string();
    assert_eq!(err, "doc.json: feature #2 has no id");
}

#[test]
fn a_closed_channel_stops_the_parse() {
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let body = serde_json::to_vec(&json!({"features": features(600)})).unwrap();
    let err = parse(&body[..], &ctx(), Mode::Full, &tx).unwrap_err();
    assert!(
        matches!(err, ImportError::Io { .. }) && !err.is_client_error(),
        "{err}"
    );
}

#[test]
fn trailing_garbage_is_a_json_error() {
    let (tx, _rx) = mpsc::channel(1);
    let err = parse(&b"{\"type\": \"Catalog\"} x"[..], &ctx(), Mode::Full, &tx).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Json {
                line: 1,
                column: 21,
                ..
            }
        ),
        "{err}"
    );
}
