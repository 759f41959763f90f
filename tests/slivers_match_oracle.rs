//! Thin overlaps along the edges of features from one parcel to about 100 km
//! across — axis-aligned, oblique, along a hole — have the area GEOS and
//! geodesic areas give them (tests/oracle/oracle_slivers.py), to 1e-6
//! relative or 1e-4 m², whichever is larger; and so the class: a conflict
//! above 0.01 m², adjacent below.
//!
//! Before the exact overlay (src/geom/shared_area.rs) the errors reached
//! 7e-2 relative on 1e-9° strips along 0.4°–1° features and 0.3 on an
//! oblique edge, and a 0.02 m² overlap was called adjacent.

mod common;

use common::{read_json, repo};
use planmap::geom::crs::Crs;
use planmap::intake::candidate::{Limits, read_candidate};
use planmap::layer::catalog::Catalog;
use serde_json::Value;

const REL: f64 = 1e-6;
const ABS_M2: f64 = 1e-4;

#[test]
fn sliver_overlaps_have_the_oracles_area_and_class_whatever_the_features_size() {
    let catalog = Catalog::load(&repo().join("tests/fixtures/slivers")).expect("catalog loads");
    let cases = read_json(&repo().join("tests/oracle/expected_slivers/cases.json"));
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 30, "the oracle wrote {} cases", cases.len());
    let mut failures = Vec::new();
    let (mut worst_rel, mut worst_abs) = (0.0f64, 0.0f64);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let feature = case["feature"].as_str().unwrap();
        let want = case["overlap_area_m2"].as_f64().unwrap();
        let candidate = read_candidate(&case["candidate"], Crs::Crs84, Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = planmap::engine::check::check(&candidate, &catalog.layers);
        let answer: Value = serde_json::to_value(&report).unwrap();
        let conflict = answer["conflicts"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["feature_id"] == feature)
            .cloned();
        let adjacent = answer["adjacent"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["feature_id"] == feature);
        let (class, got) = match (conflict, adjacent) {
            (Some(c), _) => (
                "conflict",
                c["properties"]["overlap_area_m2"].as_f64().unwrap(),
            ),
            (None, Some(_)) => ("adjacent", 0.0),
            (None, None) => ("apart", 0.0),
        };
        if class != case["class"] {
            failures.push(format!(
                "{name}: planmap says {class} ({got} m²), the oracle {} ({want} m²)",
                case["class"]
            ));
            continue;
        }
        if class == "conflict" {
            worst_rel = worst_rel.max(((got - want) / want).abs());
            worst_abs = worst_abs.max((got - want).abs());
        }
        if class == "conflict" && (got - want).abs() > (REL * want).max(ABS_M2) {
            failures.push(format!(
                "{name}: {got} m² against the oracle's {want} ({:+.2e} relative)",
                (got - want) / want
            ));
        }
    }
    eprintln!("largest difference: {worst_rel:.2e} relative, {worst_abs:.2e} m²");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
