//! Each example candidate in `layers/examples` gives, against the shipped
//! layers, the verdict the README (section Data) documents for it.

use std::path::PathBuf;

use planmap::engine::report::{CheckReport, Verdict};
use planmap::geom::crs::Crs;
use planmap::intake::candidate::{Limits, read_candidate};
use planmap::layer::catalog::Catalog;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (layer, feature id) of a feature an example conflicts with.
type Deciding = &'static [(&'static str, &'static str)];

/// As documented in the README (section Data): example, verdict, the features that decide it.
const DOCUMENTED: [(&str, Verdict, Deciding); 6] = [
    ("clean_block", Verdict::Pass, &[]),
    (
        "crosses_ecological_redline",
        Verdict::Reject,
        &[("ecological_redline", "RL01")],
    ),
    (
        "over_prohibited_zone",
        Verdict::Reject,
        &[("prohibited_zones", "PZ09")],
    ),
    (
        "overlaps_mining_right",
        Verdict::Reject,
        &[("mining_rights", "C1000002012111240127770")],
    ),
    (
        "inside_subsidence_area",
        Verdict::Warn,
        &[("subsidence_areas", "SA01"), ("remediation_zones", "ZL1")],
    ),
    ("touches_prohibited_zone", Verdict::Pass, &[]),
];

fn check(catalog: &Catalog, stem: &str) -> (Value, CheckReport) {
    let text =
        std::fs::read_to_string(repo().join(format!("layers/examples/{stem}.geojson"))).unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let candidate = read_candidate(&body, Crs::Crs84, Limits::default()).unwrap();
    (
        body,
        planmap::engine::check::check(&candidate, &catalog.layers),
    )
}

#[test]
fn each_example_gives_its_documented_verdict_and_only_the_documented_hard_or_warning_conflicts() {
    let catalog = Catalog::load(&repo().join("layers")).unwrap();
    for (stem, verdict, deciding) in DOCUMENTED {
        let (body, report) = check(&catalog, stem);
        assert_eq!(report.verdict, verdict, "{stem}");
        let verdict_word = serde_json::to_value(verdict).unwrap();
        assert_eq!(
            body["properties"]["expected_verdict"], verdict_word,
            "{stem}: the file's own expected_verdict"
        );
        let not_info: Vec<(String, String)> = report
            .conflicts
            .features
            .iter()
            .filter(|c| c.properties.on_overlap != planmap::layer::OnOverlap::Info)
            .map(|c| {
                (
                    c.properties.layer.clone(),
                    c.properties.feature_id.to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = deciding
            .iter()
            .map(|(l, f)| (l.to_string(), f.to_string()))
            .collect();
        assert_eq!(not_info, want, "{stem}: conflicts outside info layers");
    }
}

#[test]
fn the_touching_example_lists_the_prohibited_zone_as_adjacent_not_as_a_conflict() {
    let catalog = Catalog::load(&repo().join("layers")).unwrap();
    let (_, report) = check(&catalog, "touches_prohibited_zone");
    let adjacent: Vec<(String, String)> = report
        .adjacent
        .iter()
        .map(|a| (a.layer.clone(), a.feature_id.to_string()))
        .collect();
    assert_eq!(
        adjacent,
        [("prohibited_zones".to_string(), "PZ08".to_string())]
    );
}

#[test]
fn the_clean_block_is_one_basic_unit_block_of_about_4155_mu() {
    // DOMAIN.md: a 1′ × 1′ block at ≈36.25°N is ≈2.77 km² (≈4,155 亩).
    let catalog = Catalog::load(&repo().join("layers")).unwrap();
    let (_, report) = check(&catalog, "clean_block");
    assert!((report.candidate.area.area_km2 - 2.77).abs() < 0.01);
}

#[test]
fn the_cli_exits_with_the_documented_code_for_each_example() {
    for (stem, verdict, _) in DOCUMENTED {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
            .current_dir(repo())
            .args(["check", &format!("layers/examples/{stem}.geojson")])
            .output()
            .unwrap()
            .status;
        assert_eq!(status.code(), Some(verdict.exit_code()), "{stem}");
    }
}
