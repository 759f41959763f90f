//! Helpers for the OGC API tests: the router in-process with headers, and
//! the two fixture catalogs (the check fixtures and the OGC extras).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use planmap::api::{ApiLimits, AppState, router};
use planmap::layer::catalog::Catalog;
use serde_json::Value;
use tower::ServiceExt;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn state_of(dir: &str) -> AppState {
    AppState::new(
        Arc::new(Catalog::load(&repo().join(dir)).expect("fixture catalog loads")),
        ApiLimits::default(),
    )
}

/// The five layers the overlap tests use.
pub fn layers() -> AppState {
    state_of("tests/fixtures/layers")
}

/// Mining rights with validity dates, ground fissures (lines), boreholes (points).
pub fn ogc_layers() -> AppState {
    state_of("tests/fixtures/ogc_layers")
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The href of the first link with `rel` (and `type` when given).
    pub fn link(&self, rel: &str, media: Option<&str>) -> Option<String> {
        self.json["links"]
            .as_array()?
            .iter()
            .find(|l| l["rel"] == rel && media.is_none_or(|m| l["type"] == m))
            .map(|l| l["href"].as_str().unwrap().to_string())
    }

    /// Feature ids of a FeatureCollection, as text.
    pub fn ids(&self) -> Vec<String> {
        self.json["features"]
            .as_array()
            .unwrap_or_else(|| panic!("no features in {}", self.text))
            .iter()
            .map(|f| match &f["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

/// GET through the router with extra headers.
pub async fn get_with(state: AppState, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder()
        .method("GET")
        .uri(uri)
        .header("host", "planmap.test:8080");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = router(state)
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

pub async fn get(state: AppState, uri: &str) -> Answer {
    get_with(state, uri, &[]).await
}

/// A link href as a path and query on the router (drops scheme and host).
pub fn local(href: &str) -> String {
    let rest = href.split_once("://").map(|(_, r)| r).unwrap_or(href);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_else(|| "/".into())
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// POST a JSON body through the router.
pub async fn post_json(state: AppState, uri: &str, body: &Value) -> Answer {
    post_bytes(state, uri, body.to_string().into_bytes()).await
}

/// POST raw bytes (sent as `application/geo+json`) through the router.
pub async fn post_bytes(state: AppState, uri: &str, body: Vec<u8>) -> Answer {
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", "planmap.test:8080")
        .header("content-type", "application/geo+json")
        .body(Body::from(body))
        .unwrap();
    let response = router(state).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

/// The demo layers of `./layers`, served with the default limits.
pub fn demo() -> AppState {
    AppState::new(
        std::sync::Arc::new(
            planmap::layer::catalog::Catalog::load(&repo().join("layers")).unwrap(),
        ),
        planmap::api::ApiLimits::default(),
    )
}

/// Runs the `planmap` binary in the repository: exit status, stdout, stderr.
pub fn run_planmap(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_planmap"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
