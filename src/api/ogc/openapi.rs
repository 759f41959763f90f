//! `GET /api`: the OpenAPI 3.0 definition of the OGC API, built by hand
//! because the OGC test suite and many clients parse 3.0, not 3.1.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::landing::format_only;
use super::{CONFORMANCE, Format, answer, base_url, media};
use crate::api::{ApiError, AppState};
use crate::features::{LIMIT_DEFAULT, LIMIT_MAX};

pub async fn api(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let catalog = state.catalog();
    let ids: Vec<&str> = catalog.layers.iter().map(|l| l.entry.id.as_str()).collect();
    let doc = document(&base_url(&headers), &ids);
    let title = "planmap API definition (OpenAPI 3.0)";
    Ok(match format {
        Format::Json => answer(&doc, format, media::OPENAPI, title),
        Format::Html => {
            let paths: Vec<Value> = doc["paths"]
                .as_object()
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| json!({"path": k, "summary": v["get"]["summary"]}))
                        .collect()
                })
                .unwrap_or_default();
            let summary = json!({
                "description": "The machine-readable definition is at /api (OpenAPI 3.0).",
                "paths": paths,
                "links": [super::link("/api".into(), "service-desc", media::OPENAPI, "OpenAPI 3.0 document")],
            });
            answer(&summary, format, media::OPENAPI, title)
        }
    })
}

fn param(name: &str, location: &str, required: bool, description: &str, schema: Value) -> Value {
    let mut p = json!({
        "name": name,
        "in": location,
        "required": required,
        "description": description,
        "schema": schema,
    });
    if location == "query" {
        p["style"] = json!("form");
        p["explode"] = json!(false);
    }
    p
}

fn parameters(collection_ids: &[&str]) -> Value {
    let crs = |name: &str, what: &str| {
        param(
            name,
            "query",
            false,
            &format!(
                "{what}, as a URI from the collection's `crs` list. Default CRS84. Coordinates are in the CRS's authority axis order (EPSG:4490 latitude, longitude; EPSG:4526 northing, easting)."
            ),
            json!({"type": "string", "format": "uri"}),
        )
    };
    json!({
        "f": param("f", "query", false, "The representation: json (default) or html.", json!({"type": "string", "enum": ["json", "html"]})),
        "limit": param("limit", "query", false, "The most items to return; larger values are clamped to the maximum.", json!({"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT})),
        "offset": param("offset", "query", false, "How many matching items to skip (the paging links set it).", json!({"type": "integer", "minimum": 0, "default": 0})),
        "bbox": param("bbox", "query", false, "Only features that meet this box: lower corner then upper corner (4 or 6 numbers), in bbox-crs.", json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})),
        "bbox-crs": crs("bbox-crs", "The CRS of bbox"),
        "datetime": param("datetime", "query", false, "Only features whose time (licence validity) meets this RFC 3339 instant or interval ('..' for an open end).", json!({"type": "string"})),
        "crs": crs("crs", "The CRS of the returned coordinates"),
        "filter": param("filter", "query", false, "A CQL2 expression (basic CQL2, LIKE, BETWEEN, IN, S_INTERSECTS).", json!({"type": "string"})),
        "filter-lang": param("filter-lang", "query", false, "The language of filter.", json!({"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"})),
        "filter-crs": crs("filter-crs", "The CRS of geometry literals in filter"),
        "collectionId": param("collectionId", "path", true, "A layer id.", json!({"type": "string", "enum": collection_ids})),
        "featureId": param("featureId", "path", true, "A feature id as the layer file gives it.", json!({"type": "string"})),
    })
}

fn schemas() -> Value {
    json!({
        "link": {"type": "object", "required": ["href", "rel", "type"], "properties": {
            "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": {"$ref": "#/components/schemas/links"}}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "links": {"$ref": "#/components/schemas/links"},
            "extent": {"type": "object"}, "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}}, "storageCrs": {"type": "string"}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": {"$ref": "#/components/schemas/links"},
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}}}},
        "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
            "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array"}}},
        "feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "number"}]},
            "geometry": {"$ref": "#/components/schemas/geometry"},
            "properties": {"type": "object", "nullable": true},
            "links": {"$ref": "#/components/schemas/links"}}},
        "featureCollection": {"type": "object", "required": ["type", "features", "numberMatched", "numberReturned", "links"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
            "links": {"$ref": "#/components/schemas/links"}}},
        "queryables": {"type": "object", "required": ["type", "properties"], "properties": {
            "type": {"type": "string"}, "properties": {"type": "object"}}},
        "problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}},
    })
}

fn ok(schema: &str, json_type: &str, description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            json_type: {"schema": {"$ref": format!("#/components/schemas/{schema}")}},
            "text/html": {"schema": {"type": "string"}},
        },
    })
}

fn problem(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}})
}

fn operation(id: &str, summary: &str, params: &[&str], response: Value, cached: bool) -> Value {
    let mut responses = json!({
        "200": response,
        "400": problem("An unknown or invalid query parameter, or a bad filter (the problem says where it fails)."),
    });
    if params.contains(&"collectionId") {
        responses["404"] = problem("No such collection or feature.");
    }
    if cached {
        responses["304"] =
            json!({"description": "Not modified: the ETag in If-None-Match is current."});
    }
    json!({"get": {
        "operationId": id,
        "summary": summary,
        "parameters": params.iter().map(|p| json!({"$ref": format!("#/components/parameters/{p}")})).collect::<Vec<_>>(),
        "responses": responses,
    }})
}

/// The OpenAPI 3.0 document, with `base` as the server URL.
pub fn document(base: &str, collection_ids: &[&str]) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "planmap",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Mineral-resource planning layers as OGC API – Features. Conformance classes: {}", CONFORMANCE.join(", ")),
            "license": {"name": "MIT OR Apache-2.0"},
        },
        "servers": [{"url": base}],
        "paths": {
            "/": operation("getLandingPage", "The landing page", &["f"], ok("landingPage", media::JSON, "Links to the API definition, conformance and collections."), false),
            "/conformance": operation("getConformance", "The conformance classes implemented", &["f"], ok("confClasses", media::JSON, "The conformance classes."), false),
            "/api": operation("getApi", "This API definition", &["f"], json!({"description": "The OpenAPI 3.0 document.", "content": {media::OPENAPI: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}), false),
            "/collections": operation("getCollections", "The planning layers", &["f"], ok("collections", media::JSON, "One collection per catalog layer."), false),
            "/collections/{collectionId}": operation("describeCollection", "One planning layer", &["collectionId", "f"], ok("collection", media::JSON, "The collection."), true),
            "/collections/{collectionId}/queryables": operation("getQueryables", "What a layer's features can be filtered on (JSON Schema 2020-12)", &["collectionId", "f"], ok("queryables", media::SCHEMA, "The queryables."), true),
            "/collections/{collectionId}/items": operation("getFeatures", "A layer's features", &["collectionId", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs", "f"], ok("featureCollection", media::GEOJSON, "A page of features, with next/prev links."), true),
            "/collections/{collectionId}/items/{featureId}": operation("getFeature", "One feature", &["collectionId", "featureId", "crs", "f"], ok("feature", media::GEOJSON, "The feature."), true),
        },
        "components": {
            "parameters": parameters(collection_ids),
            "schemas": schemas(),
        },
    })
}
