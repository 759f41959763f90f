//! The shipped `layers/` are exactly what `planmap-seed` makes of `seeds/`,
//! carry every published record, match every published area, stay inside the
//! published district extent and obey the plan's own block rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

use planmap::api::{ApiLimits, AppState};
use planmap::engine::report::Verdict;
use planmap::geom::crs::Crs;
use planmap::intake::candidate::{Limits, read_candidate};
use planmap::layer::OnOverlap;
use planmap::layer::catalog::{Catalog, Layer};
use serde_json::Value;

// The seed tables as the generator reads them: its own CSV module. (The
// transcription itself is checked with a parser of its own in
// `seeds_match_published_documents.rs`.)
#[path = "../src/bin/planmap-seed/csv.rs"]
#[allow(dead_code)]
mod csv;
use csv::Table;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn catalog() -> Catalog {
    Catalog::load(&repo().join("layers")).expect("the shipped catalog loads")
}

fn layer_json(id: &str) -> Value {
    let text =
        std::fs::read_to_string(repo().join("layers").join(format!("{id}.geojson"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn seed(name: &str) -> Table {
    Table::read(&repo().join("seeds"), name).unwrap()
}

#[test]
fn the_committed_layers_are_byte_identical_to_a_fresh_generation() {
    let out = std::env::temp_dir().join(format!("planmap-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_planmap-seed"))
        .arg("--seeds")
        .arg(repo().join("seeds"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("planmap-seed runs");
    assert!(
        run.status.success(),
        "planmap-seed failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = files_under(&out);
    let committed = files_under(&repo().join("layers"));
    let _ = std::fs::remove_dir_all(&out);
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    let committed_generated = committed;
    assert_eq!(
        names(&committed_generated),
        names(&fresh),
        "run `cargo run --bin planmap-seed` and commit layers/"
    );
    for (path, bytes) in &fresh {
        assert!(
            committed_generated[path] == *bytes,
            "layers/{} is stale: run `cargo run --bin planmap-seed`",
            path.display()
        );
    }
}

/// A seed cell equals a property value: empty is null, true/false booleans,
/// numbers compared as numbers, text as text.
fn same(cell: &str, value: &Value) -> bool {
    match value {
        Value::Null => cell.is_empty(),
        Value::Bool(b) => cell == b.to_string(),
        Value::Number(n) => cell.parse::<f64>().ok() == n.as_f64(),
        Value::String(s) => s == cell,
        _ => false,
    }
}

fn objects<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match v {
        Value::Object(m) => {
            out.push(m);
            m.values().for_each(|x| objects(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| objects(x, out)),
        _ => {}
    }
}

/// Seed files and the layer their records live in; the rest are not spatial.
const SPATIAL: [(&str, &str); 18] = [
    ("tunliu_district", "districts"),
    ("tunliu_geological_survey", "districts"),
    ("tunliu_townships", "townships"),
    ("tunliu_exploration_areas", "exploration_areas"),
    ("tunliu_mining_rights", "mining_rights"),
    ("tunliu_energy_bases", "energy_bases"),
    ("tunliu_national_mining_areas", "national_mining_areas"),
    ("tunliu_key_exploration_areas", "key_exploration_areas"),
    ("tunliu_prohibited_zones", "prohibited_zones"),
    ("tunliu_exploration_blocks", "exploration_blocks"),
    ("tunliu_mining_blocks", "mining_blocks"),
    ("tunliu_remediation_zones", "remediation_zones"),
    ("tunliu_prevention_zones", "prevention_zones"),
    ("tunliu_remediation_progress", "subsidence_areas"),
    ("yangcheng_closures", "yangcheng_closures"),
    ("yangcheng_new_mining_rights", "yangcheng_new_mining_rights"),
    ("yangcheng_coal_pilot_mines", "yangcheng_coal_pilot_mines"),
    ("tunliu_subsidence", "subsidence_areas"),
];
/// Tables with no place on a map: targets, project lists, city-wide schedules;
/// planning_rules.csv feeds the catalog's `rule` texts instead.
const NOT_SPATIAL: [&str; 5] = [
    "tunliu_planning_targets",
    "tunliu_prospect_survey_projects",
    "tunliu_cbm_demonstration_bases",
    "changzhi_subsidence_schedule",
    "planning_rules",
];

#[test]
fn every_seed_file_is_either_drawn_or_named_as_not_spatial() {
    let mut stems: Vec<String> = std::fs::read_dir(repo().join("seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    for stem in stems {
        assert!(
            SPATIAL.iter().any(|(s, _)| *s == stem) || NOT_SPATIAL.contains(&stem.as_str()),
            "seeds/{stem}.csv is neither drawn nor named as not spatial"
        );
    }
}

#[test]
fn every_spatial_seed_record_appears_in_its_layer_with_all_its_attributes() {
    let catalog = catalog();
    for (file, layer) in SPATIAL {
        let table = seed(file);
        let json = layer_json(layer);
        let mut candidates = Vec::new();
        for f in json["features"].as_array().unwrap() {
            objects(&f["properties"], &mut candidates);
        }
        // Figures about the layer as a whole are its catalog entry's facts;
        // TOML has no null, so there an unpublished figure is an absent key.
        let facts = Value::Object(catalog.get(layer).unwrap().entry.facts.clone());
        let mut in_facts = Vec::new();
        objects(&facts, &mut in_facts);
        for (i, row) in table.rows().enumerate() {
            let found = candidates.iter().any(|props| {
                row.cells()
                    .all(|(k, v)| props.get(k).is_some_and(|p| same(v, p)))
            }) || in_facts.iter().any(|facts| {
                row.cells()
                    .all(|(k, v)| facts.get(k).map_or(v.is_empty(), |p| same(v, p)))
            });
            assert!(
                found,
                "{file}.csv record {} is not in layers/{layer}.geojson nor in its catalog facts with all its attributes",
                i + 1
            );
        }
        let drawn = json["features"].as_array().unwrap();
        assert!(
            drawn
                .iter()
                .all(|f| f["properties"]["geometry_source"] == "illustrative"),
            "{layer}: geometry_source"
        );
    }
}

/// Seed tables of figures about a layer as a whole, and the name of the
/// catalog fact that holds them.
const LAYER_FACTS: [(&str, &str, &str); 2] = [
    ("tunliu_subsidence", "subsidence_areas", "published_figures"),
    (
        "tunliu_remediation_progress",
        "subsidence_areas",
        "remediation_progress",
    ),
];

#[test]
fn figures_about_a_whole_layer_are_its_catalog_facts_and_no_features_properties() {
    let catalog = catalog();
    for (file, layer, name) in LAYER_FACTS {
        let facts = &catalog.get(layer).unwrap().entry.facts;
        let rows = facts[name]
            .as_array()
            .unwrap_or_else(|| panic!("{layer}: no facts.{name}"));
        assert_eq!(rows.len(), seed(file).len(), "{layer}: facts.{name}");
        for f in layer_json(layer)["features"].as_array().unwrap() {
            assert!(
                f["properties"].get(name).is_none(),
                "{layer} {}: {name} is a fact of the layer, not of a feature",
                f["id"]
            );
        }
    }
}

#[tokio::test]
async fn a_layers_facts_are_served_in_its_collection_document_only() {
    let state = AppState::new(Arc::new(catalog()), ApiLimits::default());
    let one = common::call(
        state.clone(),
        "GET",
        "/collections/subsidence_areas",
        "",
        None,
    )
    .await;
    assert_eq!(one.status, 200);
    let facts = &one.body["planmap:facts"];
    assert_eq!(facts["published_figures"].as_array().unwrap().len(), 20);
    assert_eq!(
        facts["remediation_progress"][0]["remediated_total_km2"],
        16.5
    );
    let other = common::call(state.clone(), "GET", "/collections/mining_rights", "", None).await;
    assert!(
        other.body.get("planmap:facts").is_none(),
        "no facts, no member"
    );
    let list = common::call(state, "GET", "/collections", "", None).await;
    assert!(
        list.body["collections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("planmap:facts").is_none()),
        "/collections stays a short list"
    );
}

#[test]
fn every_planning_rule_a_layer_cites_is_quoted_from_planning_rules_csv() {
    let rules = seed("planning_rules");
    let catalog = catalog();
    for row in rules.rows() {
        for layer in row.get("layers").split(';').filter(|l| !l.is_empty()) {
            // A rule binds a layer of its own region: the 阳城 red-line rule does
            // not apply to 屯留区's red line.
            let region = |l: &Layer| l.entry.region.clone().unwrap_or_default();
            if let Some(l) = catalog
                .get(layer)
                .filter(|l| row.get("document").contains(region(l).as_str()))
            {
                assert!(
                    l.entry.rule.contains(row.get("label")),
                    "{layer}: rule does not quote {}",
                    row.get("rule_id")
                );
                assert!(
                    l.entry.rule.contains(row.get("clause")),
                    "{layer}: rule does not name {}",
                    row.get("clause")
                );
            }
        }
    }
}

const TOLERANCE: f64 = 0.005;

#[test]
fn every_published_area_is_matched_within_half_a_percent() {
    let mut matched = 0;
    for layer in &catalog().layers {
        for f in &layer.data.features {
            if let Some(km2) = f
                .properties
                .get("published_area_km2")
                .and_then(Value::as_f64)
            {
                let drawn = f.measure / 1e6;
                assert!(
                    (drawn / km2 - 1.0).abs() <= TOLERANCE,
                    "{} {}: drawn {drawn:.4} km², published {km2}",
                    layer.entry.id,
                    f.id
                );
                matched += 1;
            }
        }
    }
    // 4 KQ + 3 CQ + 5 licences + 2 bases + 3 planned mining areas + key
    // exploration + prevention + remediation + 屯留区 + 8 proposed rights
    assert_eq!(matched, 29);
}

#[test]
fn subsidence_areas_total_the_published_area_and_the_remediated_ones_the_remediated_area() {
    let figures = seed("tunliu_subsidence");
    let figure = |q: &str| {
        figures
            .rows()
            .find(|r| r.get("quantity") == q)
            .unwrap()
            .number("value")
            .unwrap()
            .unwrap()
    };
    let catalog = catalog();
    let layer = catalog.get("subsidence_areas").unwrap();
    assert_eq!(layer.data.features.len() as f64, figure("subsidence_areas"));
    assert_eq!(
        catalog.get("ground_fissures").unwrap().data.features.len() as f64,
        figure("ground_fissures")
    );
    let total: f64 = layer.data.features.iter().map(|f| f.measure).sum::<f64>() / 1e6;
    let remediated: f64 = layer
        .data
        .features
        .iter()
        .filter(|f| f.properties["remediated"] == true)
        .map(|f| f.measure)
        .sum::<f64>()
        / 1e6;
    assert!(
        (total / figure("collapse_area") - 1.0).abs() <= TOLERANCE,
        "total {total}"
    );
    assert!(
        (remediated / figure("remediated_area_total") - 1.0).abs() <= TOLERANCE,
        "remediated {remediated}"
    );
    let abandoned: f64 = layer
        .data
        .features
        .iter()
        .filter(|f| f.properties["remediated_as"] == "abandoned_mine")
        .map(|f| f.measure)
        .sum::<f64>()
        / 1e6;
    assert!((abandoned / figure("remediated_area_abandoned_mines") - 1.0).abs() <= TOLERANCE);
}

#[test]
fn tunliu_features_lie_inside_the_published_district_extent() {
    let d = seed("tunliu_district");
    let row = d.rows().next().unwrap();
    let n = |c: &str| row.number(c).unwrap().unwrap();
    let eps = 1e-7;
    for layer in &catalog().layers {
        // The remediation zone's published area is the whole zone across
        // 襄垣县、屯留区 and 潞州区, so it alone reaches beyond 屯留区.
        let within = match layer.entry.region.as_deref() {
            Some("屯留区") => (
                n("lon_min_deg"),
                n("lon_max_deg"),
                n("lat_min_deg"),
                n("lat_max_deg"),
            ),
            Some("阳城县") => (112.2, 112.7, 35.3, 35.7),
            _ => continue,
        };
        for f in &layer.data.features {
            let (min, max) = (f.bbox.min(), f.bbox.max());
            assert!(
                min.x >= within.0 - eps
                    && max.x <= within.1 + eps
                    && min.y >= within.2 - eps
                    && max.y <= within.3 + eps,
                "{} {} lies outside {within:?}",
                layer.entry.id,
                f.id
            );
        }
    }
}

fn hard_constraints(catalog: &Catalog) -> Vec<Arc<Layer>> {
    catalog
        .layers
        .iter()
        .filter(|l| l.entry.on_overlap == OnOverlap::Reject)
        .cloned()
        .collect()
}

#[test]
fn the_plans_own_blocks_pass_a_check_against_the_hard_constraint_layers() {
    let catalog = catalog();
    let hard = hard_constraints(&catalog);
    let ids: Vec<&str> = hard.iter().map(|l| l.entry.id.as_str()).collect();
    for needed in [
        "ecological_redline",
        "basic_farmland",
        "urban_boundary",
        "prohibited_zones",
        "mining_rights",
    ] {
        assert!(ids.contains(&needed), "{needed} must reject");
    }
    for layer in ["exploration_blocks", "mining_blocks"] {
        for f in layer_json(layer)["features"].as_array().unwrap() {
            let candidate = read_candidate(&f["geometry"], Crs::Crs84, Limits::default()).unwrap();
            let report = planmap::engine::check::check(&candidate, &hard);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{layer} {}: {:?}",
                f["id"],
                report
                    .conflicts
                    .features
                    .iter()
                    .map(|c| (&c.properties.layer, &c.properties.feature_id))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn basic_farmland_is_many_parcels_of_realistic_size() {
    let catalog = catalog();
    let farmland = &catalog.get("basic_farmland").unwrap().data.features;
    assert!(
        (300..=5000).contains(&farmland.len()),
        "{} parcels",
        farmland.len()
    );
    for f in farmland {
        let ha = f.measure / 1e4;
        assert!((0.5..=50.0).contains(&ha), "parcel {} is {ha:.1} ha", f.id);
    }
}

#[test]
fn the_layers_directory_stays_small() {
    let bytes: usize = files_under(&repo().join("layers"))
        .values()
        .map(Vec::len)
        .sum();
    assert!(bytes < 8 * 1024 * 1024, "{bytes} bytes");
}
