//! OGC API – Features (Parts 1, 2 and 3): one collection per catalog layer.
//! Handlers parse the request, call [`crate::query::select`] and [`crate::query::cql2`],
//! and render JSON, GeoJSON or HTML.

mod collections;
mod html;
mod items;
mod landing;
mod openapi;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};

/// Media types, named once.
pub mod media {
    pub const JSON: &str = "application/json";
    pub const GEOJSON: &str = "application/geo+json";
    pub const HTML: &str = "text/html";
    pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
    pub const SCHEMA: &str = "application/schema+json";
}

/// The conformance classes planmap declares; each has tests in `tests/ogc_*.rs`.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
];

/// The OGC API routes, merged into the service router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(landing::landing))
        .route("/conformance", get(landing::conformance))
        .route("/api", get(openapi::api))
        .route("/collections", get(collections::list))
        .route("/collections/{collection_id}", get(collections::one))
        .route(
            "/collections/{collection_id}/queryables",
            get(collections::queryables),
        )
        .route("/collections/{collection_id}/items", get(items::items))
        .route(
            "/collections/{collection_id}/items/{feature_id}",
            get(items::item),
        )
}

/// The representation a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    /// `f=json|geojson|html` wins; else `Accept` asking for HTML and not JSON
    /// (as browsers do); else JSON.
    fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
        match f {
            Some("json" | "geojson" | "application/json" | "application/geo+json") => {
                return Ok(Format::Json);
            }
            Some("html" | "text/html") => return Ok(Format::Html),
            Some(other) => {
                return Err(ApiError::InvalidParameter {
                    name: "f",
                    detail: format!("'{other}' is not a format here; use json or html"),
                });
            }
            None => {}
        }
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(
            if accept.contains("text/html") && !accept.contains("json") {
                Format::Html
            } else {
                Format::Json
            },
        )
    }

    fn suffix(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
        }
    }
}

/// The URL the client reached the server at: `X-Forwarded-Proto`/`-Host`
/// when a proxy sets them, else `Host`, so links work on any port.
pub fn base_url(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let scheme = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or_else(|| "localhost".into());
    let prefix = get("x-forwarded-prefix").unwrap_or_default();
    format!("{scheme}://{host}{}", prefix.trim_end_matches('/'))
}

/// A link object; every link carries `rel` and `type`.
pub fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media_type, "title": title})
}

/// `self` and `alternate` links for a resource at `url` (no query) in `format`.
fn self_links(url: &str, format: Format, what: &str) -> Vec<Value> {
    let (json_type, json_rel, html_rel) = match format {
        Format::Json => (media::JSON, "self", "alternate"),
        Format::Html => (media::JSON, "alternate", "self"),
    };
    vec![
        link(
            format!("{url}?f=json"),
            json_rel,
            json_type,
            &format!("{what} as JSON"),
        ),
        link(
            format!("{url}?f=html"),
            html_rel,
            media::HTML,
            &format!("{what} as HTML"),
        ),
    ]
}

/// A strong ETag from the layer revision and what was asked.
fn etag(revision: &str, uri: &str, format: Format) -> String {
    let digest = Sha256::digest(format!("{uri}\n{}", format.suffix()));
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{revision}-{short}\"")
}

/// Whether `If-None-Match` names `tag` (or `*`).
fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == tag || t == "*")
        })
}

/// A 304 answer carrying the tag.
fn answer_not_modified(tag: &str) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// A 200 answer: the document as JSON (with `json_type`) or as HTML.
fn answer(doc: &Value, format: Format, json_type: &str, title: &str) -> Response {
    let (body, content_type) = match format {
        Format::Json => (doc.to_string(), json_type.to_string()),
        Format::Html => (
            html::page(title, doc),
            "text/html; charset=utf-8".to_string(),
        ),
    };
    let mut r = Response::new(Body::from(body));
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn with_header(mut r: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
    r
}
