//! OGC API – Features (Parts 1, 2 and 3): one collection per catalog layer;
//! OGC API – Tiles 1.0: vector tiles of each collection and of them all.
//! Handlers parse the request, call [`crate::query::select`] and [`crate::query::cql2`],
//! and render JSON, GeoJSON or HTML.

mod collections;
pub(crate) mod html;
mod items;
mod landing;
mod openapi;
mod stats;
mod tiles;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;

pub(in crate::api) use super::params::Format;
use super::params::Params;
use super::{ApiError, AppState};
use crate::geom::crs::Crs;
use crate::layer::catalog::Layer;
use crate::query::select::offered_crs;
use crate::records::candidates;

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
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/collections-selection",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
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
        .route("/collections/{collection_id}/stats", get(stats::stats))
        .route(
            "/collections/{collection_id}/items/{feature_id}",
            get(items::item),
        )
        .route("/tileMatrixSets", get(tiles::tile_matrix_sets))
        .route(
            "/tileMatrixSets/{tile_matrix_set_id}",
            get(tiles::tile_matrix_set_definition),
        )
        .route("/tiles", get(tiles::dataset_tilesets))
        .route("/tiles/{tile_matrix_set_id}", get(tiles::dataset_tileset))
        .route(
            "/tiles/{tile_matrix_set_id}/{tile_matrix}/{tile_row}/{tile_col}",
            get(tiles::dataset_tile),
        )
        .route(
            "/collections/{collection_id}/tiles",
            get(tiles::collection_tilesets),
        )
        .route(
            "/collections/{collection_id}/tiles/{tile_matrix_set_id}",
            get(tiles::collection_tileset),
        )
        .route(
            "/collections/{collection_id}/tiles/{tile_matrix_set_id}/{tile_matrix}/{tile_row}/{tile_col}",
            get(tiles::collection_tile),
        )
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

/// A link of a document: every link carries `rel`, `type` and a `title`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub media_type: &'static str,
    pub title: String,
}

impl Link {
    pub fn new(
        rel: &'static str,
        media_type: &'static str,
        title: impl Into<String>,
        href: impl Into<String>,
    ) -> Link {
        Link {
            href: href.into(),
            rel,
            media_type,
            title: title.into(),
        }
    }
}

/// The relation of a link to the representation `shown` of the resource
/// answered in `answered`: `self` when they are the same, else `alternate`.
fn rel_to(shown: Format, answered: Format) -> &'static str {
    if shown == answered {
        "self"
    } else {
        "alternate"
    }
}

/// `self` and `alternate` links for a resource at `url` (no query) in `format`.
fn self_links(url: &str, format: Format, what: &str) -> Vec<Link> {
    vec![
        Link::new(
            rel_to(Format::Json, format),
            media::JSON,
            format!("{what} as JSON"),
            format!("{url}?f=json"),
        ),
        Link::new(
            rel_to(Format::Html, format),
            media::HTML,
            format!("{what} as HTML"),
            format!("{url}?f=html"),
        ),
    ]
}

/// Reads the only parameter a page takes, `f`, and with `Accept` the format.
fn format_only(query: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    Params::parse(query, &["f"])?.output_format(headers)
}

/// What every request for a collection or its features starts with: the
/// layer (404 when no collection has the id), the parameters the resource
/// takes, the format asked for and the ETag of the answer.
struct CollectionRequest {
    layer: Arc<Layer>,
    params: Params,
    format: Format,
    tag: String,
}

impl CollectionRequest {
    fn read(
        state: &AppState,
        collection_id: &str,
        uri: &Uri,
        query: Option<&str>,
        headers: &HeaderMap,
        allowed: &'static [&'static str],
    ) -> Result<CollectionRequest, ApiError> {
        let layer = collection(state, collection_id, uri.path())?;
        let params = Params::parse(query, allowed)?;
        let format = params.output_format(headers)?;
        let tag = etag(&layer.data.revision, &uri.to_string(), format);
        Ok(CollectionRequest {
            layer,
            params,
            format,
            tag,
        })
    }

    /// A 304 when `If-None-Match` names the tag: the client's copy is current.
    fn unchanged(&self, headers: &HeaderMap) -> Option<Response> {
        not_modified(headers, &self.tag).then(|| answer_not_modified(&self.tag))
    }

    /// A CRS parameter, which the collection must offer; CRS84 when absent.
    fn offered_crs(&self, name: &'static str) -> Result<Crs, ApiError> {
        let Some(crs) = self.params.crs(name)? else {
            return Ok(Crs::Crs84);
        };
        let offered = offered_crs(self.layer.data.bbox);
        if !offered.contains(&crs) {
            let list: Vec<String> = offered.iter().map(|c| c.uri()).collect();
            return Err(ApiError::InvalidParameter {
                name,
                detail: format!(
                    "{crs} is not offered by this collection; use one of {}",
                    list.join(", ")
                ),
            });
        }
        Ok(crs)
    }
}

/// Finds the layer of a collection id, or answers 404.
fn collection(state: &AppState, id: &str, path: &str) -> Result<Arc<Layer>, ApiError> {
    if let Some(layer) = state.catalog().get(id) {
        return Ok(layer.clone());
    }
    match (&state.store, id == candidates::COLLECTION_ID) {
        // Submitted candidates: a collection of their own, read from the store.
        (Some(store), true) => Ok(Arc::new(candidates::as_layer(store.as_ref())?)),
        _ => Err(ApiError::NotFound(path.to_string())),
    }
}

/// A strong ETag from the layer revision and what was asked.
fn etag(revision: &str, uri: &str, format: Format) -> String {
    let short = crate::digest::short_sha256(format!("{uri}\n{}", format.suffix()));
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

/// A 200 answer with the ETag `tag`.
fn answer_tagged(doc: &Value, format: Format, json_type: &str, title: &str, tag: &str) -> Response {
    with_header(answer(doc, format, json_type, title), header::ETAG, tag)
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
