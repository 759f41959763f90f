//! `GET /collections`, `/collections/{id}` and `/collections/{id}/queryables`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    CollectionRequest, Format, Link, answer, answer_tagged, base_url, format_only, media, rel_to,
    self_links,
};
use crate::api::{ApiError, AppState};
use crate::layer::catalog::Layer;
use crate::query::cql2::GEOMETRY_PROPERTY;
use crate::query::select::{offered_crs, temporal_extent};
use crate::records::candidates;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The collection document of one layer, answered in `format`.
fn collection_doc(layer: &Layer, base: &str, format: Format) -> Value {
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
            Link::new(rel_to(Format::Json, format), media::JSON, "This collection", url.clone()),
            Link::new(rel_to(Format::Html, format), media::HTML, "This collection as HTML", format!("{url}?f=html")),
            Link::new("items", media::GEOJSON, "The features as GeoJSON", format!("{url}/items")),
            Link::new("items", media::HTML, "The features as HTML", format!("{url}/items?f=html")),
            Link::new("http://www.opengis.net/def/rel/ogc/1.0/queryables", media::SCHEMA, "What the features can be filtered on", format!("{url}/queryables")),
            Link::new(super::tiles::REL_TILESETS_VECTOR, media::JSON, "The features as vector tiles", format!("{url}/tiles")),
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
        // Each collection's own links: to its JSON, whatever this list is in.
        .map(|l| collection_doc(l, &base, Format::Json))
        .collect();
    if let Some(store) = &state.store {
        let submitted = candidates::as_layer(store.as_ref())?;
        collections.push(collection_doc(&submitted, &base, Format::Json));
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
    let req = CollectionRequest::read(&state, &id, &uri, query.as_deref(), &headers, &["f"])?;
    if let Some(unchanged) = req.unchanged(&headers) {
        return Ok(unchanged);
    }
    let mut doc = collection_doc(&req.layer, &base_url(&headers), req.format);
    // Facts about the layer as a whole (catalog `facts`), in this document
    // only, so that `/collections` stays a short list.
    if !req.layer.entry.facts.is_empty() {
        doc["planmap:facts"] = Value::Object(req.layer.entry.facts.clone());
    }
    let title = &req.layer.entry.title;
    Ok(answer_tagged(
        &doc,
        req.format,
        media::JSON,
        title,
        &req.tag,
    ))
}

pub async fn queryables(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let req = CollectionRequest::read(&state, &id, &uri, query.as_deref(), &headers, &["f"])?;
    if let Some(unchanged) = req.unchanged(&headers) {
        return Ok(unchanged);
    }
    let layer = &req.layer;
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
    Ok(answer_tagged(
        &doc,
        req.format,
        media::SCHEMA,
        &title,
        &req.tag,
    ))
}
