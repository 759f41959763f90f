//! Every case computed by the independent oracle (shapely/GEOS + pyproj/PROJ,
//! tests/oracle/oracle.py) gives the same features and areas through planmap,
//! both in-process and over real HTTP on loopback.

mod common;

use common::*;
use serde_json::Value;

const REL: f64 = 1e-6;

fn close(actual: f64, expected: f64, what: &str) {
    let tolerance = REL * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: planmap {actual}, oracle {expected}"
    );
}

fn expected_cases() -> Vec<Value> {
    oracle_cases("tests/oracle/expected", 15)
}

fn query_of(case: &Value) -> String {
    let mut q = Vec::new();
    if let Some(crs) = case["crs"].as_str() {
        q.push(format!("crs={crs}"));
    }
    if let Some(layers) = case["layers"].as_array() {
        let ids: Vec<&str> = layers.iter().map(|l| l.as_str().unwrap()).collect();
        q.push(format!("layers={}", ids.join(",")));
    }
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

fn compare(case: &Value, answer: &Value) {
    let name = case["case"].as_str().unwrap();
    assert_eq!(answer["verdict"], case["verdict"], "{name}: verdict");
    close(
        answer["candidate"]["area_m2"].as_f64().unwrap(),
        case["candidate_area_m2"].as_f64().unwrap(),
        &format!("{name}: candidate area"),
    );
    let got = answer["conflicts"]["features"].as_array().unwrap();
    let want = case["conflicts"].as_array().unwrap();
    let ids =
        |v: &[Value], f: &dyn Fn(&Value) -> (Value, Value)| v.iter().map(f).collect::<Vec<_>>();
    assert_eq!(
        ids(got, &|c| (
            c["properties"]["layer"].clone(),
            c["properties"]["feature_id"].clone()
        )),
        ids(want, &|c| (c["layer"].clone(), c["feature_id"].clone())),
        "{name}: conflicting features, in order"
    );
    for (g, w) in got.iter().zip(want) {
        let p = &g["properties"];
        let what = format!("{name} {} {}", w["layer"], w["feature_id"]);
        close(
            p["overlap_area_m2"].as_f64().unwrap(),
            w["overlap_area_m2"].as_f64().unwrap(),
            &what,
        );
        close(
            p["overlap_area_mu"].as_f64().unwrap(),
            w["overlap_area_m2"].as_f64().unwrap() * 15.0 / 10_000.0,
            &what,
        );
        for share in ["share_of_candidate", "share_of_feature"] {
            let (a, e) = (p[share].as_f64().unwrap(), w[share].as_f64().unwrap());
            assert!(
                (a - e).abs() <= 1e-6,
                "{what} {share}: planmap {a}, oracle {e}"
            );
            assert!((0.0..=1.0).contains(&a));
        }
        assert!(g["geometry"]["type"].as_str().unwrap().ends_with("Polygon"));
    }
    let (adjacent, want_adjacent) = (
        feature_refs(&answer["adjacent"]),
        feature_refs(&case["adjacent"]),
    );
    assert_eq!(adjacent, want_adjacent, "{name}: adjacent features");
    let warned = answer["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "axis_order_swapped");
    assert_eq!(
        warned,
        case["axis_swap_warning"].as_bool().unwrap(),
        "{name}: axis-swap warning"
    );
}

#[tokio::test]
async fn every_oracle_case_matches_through_the_router_in_process() {
    for case in expected_cases() {
        let body = std::fs::read(repo().join(case["candidate"].as_str().unwrap())).unwrap();
        let answer = post_check(state(), &query_of(&case), body).await;
        assert_eq!(answer.status, 200, "{}: {}", case["case"], answer.body);
        compare(&case, &answer.body);
    }
}

#[tokio::test]
async fn every_oracle_case_matches_over_real_http_on_loopback() {
    let base = spawn_server(state()).await;
    let client = reqwest::Client::new();
    for case in expected_cases() {
        let body = std::fs::read(repo().join(case["candidate"].as_str().unwrap())).unwrap();
        let response = client
            .post(format!("{base}/check{}", query_of(&case)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        compare(&case, &response.json().await.unwrap());
    }
}

#[tokio::test]
async fn the_answer_names_the_revision_of_every_layer_it_ran_against() {
    let body = std::fs::read(repo().join("tests/fixtures/candidates/clean_pass.geojson")).unwrap();
    let answer = post_check(state(), "", body).await;
    let layers = answer.body["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5);
    for layer in layers {
        let file = repo()
            .join("tests/fixtures/layers")
            .join(format!("{}.geojson", layer["id"].as_str().unwrap()));
        // The revision is a content hash: sha256 of the file, first 12 hex digits.
        let output = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .unwrap();
        let digest = String::from_utf8(output.stdout).unwrap();
        assert_eq!(layer["revision"].as_str().unwrap(), &digest[..12]);
    }
}

#[tokio::test]
async fn a_candidate_given_as_a_feature_is_checked_like_its_geometry() {
    let feature =
        std::fs::read_to_string(repo().join("tests/fixtures/candidates/partial_overlaps.geojson"))
            .unwrap();
    let value: Value = serde_json::from_str(&feature).unwrap();
    let geometry = if value["type"] == "Feature" {
        value["geometry"].clone()
    } else {
        value.clone()
    };
    let wrapped =
        serde_json::json!({"type": "Feature", "properties": {"name": "x"}, "geometry": geometry});
    let a = post_check(state(), "", geometry.to_string()).await;
    let b = post_check(state(), "", wrapped.to_string()).await;
    assert_eq!(a.body, b.body);
}

#[tokio::test]
async fn leaving_geometry_out_keeps_every_feature_and_area_and_nulls_only_the_geometry() {
    let case = read_json(&repo().join("tests/oracle/expected/partial_overlaps.json"));
    let body = std::fs::read(repo().join(case["candidate"].as_str().unwrap())).unwrap();
    let answer = post_check(state(), "?geometry=false", body).await;
    assert_eq!(answer.status, 200);
    for conflict in answer.body["conflicts"]["features"].as_array().unwrap() {
        assert!(conflict["geometry"].is_null());
    }
    compare_without_geometry(&case, &answer.body);
}

fn compare_without_geometry(case: &Value, answer: &Value) {
    let got = answer["conflicts"]["features"].as_array().unwrap();
    let want = case["conflicts"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["properties"]["feature_id"], w["feature_id"]);
        close(
            g["properties"]["overlap_area_m2"].as_f64().unwrap(),
            w["overlap_area_m2"].as_f64().unwrap(),
            "overlap area without geometry",
        );
    }
}
