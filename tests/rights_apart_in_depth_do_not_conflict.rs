//! 立体分层: a right is bounded in depth as well as in plan (开采深度). On a
//! depth-aware layer, a candidate that gives its own elevation range and
//! overlaps a feature in plan, but not in depth, is separated in depth (both
//! ranges stated), not in conflict; a range that reaches the feature's is a
//! conflict with the part both share. The demo rights' ranges are
//! illustrative (`depth_source`); the expected ranges are read from the
//! layer file, the plan overlap from the same check without a depth.

mod ogc_support;

use std::sync::Arc;

use ogc_support::{demo, post_json, repo};
use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use serde_json::{Value, json};

/// The 余吾 licence (表1-2), which the example candidate overlaps.
const YUWU: &str = "C1000002012111240127770";

fn example() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("layers/examples/overlaps_mining_right.geojson"))
            .unwrap(),
    )
    .unwrap()
}

/// The licence's range as the layer file gives it.
fn yuwu_range() -> (f64, f64) {
    let layer: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("layers/mining_rights.geojson")).unwrap(),
    )
    .unwrap();
    let f = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == YUWU)
        .unwrap();
    assert_eq!(f["properties"]["depth_source"], "illustrative");
    (
        f["properties"]["elevation_top_m"].as_f64().unwrap(),
        f["properties"]["elevation_bottom_m"].as_f64().unwrap(),
    )
}

fn conflicts_with<'a>(answer: &'a Value, id: &str) -> Vec<&'a Value> {
    answer["conflicts"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["properties"])
        .filter(|p| p["feature_id"] == id)
        .collect()
}

#[tokio::test]
async fn a_candidate_above_the_rights_range_is_separated_in_depth_and_passes() {
    let (top, bottom) = yuwu_range();
    let state = demo();
    let plan = post_json(
        state.clone(),
        "/check?layers=mining_rights&geometry=false",
        &example(),
    )
    .await;
    assert_eq!(plan.status, 200, "{}", plan.text);
    let in_plan = conflicts_with(&plan.json, YUWU)[0]["overlap_area_m2"]
        .as_f64()
        .unwrap();
    assert!(plan.json.get("separated_in_depth").is_none());
    assert!(conflicts_with(&plan.json, YUWU)[0].get("depth").is_none());

    // From 200 m above the licence's roof up to 400 m above it.
    let uri = format!(
        "/check?layers=mining_rights&geometry=false&depth={},{}",
        top + 400.0,
        top + 200.0
    );
    let answer = post_json(state, &uri, &example()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        conflicts_with(&answer.json, YUWU).is_empty(),
        "{}",
        answer.text
    );
    assert_eq!(answer.json["verdict"], "pass", "{}", answer.text);
    let s = &answer.json["separated_in_depth"][0];
    assert_eq!(s["layer"], "mining_rights");
    assert_eq!(s["feature_id"], YUWU);
    assert_eq!(s["overlap_area_m2"].as_f64().unwrap(), in_plan);
    assert_eq!(
        s["candidate_depth"],
        json!({"top_m": top + 400.0, "bottom_m": top + 200.0})
    );
    assert_eq!(
        s["feature_depth"],
        json!({"top_m": top, "bottom_m": bottom})
    );
}

#[tokio::test]
async fn a_range_reaching_the_rights_is_a_conflict_with_the_part_both_share() {
    let (top, bottom) = yuwu_range();
    let uri = format!(
        "/check?layers=mining_rights&geometry=false&depth={},{}",
        top + 100.0,
        top - 50.0
    );
    let answer = post_json(demo(), &uri, &example()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["verdict"], "reject");
    let d = &conflicts_with(&answer.json, YUWU)[0]["depth"];
    assert_eq!(d["feature"], json!({"top_m": top, "bottom_m": bottom}));
    assert_eq!(d["shared"], json!({"top_m": top, "bottom_m": top - 50.0}));
}

#[tokio::test]
async fn ranges_that_meet_only_at_one_elevation_are_apart() {
    let (top, _) = yuwu_range();
    let uri = format!(
        "/check?layers=mining_rights&geometry=false&depth={},{}",
        top + 300.0,
        top
    );
    let answer = post_json(demo(), &uri, &example()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(conflicts_with(&answer.json, YUWU).is_empty());
    assert_eq!(answer.json["separated_in_depth"][0]["feature_id"], YUWU);
}

#[tokio::test]
async fn a_layer_not_depth_aware_or_a_feature_without_a_range_still_conflicts() {
    let dir = std::env::temp_dir().join(format!("planmap-depth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The demo rights twice: as given but not depth-aware, and depth-aware
    // with the ranges taken off.
    let layer: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("layers/mining_rights.geojson")).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("with_ranges.geojson"), layer.to_string()).unwrap();
    let mut bare = layer.clone();
    for f in bare["features"].as_array_mut().unwrap() {
        let p = f["properties"].as_object_mut().unwrap();
        p.remove("elevation_top_m");
        p.remove("elevation_bottom_m");
    }
    std::fs::write(dir.join("without.geojson"), bare.to_string()).unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        "[[layer]]\nid = \"flat\"\ntitle = \"采矿权\"\nfile = \"with_ranges.geojson\"\non_overlap = \"reject\"\nrule = \"r\"\n\n[[layer]]\nid = \"unknown_depth\"\ntitle = \"采矿权\"\nfile = \"without.geojson\"\non_overlap = \"reject\"\nrule = \"r\"\ndepth_aware = true\n",
    )
    .unwrap();
    let state = AppState::new(Arc::new(Catalog::load(&dir).unwrap()), ApiLimits::default());
    let answer = post_json(state, "/check?geometry=false&depth=5000,4000", &example()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let layers: Vec<&str> = conflicts_with(&answer.json, YUWU)
        .iter()
        .map(|p| p["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["flat", "unknown_depth"], "{}", answer.text);
    assert!(answer.json.get("separated_in_depth").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_depth_is_refused_naming_the_parameter() {
    let state = demo();
    for (depth, says) in [
        ("200,800", "must be above the bottom"),
        ("500,500", "must be above the bottom"),
        ("800", "TOP,BOTTOM"),
        ("800,200,100", "TOP,BOTTOM"),
        ("high,200", "'high'"),
        ("inf,200", "within"),
        ("NaN,200", "within"),
        ("800,-1e9", "within"),
        ("", "TOP,BOTTOM"),
    ] {
        let uri = format!("/check?depth={depth}");
        let answer = post_json(state.clone(), &uri, &example()).await;
        assert_eq!(answer.status, 400, "{uri}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{uri}"
        );
        assert_eq!(answer.json["parameter"], "depth", "{uri}: {}", answer.text);
        assert!(
            answer.json["detail"].as_str().unwrap().contains(says),
            "{uri}: {}",
            answer.text
        );
    }
}
