//! Helpers for the store tests: a temporary data directory, a server with a
//! store on loopback, tokens of every role, candidates and layer variants.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use planmap::records::access::{Role, new_token, token_hash};
use planmap::records::revisions::{LiveCatalog, open_catalog};
use planmap::records::store::{SqliteStore, Store};
use serde_json::{Value, json};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_layers() -> PathBuf {
    repo().join("tests/fixtures/layers")
}

/// A fresh, empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "planmap-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A token of each role, by role name.
pub struct Tokens {
    pub viewer: String,
    pub planner: String,
    pub reviewer: String,
    pub admin: String,
}

pub fn make_tokens(store: &dyn Store) -> Tokens {
    let make = |role: Role| {
        let token = new_token().unwrap();
        store
            .create_token("test", role.as_str(), role, &token_hash(&token), None)
            .unwrap();
        token
    };
    Tokens {
        viewer: make(Role::Viewer),
        planner: make(Role::Planner),
        reviewer: make(Role::Reviewer),
        admin: make(Role::Admin),
    }
}

/// A state with a store in `dir` over the fixture layers.
pub fn state_in(dir: &Path, open_reads: bool) -> (AppState, Arc<SqliteStore>, Arc<LiveCatalog>) {
    let store = Arc::new(SqliteStore::open(dir).unwrap());
    let catalog = Arc::new(Catalog::load(&fixture_layers()).unwrap());
    let live = Arc::new(open_catalog(store.as_ref(), catalog).unwrap());
    let state = AppState::with_store(
        live.clone(),
        store.clone(),
        ApiLimits::default(),
        open_reads,
    );
    (state, store, live)
}

/// Serves `state` on 127.0.0.1 and returns the base URL.
pub async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        planmap::api::serve_on(listener, state).await.unwrap();
    });
    format!("http://{addr}")
}

/// A square candidate; the default one overlaps red-line feature RL-1.
pub fn square(west: f64, south: f64, size: f64) -> Value {
    json!({
        "type": "Polygon",
        "coordinates": [[[west, south], [west + size, south], [west + size, south + size],
                         [west, south + size], [west, south]]]
    })
}

pub fn candidate_body(name: &str, geometry: Value) -> Value {
    json!({
        "name": name,
        "kind": "exploration_block",
        "mineral": "煤",
        "applicant": "某勘查单位",
        "notes": "test submission",
        "geometry": geometry,
    })
}

/// The red-line layer file, optionally without some features and with a
/// marker property so each variant has its own bytes.
pub fn redline_variant(without: &[&str], marker: &str) -> Vec<u8> {
    let text =
        std::fs::read_to_string(fixture_layers().join("ecological_redline.geojson")).unwrap();
    let mut layer: Value = serde_json::from_str(&text).unwrap();
    let features = layer["features"].as_array_mut().unwrap();
    features.retain(|f| !without.contains(&f["id"].as_str().unwrap_or("")));
    for f in features.iter_mut() {
        f["properties"]["revision_note"] = json!(marker);
    }
    serde_json::to_vec(&layer).unwrap()
}

/// A client request with an optional bearer token.
pub fn with_token(
    request: reqwest::RequestBuilder,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    }
}

/// Sends a request and returns status and JSON body (Null if not JSON).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    let _ = content_type;
    (status, body, text)
}
