//! Line layers (ground fissures, 地裂缝) and point layers (boreholes) give the
//! answers of the independent oracle (shapely/GEOS + pyproj,
//! tests/oracle/oracle_lines_points.py): the same features in the same order,
//! the same geodesic lengths inside the candidate, the same shares, the same
//! adjacent features and the same verdict.

mod common;

use common::{oracle_cases, read_json, repo};

use geo::{Distance, Euclidean, Intersects, MultiPolygon, Point};
use planmap::geom::crs::Crs;
use planmap::intake::candidate::{Candidate, Limits, read_candidate};
use planmap::layer::catalog::Catalog;
use serde_json::Value;

const REL: f64 = 1e-6;
/// How far (in degrees, about 0.1 mm) a computed crossing point may lie
/// outside the candidate and still count as on its boundary.
const ON_BOUNDARY_DEG: f64 = 1e-9;

fn catalog() -> Catalog {
    Catalog::load(&repo().join("tests/fixtures/lines_points")).expect("line/point catalog loads")
}

fn expected_cases() -> Vec<Value> {
    oracle_cases("tests/oracle/expected_lines_points", 4)
}

fn candidate_of(case: &Value) -> Candidate {
    let json = read_json(&repo().join(case["candidate"].as_str().unwrap()));
    read_candidate(&json, Crs::Crs84, Limits::default()).expect("candidate reads")
}

/// planmap's answer for one oracle case, as the API would serialise it.
fn answer_to(case: &Value, catalog: &Catalog) -> (Candidate, Value) {
    let candidate = candidate_of(case);
    let report = planmap::engine::check::check(&candidate, &catalog.layers);
    (candidate, serde_json::to_value(&report).unwrap())
}

fn close(actual: f64, expected: f64, what: &str) {
    let tolerance = REL * expected.abs();
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: planmap {actual}, oracle {expected}"
    );
}

fn pairs(items: &[Value], props: impl Fn(&Value) -> &Value) -> Vec<(Value, Value)> {
    items
        .iter()
        .map(|i| (props(i)["layer"].clone(), props(i)["feature_id"].clone()))
        .collect()
}

fn line_string_coords(geometry: &Value) -> Vec<&Value> {
    let coords = &geometry["coordinates"];
    match geometry["type"].as_str().unwrap() {
        "LineString" => coords.as_array().unwrap().iter().collect(),
        "MultiLineString" => coords
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|line| line.as_array().unwrap())
            .collect(),
        other => panic!("a line's conflict geometry is a {other}"),
    }
}

fn position(value: &Value) -> Point {
    Point::new(value[0].as_f64().unwrap(), value[1].as_f64().unwrap())
}

fn inside_or_on(area: &MultiPolygon, vertex: &Value) -> bool {
    let p = position(vertex);
    area.intersects(&p) || Euclidean.distance(&p, area) <= ON_BOUNDARY_DEG
}

