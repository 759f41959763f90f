//! `GET /collections`, `/collections/{id}` and `/collections/{id}/queryables`.

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::landing::format_only;
use super::{
    Format, answer, answer_not_modified, base_url, etag, link, media, not_modified, self_links,
    with_header,
};
use crate::api::{ApiError, AppState};
use crate::layer::catalog::Layer;
use crate::query::cql2::GEOMETRY_PROPERTY;
use crate::query::select::{offered_crs, temporal_extent};
use crate::records::candidates;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Finds a layer by collection id, or answers 404.
pub(super) fn layer(state: &AppState, id: &str, path: &str) -> Result<Arc<Layer>, ApiError> {
    if let Some(layer) = state.catalog().get(id) {
        return Ok(layer.clone());
    }
    match (&state.store, id == candidates::COLLECTION_ID) {
        // Submitted candidates: a collection of their own, read from the store.
        (Some(store), true) => Ok(Arc::new(candidates::as_layer(store.as_ref())?)),
        _ => Err(ApiError::NotFound(path.to_string())),
    }
}

/// The collection document of one layer.
fn collection_doc(layer: &Layer, base: &str) -> Value {
    let id = &layer.entry.id;
    let url = format!("{base}/collections/{id}");
    let mut extent = json!({});
    if let Some(b) = layer.data.bbox {
        extent["spatial"] = json!({
            "bbox": [[b.min().x, b.min().y, b.max().x, b.max().y]],
            "crs": CRS84,
        });
    }
    if let Some([start, end]) = temporal_extent(&layer.data.features) {
        extent["temporal"] = json!({
            "interval": [[start, end]],
            "trs": "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian",
        });
    }
    let mut description = layer.entry.title_en.clone().unwrap_or_default();
    if let Some(d) = &layer.entry.description {
        description = format!("{description}. {d}");
    }
    json!({
        "id": id,
        "title": layer.entry.title,
        "description": description,
        "itemType": "feature",
        "extent": extent,
        "crs": offered_crs(layer.data.bbox).iter().map(|c| c.uri()).collect::<Vec<_>>(),
        "storageCrs": CRS84,
        "links": [
            link(url.clone(), "self", media::JSON, "This collection"),
            link(format!("{url}?f=html"), "alternate", media::HTML, "This collection as HTML"),
            link(format!("{url}/items"), "items", media::GEOJSON, "The features as GeoJSON"),
            link(format!("{url}/items?f=html"), "items", media::HTML, "The features as HTML"),
            link(format!("{url}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", media::SCHEMA, "What the features can be filtered on"),
        ],
        "planmap:onOverlap": layer.entry.on_overlap,
        "planmap:rule": layer.entry.rule,
        "planmap:revision": layer.data.revision,
        "planmap:features": layer.data.features.len(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let mut collections: Vec<Value> = state
        .catalog()
        .layers
        .iter()
        .map(|l| collection_doc(l, &base))
        .collect();
    if let Some(store) = &state.store {
        let submitted = candidates::as_layer(store.as_ref())?;
        collections.push(collection_doc(&submitted, &base));
    }
    let doc = json!({
        "links": self_links(&format!("{base}/collections"), format, "The collections"),
        "collections": collections,
    });
    Ok(answer(&doc, format, media::JSON, "Collections"))
}

pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = layer(&state, &id, uri.path())?;
    let format = format_only(query.as_deref(), &headers)?;
    let tag = etag(&layer.data.revision, &uri.to_string(), format);
    if not_modified(&headers, &tag) {
        return Ok(answer_not_modified(&tag));
    }
    let mut doc = collection_doc(&layer, &base_url(&headers));
    // Facts about the layer as a whole (catalog `facts`), in this document
    // only, so that `/collections` stays a short list.
    if !layer.entry.facts.is_empty() {
        doc["planmap:facts"] = Value::Object(layer.entry.facts.clone());
    }
    if format == Format::Html {
        doc["links"][0]["rel"] = json!("alternate");
        doc["links"][1]["rel"] = json!("self");
    }
    let title = layer.entry.title.clone();
    Ok(with_header(
        answer(&doc, format, media::JSON, &title),
        header::ETAG,
        &tag,
    ))
}

pub async fn queryables(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = layer(&state, &id, uri.path())?;
    let format = format_only(query.as_deref(), &headers)?;
    let tag = etag(&layer.data.revision, &uri.to_string(), format);
    if not_modified(&headers, &tag) {
        return Ok(answer_not_modified(&tag));
    }
    let q = layer.data.queryables();
    let mut properties = serde_json::Map::new();
    properties.insert(
        GEOMETRY_PROPERTY.into(),
        json!({"title": "Geometry", "format": q.geometry_format, "x-ogc-role": "primary-geometry"}),
    );
    for (name, schema) in &q.properties {
        let mut schema = schema.clone();
        schema["title"] = json!(name);
        properties.insert(name.clone(), schema);
    }
    let base = base_url(&headers);
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{id}/queryables"),
        "type": "object",
        "title": layer.entry.title,
        "properties": properties,
        "additionalProperties": false,
    });
    let title = format!("Queryables of {}", layer.entry.title);
    Ok(with_header(
        answer(&doc, format, media::SCHEMA, &title),
        header::ETAG,
        &tag,
    ))
}
