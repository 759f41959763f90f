//! OGC API – Features: the landing page, conformance, this document, the
//! collections, their queryables and their items.

use serde_json::{Value, json};

use super::build::{Operation, Paths, json_or_html, query, schema};
use super::values::{COLLECTION_CRS_NOTE, collection_crs};
use crate::api::ogc::media;
use crate::api::params::MAX_OFFSET;
use crate::query::select::{LIMIT_DEFAULT, LIMIT_MAX};

/// `components/parameters` of the OGC endpoints.
pub fn parameters(collection_ids: &[String]) -> Value {
    let crs = |name: &str, what: &str| {
        query(
            name,
            &format!("{what}. Default CRS84. {COLLECTION_CRS_NOTE}"),
            collection_crs(),
        )
    };
    json!({
        "f": query("f", "The representation: json (default) or html.", json!({"type": "string", "enum": ["json", "html"]})),
        "limit": query("limit", "The most items to return; larger values are clamped to the maximum.", json!({"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT})),
        "offset": query("offset", "How many matching items to skip (the paging links set it).", json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0})),
        "bbox": query("bbox", "Only features that meet this box: lower corner then upper corner (4 or 6 numbers), in bbox-crs; each lower value at most the upper one.", json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})),
        "bbox-crs": crs("bbox-crs", "The CRS of bbox"),
        "datetime": query("datetime", "Only features whose time (licence validity) meets this RFC 3339 date, instant or interval (`start/end`, '..' or empty for an open end).", json!({"type": "string"})),
        "crs": crs("crs", "The CRS of the returned coordinates"),
        "filter": query("filter", "A CQL2 expression (basic CQL2, LIKE, BETWEEN, IN, S_INTERSECTS) on the collection's queryables.", json!({"type": "string"})),
        "filter-lang": query("filter-lang", "The language of filter.", json!({"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"})),
        "filter-crs": crs("filter-crs", "The CRS of geometry literals in filter"),
        "collectionId": {"name": "collectionId", "in": "path", "required": true, "description": "A collection: a catalog layer, or `candidates` (submitted candidates) when the server has a data directory.", "schema": {"type": "string", "enum": collection_ids}},
        "featureId": {"name": "featureId", "in": "path", "required": true, "description": "A feature id as the layer file gives it.", "schema": {"type": "string"}},
    })
}

/// `components/schemas` of the OGC endpoints.
pub fn schemas() -> Value {
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
            "crs": {"type": "array", "items": {"type": "string"}}, "storageCrs": {"type": "string"},
            "planmap:facts": {"type": "object", "description": "In `/collections/{collectionId}` only, when the catalog gives the layer any: facts about the layer as a whole (e.g. the published totals its features add up to), stated once here instead of on every feature."}}},
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
    })
}

fn page(id: &str, summary: &str) -> Operation {
    Operation::get(id, summary).tag("OGC API – Features")
}

/// The OGC API – Features paths.
pub fn paths(paths: &mut Paths) {
    let answer = |name: &str, json_type: &str, description: &str| {
        json_or_html(description, json_type, schema(name))
    };
    paths
        .add(
            "/",
            page("getLandingPage", "The landing page")
                .shared_params(&["f"])
                .answer(200, answer("landingPage", media::JSON, "Links to the API definition, conformance and collections.")),
        )
        .add(
            "/conformance",
            page("getConformance", "The conformance classes implemented")
                .shared_params(&["f"])
                .answer(200, answer("confClasses", media::JSON, "The conformance classes.")),
        )
        .add(
            "/api",
            page("getApi", "This API definition")
                .shared_params(&["f"])
                .answer(200, json_or_html("The OpenAPI 3.0 document.", media::OPENAPI, json!({"type": "object", "required": ["openapi", "paths"]}))),
        )
        .add(
            "/collections",
            page("getCollections", "The planning layers")
                .shared_params(&["f"])
                .answer(200, answer("collections", media::JSON, "One collection per catalog layer, then `candidates` when the server has a data directory.")),
        )
        .add(
            "/collections/{collectionId}",
            page("describeCollection", "One planning layer")
                .shared_params(&["collectionId", "f"])
                .answer(200, answer("collection", media::JSON, "The collection, with an ETag."))
                .cached()
                .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/queryables",
            page("getQueryables", "What a layer's features can be filtered on (JSON Schema 2020-12)")
                .shared_params(&["collectionId", "f"])
                .answer(200, answer("queryables", media::SCHEMA, "The queryables."))
                .cached()
                .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/items",
            page("getFeatures", "A layer's features")
                .shared_params(&["collectionId", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs", "f"])
                .answer(200, answer("featureCollection", media::GEOJSON, "A page of features, with next/prev links; `Content-Crs` names the CRS of the coordinates."))
                .cached()
                .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/stats",
            Operation::get("getStatistics", "Counts, areas and lengths of a layer's features, grouped by properties (查询统计)")
                .tag("planmap")
                .describe("The features `bbox`, `datetime` and `filter` select (as `items` selects them), counted and measured: `count`, and of the polygons among them `areas` and their ellipsoid area (`area_m2`, `area_mu`, `area_ha`, `area_km2`), of the lines `lines` and `length_m` (geodesic), of the points `points`; per group of features sharing the values of the `group_by` properties (a feature without one is in its `null` group), and in `total`. Each feature's own measure is summed: a feature that only meets the box counts whole.")
                .shared_params(&["collectionId", "bbox", "bbox-crs", "datetime", "filter", "filter-lang", "filter-crs"])
                .param(query("group_by", "Up to 5 properties (comma-separated) of the collection's queryables to group by; an unknown one is refused with 400 naming those there are.", json!({"type": "array", "maxItems": 5, "items": {"type": "string"}})))
                .param(query("inside", "Another layer's id: measure only what lies inside its area features (the area or length inside, as a check measures it; a feature counts once for each containing feature it lies in), and let `group_by` name that layer's properties as `{inside}.{property}`.", json!({"type": "string"})))
                .param(query("f", "The representation: json (default) or csv (one row a group, UTF-8 with BOM).", json!({"type": "string", "enum": ["json", "csv"]})))
                .answer(200, json!({"description": "The groups and the total.", "content": {
                    "application/json": {"schema": {"type": "object", "required": ["collection", "revision", "group_by", "groups", "total"], "properties": {
                        "collection": {"type": "string"}, "revision": {"type": "string"},
                        "group_by": {"type": "array", "items": {"type": "string"}},
                        "groups": {"type": "array", "items": {"type": "object", "required": ["key", "count"]}},
                        "total": {"type": "object", "required": ["count", "area_m2", "length_m"]}}}},
                    "text/csv": {"schema": {"type": "string"}}}}))
                .cached()
                .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/items/{featureId}",
            page("getFeature", "One feature")
                .shared_params(&["collectionId", "featureId", "crs", "f"])
                .answer(200, answer("feature", media::GEOJSON, "The feature; `Content-Crs` names the CRS of the coordinates."))
                .cached()
                .may_be_missing(),
        );
}
