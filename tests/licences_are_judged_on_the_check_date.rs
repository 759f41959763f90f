//! A licence carries `valid_from`/`valid_to` (表1-2 gives the 古城 licence
//! 2023-01-05 to 2025-01-05). On the check's date a licence outside its
//! validity is reported as such; whether it still rejects is the layer's
//! `on_expired`, by default what `on_overlap` says, since a right stays
//! registered until it is cancelled.

mod ogc_support;

use std::path::PathBuf;
use std::sync::Arc;

use ogc_support::{demo, post_json, run_planmap};
use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use serde_json::{Value, json};

/// The published 古城 licence (表1-2).
const GUCHENG: &str = "C1000002015051120138157";

/// A 1 km square well inside the 古城 licence's illustrative outline.
fn inside_gucheng() -> Value {
    json!({"type": "Polygon", "coordinates": [[[112.944, 36.363], [112.955, 36.363], [112.955, 36.372], [112.944, 36.372], [112.944, 36.363]]]})
}

fn licence_conflict(answer: &Value, id: &str) -> Value {
    answer["conflicts"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"].clone())
        .find(|p| p["feature_id"] == id)
        .unwrap_or_else(|| panic!("no conflict with {id}: {answer}"))
}

#[tokio::test]
async fn the_gucheng_licence_is_expired_today_and_still_rejects_with_its_expiry_stated() {
    let answer = post_json(demo(), "/check?layers=mining_rights", &inside_gucheng()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let p = licence_conflict(&answer.json, GUCHENG);
    let v = &p["validity"];
    assert_eq!(v["valid_from"], "2023-01-05", "{p}");
    assert_eq!(v["valid_to"], "2025-01-05", "{p}");
    assert_eq!(v["status"], "expired", "{p}");
    // Today, as the check took it: a date after the licence's end.
    assert!(v["on"].as_str().unwrap() > "2025-01-05", "{p}");
    assert_eq!(p["on_overlap"], "reject", "{p}");
    assert_eq!(answer.json["verdict"], "reject");
}

/// A layers directory with one licence layer: an expired, an in-force, a
/// not-yet-valid and an unreadable licence, side by side.
fn licences(name: &str, on_expired: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planmap-validity-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let square = |id: &str, x: f64, from: Value, to: Value| {
        json!({"type": "Feature", "id": id,
               "properties": {"name": id, "valid_from": from, "valid_to": to},
               "geometry": {"type": "Polygon", "coordinates": [[[x, 36.0], [x + 0.01, 36.0], [x + 0.01, 36.01], [x, 36.01], [x, 36.0]]]}})
    };
    let features = json!([
        square("expired", 112.00, json!("1990-01-01"), json!("2000-01-01")),
        square("in_force", 112.02, json!("2000-01-01"), json!("2999-12-31")),
        square("not_yet", 112.04, json!("2999-01-01"), json!("2999-12-31")),
        square("unreadable", 112.06, json!("2000-01-01"), json!("soon")),
    ]);
    std::fs::write(
        dir.join("rights.geojson"),
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let extra = on_expired
        .map(|level| format!("on_expired = \"{level}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        dir.join("catalog.toml"),
        format!("[[layer]]\nid = \"rights\"\ntitle = \"采矿权\"\nfile = \"rights.geojson\"\non_overlap = \"reject\"\nrule = \"不得与现有矿业权重叠\"\n{extra}"),
    )
    .unwrap();
    dir
}

/// A candidate over all four licences.
fn over_all() -> Value {
    json!({"type": "Polygon", "coordinates": [[[111.995, 35.995], [112.075, 35.995], [112.075, 36.015], [111.995, 36.015], [111.995, 35.995]]]})
}

#[tokio::test]
async fn each_licence_is_in_force_expired_not_yet_valid_or_unreadable_and_rejects_by_default() {
    let dir = licences("default", None);
    let state = AppState::new(Arc::new(Catalog::load(&dir).unwrap()), ApiLimits::default());
    let answer = post_json(state, "/check", &over_all()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    for (id, status) in [
        ("expired", "expired"),
        ("in_force", "in_force"),
        ("not_yet", "not_yet_valid"),
        ("unreadable", "unreadable"),
    ] {
        let p = licence_conflict(&answer.json, id);
        assert_eq!(p["validity"]["status"], status, "{p}");
        assert_eq!(p["on_overlap"], "reject", "{p}");
    }
    assert_eq!(
        licence_conflict(&answer.json, "unreadable")["validity"]["valid_to"],
        "soon"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_layer_whose_expired_licences_are_info_leaves_them_out_of_the_verdict_and_the_clean_part()
{
    let dir = licences("info", Some("info"));
    let state = AppState::new(Arc::new(Catalog::load(&dir).unwrap()), ApiLimits::default());
    // Only the expired and the not-yet-valid licences.
    let lapsed = json!({"type": "Polygon", "coordinates": [[[111.995, 35.995], [112.015, 35.995], [112.015, 36.015], [111.995, 36.015], [111.995, 35.995]]]});
    let answer = post_json(state.clone(), "/check?net=true", &lapsed).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let p = licence_conflict(&answer.json, "expired");
    assert_eq!(p["on_overlap"], "info", "{p}");
    assert_eq!(answer.json["verdict"], "pass", "{}", answer.text);
    let whole = answer.json["candidate"]["area_m2"].as_f64().unwrap();
    let net = answer.json["net"]["area_m2"].as_f64().unwrap();
    assert!((whole - net).abs() < 1e-6 * whole, "{net} of {whole} m²");
    // Over all four: the licence in force and the unreadable one reject.
    let answer = post_json(state, "/check", &over_all()).await;
    assert_eq!(answer.json["verdict"], "reject");
    assert_eq!(
        licence_conflict(&answer.json, "not_yet")["on_overlap"],
        "info"
    );
    assert_eq!(
        licence_conflict(&answer.json, "in_force")["on_overlap"],
        "reject"
    );
    assert_eq!(
        licence_conflict(&answer.json, "unreadable")["on_overlap"],
        "reject"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_line_judges_validity_on_the_date_given_the_last_day_included() {
    let dir = std::env::temp_dir().join(format!("planmap-validity-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("candidate.geojson");
    std::fs::write(&file, inside_gucheng().to_string()).unwrap();
    for (date, status) in [
        ("2024-06-01", "in force"),
        ("2025-01-05", "in force"),
        ("2025-01-06", "expired"),
        ("2022-12-31", "not yet valid"),
    ] {
        let (code, stdout, stderr) = run_planmap(&[
            "check",
            "--only",
            "mining_rights",
            "--as-of",
            date,
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 3, "{date}: {stdout}{stderr}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("validity of mining_rights {GUCHENG} ")))
            .unwrap_or_else(|| panic!("{date}: no validity line in {stdout}"));
        assert!(
            line.contains(&format!(
                ": {status} on {date} (valid 2023-01-05 to 2025-01-05), reject"
            )),
            "{date}: {line}"
        );
    }
    let (code, _, stderr) =
        run_planmap(&["check", "--as-of", "2025-02-30", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--as-of: '2025-02-30'"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
