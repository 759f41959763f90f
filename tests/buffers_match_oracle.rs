//! Protection buffers (`POST /check?buffer=LAYER:METRES`, a layer's
//! `buffer_m`) on the demo layers against `tests/oracle/oracle_buffer.py`
//! (PROJ's azimuthal equidistant plane, GEOS's nearest points and buffers,
//! GeographicLib's distances and areas): the same features within each
//! buffer, their distances within 0.1 % or 0.1 m, the candidate's area
//! inside each buffer within 0.01 % or 1 m²; and every bad buffer refused
//! with a problem naming it.

mod ogc_support;

use std::sync::Arc;

use ogc_support::{demo, post_json, repo};
use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use serde_json::{Value, json};

fn cases() -> Vec<Value> {
    let text =
        std::fs::read_to_string(repo().join("tests/oracle/expected_buffer/cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"].as_array().unwrap().clone()
}

fn close(got: f64, want: f64, absolute: f64, relative: f64) -> bool {
    (got - want).abs() <= absolute.max(relative * want.abs())
}

#[tokio::test]
async fn the_features_within_each_buffer_and_the_area_inside_are_the_oracles() {
    let state = demo();
    let cases = cases();
    assert!(cases.len() >= 6);
    let (mut compared, mut apart) = (0, 0);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let uri = format!(
            "/check?geometry=false&buffer={}",
            case["buffer"].as_str().unwrap()
        );
        let answer = post_json(state.clone(), &uri, &case["candidate"]).await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.text);
        let conflicts = answer.json["conflicts"]["features"].as_array().unwrap();
        for (layer, want) in case["layers"].as_object().unwrap() {
            let got: Vec<&Value> = conflicts
                .iter()
                .map(|c| &c["properties"])
                .filter(|p| p["layer"] == layer.as_str())
                .collect();
            // On a buffered layer every conflict says how near and how much.
            for p in &got {
                assert!(p["buffer"].is_object(), "{name} {layer}: {p}");
                assert_eq!(p["buffer"]["buffer_m"], want["buffer_m"], "{name} {layer}");
            }
            let want = want["within"].as_array().unwrap();
            let ids = |v: &[&Value]| -> Vec<String> {
                let mut ids: Vec<String> = v.iter().map(|p| p["feature_id"].to_string()).collect();
                ids.sort();
                ids
            };
            assert_eq!(
                ids(&got),
                ids(&want.iter().collect::<Vec<_>>()),
                "{name} {layer}: features within the buffer"
            );
            for w in want {
                let p = got
                    .iter()
                    .find(|p| p["feature_id"] == w["feature_id"])
                    .unwrap();
                let (d, e) = (
                    p["buffer"]["distance_m"].as_f64().unwrap(),
                    w["distance_m"].as_f64().unwrap(),
                );
                assert!(
                    close(d, e, 0.1, 1e-3),
                    "{name} {layer}: {d} m, the oracle {e} m"
                );
                let (a, b) = (
                    p["buffer"]["area_m2"].as_f64().unwrap(),
                    w["area_m2"].as_f64().unwrap(),
                );
                assert!(
                    close(a, b, 1.0, 1e-4),
                    "{name} {layer}: {a} m² inside, the oracle {b} m²"
                );
                if e > 0.0 {
                    apart += 1;
                    assert_eq!(p["overlap_area_m2"], 0.0, "{name} {layer}");
                }
                compared += 1;
            }
            // A feature within the buffer is a conflict, never merely adjacent.
            for a in answer.json["adjacent"].as_array().unwrap() {
                assert!(
                    a["layer"] != layer.as_str()
                        || !want.iter().any(|w| w["feature_id"] == a["feature_id"]),
                    "{name}: {a} is within the buffer"
                );
            }
        }
    }
    assert!(compared >= 10, "{compared} features compared");
    assert!(apart >= 5, "{apart} features apart but within their buffer");
}

#[tokio::test]
async fn a_feature_within_a_reject_layers_buffer_rejects_and_its_part_is_drawn() {
    let state = demo();
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "south_of_the_airfield")
        .unwrap();
    let plain = post_json(
        state.clone(),
        "/check?layers=prohibited_zones",
        &case["candidate"],
    )
    .await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    assert_eq!(plain.json["verdict"], "pass", "{}", plain.text);
    let buffered = post_json(
        state,
        &format!(
            "/check?layers=prohibited_zones&net=true&buffer={}",
            case["buffer"].as_str().unwrap()
        ),
        &case["candidate"],
    )
    .await;
    assert_eq!(buffered.status, 200, "{}", buffered.text);
    assert_eq!(buffered.json["verdict"], "reject", "{}", buffered.text);
    let conflict = &buffered.json["conflicts"]["features"][0];
    let drawn = conflict["geometry"]["type"].as_str().unwrap();
    assert!(drawn.ends_with("Polygon"), "{conflict}");
    // The clean part is the candidate less the part inside the buffer.
    let inside = conflict["properties"]["buffer"]["area_m2"]
        .as_f64()
        .unwrap();
    let whole = buffered.json["candidate"]["area_m2"].as_f64().unwrap();
    let net = buffered.json["net"]["area_m2"].as_f64().unwrap();
    assert!(
        close(net, whole - inside, 1.0, 1e-6),
        "net {net} m², candidate {whole} m² less {inside} m²"
    );
}

