//! The OpenAPI document at `/api` against the router: every route the
//! source declares is documented, every documented operation answers, the
//! security it declares is the one the handler asks for, and every CRS and
//! zone it offers is one the server takes.

mod store_support;

use std::collections::BTreeSet;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use planmap::api::router;
use serde_json::{Value, json};
use store_support::*;
use tower::ServiceExt;

/// `{anything}` → `{}`, so the router's and the document's names compare.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                out.push_str("{}");
            }
            '}' => in_braces = false,
            _ if in_braces => {}
            _ => out.push(c),
        }
    }
    out
}

/// The text inside the parentheses that `text` starts with.
fn parenthesised(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    text
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (method, path template) that a `.route(…)` call in `src/api` declares.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&repo().join("src/api"), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let call = parenthesised(&text[at + ".route".len()..]);
            let path = call.split('"').nth(1).expect("a route's path literal");
            for method in ["get", "post", "put", "patch", "delete"] {
                let named = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0
                        || !call[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if named {
                    routes.insert((method.to_uppercase(), template(path)));
                }
            }
        }
    }
    routes
}

/// Every (method, path) the document declares, as written there.
fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// The route a documented path is served by: `/reviews/{id}.html` is the
/// `/reviews/{id}` route, whose segment takes the suffix.
fn route_of(path: &str) -> String {
    template(path).replace("{}.html", "{}")
}

