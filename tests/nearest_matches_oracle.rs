//! `POST /check?nearest=…` on the demo layers against
//! `tests/oracle/oracle_nearest.py` (PROJ's azimuthal equidistant plane,
//! GEOS's nearest points, GeographicLib's geodesic distance): the same
//! layers, the same nearest feature, the same distance within 0.1 % or
//! 0.1 m; and every bad `nearest` refused with a problem naming it.

mod ogc_support;

use ogc_support::{demo, post_json, repo};
use serde_json::{Value, json};

fn cases() -> Vec<Value> {
    let text =
        std::fs::read_to_string(repo().join("tests/oracle/expected_nearest/cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_nearest_feature_of_each_layer_not_overlapped_is_the_oracles() {
    let state = demo();
    let cases = cases();
    assert!(cases.len() >= 5);
    let mut compared = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let answer = post_json(
            state.clone(),
            "/check?nearest=true&geometry=false",
            &case["candidate"],
        )
        .await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.text);
        let got = answer.json["nearest"].as_array().unwrap();
        let want = case["nearest"].as_object().unwrap();
        let got_layers: Vec<&str> = got.iter().map(|n| n["layer"].as_str().unwrap()).collect();
        let mut want_layers: Vec<&str> = want.keys().map(String::as_str).collect();
        want_layers.sort();
        let mut sorted = got_layers.clone();
        sorted.sort();
        assert_eq!(sorted, want_layers, "{name}: layers");
        for n in got {
            let layer = n["layer"].as_str().unwrap();
            let w = &want[layer];
            assert!(
                w["feature_ids"]
                    .as_array()
                    .unwrap()
                    .contains(&n["feature_id"]),
                "{name} {layer}: {} is not among {}",
                n["feature_id"],
                w["feature_ids"]
            );
            let (d, e) = (
                n["distance_m"].as_f64().unwrap(),
                w["distance_m"].as_f64().unwrap(),
            );
            assert!(
                (d - e).abs() <= 0.1_f64.max(1e-3 * e),
                "{name} {layer}: {d} m, the oracle {e} m"
            );
            compared += 1;
        }
    }
    assert!(compared >= 50, "{compared} distances compared");
}

#[tokio::test]
async fn nearest_for_named_layers_answers_only_those() {
    let state = demo();
    let case = &cases()[0];
    let answer = post_json(
        state,
        "/check?nearest=mining_rights,townships&geometry=false",
        &case["candidate"],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let layers: Vec<&str> = answer.json["nearest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["mining_rights", "townships"]);
}

#[tokio::test]
async fn a_check_without_nearest_has_no_nearest_and_false_is_the_same() {
    let state = demo();
    let case = &cases()[0];
    for uri in [
        "/check?geometry=false",
        "/check?nearest=false&geometry=false",
    ] {
        let answer = post_json(state.clone(), uri, &case["candidate"]).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(
            answer.json.get("nearest").is_none(),
            "{uri}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn a_bad_nearest_is_refused_naming_the_parameter() {
    let state = demo();
    let candidate = json!({"type": "Polygon", "coordinates": [[[112.7, 36.3], [112.706, 36.3], [112.706, 36.304], [112.7, 36.304], [112.7, 36.3]]]});
    for (uri, says) in [
        ("/check?nearest=no_such_layer", "no_such_layer"),
        ("/check?layers=mining_rights&nearest=townships", "townships"),
        ("/check?nearest=,", "layer ids"),
    ] {
        let answer = post_json(state.clone(), uri, &candidate).await;
        assert_eq!(answer.status, 400, "{uri}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{uri}"
        );
        assert_eq!(
            answer.json["parameter"], "nearest",
            "{uri}: {}",
            answer.text
        );
        assert!(
            answer.json["detail"].as_str().unwrap().contains(says),
            "{uri}: {}",
            answer.text
        );
    }
}
