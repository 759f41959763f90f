//! Corner tables kept in Excel workbooks and parcels drawn in a GIS and sent
//! as zipped Shapefiles (issue 13 §1), over real HTTP and through the CLI.
//!
//! The workbooks are written by openpyxl (`tests/oracle/make_spreadsheets.py`)
//! and the Shapefiles by GDAL's ogr2ogr with GBK attributes
//! (`tests/oracle/write_shapefiles.py`), from the parcels of the oracle's TXT
//! exchange files; the expected areas are pyproj's geodesic areas of the same
//! coordinates, written beside them (`tests/oracle/expected_spreadsheets/`,
//! `tests/oracle/expected_shapefiles/`). Nothing here is planmap's own answer.

mod store_support;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};
use store_support::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn workbook(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/spreadsheets").join(name)).unwrap()
}

fn shapefile(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("tests/fixtures/shapefiles").join(name)).unwrap()
}

fn expected(which: &str) -> Value {
    let path = repo().join(format!("tests/oracle/expected_{which}/cases.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_close(got: &Value, want: &Value, what: &str) {
    let (got, want) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!(
        ((got - want) / want).abs() < 1e-6,
        "{what}: planmap {got} m², pyproj {want} m²"
    );
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = http.post(format!("{base}/check{query}")).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let (status, body, _) = send(request).await;
    (status, body)
}

async fn server(name: &str) -> (String, reqwest::Client, TempDir) {
    let dir = TempDir::new(name);
    let (state, _, _) = state_in(dir.path(), true);
    (serve(state).await, reqwest::Client::new(), dir)
}

#[tokio::test]
async fn an_xlsx_table_with_a_chinese_header_gets_pyprojs_areas_and_names_its_sheet() {
    let (base, http, _dir) = server("xlsx-chinese").await;
    let cases = expected("spreadsheets");
    let case = &cases["chinese_header"];
    // By its content type, sniffed from its bytes, and by format=.
    for (query, content_type) in [
        ("", Some(XLSX)),
        ("", Some("application/octet-stream")),
        ("", None),
        ("?format=xlsx", Some("application/octet-stream")),
    ] {
        let (status, answer) = post(
            &http,
            &base,
            query,
            content_type,
            workbook("chinese_header.xlsx"),
        )
        .await;
        assert_eq!(status, 200, "{query} {content_type:?}: {answer}");
        let input = &answer["input"];
        assert_eq!(input["format"], "xlsx", "{input}");
        // The notes sheet comes first; the table is on the second.
        assert_eq!(input["sheet"], case["sheet"], "{input}");
        assert_eq!(
            input["columns"]["header_row"], case["header_row"],
            "{input}"
        );
        assert_eq!(input["columns"]["x"], "X坐标");
        assert_eq!(input["columns"]["y"], "Y坐标");
        assert_eq!(input["columns"]["parcel"], "地块编号");
        let parcels = answer["parcels"].as_array().unwrap();
        let want = case["parcels"].as_array().unwrap();
        assert_eq!(parcels.len(), want.len(), "{answer}");
        for (got, want) in parcels.iter().zip(want) {
            assert_eq!(got["id"], want["id"]);
            assert_close(
                &got["area_m2"],
                &want["area_m2"],
                want["id"].as_str().unwrap(),
            );
        }
    }
}

#[tokio::test]
async fn an_xlsx_table_without_a_header_takes_its_last_two_columns_as_x_and_y() {
    let (base, http, _dir) = server("xlsx-no-header").await;
    let cases = expected("spreadsheets");
    let (status, answer) = post(&http, &base, "", Some(XLSX), workbook("no_header.xlsx")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["input"]["columns"],
        json!({"header_row": null, "x": "column 2", "y": "column 3"})
    );
    assert_eq!(answer["input"]["sheet"], "Sheet1");
    assert_close(
        &answer["candidate"]["area_m2"],
        &cases["no_header"]["area_m2"],
        "no header",
    );
}

#[tokio::test]
async fn text_cells_padded_with_spaces_under_an_english_header_are_read_as_the_numbers_they_say() {
    let (base, http, _dir) = server("xlsx-english").await;
    let cases = expected("spreadsheets");
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some(XLSX),
        workbook("english_header.xlsx"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["input"]["columns"]["ring"], "ring");
    assert_eq!(answer["input"]["columns"]["parcel"], "parcel");
    let parcels = answer["parcels"].as_array().unwrap();
    for (got, want) in parcels
        .iter()
        .zip(cases["chinese_header"]["parcels"].as_array().unwrap())
    {
        assert_eq!(got["id"], want["id"]);
        assert_close(&got["area_m2"], &want["area_m2"], "english header");
    }
}

#[tokio::test]
async fn a_cell_that_is_not_a_number_is_refused_naming_its_sheet_and_row() {
    let (base, http, _dir) = server("xlsx-bad-cell").await;
    let cases = expected("spreadsheets");
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some(XLSX),
        workbook("bad_not_a_number.xlsx"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    assert_eq!(
        answer["sheet"], cases["chinese_header"]["sheet"],
        "{answer}"
    );
    assert_eq!(
        answer["row"], cases["chinese_header"]["bad_row"],
        "{answer}"
    );
    assert!(
        answer["detail"].as_str().unwrap().contains("待定"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_corrupt_workbook_and_bytes_that_are_no_workbook_are_refused_as_bad_coordinate_files() {
    let (base, http, _dir) = server("xlsx-corrupt").await;
    let not_zip = b"this is not a workbook\n".to_vec();
    for (body, query) in [
        (workbook("corrupt.xlsx"), ""),
        (workbook("corrupt.xlsx"), "?format=xlsx"),
        (not_zip, "?format=xlsx"),
        // A Shapefile is a zip but no workbook.
        (shapefile("parcels.zip"), "?format=xlsx"),
    ] {
        let (status, answer) = post(&http, &base, query, Some(XLSX), body).await;
        assert_eq!(status, 422, "{query}: {answer}");
        assert_eq!(answer["type"], "/problems/bad-coordinate-file", "{answer}");
        assert!(
            answer["detail"]
                .as_str()
                .unwrap()
                .contains(".xlsx workbook"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_zip_bomb_is_refused_naming_the_limit_before_it_is_inflated() {
    let (base, http, _dir) = server("zip-bomb").await;
    let cases = expected("spreadsheets");
    let bomb = workbook("bomb.xlsx");
    assert!(bomb.len() < 200_000, "the bomb is small: {}", bomb.len());
    for (query, content_type) in [("", XLSX), ("?format=shapefile", "application/zip")] {
        let (status, answer) = post(&http, &base, query, Some(content_type), bomb.clone()).await;
        assert_eq!(status, 422, "{query}: {answer}");
        assert_eq!(answer["type"], "/problems/bad-coordinate-file");
        assert_eq!(answer["limit_bytes"], cases["limit_bytes"], "{answer}");
    }
    // A member that declares 1000 bytes and inflates to 8 MiB is stopped
    // where it passes its declared size.
    let (status, answer) = post(&http, &base, "", Some(XLSX), workbook("lying_bomb.xlsx")).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    let detail = answer["detail"].as_str().unwrap();
    assert!(
        detail.contains("zeros.bin") && detail.contains("declared"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_workbook_declaring_more_shared_strings_than_it_can_hold_is_refused_not_reserved() {
    let (base, http, _dir) = server("xlsx-sst").await;
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some(XLSX),
        workbook("huge_shared_strings.xlsx"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    assert!(
        answer["detail"].as_str().unwrap().contains("99999999999"),
        "{answer}"
    );
    // The server is still there.
    let (status, _) = post(&http, &base, "", Some(XLSX), workbook("no_header.xlsx")).await;
    assert_eq!(status, 200);
}

/// Each parcel of an answer against the records pyproj measured.
fn assert_records(answer: &Value, cases: &Value) {
    let parcels = answer["parcels"].as_array().unwrap();
    let records = cases["records"].as_array().unwrap();
    assert_eq!(parcels.len(), records.len(), "{answer}");
    for (got, want) in parcels.iter().zip(records) {
        assert_eq!(got["id"], want["id"], "{got}");
        assert_eq!(got["name"], want["name"], "{got}");
        assert_eq!(got["attributes"]["名称"], want["name"], "{got}");
        assert_eq!(got["attributes"]["面积"], want["declared_ha"], "{got}");
        assert_close(
            &got["area_m2"],
            &want["area_m2"],
            want["id"].as_str().unwrap(),
        );
    }
}

#[tokio::test]
async fn a_zipped_shapefile_with_its_prj_gets_pyprojs_geodesic_areas_and_keeps_its_gbk_names() {
    let (base, http, _dir) = server("shp-prj").await;
    let cases = expected("shapefiles");
    for (query, content_type) in [
        ("", Some("application/zip")),
        ("", Some("application/x-zip-compressed")),
        ("", None),
        ("?format=shp", Some("application/octet-stream")),
    ] {
        let (status, answer) =
            post(&http, &base, query, content_type, shapefile("parcels.zip")).await;
        assert_eq!(status, 200, "{query} {content_type:?}: {answer}");
        assert_eq!(answer["input"]["format"], "shapefile");
        assert_eq!(answer["input"]["encoding"], "GBK", "the .cpg says GBK");
        assert_eq!(
            answer["input"]["crs"],
            json!({"name": cases["prj_crs_name"], "from": ".prj", "read_as": "CRS84"}),
        );
        assert_records(&answer, &cases);
    }
    // A .prj that names its EPSG code keeps the parcels in that CRS.
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some("application/zip"),
        shapefile("parcels_epsg_prj.zip"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["input"]["crs"],
        json!({"name": cases["epsg_prj_crs_name"], "from": ".prj", "read_as": "EPSG:4526"}),
    );
    assert_records(&answer, &cases);
    // PolygonZ records are read for their x and y.
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some("application/zip"),
        shapefile("parcels_z.zip"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_records(&answer, &cases);
    // Without a .cpg the GBK .dbf is not UTF-8, so it is read as GB18030.
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some("application/zip"),
        shapefile("parcels_no_cpg.zip"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["input"]["encoding"], "GB18030");
    assert_records(&answer, &cases);
}

#[tokio::test]
async fn a_shapefile_without_a_prj_is_refused_asking_for_crs_and_read_with_it() {
    let (base, http, _dir) = server("shp-no-prj").await;
    let cases = expected("shapefiles");
    let no_prj = shapefile("parcels_no_prj.zip");
    let (status, answer) = post(&http, &base, "", Some("application/zip"), no_prj.clone()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/unknown-crs");
    assert!(
        answer["detail"].as_str().unwrap().contains("crs"),
        "{answer}"
    );
    let (status, answer) = post(
        &http,
        &base,
        "?crs=EPSG:4526",
        Some("application/zip"),
        no_prj,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["input"]["crs"]["from"], "crs parameter");
    assert_eq!(answer["input"]["crs"]["read_as"], "EPSG:4526");
    assert_records(&answer, &cases);
    // With a .prj, a crs as well is refused rather than silently overruled.
    let (status, answer) = post(
        &http,
        &base,
        "?crs=EPSG:4526",
        Some("application/zip"),
        shapefile("parcels.zip"),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["type"], "/problems/invalid-parameter");
    assert_eq!(answer["parameter"], "crs");
}

#[tokio::test]
async fn a_point_shapefile_and_an_archive_of_two_shapefiles_are_refused() {
    let (base, http, _dir) = server("shp-refused").await;
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some("application/zip"),
        shapefile("points.zip"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    assert_eq!(answer["shape_type"], "Point", "{answer}");
    let (status, answer) = post(
        &http,
        &base,
        "",
        Some("application/zip"),
        shapefile("two_shapefiles.zip"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    assert_eq!(
        answer["members"],
        json!(["kq/parcels.shp", "kq/points.shp"]),
        "{answer}"
    );
}

/// `parcels.zip` with its first record declaring `points` points: the
/// record's point count sits 40 bytes into its content, after the 100-byte
/// file header and the 8-byte record header (ESRI's specification).
fn parcels_declaring(points: i32) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(shapefile("parcels.zip"))).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).unwrap();
        let name = member.name().unwrap().to_string();
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).unwrap();
        if name.ends_with(".shp") {
            bytes[100 + 8 + 40..100 + 8 + 44].copy_from_slice(&points.to_le_bytes());
        }
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file(name, stored).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_shapefile_record_declaring_more_points_than_it_holds_is_refused_naming_it() {
    let (base, http, _dir) = server("shp-points").await;
    for points in [1_400_000_000, -1] {
        let (status, answer) = post(
            &http,
            &base,
            "",
            Some("application/zip"),
            parcels_declaring(points),
        )
        .await;
        assert_eq!(status, 422, "{points}: {answer}");
        assert_eq!(answer["type"], "/problems/bad-coordinate-file");
        assert_eq!(answer["record"], 1, "{answer}");
    }
}

#[tokio::test]
async fn a_workbook_and_a_shapefile_submitted_in_base64_become_candidates_a_review_reads_again() {
    let dir = TempDir::new("binary-candidates");
    let (state, store, _) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let base64 = base64::engine::general_purpose::STANDARD;
    let sheets = expected("spreadsheets");
    let shapes = expected("shapefiles");
    let total = |parcels: &Value| -> Value {
        json!(
            parcels
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["area_m2"].as_f64().unwrap())
                .sum::<f64>()
        )
    };
    for (file, extra, format, area) in [
        (
            workbook("chinese_header.xlsx"),
            json!({}),
            "xlsx",
            total(&sheets["chinese_header"]["parcels"]),
        ),
        (
            shapefile("parcels.zip"),
            json!({}),
            "shapefile",
            total(&shapes["records"]),
        ),
        (
            shapefile("parcels_no_prj.zip"),
            json!({"crs": "EPSG:4526"}),
            "shapefile",
            total(&shapes["records"]),
        ),
    ] {
        let mut body =
            json!({"name": "候选", "kind": "exploration_block", "file": base64.encode(&file)});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, created, _) = send(
            with_token(
                http.post(format!("{base}/candidates")),
                Some(&tokens.planner),
            )
            .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{format}: {created}");
        let data = &created["current"];
        assert_eq!(data["source"]["format"], format, "{created}");
        assert_close(&data["area_m2"], &area, format);
        // The stored bytes are read again for a review.
        let id = created["id"].as_i64().unwrap();
        let (status, review, _) = send(with_token(
            http.post(format!("{base}/candidates/{id}/reviews")),
            Some(&tokens.reviewer),
        ))
        .await;
        assert_eq!(status, 201, "{format}: {review}");
        assert_close(&review["answer"]["candidate"]["area_m2"], &area, format);
    }
    // A binary format sent as text is refused naming the field to use.
    let (status, refused, _) = send(
        with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(
            &json!({"name": "候选", "kind": "exploration_block", "format": "xlsx", "text": "1,2"}),
        ),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "file", "{refused}");
}

fn planmap(args: &[&str], file: PathBuf) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args(["check", "--layers", "tests/fixtures/layers"])
        .args(args)
        .arg(file)
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout + &stderr,
    )
}

#[test]
fn planmap_check_reads_an_xlsx_table_and_a_zipped_shapefile_and_says_what_it_read() {
    let sheets = expected("spreadsheets");
    let shapes = expected("shapefiles");
    let fixtures = repo().join("tests/fixtures");
    let (_, answer, out) = planmap(
        &["--json"],
        fixtures.join("spreadsheets/chinese_header.xlsx"),
    );
    assert_eq!(answer["input"]["format"], "xlsx", "{out}");
    assert_eq!(answer["input"]["sheet"], sheets["chinese_header"]["sheet"]);
    assert_close(
        &answer["parcels"][0]["area_m2"],
        &sheets["chinese_header"]["parcels"][0]["area_m2"],
        "CLI xlsx",
    );
    let (_, _, out) = planmap(&[], fixtures.join("spreadsheets/chinese_header.xlsx"));
    assert!(
        out.starts_with("read: xlsx (UTF-8), sheet 拐点坐标\n"),
        "{out}"
    );

    let (_, answer, out) = planmap(&["--json"], fixtures.join("shapefiles/parcels.zip"));
    assert_eq!(answer["input"]["format"], "shapefile", "{out}");
    assert_records(&answer, &shapes);
    let (code, _, out) = planmap(&[], fixtures.join("shapefiles/parcels_no_prj.zip"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no .prj"), "{out}");
    let (_, answer, out) = planmap(
        &["--json", "--crs", "EPSG:4526"],
        fixtures.join("shapefiles/parcels_no_prj.zip"),
    );
    assert_eq!(answer["input"]["crs"]["from"], "crs parameter", "{out}");
    assert_records(&answer, &shapes);
}