/// An answer as the tests look at it.
struct Answer {
    status: u16,
    body: Value,
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some((content_type, bytes)) => {
            request = request.header("content-type", content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A server with a store, a token of each role, one candidate and one review.
struct Site {
    app: Router,
    tokens: Tokens,
    doc: Value,
    _dir: TempDir,
}

async fn site() -> Site {
    let dir = TempDir::new("openapi");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let app = router(state);
    let submitted = send(
        &app,
        "POST",
        "/candidates",
        Some(&tokens.planner),
        Some((
            "application/json",
            serde_json::to_vec(&candidate_body("区块", square(112.76, 36.33, 0.01))).unwrap(),
        )),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let reviewed = send(
        &app,
        "POST",
        "/candidates/1/reviews",
        Some(&tokens.reviewer),
        None,
    )
    .await;
    assert_eq!(reviewed.status, 201, "{}", reviewed.body);
    let doc = send(&app, "GET", "/api", None, None).await.body;
    assert_eq!(doc["openapi"], "3.0.3");
    Site {
        app,
        tokens,
        doc,
        _dir: dir,
    }
}

/// The documented path with its parameters filled in with things that exist.
fn filled(path: &str) -> String {
    path.replace("{collectionId}", "ecological_redline")
        .replace("{layerId}", "ecological_redline")
        .replace("{featureId}", "RL-1")
        .replace("{candidateId}", "1")
        .replace("{version}", "1")
        .replace("{reviewId}", "1")
        .replace("{library}", "ol")
        .replace("{file}", "ol.css")
        .replace("{name}", "viewer")
        .replace("{tileMatrixSetId}", "WebMercatorQuad")
        .replace("{tileMatrix}", "9")
        .replace("{tileRow}", "200")
        .replace("{tileCol}", "416")
}

/// A body the operation takes.
fn body_for(operation_id: &str) -> Option<(&'static str, Vec<u8>)> {
    let json = |v: Value| serde_json::to_vec(&v).unwrap();
    match operation_id {
        "check" | "snapBlocks" => Some((
            "application/geo+json",
            json(square(112.6333333, 36.3333333, 0.0166667)),
        )),
        "submitCandidate" | "editCandidate" => Some((
            "application/json",
            json(candidate_body("区块", square(112.761, 36.33, 0.01))),
        )),
        "planQa" => Some((
            "application/json",
            json(json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": "a", "properties": {}, "geometry": square(112.6333333, 36.3333333, 0.0166667)},
            ]})),
        )),
        "createToken" => Some((
            "application/json",
            json(json!({"name": "openapi test", "role": "viewer"})),
        )),
        "publishLayer" => Some((
            "application/geo+json",
            redline_variant(&["RL-2"], "openapi"),
        )),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_of_the_router_is_documented_and_nothing_else() {
    let site = site().await;
    let routes = routes_in_source();
    assert!(
        routes.len() >= 27,
        "the scan of src/api found only {routes:?}"
    );
    let documented: BTreeSet<(String, String)> = documented(&site.doc)
        .into_iter()
        .map(|(m, p)| (m, route_of(&p)))
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(undocumented.is_empty(), "not in /api: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(unrouted.is_empty(), "in /api but not routed: {unrouted:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_answers_with_a_success_it_documents() {
    let site = site().await;
    let served = send(&site.app, "GET", "/layers", None, None).await.body;
    let revision = served[0]["revision"].as_str().unwrap().to_string();
    assert_eq!(served[0]["id"], "ecological_redline");
    let unknown = send(&site.app, "GET", "/no/such/route", None, None).await;
    assert_eq!(unknown.status, 404, "the walk below could not tell");
    for (method, path) in documented(&site.doc) {
        let operation = &site.doc["paths"][&path][method.to_lowercase()];
        let id = operation["operationId"].as_str().unwrap();
        let mut uri = filled(&path);
        if id == "diffLayerRevisions" {
            uri.push_str(&format!("?from={revision}"));
        }
        let answer = send(
            &site.app,
            &method,
            &uri,
            Some(&site.tokens.admin),
            body_for(id),
        )
        .await;
        let declared = operation["responses"]
            .as_object()
            .unwrap()
            .contains_key(&answer.status.to_string());
        assert!(
            (200..300).contains(&answer.status) && declared,
            "{method} {uri} ({id}) answered {}: {}",
            answer.status,
            answer.body
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_that_need_a_role_say_which_and_the_others_need_none() {
    let site = site().await;
    let t = &site.tokens;
    let below = |role: &str| match role {
        "planner" => &t.viewer,
        "reviewer" => &t.planner,
        "admin" => &t.reviewer,
        other => panic!("no role below {other}"),
    };
    let mut needing = 0;
    for (method, path) in documented(&site.doc) {
        let operation = &site.doc["paths"][&path][method.to_lowercase()];
        let uri = filled(&path);
        for status in ["400", "401", "403"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} documents no {status}"
            );
        }
        match operation["x-planmap-role"].as_str() {
            Some(role) => {
                needing += 1;
                assert_eq!(
                    operation["security"],
                    json!([{"bearerAuth": []}]),
                    "{method} {path}"
                );
                let anonymous = send(&site.app, &method, &uri, None, None).await;
                assert_eq!(anonymous.status, 401, "{method} {path} without a token");
                let lower = send(&site.app, &method, &uri, Some(below(role)), None).await;
                assert_eq!(lower.status, 403, "{method} {path} below {role}");
                assert_eq!(lower.body["required_role"], role, "{method} {path}");
            }
            None => {
                let security = operation["security"].as_array().unwrap();
                assert!(
                    security.contains(&json!({})),
                    "{method} {path} is open to anonymous reads"
                );
                let id = operation["operationId"].as_str().unwrap();
                let viewer = send(&site.app, &method, &uri, Some(&t.viewer), body_for(id)).await;
                assert!(
                    viewer.status != 401 && viewer.status != 403,
                    "{method} {path} refused a viewer: {}",
                    viewer.body
                );
            }
        }
    }
    assert_eq!(
        needing, 8,
        "submit, edit, review, publish, make, list and revoke tokens, audit"
    );
}

/// The values a string schema admits: its `enum`, or the alternatives of
/// a pattern `^(?:a|b|…)$` (each with its regex metacharacters escaped).
fn enum_of(schema: &Value) -> Vec<String> {
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
    }
    let pattern = schema["pattern"].as_str().expect("an enum or a pattern");
    let inner = pattern
        .strip_prefix("^(?:")
        .and_then(|p| p.strip_suffix(")$"))
        .expect("a pattern of alternatives");
    let mut values = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => values.last_mut().unwrap().push(chars.next().unwrap()),
            '|' => values.push(String::new()),
            c => {
                assert!(!"()[]{}*+?^$.".contains(c), "{c} unescaped in {pattern}");
                values.last_mut().unwrap().push(c)
            }
        }
    }
    values
}

fn parameter<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    let parameters = doc["paths"][path][method]["parameters"].as_array().unwrap();
    let found = parameters
        .iter()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => &doc["components"]["parameters"][r.rsplit('/').next().unwrap()],
            None => p,
        })
        .find(|p| p["name"] == name);
    found.unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_crs_a_collection_is_documented_to_offer_is_accepted_on_every_collection() {
    let site = site().await;
    let doc = &site.doc;
    let items = "/collections/{collectionId}/items";
    let collections = enum_of(&parameter(doc, items, "get", "collectionId")["schema"]);
    assert!(collections.contains(&"candidates".to_string()));
    let crss = enum_of(&parameter(doc, items, "get", "crs")["schema"]);
    assert!(crss.contains(&"http://www.opengis.net/def/crs/EPSG/0/4490".to_string()));
    for name in ["bbox-crs", "filter-crs"] {
        assert_eq!(
            enum_of(&parameter(doc, items, "get", name)["schema"]),
            crss,
            "{name}"
        );
    }
    let one = parameter(
        doc,
        "/collections/{collectionId}/items/{featureId}",
        "get",
        "crs",
    );
    assert_eq!(enum_of(&one["schema"]), crss);
    for collection in &collections {
        for crs in &crss {
            for name in ["crs", "bbox-crs", "filter-crs"] {
                let uri = format!(
                    "/collections/{collection}/items?limit=1&{name}={}",
                    enc(crs)
                );
                let a = send(&site.app, "GET", &uri, None, None).await;
                assert_eq!(a.status, 200, "{uri}: {}", a.body);
            }
        }
    }
}

/// Percent-encodes a query value.
fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The EPSG code or zone number a value names (`None` for CRS84 and `dms`).
fn number_in(value: &str) -> Option<u32> {
    value.rsplit(['/', ':']).next().unwrap().parse().ok()
}

/// Every value the document offers names one of these; the values naming
/// `sampled` (every spelling of each) are sent, since each new CRS costs
/// PROJ about a second in a debug build.
fn taken_values(values: &[String], allowed: impl Fn(u32) -> bool, sampled: &[u32]) -> Vec<String> {
    for value in values {
        assert!(number_in(value).is_none_or(&allowed), "{value} is offered");
    }
    values
        .iter()
        .filter(|v| number_in(v).is_none_or(|n| sampled.contains(&n)))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crs_zones_and_corner_styles_a_check_is_documented_to_take_are_taken() {
    let site = site().await;
    let doc = &site.doc;
    let clean = serde_json::to_vec(&square(112.6333333, 36.3333333, 0.0166667)).unwrap();
    let unzoned = b"1,4010158.95,384901.64\n2,4010129.56,387149.76\n3,4011794.13,387171.31\n1,4010158.95,384901.64\n";
    let gauss_kruger = |n: u32| (4491..=4554).contains(&n);
    let zone_number = |n: u32| (13..=23).contains(&n) || (25..=45).contains(&n) || gauss_kruger(n);
    let schema = |name: &str| parameter(doc, "/check", "post", name)["schema"].clone();
    for name in ["crs", "zone"] {
        assert_eq!(
            parameter(doc, "/blocks/snap", "post", name)["schema"],
            schema(name),
            "{name}"
        );
    }
    let crs = taken_values(
        &enum_of(&schema("crs")),
        |n| [4490, 4326, 3857].contains(&n) || gauss_kruger(n),
        &[4490, 4326, 3857, 4491, 4512, 4513, 4534, 4554],
    );
    let zone = taken_values(
        &enum_of(&schema("zone")),
        zone_number,
        &[13, 23, 25, 45, 4491, 4512, 4526, 4554],
    );
    let corners = taken_values(&enum_of(&schema("corners")), zone_number, &[38, 13, 4554]);
    assert!(crs.len() >= 20 && zone.len() >= 8 && corners.len() >= 4);
    let requests = crs
        .iter()
        .map(|v| ("crs", v, &clean[..], "application/geo+json"))
        .chain(zone.iter().map(|v| ("zone", v, &unzoned[..], "text/plain")))
        .chain(
            corners
                .iter()
                .map(|v| ("corners", v, &clean[..], "application/geo+json")),
        );
    for (name, value, body, content_type) in requests {
        let uri = format!("/check?geometry=false&{name}={}", enc(value));
        let a = send(
            &site.app,
            "POST",
            &uri,
            None,
            Some((content_type, body.to_vec())),
        )
        .await;
        assert_ne!(a.status, 400, "{uri}: {}", a.body);
        assert!(a.status < 500, "{uri}: {}", a.body);
    }
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_reference_resolves_and_every_body_has_its_error_answers() {
    let site = site().await;
    let doc = &site.doc;
    let mut found = Vec::new();
    refs(doc, &mut found);
    assert!(found.len() > 50);
    for r in found {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    for (method, path) in documented(doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let statuses = ["408", "413", "415"];
        for status in statuses {
            assert_eq!(
                operation["requestBody"].is_object(),
                operation["responses"][status].is_object(),
                "{method} {path}: a body and {status} go together"
            );
        }
        for status in ["414", "422", "431", "500", "503"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path}"
            );
        }
    }
    let busy = &doc["components"]["responses"]["ServiceUnavailable"];
    assert!(busy["headers"]["Retry-After"].is_object());
    assert!(
        busy["description"]
            .as_str()
            .unwrap()
            .contains("/problems/server-busy")
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"],
        json!({"type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]})
    );
}
