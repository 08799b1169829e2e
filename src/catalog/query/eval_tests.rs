use super::super::fixture::{hit, hit_with};
use super::Glob;
use serde_json::json;

fn yes(q: &str) {
    assert!(hit(q), "{q:?} should match");
}

fn no(q: &str) {
    assert!(!hit(q), "{q:?} should not match");
}

#[test]
fn values_compare_by_type() {
    yes("platform:sentinel-2a");
    yes("title:\"Tuile 31TCJ é 🚀\"");
    no("platform:Sentinel-2a");
    no("platform:sentinel");
    yes("eo\\:cloud_cover:10");
    yes("sat\\:relative_orbit:51.0");
    no("eo\\:cloud_cover:ten");
    no("sat\\:relative_orbit:\"51 \"");
    yes("published:true");
    no("published:TRUE");
}

#[test]
fn arrays_and_nested_paths() {
    yes("instruments:msi");
    yes("instruments:(msi AND other)");
    no("instruments:nope");
    assert!(hit_with("n:[2 TO 3]", &json!({ "n": [1, 2.5] })));
    yes("processing.level:L1C");
    yes("bands.name:B02");
    yes("platform.name:flat-key");
    no("processing.level.x:L1C");
}

#[test]
fn missing_and_null_never_match() {
    for q in ["nope:x", "note:x", "note:*", "nope:*", "note:[* TO *]"] {
        no(q);
    }
    for q in ["NOT nope:x", "-note:x", "platform:*", "processing:*"] {
        yes(q);
    }
}

#[test]
fn numeric_ranges() {
    for range in [
        "[10 TO 20]",
        "[5 TO 10]",
        "[* TO 10]",
        "[* TO *]",
        "{9.5 TO 1e2}",
    ] {
        yes(&format!("eo\\:cloud_cover:{range}"));
    }
    for range in ["{10 TO 20]", "[5 TO 10}", "[11 TO *]", "{* TO 10}"] {
        no(&format!("eo\\:cloud_cover:{range}"));
    }
    // Numeric, not lexicographic: "51" sorts before "6".
    yes("sat\\:relative_orbit:[6 TO 100]");
    // A bound that is no number falls back to strings: "51" sorts after "5".
    yes("sat\\:relative_orbit:[5 TO x]");
}

#[test]
fn string_and_date_ranges() {
    yes("datetime:[2020-01-01 TO 2020-01-02]");
    yes("datetime:[2020-01-01T10:00:00Z TO 2020-01-01T10:00:00Z]");
    yes("datetime:[\"2019-12-31\" TO *}");
    yes("platform:[sentinel TO sentinel-3]");
    yes("published:[false TO true]");
    no("datetime:[2020-01-02 TO *]");
    no("datetime:{2020-01-01T10:00:00Z TO *]");
    no("datetime:[* TO 2020-01-01]");
}

#[test]
fn wildcards_glob_the_string_form() {
    for q in [
        "platform:sentinel-?a",
        "platform:*2a",
        "title:*é*",
        "title:*🚀",
    ] {
        yes(q);
    }
    for q in [
        "eo\\:cloud_cover:1*",
        "published:t*",
        "datetime:2020-01-01T*",
    ] {
        yes(q);
    }
    for q in ["platform:S*", "platform:sentinel\\*", "platform:\"sent*\""] {
        no(q);
    }
    assert!(hit_with("f:a\\*b", &json!({ "f": "a*b" })));
}

#[test]
fn object_fields() {
    yes("id:URN:AIP:DATA:project:1234:V1");
    yes("ipId:\"URN:AIP:DATA:project:1234:V1\"");
    yes("providerId:S2A_*");
    yes("dataset:URN*s2*");
    yes("tags:\"URN:AIP:DATASET:project:s2:V1\"");
    no("id:urn*");
    no("providerId:other");
    assert!(hit_with(
        "providerId:other",
        &json!({ "providerId": "other" })
    ));
}

#[test]
fn bare_terms_ignore_case() {
    for q in [
        "SENTINEL-2a",
        "Descending",
        "msi",
        "s2a_msil1c_20200101",
        "senti*",
        "*:msi",
    ] {
        yes(q);
    }
    yes("\"urn:aip:data:project:1234:v1\"");
    yes("\"tuile 31tcj É 🚀\"");
    for q in ["nothing", "L1C", "10", "true", "sentinel"] {
        no(q);
    }
}

#[test]
fn boolean_logic() {
    yes("platform:sentinel-2a AND NOT published:false");
    yes("platform:nope OR published:true AND msi");
    no("(platform:nope OR published:true) AND nothing");
    yes("platform:(sentinel-2b OR sentinel-2a) -note:*");
}

#[test]
fn glob_matching() {
    let glob = |p: &str| Glob::new(&p.chars().map(|c| (c, false)).collect::<Vec<_>>());
    for (pattern, text) in [("*", ""), ("**", "x"), ("a*b*c", "abxbc"), ("é?", "é🚀")] {
        assert!(glob(pattern).matches(text), "{pattern} {text}");
    }
    for (pattern, text) in [("a?c", "ac"), ("?", ""), ("a*b", "abc"), ("*a", "ab")] {
        assert!(!glob(pattern).matches(text), "{pattern} {text}");
    }
    assert!(glob("A*").to_lowercase().matches("ab"));
}
