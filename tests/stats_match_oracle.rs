//! `GET /collections/{id}/stats` on the demo layers against
//! `tests/oracle/oracle_stats.py` (pyproj's geodesic areas and lengths,
//! shapely's intersections for one layer inside another, the selection
//! evaluated in Python): the same groups, the same counts, the same areas
//! and lengths; and every bad statistic refused with a problem naming what
//! is wrong.

mod ogc_support;

use std::sync::Arc;

use ogc_support::{get, repo};
use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use serde_json::Value;

fn demo() -> AppState {
    AppState::new(
        Arc::new(Catalog::load(&repo().join("layers")).unwrap()),
        ApiLimits::default(),
    )
}

fn close(got: f64, want: f64, absolute: f64) -> bool {
    (got - want).abs() <= absolute.max(1e-6 * want.abs())
}

#[tokio::test]
async fn grouped_counts_areas_and_lengths_are_the_oracles() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/oracle/expected_stats/cases.json")).unwrap(),
    )
    .unwrap();
    assert!(cases.len() >= 6);
    let state = demo();
    for case in &cases {
        let uri = format!(
            "/collections/{}/stats?{}",
            case["layer"].as_str().unwrap(),
            case["query"].as_str().unwrap()
        );
        let answer = get(state.clone(), &uri).await;
        assert_eq!(answer.status, 200, "{uri}: {}", answer.text);
        let got = answer.json["groups"].as_array().unwrap();
        let want = case["groups"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{uri}: {}", answer.text);
        let (mut count, mut area) = (0, 0.0);
        for w in want {
            let g = got
                .iter()
                .find(|g| g["key"] == w["key"])
                .unwrap_or_else(|| panic!("{uri}: no group {} in {}", w["key"], answer.text));
            for n in ["count", "areas", "lines", "points"] {
                assert_eq!(g[n], w[n], "{uri} {}: {n}", w["key"]);
            }
            let (ga, wa) = (
                g["area_m2"].as_f64().unwrap(),
                w["area_m2"].as_f64().unwrap(),
            );
            assert!(close(ga, wa, 1e-3), "{uri} {}: area {ga} vs {wa}", w["key"]);
            assert!(close(
                g["area_mu"].as_f64().unwrap(),
                wa * 15.0 / 10_000.0,
                1e-6
            ));
            let (gl, wl) = (
                g["length_m"].as_f64().unwrap(),
                w["length_m"].as_f64().unwrap(),
            );
            assert!(
                close(gl, wl, 1e-3),
                "{uri} {}: length {gl} vs {wl}",
                w["key"]
            );
            count += w["count"].as_u64().unwrap();
            area += wa;
        }
        let total = &answer.json["total"];
        assert_eq!(total["count"].as_u64().unwrap(), count, "{uri}");
        assert!(
            close(total["area_m2"].as_f64().unwrap(), area, 1e-3),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_statistic_as_csv_has_a_row_a_group_under_its_header() {
    let answer = get(
        demo(),
        "/collections/subsidence_areas/stats?group_by=remediated&f=csv",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "text/csv; charset=utf-8");
    let rows: Vec<&str> = answer.text.trim_end().split("\r\n").collect();
    assert_eq!(
        rows[0],
        "\u{feff}remediated,count,area_m2,area_mu,area_ha,area_km2,length_m,points"
    );
    let json = get(
        demo(),
        "/collections/subsidence_areas/stats?group_by=remediated",
    )
    .await;
    assert_eq!(
        rows.len(),
        1 + json.json["groups"].as_array().unwrap().len()
    );
    for (row, group) in rows[1..]
        .iter()
        .zip(json.json["groups"].as_array().unwrap())
    {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[0], group["key"]["remediated"].to_string());
        assert_eq!(cells[1], group["count"].to_string());
    }
}

#[tokio::test]
async fn a_bad_statistic_is_a_400_problem_naming_the_parameter() {
    let state = demo();
    for (query, parameter) in [
        ("group_by=no_such_property", "group_by"),
        ("group_by=name,name", "group_by"),
        ("group_by=a,b,c,d,e,f", "group_by"),
        ("f=html", "f"),
        ("limit=5", "limit"),
        ("bbox=1,2,3", "bbox"),
    ] {
        let answer = get(
            state.clone(),
            &format!("/collections/mining_rights/stats?{query}"),
        )
        .await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{query}"
        );
        assert_eq!(
            answer.json["parameter"], parameter,
            "{query}: {}",
            answer.text
        );
    }
    let unknown = get(
        state.clone(),
        "/collections/mining_rights/stats?group_by=no_such_property",
    )
    .await;
    assert!(
        unknown.json["detail"].as_str().unwrap().contains("mineral"),
        "the known properties are listed: {}",
        unknown.text
    );
    let filter = get(
        state.clone(),
        "/collections/mining_rights/stats?filter=mineral%20%3D",
    )
    .await;
    assert_eq!(filter.status, 400);
    assert!(
        filter.json["type"]
            .as_str()
            .unwrap()
            .ends_with("/invalid-filter"),
        "{}",
        filter.text
    );
    let missing = get(state.clone(), "/collections/no_such_layer/stats").await;
    assert_eq!(missing.status, 404);
    // Inside another layer: a layer that is not there, one with no areas
    // for anything to lie in, a property the containing layer lacks.
    let nowhere = get(
        state.clone(),
        "/collections/basic_farmland/stats?inside=no_such_layer",
    )
    .await;
    assert_eq!(nowhere.status, 400);
    assert!(
        nowhere.json["type"]
            .as_str()
            .unwrap()
            .ends_with("/unknown-layer"),
        "{}",
        nowhere.text
    );
    let lines = get(
        state.clone(),
        "/collections/basic_farmland/stats?inside=ground_fissures",
    )
    .await;
    assert_eq!(lines.status, 400, "{}", lines.text);
    assert_eq!(lines.json["parameter"], "inside");
    let feature = get(
        state.clone(),
        "/collections/basic_farmland/stats?inside=national_mining_areas/GK9",
    )
    .await;
    assert_eq!(feature.status, 400, "{}", feature.text);
    assert_eq!(feature.json["parameter"], "inside");
    assert!(
        feature.text.contains("no feature 'GK9'"),
        "{}",
        feature.text
    );
    let property = get(
        state,
        "/collections/basic_farmland/stats?inside=subsidence_areas&group_by=subsidence_areas.no_such_property",
    )
    .await;
    assert_eq!(property.status, 400, "{}", property.text);
    assert_eq!(property.json["parameter"], "group_by");
    assert!(
        property.json["detail"]
            .as_str()
            .unwrap()
            .contains("remediated"),
        "{}",
        property.text
    );
}

#[test]
fn planmap_stats_on_the_command_line_gives_the_oracles_groups() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/oracle/expected_stats/cases.json")).unwrap(),
    )
    .unwrap();
    let case = cases
        .iter()
        .find(|c| c["query"] == "group_by=mineral,status")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args([
            "stats",
            "mining_rights",
            "--group-by",
            "mineral,status",
            "--csv",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text
        .trim_end()
        .split("\r\n")
        .skip(1)
        .map(|r| r.split(',').collect())
        .collect();
    let want = case["groups"].as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{text}");
    for w in want {
        let row = rows
            .iter()
            .find(|r| r[0] == w["key"]["mineral"] && r[1] == w["key"]["status"])
            .unwrap_or_else(|| panic!("no row for {} in {text}", w["key"]));
        assert_eq!(row[2], w["count"].to_string());
        let area: f64 = row[3].parse().unwrap();
        assert!(close(area, w["area_m2"].as_f64().unwrap(), 1e-3), "{row:?}");
    }
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args(["stats", "mining_rights", "--group-by", "no_such_property"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no_such_property"));
}

#[test]
fn planmap_stats_inside_one_feature_on_the_command_line_gives_the_oracles_figures() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/oracle/expected_stats/cases.json")).unwrap(),
    )
    .unwrap();
    let case = cases
        .iter()
        .find(|c| {
            c["query"] == "inside=national_mining_areas/GK2&group_by=national_mining_areas.name"
        })
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args([
            "stats",
            "basic_farmland",
            "--inside",
            "national_mining_areas/GK2",
            "--group-by",
            "national_mining_areas.name",
            "--csv",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text
        .trim_end()
        .split("\r\n")
        .skip(1)
        .map(|r| r.split(',').collect())
        .collect();
    let want = &case["groups"][0];
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0][0], want["key"]["national_mining_areas.name"]);
    assert_eq!(rows[0][1], want["count"].to_string());
    let area: f64 = rows[0][2].parse().unwrap();
    assert!(
        close(area, want["area_m2"].as_f64().unwrap(), 1e-3),
        "{text}"
    );
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args([
            "stats",
            "basic_farmland",
            "--inside",
            "national_mining_areas/GK9",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no feature 'GK9'"));
}
