//! Whole-plan QA (`POST /qa`, `planmap qa`) against
//! `tests/oracle/oracle_qa.py` (GEOS overlaps and nearest points,
//! GeographicLib areas and distances): a set of blocks with one problem of
//! each kind injected — an overlap, a sliver, a gap, conflicts, a block
//! below one basic unit block, one over its mineral's cap, an invalid one —
//! and the plan's own blocks, which pass.

mod ogc_support;

use ogc_support::{demo, post_json, repo, run_planmap};
use serde_json::{Value, json};

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join(path)).unwrap()).unwrap()
}

fn close(got: f64, want: f64, absolute: f64, relative: f64) -> bool {
    (got - want).abs() <= absolute.max(relative * want.abs())
}

fn block<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no block {id}"))
}

fn kinds(b: &Value) -> Vec<String> {
    let mut k: Vec<String> = b["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    k.dedup();
    k
}

#[tokio::test]
async fn every_injected_problem_is_found_as_the_oracle_measures_it() {
    let want = read("tests/oracle/expected_qa/cases.json");
    let answer = post_json(
        demo(),
        "/qa?kind=mining_block&tolerance_m=5",
        &read("tests/fixtures/qa/blocks.geojson"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let got = &answer.json;

    // Pairs: the same, measured alike.
    let pairs = got["pairs"].as_array().unwrap();
    let expected = want["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), expected.len(), "{}", got["pairs"]);
    for w in expected {
        let p = pairs
            .iter()
            .find(|p| p["blocks"] == w["blocks"])
            .unwrap_or_else(|| panic!("no pair {}", w["blocks"]));
        assert_eq!(p["kind"], w["kind"], "{p}");
        if let Some(a) = w["area_m2"].as_f64() {
            assert!(
                close(p["area_m2"].as_f64().unwrap(), a, 0.01, 1e-6),
                "{p} vs {w}"
            );
        }
        let width = w["width_m"].as_f64().unwrap();
        assert!(
            close(p["width_m"].as_f64().unwrap(), width, 0.001, 1e-4),
            "{p} vs {w}"
        );
    }

    // Each block: its area, its basic unit blocks, its conflicts.
    for (id, w) in want["blocks"].as_object().unwrap() {
        let b = block(got, id);
        assert!(
            close(
                b["area"]["area_m2"].as_f64().unwrap(),
                w["area_m2"].as_f64().unwrap(),
                0.01,
                1e-9
            ),
            "{id}: {b}"
        );
        assert!(
            close(
                b["basic_blocks"].as_f64().unwrap(),
                w["basic_blocks"].as_f64().unwrap(),
                1e-6,
                1e-6
            ),
            "{id}: {b}"
        );
        let mut conflicts: Vec<Value> = b["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == "conflict")
            .map(|p| json!([p["layer"], p["feature_id"]]))
            .collect();
        conflicts.sort_by_key(|c| c.to_string());
        let mut expected: Vec<Value> = w["conflicts"].as_array().unwrap().clone();
        expected.sort_by_key(|c| c.to_string());
        assert_eq!(conflicts, expected, "{id}: conflicts");
    }

    assert_eq!(kinds(block(got, "A")), ["overlaps_block"]);
    assert_eq!(kinds(block(got, "B")), ["overlaps_block", "sliver"]);
    assert_eq!(kinds(block(got, "C")), ["sliver", "gap"]);
    assert_eq!(kinds(block(got, "F")), ["below_basic_block"]);
    assert!(kinds(block(got, "H")).contains(&"over_cap".to_string()));
    assert_eq!(kinds(block(got, "G")), ["invalid_geometry"]);
    assert!(
        block(got, "G")["problems"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("self-intersection")
    );
    let summary = &got["summary"];
    assert_eq!(summary["blocks"], 8);
    assert_eq!(summary["clean"], 0);
    assert_eq!(summary["problems"]["sliver"], 2);
    assert_eq!(summary["problems"]["gap"], 2);
}

#[tokio::test]
async fn the_plans_own_blocks_pass_and_take_their_kind_from_the_layer() {
    for (layer, kind, count) in [
        ("exploration_blocks", "exploration_block", 4),
        ("mining_blocks", "mining_block", 3),
    ] {
        // Without `kind`, the layer's role says what its blocks are.
        for query in [format!("/qa?kind={kind}"), "/qa".to_string()] {
            let answer = post_json(demo(), &query, &json!({ "layer": layer })).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            let s = &answer.json["summary"];
            assert_eq!(s["blocks"], count, "{layer}");
            assert_eq!(s["with_problems"], 0, "{layer}: {}", answer.text);
            let blocks = answer.json["blocks"].as_array().unwrap();
            assert!(
                blocks.iter().all(|b| b["kind"] == kind),
                "{query} {layer}: {}",
                answer.text
            );
            // The layer is not checked against itself.
            assert!(
                answer.json["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|l| l["id"] != layer)
            );
        }
    }
}

#[tokio::test]
async fn csv_has_a_row_a_problem_and_html_is_a_printable_page_with_names_escaped() {
    let state = demo();
    let mut blocks = read("tests/fixtures/qa/blocks.geojson");
    blocks["features"][0]["properties"]["name"] = json!("=1+1<b>甲</b>");
    let body = serde_json::to_vec(&blocks).unwrap();
    let csv = ogc_support::post_bytes(state.clone(), "/qa?f=csv", body.clone()).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let problems: usize = {
        let json = post_json(state.clone(), "/qa", &blocks).await;
        json.json["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["problems"].as_array().unwrap().len().max(1))
            .sum()
    };
    assert_eq!(rows.len(), problems);
    assert!(
        rows.iter().any(|r| &r[4] == "sliver" && &r[8] == "C"),
        "{}",
        csv.text
    );
    assert!(
        rows.iter().any(|r| &r[1] == "'=1+1<b>甲</b>"),
        "{}",
        csv.text
    );
    let html = ogc_support::post_bytes(state, "/qa?f=html", body).await;
    assert_eq!(html.status, 200);
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(html.text.contains("Whole-plan QA"));
    assert!(
        html.text.contains("=1+1&lt;b&gt;甲&lt;/b&gt;"),
        "{}",
        html.text
    );
    assert!(!html.text.contains("<b>甲"));
}

#[tokio::test]
async fn a_bad_set_of_blocks_or_a_bad_parameter_is_refused_saying_what() {
    let state = demo();
    let blocks = read("tests/fixtures/qa/blocks.geojson");
    let too_many = json!({"type": "FeatureCollection", "features": vec![blocks["features"][0].clone(); 2_001]});
    for (uri, body, status, says) in [
        (
            "/qa",
            json!({"type": "Polygon", "coordinates": []}),
            422,
            "not a set of blocks",
        ),
        ("/qa", json!({"layer": 5}), 422, "not a set of blocks"),
        (
            "/qa",
            json!({"layer": "exploration_blocks", "extra": 1}),
            422,
            "not a set of blocks",
        ),
        (
            "/qa",
            json!({"layer": "no_such_layer"}),
            400,
            "no_such_layer",
        ),
        ("/qa", too_many, 422, "2001 blocks"),
        ("/qa?tolerance_m=0", blocks.clone(), 400, "tolerance_m"),
        ("/qa?tolerance_m=-3", blocks.clone(), 400, "tolerance_m"),
        ("/qa?tolerance_m=NaN", blocks.clone(), 400, "tolerance_m"),
        ("/qa?tolerance_m=5000", blocks.clone(), 400, "at most 1000"),
        ("/qa?f=pdf", blocks.clone(), 400, "'pdf'"),
        ("/qa?kind=quarry", blocks.clone(), 400, "quarry"),
        ("/qa?layers=nope", blocks.clone(), 400, "nope"),
        ("/qa?colour=red", blocks.clone(), 400, "colour"),
    ] {
        let answer = post_json(state.clone(), uri, &body).await;
        assert_eq!(answer.status, status, "{uri}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{uri}"
        );
        assert!(answer.text.contains(says), "{uri}: {}", answer.text);
    }
    let broken =
        ogc_support::post_bytes(state, "/qa", b"{\"type\": \"FeatureCollection\", ".to_vec()).await;
    assert_eq!(broken.status, 400, "{}", broken.text);
}

#[test]
fn the_command_line_qa_passes_the_plans_blocks_and_lists_each_problem_of_a_bad_set() {
    let (code, stdout, stderr) = run_planmap(&[
        "qa",
        "--layer",
        "exploration_blocks",
        "--kind",
        "exploration_block",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("4 blocks: 4 clean, 0 with problems"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run_planmap(&[
        "qa",
        "tests/fixtures/qa/blocks.geojson",
        "--kind",
        "mining_block",
    ]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(
        stdout.contains("B 乙: sliver: a sliver of 1195.988 m²"),
        "{stdout}"
    );
    assert!(stdout.contains("F 己: below_basic_block: "), "{stdout}");
    let (code, _, stderr) = run_planmap(&[
        "qa",
        "tests/fixtures/qa/blocks.geojson",
        "--tolerance-m",
        "0",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--tolerance-m: '0'"), "{stderr}");
}

#[tokio::test]
async fn blocks_meeting_at_a_corner_or_along_part_of_an_edge_are_neighbours_not_gaps() {
    // 300 m squares east of the demo layers' constraints, as a plan's grid
    // of blocks is drawn: B touches A at a corner; C's west edge lies 3 m
    // west of A's east edge, so C's bottom meets A's top along 3 m (with
    // vertices of its own there); D lies 2 m above B, a true gap. Each
    // relation holds by construction, in the coordinates as written.
    let (dx, dy) = (300.0 / 89_766.0, 300.0 / 110_950.0);
    let (w, s) = (113.30, 36.45);
    let square = |id: &str, west: f64, south: f64, east: f64, north: f64| {
        json!({"type": "Feature", "id": id, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}})
    };
    let shift = 3.0 / 89_766.0;
    let gap = 2.0 / 110_950.0;
    let blocks = json!({"type": "FeatureCollection", "features": [
        square("A", w, s, w + dx, s + dy),
        square("B", w + dx, s + dy, w + 2.0 * dx, s + 2.0 * dy),
        square("C", w + dx - shift, s + dy, w + 2.0 * dx - shift, s + 2.0 * dy),
        square("D", w + dx, s + 2.0 * dy + gap, w + 2.0 * dx, s + 3.0 * dy + gap),
    ]});
    let answer = post_json(demo(), "/qa?layers=basic_farmland", &blocks).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let pairs: Vec<(String, String, String)> = answer.json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut b = [
                p["blocks"][0].as_str().unwrap(),
                p["blocks"][1].as_str().unwrap(),
            ];
            b.sort_unstable();
            (
                b[0].to_string(),
                b[1].to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for touching in [("A", "B"), ("A", "C")] {
        assert!(
            !pairs
                .iter()
                .any(|(a, b, _)| (a.as_str(), b.as_str()) == touching),
            "{touching:?} meet and are reported: {pairs:?}"
        );
    }
    // B and C overlap (C is B drawn 3 m west); D is 2 m above both.
    assert!(
        pairs.contains(&("B".into(), "C".into(), "overlaps_block".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("B".into(), "D".into(), "gap".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("C".into(), "D".into(), "gap".into())),
        "{pairs:?}"
    );
}
