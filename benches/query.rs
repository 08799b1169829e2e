//! The `q` query language: parsing, and matching against catalogue objects.
//!
//! **Measured:**
//! * `query/parse`: `Query::parse` of five representative `q` strings (a simple term, boolean
//!   operators relying on precedence, ranges, field groups, wildcards).
//!   **Baseline:** splitting the same string on whitespace into owned `String`s, the floor of
//!   any tokenizer that keeps its tokens.
//! * `query/match`: `Query::matches` of each parsed query against 10 000 STAC-like objects
//!   (a `Searchable` over a `serde_json::Value` of properties, varied deterministically).
//!   **Baseline:** the same conditions written by hand as `serde_json::Value` lookups and
//!   comparisons of the same fields, on the same objects. Both sides must select the same
//!   objects, which is checked before measuring.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use regards_order::catalog::query::{Query, Searchable};
use serde_json::{Value, json};

/// Objects matched per iteration.
const OBJECTS: usize = 10_000;

/// One catalogue object: id, provider id, dataset and STAC properties.
struct Object {
    id: String,
    provider_id: String,
    dataset: String,
    properties: Value,
}

impl Object {
    fn searchable(&self) -> Searchable<'_> {
        Searchable {
            id: &self.id,
            provider_id: &self.provider_id,
            dataset: &self.dataset,
            properties: &self.properties,
        }
    }
}

/// `OBJECTS` objects whose properties vary deterministically with their index.
fn objects() -> Vec<Object> {
    const PLATFORMS: [&str; 4] = ["sentinel-2a", "sentinel-2b", "landsat-8", "sentinel-1a"];
    const LEVELS: [&str; 3] = ["L1C", "L2A", "L1B"];
    const TILES: [&str; 5] = ["31TCJ", "31UDQ", "30TXN", "32TLR", "31TFJ"];
    (0..OBJECTS)
        .map(|i| {
            let instruments = match i % 3 {
                0 => json!(["msi"]),
                1 => json!(["olci", "slstr"]),
                _ => json!(["oli", "tirs"]),
            };
            let properties = json!({
                "platform": PLATFORMS[i % PLATFORMS.len()],
                "eo:cloud_cover": (i * 37 % 1000) as f64 / 10.0,
                "sat:orbit_state": if i % 2 == 0 { "ascending" } else { "descending" },
                "sat:relative_orbit": i % 143,
                "datetime": format!("2020-{:02}-{:02}T10:00:00Z", 1 + i % 12, 1 + i % 28),
                "instruments": instruments,
                "processing": { "level": LEVELS[i % LEVELS.len()], "baseline": 2.08 },
                "title": format!("Tile {} orbit {}", TILES[i % TILES.len()], i % 143),
                "published": i % 5 != 0,
                "gsd": 10,
            });
            Object {
                id: format!("URN:AIP:DATA:project:{i:08}:V1"),
                provider_id: format!("S2_MSIL1C_{i:08}"),
                dataset: "URN:AIP:DATASET:project:s2:V1".to_owned(),
                properties,
            }
        })
        .collect()
}

fn str_of<'a>(p: &'a Value, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str)
}

fn f64_of(p: &Value, key: &str) -> Option<f64> {
    p.get(key).and_then(Value::as_f64)
}

/// A query case: name, `q`, and the same condition written by hand on the properties.
struct Case {
    name: &'static str,
    q: &'static str,
    by_hand: fn(&Value) -> bool,
}