#[test]
fn every_line_and_point_case_gives_the_oracles_features_lengths_shares_and_verdict() {
    let catalog = catalog();
    for case in expected_cases() {
        let name = case["case"].as_str().unwrap();
        let (_, answer) = answer_to(&case, &catalog);
        assert_eq!(answer["verdict"], case["verdict"], "{name}: verdict");
        close(
            answer["candidate"]["area_m2"].as_f64().unwrap(),
            case["candidate_area_m2"].as_f64().unwrap(),
            &format!("{name}: candidate area"),
        );

        let got = answer["conflicts"]["features"].as_array().unwrap();
        let want = case["conflicts"].as_array().unwrap();
        assert_eq!(
            pairs(got, |c| &c["properties"]),
            pairs(want, |c| c),
            "{name}: conflicting features, in order"
        );
        for (g, w) in got.iter().zip(want) {
            let p = &g["properties"];
            let what = format!("{name} {}", w["feature_id"]);
            assert_eq!(
                p["overlap_area_m2"].as_f64(),
                Some(0.0),
                "{what}: overlap area"
            );
            let (share, want_share) = (
                p["share_of_feature"].as_f64().unwrap(),
                w["share_of_feature"].as_f64().unwrap(),
            );
            assert!(
                (share - want_share).abs() <= 1e-6,
                "{what} share_of_feature: planmap {share}, oracle {want_share}"
            );
            match w["kind"].as_str().unwrap() {
                "line" => close(
                    p["overlap_length_m"]
                        .as_f64()
                        .unwrap_or_else(|| panic!("{what}: no overlap_length_m")),
                    w["overlap_length_m"].as_f64().unwrap(),
                    &format!("{what} overlap_length_m"),
                ),
                "point" => {
                    assert!(
                        p.get("overlap_length_m").is_none_or(Value::is_null),
                        "{what}: a point has no length"
                    );
                    let inside = match g["geometry"]["type"].as_str().unwrap() {
                        "Point" => 1,
                        "MultiPoint" => g["geometry"]["coordinates"].as_array().unwrap().len(),
                        other => panic!("{what}: a point's conflict geometry is a {other}"),
                    };
                    assert_eq!(
                        inside as u64,
                        w["points_inside"].as_u64().unwrap(),
                        "{what}: points inside"
                    );
                }
                other => panic!("{what}: unknown kind {other}"),
            }
        }

        assert_eq!(
            pairs(answer["adjacent"].as_array().unwrap(), |a| a),
            pairs(case["adjacent"].as_array().unwrap(), |a| a),
            "{name}: adjacent features"
        );
    }
}

#[test]
fn the_part_of_a_line_inside_a_candidate_is_linework_whose_every_vertex_is_inside_or_on_it() {
    let catalog = catalog();
    let mut lines_seen = 0;
    for case in expected_cases() {
        let name = case["case"].as_str().unwrap();
        let (candidate, answer) = answer_to(&case, &catalog);
        for conflict in answer["conflicts"]["features"].as_array().unwrap() {
            if conflict["properties"]["layer"] != "ground_fissures" {
                continue;
            }
            lines_seen += 1;
            let id = &conflict["properties"]["feature_id"];
            let vertices = line_string_coords(&conflict["geometry"]);
            assert!(vertices.len() >= 2, "{name} {id}: too few vertices");
            for v in vertices {
                assert!(
                    inside_or_on(&candidate.area, v),
                    "{name} {id}: vertex {v} lies outside the candidate"
                );
            }
        }
    }
    assert!(
        lines_seen >= 6,
        "only {lines_seen} line conflicts were looked at"
    );
}

#[test]
fn a_fissure_crossing_a_hole_is_reported_as_the_pieces_either_side_of_it() {
    let catalog = catalog();
    let case = read_json(&repo().join("tests/oracle/expected_lines_points/block_hole.json"));
    let (candidate, answer) = answer_to(&case, &catalog);
    let conflict = answer["conflicts"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["properties"]["feature_id"] == "GF-06")
        .expect("GF-06 conflicts with block_hole");
    assert_eq!(conflict["geometry"]["type"], "MultiLineString");
    let hole = geo::Polygon::new(candidate.area.0[0].interiors()[0].clone(), vec![]);
    for line in conflict["geometry"]["coordinates"].as_array().unwrap() {
        let line = line.as_array().unwrap();
        // No piece runs through the hole: no point along any segment is in it.
        for pair in line.windows(2) {
            let (a, b) = (position(&pair[0]), position(&pair[1]));
            for step in 1..100 {
                let t = f64::from(step) / 100.0;
                let p = Point::new(a.x() + t * (b.x() - a.x()), a.y() + t * (b.y() - a.y()));
                assert!(
                    !geo::Contains::contains(&hole, &p),
                    "a piece of GF-06 runs through the hole at {p:?}"
                );
            }
        }
    }
}
