//! Every kind of bad input to `POST /check` gets an RFC 9457 problem document
//! with the right status, saying what is wrong and where — never a panic or a 500.

mod common;

use common::*;
use planmap::api::ApiLimits;
use planmap::intake::candidate::Limits;
use serde_json::{Value, json};

fn square(x: f64, y: f64, d: f64) -> Value {
    json!([[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]])
}

fn polygon(coordinates: Value) -> String {
    json!({"type": "Polygon", "coordinates": coordinates}).to_string()
}

async fn problem(query: &str, body: impl Into<axum::body::Body>, status: u16, slug: &str) -> Value {
    let answer = post_check(state(), query, body).await;
    assert_problem(answer, status, slug)
}

fn assert_problem(answer: Answer, status: u16, slug: &str) -> Value {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    let b = &answer.body;
    assert_eq!(b["status"], status);
    assert_eq!(b["type"], format!("/problems/{slug}"), "{b}");
    assert!(!b["title"].as_str().unwrap().is_empty());
    assert!(!b["detail"].as_str().unwrap().is_empty());
    answer.body
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_line_and_column() {
    let b = problem(
        "",
        "{\"type\": \"Polygon\",\n \"coordinates\": [[[1, 2]",
        400,
        "malformed-json",
    )
    .await;
    assert_eq!(b["line"], 2);
}

#[tokio::test]
async fn an_unknown_query_parameter_is_a_400_naming_it() {
    let b = problem(
        "?crs=EPSG:4490&colour=red",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "unknown-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "colour");
}

#[tokio::test]
async fn a_crs_identifier_that_is_not_one_is_a_400() {
    problem(
        "?crs=WGS84-ish",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "unsupported-crs",
    )
    .await;
}

#[tokio::test]
async fn an_epsg_code_proj_does_not_know_is_a_400() {
    let b = problem(
        "?crs=EPSG:999999",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "unsupported-crs",
    )
    .await;
    assert!(b["detail"].as_str().unwrap().contains("999999"));
}

#[tokio::test]
async fn a_crs_that_is_not_2d_geographic_or_projected_is_a_400() {
    // EPSG:4978 is geocentric (X, Y, Z).
    problem(
        "?crs=EPSG:4978",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "unsupported-crs",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_layer_id_is_a_400_listing_the_known_ones() {
    let b = problem(
        "?layers=ecological_redline,moon_base",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "unknown-layer",
    )
    .await;
    assert_eq!(b["unknown_layers"], json!(["moon_base"]));
    assert!(b["known_layers"].as_array().unwrap().len() == 5);
}

#[tokio::test]
async fn a_point_is_the_wrong_geometry_type_and_a_422() {
    let b = problem(
        "",
        json!({"type": "Point", "coordinates": [112.8, 36.3]}).to_string(),
        422,
        "wrong-geometry-type",
    )
    .await;
    assert!(b["detail"].as_str().unwrap().contains("Point"));
}

#[tokio::test]
async fn a_feature_collection_is_the_wrong_geometry_type_and_a_422() {
    let fc = json!({"type": "FeatureCollection", "features": []});
    problem("", fc.to_string(), 422, "wrong-geometry-type").await;
}

#[tokio::test]
async fn a_feature_without_geometry_is_a_422() {
    let f = json!({"type": "Feature", "properties": {}, "geometry": null});
    problem("", f.to_string(), 422, "no-geometry").await;
}

#[tokio::test]
async fn json_that_is_not_geojson_is_a_422() {
    problem(
        "",
        json!({"hello": "world"}).to_string(),
        422,
        "not-geojson",
    )
    .await;
    problem(
        "",
        json!({"type": "Polygon", "coordinates": "none"}).to_string(),
        422,
        "not-geojson",
    )
    .await;
}

#[tokio::test]
async fn an_unclosed_ring_is_a_422_naming_the_ring_and_its_ends() {
    let open = json!([[
        [112.8, 36.3],
        [112.81, 36.3],
        [112.81, 36.31],
        [112.8, 36.31]
    ]]);
    let b = problem("", polygon(open), 422, "unclosed-ring").await;
    assert_eq!(b["ring"], 0);
    assert_eq!(b["coordinates"], json!([[112.8, 36.3], [112.8, 36.31]]));
}

#[tokio::test]
async fn a_ring_of_fewer_than_four_positions_is_a_422() {
    let short = json!([[[112.8, 36.3], [112.81, 36.3], [112.8, 36.3]]]);
    let b = problem("", polygon(short), 422, "too-few-positions").await;
    assert_eq!(b["ring"], 0);
}

#[tokio::test]
async fn a_hole_with_too_few_positions_is_named_by_its_ring_index() {
    let mut rings = square(112.8, 36.3, 0.1);
    rings
        .as_array_mut()
        .unwrap()
        .push(json!([[112.82, 36.32], [112.83, 36.32], [112.82, 36.32]]));
    let b = problem("", polygon(rings), 422, "too-few-positions").await;
    assert_eq!(b["ring"], 1);
}

#[tokio::test]
async fn nan_and_infinity_are_non_finite_numbers_and_a_422() {
    let body = "{\"type\":\"Polygon\",\"coordinates\":[[[112.8,36.3],[NaN,36.3],[112.81,36.31],[112.8,36.3]]]}";
    let b = problem("", body, 422, "non-finite-number").await;
    assert_eq!(b["line"], 1);
    let body = "{\"type\":\"Polygon\",\"coordinates\":[[[112.8,36.3],[1e999,36.3],[112.81,36.31],[112.8,36.3]]]}";
    problem("", body, 422, "non-finite-number").await;
    let body = "{\"type\":\"Polygon\",\"coordinates\":[[[112.8,36.3],[-Infinity,36.3],[112.81,36.31],[112.8,36.3]]]}";
    problem("", body, 422, "non-finite-number").await;
}

#[tokio::test]
async fn a_position_with_one_number_is_a_422_naming_the_vertex() {
    let rings = json!([[[112.8, 36.3], [112.81], [112.81, 36.31], [112.8, 36.3]]]);
    // geojson refuses a one-number position while reading the geometry.
    let answer = post_check(state(), "", polygon(rings)).await;
    assert_eq!(answer.status.as_u16(), 422, "{}", answer.body);
}

#[tokio::test]
async fn a_self_intersecting_ring_is_a_422_with_the_crossing_point() {
    let bow_tie = json!([[
        [112.8, 36.3],
        [112.9, 36.4],
        [112.9, 36.3],
        [112.8, 36.4],
        [112.8, 36.3]
    ]]);
    let b = problem("", polygon(bow_tie), 422, "self-intersection").await;
    assert_eq!(b["ring"], 0);
    let at = b["coordinates"].as_array().unwrap();
    assert!((at[0].as_f64().unwrap() - 112.85).abs() < 1e-9);
    assert!((at[1].as_f64().unwrap() - 36.35).abs() < 1e-9);
}

#[tokio::test]
async fn a_hole_outside_its_exterior_is_a_422() {
    let mut rings = square(112.8, 36.3, 0.01);
    rings
        .as_array_mut()
        .unwrap()
        .push(square(112.9, 36.3, 0.01)[0].clone());
    problem("", polygon(rings), 422, "invalid-holes").await;
}

#[tokio::test]
async fn overlapping_parts_of_a_multipolygon_are_a_422() {
    let mp = json!({"type": "MultiPolygon", "coordinates": [square(112.8, 36.3, 0.02), square(112.81, 36.31, 0.02)]});
    problem("", mp.to_string(), 422, "overlapping-parts").await;
}

#[tokio::test]
async fn a_point_outside_the_crs_area_of_use_is_a_422_naming_the_vertex() {
    // EPSG:4490 is CGCS2000, used in China: (0, 0) is nowhere near, either way round.
    let rings = json!([[[36.3, 112.8], [36.3, 112.81], [0.0, 0.0], [36.3, 112.8]]]);
    let b = problem("?crs=EPSG:4490", polygon(rings), 422, "outside-area-of-use").await;
    assert_eq!(b["vertex"], 2);
    assert_eq!(b["coordinates"], json!([0.0, 0.0]));
}

#[tokio::test]
async fn gauss_kruger_coordinates_of_the_wrong_zone_are_outside_the_area_of_use() {
    // Zone-38 coordinates (easting 38 5xx xxx) sent as EPSG:4522 (zone 34, 102°E).
    let rings = json!([[
        [4020000.0, 38500000.0],
        [4020000.0, 38501000.0],
        [4021000.0, 38501000.0],
        [4020000.0, 38500000.0]
    ]]);
    problem("?crs=EPSG:4522", polygon(rings), 422, "outside-area-of-use").await;
}

#[tokio::test]
async fn a_body_over_the_byte_limit_is_a_413() {
    let limits = ApiLimits {
        max_body_bytes: 100,
        ..ApiLimits::default()
    };
    let answer = post_check(
        state_with(limits),
        "",
        polygon(square(112.8, 36.3, 0.01)).repeat(3),
    )
    .await;
    let b = assert_problem(answer, 413, "body-too-large");
    assert_eq!(b["limit_bytes"], 100);
}

#[tokio::test]
async fn a_candidate_over_the_vertex_limit_is_a_413() {
    let limits = ApiLimits {
        candidate: Limits {
            max_vertices: 3,
            ..Limits::default()
        },
        ..ApiLimits::default()
    };
    let answer = post_check(state_with(limits), "", polygon(square(112.8, 36.3, 0.01))).await;
    let b = assert_problem(answer, 413, "too-many-vertices");
    assert_eq!(b["vertices"], 4);
}

#[tokio::test]
async fn a_body_that_is_not_json_by_content_type_is_a_415() {
    let answer = call(state(), "POST", "/check", "<xml/>", Some("application/xml")).await;
    assert_problem(answer, 415, "unsupported-media-type");
}

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let answer = call(state(), "GET", "/no/such/thing", "", None).await;
    assert_problem(answer, 404, "not-found");
}

#[tokio::test]
async fn get_on_check_is_a_405_problem() {
    let answer = call(state(), "GET", "/check", "", None).await;
    assert_problem(answer, 405, "method-not-allowed");
}

#[tokio::test]
async fn a_parameter_given_twice_is_a_400() {
    problem(
        "?crs=EPSG:4490&crs=EPSG:4326",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
}

#[tokio::test]
async fn an_empty_layers_list_is_a_400() {
    problem(
        "?layers=",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
}

#[tokio::test]
async fn a_server_keeps_answering_after_every_kind_of_bad_input() {
    let base = spawn_server(state()).await;
    let client = reqwest::Client::new();
    for body in [
        "",
        "null",
        "[]",
        "{",
        "{\"type\":\"Polygon\",\"coordinates\":[[[]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[]}",
        "{\"type\":\"MultiPolygon\",\"coordinates\":[[]]}",
    ] {
        let r = client
            .post(format!("{base}/check"))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!(status == 400 || status == 422, "{body:?} gave {status}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let r = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_unknown_input_format_is_a_400() {
    let b = problem(
        "?format=kml",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "format");
}

#[tokio::test]
async fn an_unknown_candidate_kind_is_a_400() {
    let b = problem(
        "?kind=quarry",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "kind");
}

#[tokio::test]
async fn a_flag_that_is_not_true_or_false_is_a_400() {
    let b = problem(
        "?net=perhaps",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "net");
}

#[tokio::test]
async fn corner_points_in_a_crs_that_is_not_a_gauss_kruger_zone_are_a_400() {
    let b = problem(
        "?corners=EPSG:4326",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "corners");
    problem(
        "?zone=99",
        polygon(square(112.8, 36.3, 0.01)),
        400,
        "invalid-parameter",
    )
    .await;
}

#[tokio::test]
async fn a_crs_for_a_coordinate_file_is_a_400_since_the_file_carries_its_zone() {
    let corners = "1,4012345.67,38456789.12\n2,4012345.67,38457789.12\n3,4013345.67,38457789.12\n1,4012345.67,38456789.12\n";
    let b = problem(
        "?crs=EPSG:4526&format=corners",
        corners,
        400,
        "invalid-parameter",
    )
    .await;
    assert_eq!(b["parameter"], "crs");
}

#[tokio::test]
async fn an_unknown_snap_mode_is_a_400() {
    let answer = call(
        state(),
        "POST",
        "/blocks/snap?mode=round",
        polygon(square(112.8, 36.3, 0.01)),
        None,
    )
    .await;
    let b = assert_problem(answer, 400, "invalid-parameter");
    assert_eq!(b["parameter"], "mode");
}
