//! `GET /api`: the OpenAPI 3.0 definition of every endpoint, built by hand
//! because the OGC test suite and many clients parse 3.0, not 3.1.
//!
//! Each part of the API has its own file under `openapi/`: the OGC API
//! (`features`, `tiles`), planmap's check endpoints (`checks`), candidates and reviews
//! (`records`), layer revisions and administration (`admin`). The error
//! answers are declared once (`problems`), the accepted values too (`values`).

mod admin;
mod build;
mod checks;
mod features;
mod problems;
mod records;
mod tiles;
mod values;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{CONFORMANCE, Format, Link, answer, base_url, format_only, media};
use crate::api::{ApiError, AppState};
use crate::records::candidates;

pub async fn api(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let catalog = state.catalog();
    let layers: Vec<ServedLayer> = catalog
        .layers
        .iter()
        .map(|l| ServedLayer {
            id: l.entry.id.clone(),
            revision: l.data.revision.clone(),
        })
        .collect();
    let doc = document(&base_url(&headers), &layers, state.store.is_some());
    let title = "planmap API definition (OpenAPI 3.0)";
    Ok(match format {
        Format::Json => answer(&doc, format, media::OPENAPI, title),
        Format::Html => {
            let summary = json!({
                "description": "The machine-readable definition is at /api (OpenAPI 3.0).",
                "paths": operations_list(&doc),
                "links": [Link::new("service-desc", media::OPENAPI, "OpenAPI 3.0 document", "/api")],
            });
            answer(&summary, format, media::OPENAPI, title)
        }
    })
}

/// Every operation as `{method, path, summary}`, for the HTML page.
fn operations_list(doc: &Value) -> Vec<Value> {
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, op)| {
                    json!({"method": method.to_uppercase(), "path": path, "summary": op["summary"]})
                })
        })
        .collect()
}

fn merge(parts: &[Value]) -> Value {
    let mut all = Map::new();
    for part in parts {
        if let Some(map) = part.as_object() {
            all.extend(map.clone());
        }
    }
    Value::Object(all)
}

/// A layer of the catalog in force, as the document names it.
pub struct ServedLayer {
    pub id: String,
    /// The revision served now.
    pub revision: String,
}

/// The OpenAPI 3.0 document, with `base` as the server URL; `layers` are
/// the catalog's layers, and `with_store` says whether the server has a data
/// directory (and so the `candidates` collection).
pub fn document(base: &str, layers: &[ServedLayer], with_store: bool) -> Value {
    let layer_ids: Vec<String> = layers.iter().map(|l| l.id.clone()).collect();
    let mut collection_ids = layer_ids.clone();
    if with_store {
        collection_ids.push(candidates::COLLECTION_ID.to_string());
    }
    let mut paths = build::Paths::default();
    features::paths(&mut paths);
    tiles::paths(&mut paths);
    checks::paths(&mut paths, &layer_ids);
    records::paths(&mut paths);
    admin::paths(&mut paths, layers);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "planmap",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Overlap checks of candidate mining blocks against the mineral-resource plan's layers; the layers as OGC API – Features; candidates, reviews, layer revisions and administration. Every error is an RFC 9457 `application/problem+json` document. Reads need no token unless the server runs with `--open-reads false`; changes need a bearer token of the role each operation names (`x-planmap-role`). Conformance classes: {}",
                CONFORMANCE.join(", ")
            ),
            "license": {"name": "MIT OR Apache-2.0"},
        },
        "servers": [{"url": base}],
        "tags": [
            {"name": "OGC API – Features", "description": "The planning layers as collections of features."},
            {"name": "OGC API – Tiles", "description": "The planning layers as Mapbox vector tiles on WebMercatorQuad, with TileJSON 3.0.0."},
            {"name": "planmap", "description": "Health, the layer list, the check and block snapping."},
            {"name": "candidates and reviews", "description": "Submitted candidates, their versions and review records."},
            {"name": "layer revisions", "description": "Every revision of a layer, and what changed."},
            {"name": "administration", "description": "Publishing layer revisions, tokens, the audit log."},
        ],
        "paths": paths.into_value(),
        "components": {
            "parameters": merge(&[features::parameters(&collection_ids), tiles::parameters(&layer_ids)]),
            "schemas": merge(&[
                features::schemas(),
                tiles::schemas(),
                checks::schemas(),
                records::schemas(),
                admin::schemas(),
                json!({"problem": problems::problem_schema()}),
            ]),
            "responses": problems::responses(),
            "securitySchemes": {
                build::BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer pm_…`: a token made by `planmap token create` or `POST /admin/tokens`. Roles, each with the rights of those before it: viewer, planner, reviewer, admin.",
                },
            },
        },
    })
}
