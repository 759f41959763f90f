//! Coordinate files as a bureau receives them: 界址点 TXT files and corner
//! lists saved by Windows tools in GBK/GB18030, or by Excel as "Unicode
//! text" (UTF-16 with a byte-order mark). The encoded copies are written by
//! `iconv` at test time, so the bytes come from an independent tool; each
//! must get the same answer as the UTF-8 file over real HTTP.
//!
//! When `iconv` is missing the test prints `skipped: iconv not installed`
//! and passes, unless `PLANMAP_CLIENT_TESTS=1` (set by CI).

mod store_support;

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};
use store_support::*;

const FILES: &[&str] = &[
    "tests/fixtures/formats/parcels_zone38.txt",
    "tests/fixtures/formats/hole_zone38.txt",
    "tests/fixtures/formats/corners_4526.txt",
    "tests/fixtures/formats/corners_dms_marks.txt",
];

/// `bytes` converted by iconv from UTF-8 to `to`, or None when iconv is not installed.
fn iconv(bytes: &[u8], to: &str) -> Option<Vec<u8>> {
    let child = Command::new("iconv")
        .args(["-f", "UTF-8", "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var("PLANMAP_CLIENT_TESTS").as_deref() != Ok("1"),
            "iconv is not installed but PLANMAP_CLIENT_TESTS=1"
        );
        println!("skipped: iconv not installed");
        return None;
    };
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "iconv -t {to} failed");
    Some(out.stdout)
}

async fn check(http: &reqwest::Client, base: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    let (status, body, _) = send(
        http.post(format!("{base}/check{query}"))
            .header("content-type", "text/plain")
            .body(body),
    )
    .await;
    (status, body)
}

/// What must not change with the encoding: the verdict, the areas, the conflicts.
fn gist(answer: &Value) -> Value {
    json!({
        "verdict": answer["verdict"],
        "area_m2": answer["candidate"]["area_m2"],
        "conflicts": answer["conflicts"]["features"].as_array().map(|f| f.len()),
        "parcels": answer["parcels"],
    })
}

#[tokio::test]
async fn gbk_gb18030_and_utf16_files_get_the_answer_of_the_same_file_in_utf8() {
    let dir = TempDir::new("bureau-encodings");
    let (state, _, _) = state_in(dir.path(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    for file in FILES {
        let utf8 = std::fs::read(repo().join(file)).unwrap();
        let (status, expected) = check(&http, &base, "", utf8.clone()).await;
        assert_eq!(status, 200, "{file}: {expected}");
        assert_eq!(expected["input"]["encoding"], "UTF-8", "{file}");
        // glibc's iconv writes a byte-order mark for UTF-16 (as Excel does).
        for (to, read_as) in [
            ("GBK", "GB18030"),
            ("GB18030", "GB18030"),
            ("UTF-16", "UTF-16LE"),
        ] {
            let Some(encoded) = iconv(&utf8, to) else {
                return;
            };
            assert_ne!(encoded, utf8, "{file} has Chinese text to encode");
            // Sniffed without format=, and with it.
            let format = expected["input"]["format"].as_str().unwrap();
            for query in [String::new(), format!("?format={format}")] {
                let (status, answer) = check(&http, &base, &query, encoded.clone()).await;
                assert_eq!(status, 200, "{file} in {to}{query}: {answer}");
                assert_eq!(answer["input"]["encoding"], read_as, "{file} in {to}");
                assert_eq!(answer["input"]["format"], format, "{file} in {to}");
                assert_eq!(gist(&answer), gist(&expected), "{file} in {to}{query}");
            }
        }
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&utf8);
        let (status, answer) = check(&http, &base, "", with_bom).await;
        assert_eq!(status, 200, "{file} with BOM: {answer}");
        assert_eq!(answer["input"]["encoding"], "UTF-8 BOM");
        assert_eq!(gist(&answer), gist(&expected), "{file} with BOM");
    }
}

#[tokio::test]
async fn a_file_in_no_known_encoding_is_refused_naming_the_line_of_its_first_bad_byte() {
    let dir = TempDir::new("bureau-bad-bytes");
    let (state, _, _) = state_in(dir.path(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let mut body = std::fs::read(repo().join(FILES[0])).unwrap();
    // 0xFF starts no character in UTF-8 or GB18030.
    let third_line = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    body.insert(third_line, 0xFF);
    for query in ["", "?format=txt"] {
        let (status, answer) = check(&http, &base, query, body.clone()).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["type"], "/problems/bad-coordinate-file");
        assert_eq!(answer["line"], 3, "{answer}");
    }
    // UTF-16 without its byte-order mark is full of NUL bytes: not read as text.
    let Some(utf16) = iconv(b"1,4012345.67,38456789.12\n", "UTF-16LE") else {
        return;
    };
    let (status, answer) = check(&http, &base, "?format=corners", utf16).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["line"], 1);
}

#[tokio::test]
async fn a_gbk_file_submitted_in_base64_becomes_the_candidate_its_utf8_text_makes() {
    let dir = TempDir::new("bureau-candidate-file");
    let (state, store, _) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let utf8 = std::fs::read(repo().join(FILES[0])).unwrap();
    let Some(gbk) = iconv(&utf8, "GBK") else {
        return;
    };
    let submit = |body: Value| {
        let request = with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(&body);
        send(request)
    };
    let base64 = base64::engine::general_purpose::STANDARD;
    let (status, from_text, _) = submit(json!({
        "name": "候选", "kind": "exploration_block", "format": "txt",
        "text": String::from_utf8(utf8.clone()).unwrap(),
    }))
    .await;
    assert_eq!(status, 201, "{from_text}");
    let (status, from_file, _) = submit(json!({
        "name": "候选", "kind": "exploration_block", "file": base64.encode(&gbk),
    }))
    .await;
    assert_eq!(status, 201, "{from_file}");
    assert_eq!(
        from_file["current"]["data"]["area_m2"], from_text["current"]["data"]["area_m2"],
        "{from_file}"
    );
    let (status, refused, _) = submit(json!({
        "name": "候选", "kind": "exploration_block", "file": "not base64!",
    }))
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "file", "{refused}");
    let (status, refused, _) = submit(json!({
        "name": "候选", "kind": "exploration_block", "file": base64.encode(b"1,2\n\xFF\xFF\n"),
    }))
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["type"], "/problems/bad-coordinate-file",
        "{refused}"
    );
    assert_eq!(refused["line"], 2, "{refused}");
}

