//! Shared helpers for the integration tests: the fixture catalog, an
//! in-process router, and a real server on an ephemeral loopback port.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use planmap::api::{ApiLimits, AppState, router};
use planmap::layer::catalog::Catalog;
use tower::ServiceExt;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_catalog() -> Arc<Catalog> {
    Arc::new(Catalog::load(&repo().join("tests/fixtures/layers")).expect("fixture catalog loads"))
}

pub fn state_with(limits: ApiLimits) -> AppState {
    AppState::new(fixture_catalog(), limits)
}

pub fn state() -> AppState {
    state_with(ApiLimits::default())
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: serde_json::Value,
}

/// Sends a request through the router in-process.
pub async fn call(
    state: AppState,
    method: &str,
    uri: &str,
    body: impl Into<Body>,
    content_type: Option<&str>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = router(state)
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

pub async fn post_check(state: AppState, query: &str, body: impl Into<Body>) -> Answer {
    call(
        state,
        "POST",
        &format!("/check{query}"),
        body,
        Some("application/geo+json"),
    )
    .await
}

/// Starts the real server on 127.0.0.1:0 and returns its base URL.
pub async fn spawn_server(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        planmap::api::serve_on(listener, state).await.unwrap();
    });
    format!("http://{addr}")
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every expected answer an oracle wrote into `dir` (relative to the repo),
/// sorted by file name; fails if there are fewer than `at_least`.
pub fn oracle_cases(dir: &str, at_least: usize) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= at_least,
        "the oracle's cases in {dir} are missing"
    );
    files.iter().map(|p| read_json(p)).collect()
}

/// (layer, feature_id) of each entry of a list such as `adjacent`.
pub fn feature_refs(list: &serde_json::Value) -> Vec<(serde_json::Value, serde_json::Value)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| (a["layer"].clone(), a["feature_id"].clone()))
        .collect()
}