#[tokio::test]
async fn a_check_cannot_narrow_a_layers_own_buffer() {
    let dir = std::env::temp_dir().join(format!("planmap-buffer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        repo().join("layers/prohibited_zones.geojson"),
        dir.join("zones.geojson"),
    )
    .unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        "[[layer]]\nid = \"zones\"\ntitle = \"禁止开采区\"\nfile = \"zones.geojson\"\non_overlap = \"reject\"\nrule = \"r\"\nbuffer_m = 200\nbuffer_rule = \"buffer clause\"\n",
    )
    .unwrap();
    let state = AppState::new(Arc::new(Catalog::load(&dir).unwrap()), ApiLimits::default());
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "south_of_the_airfield")
        .unwrap();
    for uri in ["/check", "/check?buffer=zones:10"] {
        let answer = post_json(state.clone(), uri, &case["candidate"]).await;
        assert_eq!(answer.status, 200, "{uri}: {}", answer.text);
        let p = &answer.json["conflicts"]["features"][0]["properties"];
        assert_eq!(p["buffer"]["buffer_m"], 200.0, "{uri}: {p}");
        assert_eq!(p["rule"], "buffer clause", "{uri}: {p}");
        assert_eq!(answer.json["verdict"], "reject", "{uri}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_buffer_is_refused_naming_the_parameter() {
    let state = demo();
    let candidate = json!({"type": "Polygon", "coordinates": [[[112.7, 36.3], [112.706, 36.3], [112.706, 36.304], [112.7, 36.304], [112.7, 36.3]]]});
    for (uri, says) in [
        ("/check?buffer=no_such_layer:100", "no_such_layer"),
        (
            "/check?layers=mining_rights&buffer=townships:100",
            "townships",
        ),
        ("/check?buffer=mining_rights", "LAYER:METRES"),
        ("/check?buffer=mining_rights:abc", "abc"),
        ("/check?buffer=mining_rights:-5", "above 0"),
        ("/check?buffer=mining_rights:0", "above 0"),
        ("/check?buffer=mining_rights:NaN", "above 0"),
        ("/check?buffer=mining_rights:inf", "above 0"),
        ("/check?buffer=mining_rights:1e9", "at most"),
        ("/check?buffer=mining_rights:5000.5", "at most"),
        ("/check?buffer=,", "LAYER:METRES"),
    ] {
        let answer = post_json(state.clone(), uri, &candidate).await;
        assert_eq!(answer.status, 400, "{uri}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{uri}"
        );
        assert_eq!(answer.json["parameter"], "buffer", "{uri}: {}", answer.text);
        assert!(
            answer.json["detail"].as_str().unwrap().contains(says),
            "{uri}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn a_buffer_on_a_layer_with_no_geometry_to_buffer_is_refused() {
    let dir = std::env::temp_dir().join(format!("planmap-buffer-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("empty.geojson"),
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .unwrap();
    std::fs::copy(
        repo().join("layers/mining_rights.geojson"),
        dir.join("rights.geojson"),
    )
    .unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        "[[layer]]\nid = \"empty\"\ntitle = \"空\"\nfile = \"empty.geojson\"\non_overlap = \"reject\"\nrule = \"r\"\n\n[[layer]]\nid = \"rights\"\ntitle = \"采矿权\"\nfile = \"rights.geojson\"\non_overlap = \"reject\"\nrule = \"r\"\n",
    )
    .unwrap();
    let state = AppState::new(Arc::new(Catalog::load(&dir).unwrap()), ApiLimits::default());
    let candidate = json!({"type": "Polygon", "coordinates": [[[112.7, 36.3], [112.706, 36.3], [112.706, 36.304], [112.7, 36.304], [112.7, 36.3]]]});
    let answer = post_json(state, "/check?buffer=empty:100", &candidate).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.json["parameter"], "buffer", "{}", answer.text);
    assert!(
        answer.json["detail"]
            .as_str()
            .unwrap()
            .contains("no geometry to buffer"),
        "{}",
        answer.text
    );
    let _ = std::fs::remove_dir_all(&dir);
}