const CASES: [Case; 5] = [
    Case {
        name: "simple",
        q: "platform:sentinel-2a",
        by_hand: |p| str_of(p, "platform") == Some("sentinel-2a"),
    },
    Case {
        name: "boolean",
        // AND binds tighter than OR, NOT tighter than AND.
        q: r"platform:sentinel-2a OR platform:sentinel-2b AND NOT sat\:orbit_state:ascending",
        by_hand: |p| {
            let platform = str_of(p, "platform");
            platform == Some("sentinel-2a")
                || (platform == Some("sentinel-2b")
                    && str_of(p, "sat:orbit_state") != Some("ascending"))
        },
    },
    Case {
        name: "ranges",
        q: r"eo\:cloud_cover:[0 TO 20] AND datetime:{2020-03-01 TO 2020-09-01} AND sat\:relative_orbit:[* TO 50}",
        by_hand: |p| {
            f64_of(p, "eo:cloud_cover").is_some_and(|c| (0.0..=20.0).contains(&c))
                && str_of(p, "datetime").is_some_and(|d| d > "2020-03-01" && d < "2020-09-01")
                && f64_of(p, "sat:relative_orbit").is_some_and(|o| o < 50.0)
        },
    },
    Case {
        name: "field_groups",
        q: "platform:(sentinel-2a OR sentinel-2b) AND instruments:(msi OR olci) \
            AND processing.level:(L1C OR L2A)",
        by_hand: |p| {
            matches!(str_of(p, "platform"), Some("sentinel-2a" | "sentinel-2b"))
                && p.get("instruments")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|v| matches!(v.as_str(), Some("msi" | "olci"))))
                && p.get("processing")
                    .and_then(|x| x.get("level"))
                    .and_then(Value::as_str)
                    .is_some_and(|l| matches!(l, "L1C" | "L2A"))
        },
    },
    Case {
        name: "wildcards",
        q: "platform:sentinel-2* AND processing.level:L?C AND title:*31T*",
        by_hand: |p| {
            str_of(p, "platform").is_some_and(|s| s.starts_with("sentinel-2"))
                && p.get("processing")
                    .and_then(|x| x.get("level"))
                    .and_then(Value::as_str)
                    .is_some_and(|l| {
                        l.chars().count() == 3 && l.starts_with('L') && l.ends_with('C')
                    })
                && str_of(p, "title").is_some_and(|t| t.contains("31T"))
        },
    },
];

/// Parses a case's query; the cases are valid queries.
fn parse(case: &Case) -> Query {
    match Query::parse(case.q) {
        Ok(query) => query,
        Err(e) => panic!("{}: {e}", case.name),
    }
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("query/parse");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(1));
    for case in &CASES {
        group.throughput(Throughput::Bytes(case.q.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("baseline_split", case.name),
            case.q,
            |b, q| {
                b.iter(|| {
                    black_box(q)
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect::<Vec<String>>()
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("parse", case.name), case.q, |b, q| {
            b.iter(|| Query::parse(black_box(q)));
        });
    }
    group.finish();
}

fn matching(c: &mut Criterion) {
    let objects = objects();
    let items: Vec<Searchable<'_>> = objects.iter().map(Object::searchable).collect();
    let mut group = c.benchmark_group("query/match");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(OBJECTS as u64));
    for case in &CASES {
        let query = parse(case);
        let engine = items.iter().filter(|item| query.matches(item)).count();
        let by_hand = items
            .iter()
            .filter(|i| (case.by_hand)(i.properties))
            .count();
        assert_eq!(
            engine, by_hand,
            "{}: engine and baseline disagree",
            case.name
        );
        assert!(
            engine > 0 && engine < OBJECTS,
            "{}: selects {engine}",
            case.name
        );
        group.bench_function(BenchmarkId::new("baseline_json", case.name), |b| {
            b.iter(|| {
                black_box(&items)
                    .iter()
                    .filter(|i| (case.by_hand)(i.properties))
                    .count()
            });
        });
        group.bench_function(BenchmarkId::new("matches", case.name), |b| {
            b.iter(|| {
                black_box(&items)
                    .iter()
                    .filter(|item| query.matches(item))
                    .count()
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots take longer than the measurements on a small machine: off unless asked for
    // (`-- --plotting-backend plotters`).
    config = Criterion::default().without_plots();
    targets = parsing, matching
}
criterion_main!(benches);
