//! The `q` language of basket selections: parsing never panics, errors point inside the
//! query, and a query that parses evaluates the same twice and is negated exactly by `NOT`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use regards_order::fuzzing::{Query, Searchable};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// Properties of every kind a STAC item may have.
fn properties() -> &'static Value {
    static PROPERTIES: OnceLock<Value> = OnceLock::new();
    PROPERTIES.get_or_init(|| {
        json!({
            "platform": "sentinel-2a",
            "eo:cloud_cover": 10.5,
            "sat:relative_orbit": 51,
            "datetime": "2020-01-01T10:00:00Z",
            "instruments": ["msi", "other"],
            "processing": {"level": "L1C", "baseline": 2.08},
            "published": true,
            "note": null,
            "title": "Tuile é 🚀",
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    let query = match Query::parse(q) {
        Ok(query) => query,
        Err(e) => {
            let length = q.chars().count();
            assert!(e.position <= length, "{e} for a query of {length} characters");
            return;
        }
    };
    let item = Searchable {
        id: "URN:AIP:DATA:fuzz:1:V1",
        provider_id: "S2A_001",
        dataset: "URN:AIP:DATASET:fuzz:s2:V1",
        properties: properties(),
    };
    let hit = query.matches(&item);
    assert_eq!(hit, query.matches(&item), "evaluation is deterministic");
    assert_eq!(Query::parse(q).ok(), Some(query.clone()), "parsing is deterministic");
    assert_eq!(query.clone().and(Query::all()), query);
    // The wrapped query may exceed the depth or length limits: only then may it fail.
    if let Ok(negated) = Query::parse(&format!("NOT ({q})")) {
        assert_eq!(negated.matches(&item), !hit, "NOT ({q})");
    }
});
