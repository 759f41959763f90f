//! Coordinate files (界址点 TXT exchange files, Gauss-Krüger and DMS corner
//! lists), basic unit blocks, the plan's block rules, the clean (净矿) part
//! and corner-point output give the numbers of the independent oracle
//! (shapely/GEOS + pyproj/PROJ, tests/oracle/oracle_formats.py), which also
//! wrote the sample files in tests/fixtures/formats/.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const REL: f64 = 1e-6;

/// Areas agree to 1e-6 relative, or to 0.01 m² for the smallest.
fn agrees(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= (REL * expected.abs()).max(0.01)
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        agrees(actual, expected),
        "{what}: planmap {actual}, oracle {expected}"
    );
}

/// Collects disagreements so one run names every case that differs.
#[derive(Default)]
struct Mismatches(Vec<String>);

impl Mismatches {
    fn area(&mut self, actual: f64, expected: f64, what: &str) {
        if !agrees(actual, expected) {
            self.0.push(format!(
                "{what}: planmap {actual}, oracle {expected} ({:+.3e} relative)",
                actual / expected - 1.0
            ));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} disagreement(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn all_cases() -> Vec<Value> {
    let dir = repo().join("tests/oracle/expected_formats");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the oracle's format cases are missing");
    files.iter().map(|p| read_json(p)).collect()
}

/// The cases with an answer (not a problem).
fn worked_cases() -> Vec<Value> {
    let cases: Vec<Value> = all_cases()
        .into_iter()
        .filter(|c| c.get("error").is_none())
        .collect();
    assert!(cases.len() >= 8);
    cases
}

fn case(name: &str) -> Value {
    all_cases()
        .into_iter()
        .find(|c| c["case"] == name)
        .unwrap_or_else(|| panic!("no oracle case {name}"))
}

fn name(case: &Value) -> &str {
    case["case"].as_str().unwrap()
}

/// Percent-encodes what a URI may not carry raw (the mineral's Chinese name).
fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"?&=_-.,:".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn params(query: &str) -> BTreeMap<String, String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn sample(case: &Value) -> Vec<u8> {
    std::fs::read(repo().join(case["file"].as_str().unwrap())).unwrap()
}

async fn post(path: &str, query: &str, body: Vec<u8>) -> Answer {
    call(
        state(),
        "POST",
        &format!("{path}{}", encode(query)),
        body,
        Some("text/plain; charset=utf-8"),
    )
    .await
}

/// planmap's answer to a worked case, as `POST /check` gives it.
async fn checked(case: &Value) -> Value {
    let answer = post("/check", case["query"].as_str().unwrap(), sample(case)).await;
    assert_eq!(answer.status, 200, "{}: {}", name(case), answer.body);
    answer.body
}

fn feature_key(c: &Value, parcel: &Value) -> (Value, Value, Value) {
    (parcel.clone(), c["layer"].clone(), c["feature_id"].clone())
}

/// One parcel as planmap writes corner points: its header and its rings
/// (without the closing point), each point as the two written fields.
#[derive(Debug)]
struct CornerParcel {
    id: String,
    area_ha: f64,
    rings: Vec<Vec<(String, String)>>,
}

/// Reads planmap's TXT output: the `[属性描述]` keys and the parcels.
fn parse_corner_text(text: &str) -> (BTreeMap<String, String>, Vec<CornerParcel>) {
    let mut header = BTreeMap::new();
    let mut parcels: Vec<CornerParcel> = Vec::new();
    let mut in_points = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line == "[地块坐标]" {
            in_points = true;
            continue;
        }
        if !in_points {
            if let Some((k, v)) = line.split_once('=') {
                header.insert(k.to_string(), v.to_string());
            }
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.last() == Some(&"@") {
            parcels.push(CornerParcel {
                id: fields[2].to_string(),
                area_ha: fields[1].parse().unwrap(),
                rings: Vec::new(),
            });
            continue;
        }
        assert_eq!(fields.len(), 4, "a point line is J,圈号,X,Y: {line}");
        assert!(fields[0].starts_with('J'), "{line}");
        let ring: usize = fields[1].parse().unwrap();
        let parcel = parcels.last_mut().expect("a point after a parcel header");
        if parcel.rings.len() < ring {
            parcel.rings.push(Vec::new());
        }
        assert_eq!(parcel.rings.len(), ring, "rings numbered 1, 2, … in order");
        parcel.rings[ring - 1].push((fields[2].to_string(), fields[3].to_string()));
    }
    for p in &mut parcels {
        for ring in &mut p.rings {
            assert_eq!(ring.first(), ring.last(), "ring of {} closed", p.id);
            ring.pop();
        }
    }
    (header, parcels)
}

/// `112°26′18.123″` in seconds of arc.
fn dms_seconds(text: &str) -> f64 {
    let t = text.replace(['°', '′', '″'], " ");
    let parts: Vec<f64> = t.split_whitespace().map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{text}");
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

/// Compares planmap's corner points with the oracle's, point by point in order.
fn compare_corner_points(what: &str, text: &str, expected: &Value) {
    let (header, parcels) = parse_corner_text(text);
    let style = expected["style"].as_str().unwrap();
    match style {
        "dms" => assert_eq!(header["计量单位"], "度分秒", "{what}"),
        epsg => {
            let zone = match epsg {
                "EPSG:4525" => "37",
                "EPSG:4526" => "38",
                other => panic!("{what}: unexpected style {other}"),
            };
            assert_eq!(header["带号"], zone, "{what}: 带号");
            assert_eq!(header["几度分带"], "3", "{what}: 几度分带");
        }
    }
    let want = expected["parcels"].as_array().unwrap();
    assert_eq!(parcels.len(), want.len(), "{what}: parcels");
    for (got, want) in parcels.iter().zip(want) {
        assert_eq!(got.id, want["id"].as_str().unwrap(), "{what}: parcel id");
        let rings = want["rings"].as_array().unwrap();
        assert_eq!(got.rings.len(), rings.len(), "{what}: rings of {}", got.id);
        for (r, (ring, want_ring)) in got.rings.iter().zip(rings).enumerate() {
            let want_ring = want_ring.as_array().unwrap();
            assert_eq!(ring.len(), want_ring.len(), "{what}: points of ring {r}");
            for (i, ((a, b), w)) in ring.iter().zip(want_ring).enumerate() {
                let at = format!("{what}: parcel {} ring {} point {}", got.id, r + 1, i + 1);
                if style == "dms" {
                    for (got, want) in [(a, &w[0]), (b, &w[1])] {
                        let want = want.as_str().unwrap();
                        let diff = (dms_seconds(got) - dms_seconds(want)).abs();
                        assert!(
                            got == want || diff <= 0.001 + 1e-9,
                            "{at}: planmap {got}, oracle {want}"
                        );
                    }
                } else {
                    for (axis, got, want) in [("X", a, &w[0]), ("Y", b, &w[1])] {
                        assert_eq!(
                            got.split('.').nth(1).map(str::len),
                            Some(2),
                            "{at}: {axis} to 2 decimals"
                        );
                        let (g, e) = (got.parse::<f64>().unwrap(), want.as_f64().unwrap());
                        assert!(
                            (g - e).abs() <= 0.01 + 1e-9,
                            "{at} {axis}: planmap {got}, oracle {e:.4}"
                        );
                    }
                }
            }
        }
    }
}

/// Σ of the 地块面积 a corner-point text declares, in m², and how many parcels.
fn declared_area_m2(text: &str) -> (f64, usize) {
    let (_, parcels) = parse_corner_text(text);
    (
        parcels.iter().map(|p| p.area_ha * 10_000.0).sum(),
        parcels.len(),
    )
}

#[tokio::test]
async fn every_sample_file_gives_the_oracles_areas_conflicts_and_verdict() {
    for case in worked_cases() {
        let n = name(&case);
        let answer = checked(&case).await;
        assert_eq!(answer["verdict"], case["verdict"], "{n}: verdict");
        close(
            answer["candidate"]["area_m2"].as_f64().unwrap(),
            case["candidate_area_m2"].as_f64().unwrap(),
            &format!("{n}: candidate area"),
        );
        assert_eq!(
            answer["candidate"]["vertices"], case["vertices"],
            "{n}: vertices"
        );
        let got = answer["conflicts"]["features"].as_array().unwrap();
        let want = case["conflicts"].as_array().unwrap();
        assert_eq!(
            got.iter()
                .map(|c| feature_key(
                    &c["properties"],
                    c["properties"].get("parcel").unwrap_or(&Value::Null)
                ))
                .collect::<Vec<_>>(),
            want.iter()
                .map(|c| feature_key(c, &c["parcel"]))
                .collect::<Vec<_>>(),
            "{n}: conflicting features (parcel, layer, id), in order"
        );
        for (g, w) in got.iter().zip(want) {
            let p = &g["properties"];
            let what = format!("{n} {} {}", w["layer"], w["feature_id"]);
            close(
                p["overlap_area_m2"].as_f64().unwrap(),
                w["overlap_area_m2"].as_f64().unwrap(),
                &what,
            );
            for share in ["share_of_candidate", "share_of_feature"] {
                let (a, e) = (p[share].as_f64().unwrap(), w[share].as_f64().unwrap());
                assert!(
                    (a - e).abs() <= 1e-6,
                    "{what} {share}: planmap {a}, oracle {e}"
                );
            }
        }
        let (adjacent, want_adjacent) = (
            feature_refs(&answer["adjacent"]),
            feature_refs(&case["adjacent"]),
        );
        assert_eq!(adjacent, want_adjacent, "{n}: adjacent");
        assert!(
            answer["warnings"].as_array().unwrap().is_empty(),
            "{n}: no axis-swap or other warning: {}",
            answer["warnings"]
        );
    }
}

#[tokio::test]
async fn every_parcel_of_a_txt_file_is_reported_by_its_own_number() {
    for case in worked_cases() {
        let n = name(&case);
        let answer = checked(&case).await;
        let want = case["parcels"].as_array().unwrap();
        let got = answer
            .get("parcels")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(got.len(), want.len(), "{n}: parcels");
        for (g, w) in got.iter().zip(want) {
            let what = format!("{n} parcel {}", w["id"]);
            for key in ["id", "name", "declared_area_ha", "verdict", "conflicts"] {
                assert_eq!(g[key], w[key], "{what}: {key}");
            }
            close(
                g["area_m2"].as_f64().unwrap(),
                w["area_m2"].as_f64().unwrap(),
                &what,
            );
        }
    }
    // The three-parcel file: one clean, one rejected, one warned, each by its 地块编号.
    let parcels = case("txt_parcels");
    let verdicts: Vec<_> = parcels["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [("KQ-01", "pass"), ("KQ-02", "reject"), ("KQ-03", "warn")]
    );
}

#[tokio::test]
async fn basic_unit_blocks_match_the_oracles_one_minute_grid() {
    let mut mismatches = Mismatches::default();
    for case in worked_cases() {
        let n = name(&case);
        let answer = checked(&case).await;
        let (got, want) = (&answer["basic_blocks"], &case["basic_blocks"]);
        for key in ["whole", "partial", "touched"] {
            assert_eq!(got[key], want[key], "{n}: blocks {key}");
        }
        let (a, e) = (
            got["area_in_blocks"].as_f64().unwrap(),
            want["area_in_blocks"].as_f64().unwrap(),
        );
        assert!(
            (a - e).abs() <= REL * e,
            "{n}: area in blocks: planmap {a}, oracle {e}"
        );
        let blocks = got["blocks"].as_array().expect("blocks=true lists them");
        let want_blocks = want["blocks"].as_array().unwrap();
        assert_eq!(
            blocks.iter().map(|b| b["code"].clone()).collect::<Vec<_>>(),
            want_blocks
                .iter()
                .map(|b| b["code"].clone())
                .collect::<Vec<_>>(),
            "{n}: block codes"
        );
        for (b, w) in blocks.iter().zip(want_blocks) {
            let what = format!("{n} block {}", w["code"]);
            assert_eq!(b["whole"], w["whole"], "{what}: whole");
            for key in ["block_area_m2", "overlap_area_m2"] {
                mismatches.area(
                    b[key].as_f64().unwrap(),
                    w[key].as_f64().unwrap(),
                    &format!("{what} {key}"),
                );
            }
            for i in 0..2 {
                let (s, t) = (
                    b["south_west"][i].as_f64().unwrap(),
                    w["south_west"][i].as_f64().unwrap(),
                );
                assert!((s - t).abs() < 1e-12, "{what}: south-west corner");
            }
        }
    }
    mismatches.assert_none();
}

#[tokio::test]
async fn the_clean_part_is_the_candidate_less_the_reject_features_it_overlaps() {
    let mut compared = 0;
    for case in worked_cases() {
        let n = name(&case);
        if params(case["query"].as_str().unwrap()).get("net") != Some(&"true".to_string()) {
            continue;
        }
        compared += 1;
        let answer = checked(&case).await;
        let net = &answer["net"];
        let want = &case["net"];
        close(
            net["area_m2"].as_f64().unwrap(),
            want["area_m2"].as_f64().unwrap(),
            &format!("{n}: net area"),
        );
        close(
            net["area_mu"].as_f64().unwrap(),
            want["area_m2"].as_f64().unwrap() * 15.0 / 10_000.0,
            &format!("{n}: net area in 亩"),
        );
        let (s, e) = (
            net["share_of_candidate"].as_f64().unwrap(),
            want["share_of_candidate"].as_f64().unwrap(),
        );
        assert!(
            (s - e).abs() <= 1e-6,
            "{n}: net share: planmap {s}, oracle {e}"
        );
        assert!(
            net["geometry"]["type"]
                .as_str()
                .unwrap()
                .ends_with("Polygon")
        );
        // Its corner points declare (地块面积, 4 decimals of a hectare) the same area.
        if let Some(text) = net["corner_points"].as_str() {
            let (declared, count) = declared_area_m2(text);
            let e = want["area_m2"].as_f64().unwrap();
            assert!(
                (declared - e).abs() <= 0.5 * count as f64 + REL * e,
                "{n}: net corner points declare {declared} m², oracle {e}"
            );
        }
    }
    assert!(compared >= 5);
}

#[tokio::test]
async fn candidate_corner_points_match_pyproj_to_the_centimetre_and_dms_to_the_thousandth_of_a_second()
 {
    let mut styles = Vec::new();
    for case in worked_cases() {
        let n = name(&case);
        let expected = &case["corner_points"];
        if expected.is_null() {
            continue;
        }
        styles.push(expected["style"].as_str().unwrap().to_string());
        let answer = checked(&case).await;
        let text = answer["candidate"]["corner_points"]
            .as_str()
            .unwrap_or_else(|| panic!("{n}: no corner points"));
        compare_corner_points(&format!("{n}: candidate"), text, expected);
        // Every overlap has its corner points, declaring the overlap's area.
        for c in answer["conflicts"]["features"].as_array().unwrap() {
            let p = &c["properties"];
            let text = p["corner_points"]
                .as_str()
                .unwrap_or_else(|| panic!("{n}: conflict without corner points"));
            let (declared, count) = declared_area_m2(text);
            let e = p["overlap_area_m2"].as_f64().unwrap();
            assert!(
                (declared - e).abs() <= 0.5 * count as f64 + REL * e,
                "{n} {} {}: corner points declare {declared} m², overlap {e}",
                p["layer"],
                p["feature_id"]
            );
        }
    }
    styles.sort();
    styles.dedup();
    assert_eq!(styles, ["EPSG:4525", "EPSG:4526", "dms"]);
}

#[tokio::test]
async fn exploration_block_findings_pass_on_a_clean_block_and_fail_across_the_red_line() {
    for case in worked_cases() {
        let n = name(&case);
        let want = &case["findings"];
        let answer = checked(&case).await;
        if want.is_null() {
            assert!(
                answer.get("findings").is_none(),
                "{n}: findings without kind"
            );
            continue;
        }
        assert_eq!(answer["kind"], "exploration_block", "{n}: kind");
        let got = answer["findings"].as_array().unwrap();
        let want = want.as_array().unwrap();
        assert_eq!(
            got.iter().map(|f| f["rule"].clone()).collect::<Vec<_>>(),
            want.iter().map(|f| f["rule"].clone()).collect::<Vec<_>>(),
            "{n}: rules evaluated"
        );
        for (g, w) in got.iter().zip(want) {
            let what = format!("{n} rule {}", w["rule"]);
            assert_eq!(g["passed"], w["passed"], "{what}: passed ({})", g["detail"]);
            assert_eq!(
                g.get("layers").cloned().unwrap_or(Value::Array(vec![])),
                w["layers"],
                "{what}: layers read (by catalog role)"
            );
            assert!(!g["clause"].as_str().unwrap().is_empty(), "{what}: clause");
        }
    }
    // The named outcomes: (7) fails across the red line, everything passes on
    // the clean blocks, (5) fails under one block.
    let passed = |name: &str| -> Vec<Value> {
        case(name)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["passed"].clone())
            .collect()
    };
    use serde_json::json;
    assert_eq!(
        passed("corners_4526_red_line"),
        [json!(null), json!(true), json!(false), json!(true)]
    );
    assert_eq!(
        passed("dms_marks_grid"),
        [json!(null), json!(true), json!(true), json!(true)]
    );
    assert_eq!(
        passed("corners_4547_zone38"),
        [json!(null), json!(true), json!(true), json!(true)]
    );
    assert_eq!(
        passed("dms_ascii_small"),
        [json!(null), json!(false), json!(true), json!(true)]
    );
}

#[tokio::test]
async fn snapping_to_blocks_gives_the_oracles_counts_areas_and_caps() {
    let mut mismatches = Mismatches::default();
    let mut snapped = 0;
    for case in worked_cases() {
        let n = name(&case);
        let zone = params(case["query"].as_str().unwrap()).get("zone").cloned();
        for want in case["snap"].as_array().unwrap() {
            let mode = want["mode"].as_str().unwrap();
            let mut query = format!("?mode={mode}");
            if let Some(m) = want["mineral"].as_str() {
                query.push_str(&format!("&mineral={m}"));
            }
            if let Some(z) = &zone {
                query.push_str(&format!("&zone={z}"));
            }
            let what = format!("{n} snap {query}");
            let answer = post("/blocks/snap", &query, sample(&case)).await;
            assert_eq!(answer.status, 200, "{what}: {}", answer.body);
            let got = &answer.body;
            assert_eq!(got["block_count"], want["block_count"], "{what}: blocks");
            let mut codes: Vec<Value> = got["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["code"].clone())
                .collect();
            codes.sort_by_key(|c| c.as_str().unwrap().to_string());
            assert_eq!(Value::Array(codes), want["codes"], "{what}: block codes");
            mismatches.area(
                got["snapped"]["area_m2"].as_f64().unwrap(),
                want["snapped_area_m2"].as_f64().unwrap(),
                &format!("{what}: snapped area"),
            );
            close(
                got["candidate"]["area_m2"].as_f64().unwrap(),
                case["candidate_area_m2"].as_f64().unwrap(),
                &format!("{what}: candidate area"),
            );
            match want.get("cap") {
                Some(cap) => {
                    for key in ["class", "max_blocks", "within"] {
                        assert_eq!(got["cap"][key], cap[key], "{what}: cap {key}");
                    }
                }
                None => assert!(got.get("cap").is_none(), "{what}: no cap without mineral"),
            }
            snapped += 1;
        }
    }
    assert!(snapped >= 12);
    mismatches.assert_none();
}

#[tokio::test]
async fn a_large_candidate_breaks_the_mineral_water_cap_of_ten_blocks() {
    let case = case("corners_4547_mineral_water");
    assert!(case["basic_blocks"]["touched"].as_u64().unwrap() > 10);
    let answer = checked(&case).await;
    let cap = answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "block-cap")
        .unwrap();
    assert_eq!(cap["passed"], false, "{}", cap["detail"]);
    let snap = post(
        "/blocks/snap",
        "?mode=cover&mineral=矿泉水&zone=EPSG:4547",
        sample(&case),
    )
    .await;
    assert_eq!(snap.status, 200);
    assert_eq!(snap.body["cap"]["max_blocks"], 10);
    assert_eq!(snap.body["cap"]["within"], false);
    // The same file with coal (cap 200) keeps to its cap.
    let coal = checked(&self::case("corners_4547_zone38")).await;
    let cap = coal["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "block-cap")
        .unwrap();
    assert_eq!(cap["passed"], true);
}

#[tokio::test]
async fn every_malformed_file_gets_its_status_and_problem_type() {
    let cases: Vec<Value> = all_cases()
        .into_iter()
        .filter(|c| c.get("error").is_some())
        .collect();
    assert!(cases.len() >= 8);
    for case in cases {
        let n = name(&case);
        let want = &case["error"];
        let answer = post("/check", case["query"].as_str().unwrap(), sample(&case)).await;
        assert_eq!(
            answer.status.as_u16() as u64,
            want["status"].as_u64().unwrap(),
            "{n}: status ({})",
            answer.body
        );
        assert_eq!(
            answer.content_type, "application/problem+json",
            "{n}: content type"
        );
        assert_eq!(answer.body["type"], want["type"], "{n}: {}", answer.body);
        assert_eq!(answer.body["status"], want["status"], "{n}");
        if let Some(line) = want["line"].as_u64() {
            assert_eq!(answer.body["line"], line, "{n}: line ({})", answer.body);
        }
    }
}

#[tokio::test]
async fn the_command_line_gives_the_same_json_as_http_for_a_txt_file() {
    let case = case("txt_parcels");
    let file = repo().join(case["file"].as_str().unwrap());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .arg("check")
        .arg("--layers")
        .arg(repo().join("tests/fixtures/layers"))
        .arg(&file)
        .args(["--net", "--corners", "dms", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "reject exits 3: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    let http = post("/check", "?net=true&corners=dms", sample(&case)).await;
    assert_eq!(http.status, 200);
    assert_eq!(cli, http.body);
    assert_eq!(cli["verdict"], case["verdict"]);
    close(
        cli["candidate"]["area_m2"].as_f64().unwrap(),
        case["candidate_area_m2"].as_f64().unwrap(),
        "CLI candidate area",
    );
}