#[test]
fn planmap_check_reads_a_gbk_file_and_says_so() {
    let utf8 = std::fs::read(repo().join(FILES[0])).unwrap();
    let Some(gbk) = iconv(&utf8, "GB18030") else {
        return;
    };
    let dir = TempDir::new("bureau-cli");
    let path = dir.path().join("界址点.txt");
    std::fs::write(&path, gbk).unwrap();
    let run = |file: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_planmap"))
            .args(["check", "--layers", "tests/fixtures/layers", "--json"])
            .arg(file)
            .current_dir(repo())
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null)
    };
    let from_gbk = run(&path);
    let from_utf8 = run(&repo().join(FILES[0]));
    assert_eq!(
        from_gbk["input"],
        json!({"format": "txt", "encoding": "GB18030"})
    );
    assert_eq!(gist(&from_gbk), gist(&from_utf8));
    assert!(from_gbk["verdict"].is_string(), "{from_gbk}");
}

/// The TXT fixture's parcels as a corner table, one row a point, as a
/// spreadsheet keeps it: each corner once (the closing repeat left out).
fn corner_table_of(txt: &str, header: &str) -> String {
    let mut out = format!("{header}\n");
    let mut parcel = String::new();
    let mut first_of_ring: Option<String> = None;
    for line in txt.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.last() == Some(&"@") {
            parcel = fields[2].to_string();
            first_of_ring = None;
        } else if fields.len() == 4 && fields[0].starts_with('J') {
            let point = format!("{},{}", fields[2], fields[3]);
            if first_of_ring.as_deref() == Some(point.as_str()) {
                first_of_ring = None;
                continue;
            }
            first_of_ring.get_or_insert(point.clone());
            out.push_str(&format!("{parcel},{},{},{point}\n", fields[0], fields[1]));
        }
    }
    out
}

#[tokio::test]
async fn a_csv_corner_table_gets_the_answer_of_the_same_parcels_as_a_txt_file() {
    let dir = TempDir::new("bureau-csv");
    let (state, _, _) = state_in(dir.path(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let txt = std::fs::read_to_string(repo().join(FILES[0])).unwrap();
    let (status, expected) = check(&http, &base, "", txt.clone().into_bytes()).await;
    assert_eq!(status, 200, "{expected}");
    for header in ["地块编号,点号,圈号,X坐标,Y坐标", "parcel,point,ring,X,Y"] {
        let csv = corner_table_of(&txt, header);
        let (status, answer) = check(&http, &base, "?format=csv", csv.clone().into_bytes()).await;
        assert_eq!(status, 200, "{header}: {answer}");
        assert_eq!(answer["input"]["format"], "csv");
        assert_eq!(answer["input"]["columns"]["header_row"], 1);
        assert_eq!(
            answer["input"]["columns"]["x"],
            header.split(',').nth(3).unwrap()
        );
        assert_eq!(answer["verdict"], expected["verdict"]);
        assert_eq!(
            answer["candidate"]["area_m2"],
            expected["candidate"]["area_m2"]
        );
        let ids = |a: &Value| -> Vec<Value> {
            a["parcels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].clone())
                .collect()
        };
        assert_eq!(ids(&answer), ids(&expected));
        // As GBK, and sent as text/csv without format=.
        let Some(gbk) = iconv(csv.as_bytes(), "GBK") else {
            return;
        };
        let (status, from_gbk, _) = send(
            http.post(format!("{base}/check"))
                .header("content-type", "text/csv")
                .body(gbk),
        )
        .await;
        assert_eq!(status, 200, "{from_gbk}");
        // ASCII is the same bytes in GBK and UTF-8.
        let read_as = if csv.is_ascii() { "UTF-8" } else { "GB18030" };
        assert_eq!(from_gbk["input"]["encoding"], read_as);
        assert_eq!(
            from_gbk["candidate"]["area_m2"],
            expected["candidate"]["area_m2"]
        );
    }
    // Swapped X and Y columns: the corner lists' problem.
    let swapped =
        "点号,X,Y\n1,38379559.81,4014115.88\n2,38382256.38,4014079.00\n3,38382463.12,4016074.08\n";
    let (status, answer) = check(&http, &base, "?format=csv", swapped.into()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/axes-swapped");
    assert_eq!(answer["line"], 2);
    // No coordinate columns at all.
    let (status, answer) =
        check(&http, &base, "?format=csv", "名称,面积\n某矿,12.5\n".into()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["type"], "/problems/bad-coordinate-file");
    assert_eq!(answer["line"], 1);
}
