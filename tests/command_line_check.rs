//! `planmap check` runs the same engine as the server: a table, or with
//! `--json` exactly the HTTP body; the exit status carries the verdict.

mod common;

use std::process::Command;

use common::*;

fn planmap(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const LAYERS: &str = "tests/fixtures/layers";

#[test]
fn exit_status_is_zero_on_pass_two_on_warn_three_on_reject() {
    for (case, code) in [("clean_pass", 0), ("warn_only", 2), ("partial_overlaps", 3)] {
        let file = format!("tests/fixtures/candidates/{case}.geojson");
        let (status, stdout, _) = planmap(&["check", "--layers", LAYERS, &file]);
        assert_eq!(status, code, "{case}: {stdout}");
    }
}

#[test]
fn the_table_names_each_conflicting_feature_and_the_verdict() {
    let (_, stdout, _) = planmap(&[
        "check",
        "--layers",
        LAYERS,
        "tests/fixtures/candidates/partial_overlaps.geojson",
    ]);
    let expected = read_json(&repo().join("tests/oracle/expected/partial_overlaps.json"));
    for c in expected["conflicts"].as_array().unwrap() {
        let id = c["feature_id"].to_string().trim_matches('"').to_string();
        assert!(stdout.contains(&id), "{id} missing from:\n{stdout}");
    }
    assert!(stdout.contains("verdict: Reject"));
}

#[tokio::test]
async fn json_output_is_exactly_the_http_body() {
    let file = "tests/fixtures/candidates/epsg4526.geojson";
    let (_, stdout, _) = planmap(&[
        "check",
        "--layers",
        LAYERS,
        "--crs",
        "EPSG:4526",
        "--json",
        file,
    ]);
    let cli: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let http = post_check(
        state(),
        "?crs=EPSG:4526",
        std::fs::read(repo().join(file)).unwrap(),
    )
    .await;
    assert_eq!(cli, http.body);
}

#[test]
fn an_invalid_candidate_exits_one_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("planmap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("open.geojson");
    std::fs::write(
        &file,
        r#"{"type":"Polygon","coordinates":[[[112.8,36.3],[112.9,36.3],[112.9,36.4]]]}"#,
    )
    .unwrap();
    let (status, _, stderr) = planmap(&["check", "--layers", LAYERS, file.to_str().unwrap()]);
    assert_eq!(status, 1);
    assert!(stderr.contains("ring 0"), "{stderr}");
}

#[test]
fn an_unknown_layer_exits_one() {
    let (status, _, stderr) = planmap(&[
        "check",
        "--layers",
        LAYERS,
        "--only",
        "nope",
        "tests/fixtures/candidates/clean_pass.geojson",
    ]);
    assert_eq!(status, 1);
    assert!(stderr.contains("nope"));
}

#[test]
fn nearest_prints_each_layers_nearest_feature_at_the_oracles_distance() {
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/oracle/expected_nearest/cases.json")).unwrap(),
    )
    .unwrap();
    let case = &cases["cases"][0];
    let dir = std::env::temp_dir().join(format!("planmap-cli-nearest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("candidate.geojson");
    std::fs::write(&file, case["candidate"].to_string()).unwrap();
    let (_, stdout, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--nearest",
        "mining_rights,townships",
        file.to_str().unwrap(),
    ]);
    for layer in ["mining_rights", "townships"] {
        let want = &case["nearest"][layer];
        let id = want["feature_ids"][0].as_str().unwrap();
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("nearest {layer}: {id} ")))
            .unwrap_or_else(|| panic!("no nearest {layer} {id} in:\n{stdout}{stderr}"));
        let metres: f64 = line
            .rsplit(" at ")
            .next()
            .unwrap()
            .trim_end_matches(" m")
            .parse()
            .unwrap();
        let e = want["distance_m"].as_f64().unwrap();
        assert!((metres - e).abs() <= 0.01, "{line}: the oracle says {e} m");
    }
    let (status, _, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--only",
        "mining_rights",
        "--nearest",
        "townships",
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 1);
    assert!(stderr.contains("--nearest: townships"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn buffer_prints_each_feature_within_it_at_the_oracles_distance_and_area() {
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/oracle/expected_buffer/cases.json")).unwrap(),
    )
    .unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "south_of_the_airfield")
        .unwrap();
    let dir = std::env::temp_dir().join(format!("planmap-cli-buffer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("candidate.geojson");
    std::fs::write(&file, case["candidate"].to_string()).unwrap();
    let (status, stdout, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--only",
        "prohibited_zones",
        "--buffer",
        case["buffer"].as_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 3, "{stdout}{stderr}");
    let want = &case["layers"]["prohibited_zones"]["within"][0];
    let id = want["feature_id"].as_str().unwrap();
    let line = stdout
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "within the 200 m buffer of prohibited_zones {id} "
            ))
        })
        .unwrap_or_else(|| panic!("no buffer line for {id} in:\n{stdout}{stderr}"));
    let numbers: Vec<f64> = line
        .rsplit(": ")
        .next()
        .unwrap()
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .collect();
    let (metres, m2) = (numbers[0], numbers[1]);
    let (e, a) = (
        want["distance_m"].as_f64().unwrap(),
        want["area_m2"].as_f64().unwrap(),
    );
    assert!((metres - e).abs() <= 0.01, "{line}: the oracle says {e} m");
    assert!((m2 - a).abs() <= 1.0, "{line}: the oracle says {a} m²");
    let (status, _, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--buffer",
        "prohibited_zones:-3",
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 1);
    assert!(stderr.contains("--buffer: "), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn depth_separates_a_right_the_candidate_does_not_reach_and_a_bad_range_is_refused() {
    let (status, stdout, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--only",
        "mining_rights",
        "--depth",
        "1000,700",
        "layers/examples/overlaps_mining_right.geojson",
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("separated in depth: mining_rights C1000002012111240127770 "),
        "{stdout}"
    );
    assert!(stdout.contains("candidate +1000 to +700 m"), "{stdout}");
    let (status, _, stderr) = planmap(&[
        "check",
        "--layers",
        "layers",
        "--depth",
        "-300,-100",
        "layers/examples/overlaps_mining_right.geojson",
    ]);
    assert_eq!(status, 1);
    assert!(
        stderr.contains("--depth: the top (-300 m) must be above the bottom (-100 m)"),
        "{stderr}"
    );
}
