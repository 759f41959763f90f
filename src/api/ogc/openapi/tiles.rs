//! OGC API – Tiles: the tile matrix sets, the tilesets of each collection and
//! of the dataset, their metadata (JSON, HTML or TileJSON 3.0.0), the tiles.

use serde_json::{Value, json};

use super::build::{Operation, Paths, answer, json_or_html, object, path, query, schema};
use crate::api::ogc::media;
use crate::api::ogc::tiles::{MVT, WEB_MERCATOR_QUAD};
use crate::query::tiles::MAX_ZOOM;

/// `components/parameters` of the tiles endpoints.
pub fn parameters(layer_ids: &[String]) -> Value {
    json!({
        "tileMatrixSetId": path("tileMatrixSetId", "The tile matrix set: only WebMercatorQuad.", json!({"type": "string", "enum": [WEB_MERCATOR_QUAD]})),
        "tileMatrix": path("tileMatrix", &format!("The tile matrix (zoom level), 0 to {MAX_ZOOM} (the maxzoom)."), json!({"type": "string", "pattern": "^([0-9]|1[0-9]|2[0-4])$", "example": "0"})),
        "tileRow": path("tileRow", "The row, from the north: 0 to 2^tileMatrix − 1.", json!({"type": "integer", "minimum": 0})),
        "tileCol": path("tileCol", "The column, east from the antimeridian: 0 to 2^tileMatrix − 1.", json!({"type": "integer", "minimum": 0})),
        "collections": query("collections", "The planning layers to put in the dataset's tiles, comma-separated; all when absent. An unknown id is refused (400 `unknown-layer`) with the known ones.", json!({"type": "array", "items": {"type": "string", "enum": layer_ids}})),
        "v": query("v", "The revision of the layers, as the tileset's links give it: a tile asked for with the revision in force is cached as immutable.", json!({"type": "string"})),
        "tileFormat": query("f", "The tile's format: mvt (Mapbox vector tile 2.1), the only one.", json!({"type": "string", "enum": ["mvt"]})),
        "tilesetFormat": query("f", "The representation: json (OGC tileset metadata, default), html, or tilejson (TileJSON 3.0.0).", json!({"type": "string", "enum": ["json", "html", "tilejson"]})),
    })
}

/// `components/schemas` of the tiles endpoints.
pub fn schemas() -> Value {
    json!({
        "tileMatrixSets": object(&["tileMatrixSets"], json!({"tileMatrixSets": {"type": "array", "items": {"type": "object"}}})),
        "tileMatrixSet": object(&["id", "crs", "tileMatrices"], json!({
            "id": {"type": "string"}, "uri": {"type": "string"}, "crs": {"type": "string"},
            "tileMatrices": {"type": "array", "items": {"type": "object"}}})),
        "tilesets": object(&["tilesets"], json!({
            "links": {"$ref": "#/components/schemas/links"},
            "tilesets": {"type": "array", "items": {"type": "object", "required": ["dataType", "crs", "links"]}}})),
        "tileset": {"oneOf": [
            object(&["dataType", "crs", "links"], json!({
                "title": {"type": "string"}, "dataType": {"type": "string", "enum": ["vector"]},
                "crs": {"type": "string"}, "tileMatrixSetURI": {"type": "string"},
                "layers": {"type": "array", "items": {"type": "object"}},
                "links": {"$ref": "#/components/schemas/links"}})),
            object(&["tilejson", "tiles"], json!({
                "tilejson": {"type": "string", "enum": ["3.0.0"]},
                "tiles": {"type": "array", "items": {"type": "string"}},
                "bounds": {"type": "array", "items": {"type": "number"}},
                "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"},
                "vector_layers": {"type": "array", "items": {"type": "object"}}})),
        ]},
    })
}

fn page(id: &str, summary: &str) -> Operation {
    Operation::get(id, summary).tag("OGC API – Tiles")
}

fn tile() -> Value {
    let mut a = answer(
        "A Mapbox vector tile (MVT 2.1, extent 4096, buffer 64), gzip-compressed when the client accepts it; `ETag`, `Cache-Control` (immutable when `v` is the revision in force), and `Planmap-Tile-Features` (drawn, too-small, over-limit).",
        &[MVT],
        json!({"type": "string", "format": "binary"}),
    );
    a["headers"] = json!({"ETag": {"description": "The entity tag of the tile.", "schema": {"type": "string"}}});
    a
}

/// The OGC API – Tiles paths.
pub fn paths(paths: &mut Paths) {
    let doc = |name: &str, description: &str| json_or_html(description, media::JSON, schema(name));
    paths
        .add(
            "/tileMatrixSets",
            page("getTileMatrixSetsList", "The tile matrix sets served")
                .shared_params(&["f"])
                .answer(200, doc("tileMatrixSets", "WebMercatorQuad only.")),
        )
        .add(
            "/tileMatrixSets/{tileMatrixSetId}",
            page("getTileMatrixSet", "A tile matrix set (OGC TMS 2.0 JSON)")
                .shared_params(&["tileMatrixSetId", "f"])
                .answer(
                    200,
                    doc("tileMatrixSet", "The tile matrix set's definition."),
                )
                .may_be_missing(),
        )
        .add(
            "/tiles",
            page(
                "getDatasetVectorTilesetsList",
                "The dataset's vector tilesets (all planning layers)",
            )
            .shared_params(&["f"])
            .answer(200, doc("tilesets", "The tilesets.")),
        )
        .add(
            "/tiles/{tileMatrixSetId}",
            page(
                "getDatasetVectorTileset",
                "The dataset's vector tileset: OGC metadata or TileJSON",
            )
            .shared_params(&["tileMatrixSetId", "collections", "tilesetFormat"])
            .answer(
                200,
                doc(
                    "tileset",
                    "The tileset's metadata (or TileJSON with f=tilejson).",
                ),
            )
            .may_be_missing(),
        )
        .add(
            "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            page(
                "getDatasetVectorTile",
                "A tile of the dataset: one MVT layer per planning layer",
            )
            .shared_params(&[
                "tileMatrixSetId",
                "tileMatrix",
                "tileRow",
                "tileCol",
                "collections",
                "v",
                "tileFormat",
            ])
            .answer(200, tile())
            .cached()
            .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/tiles",
            page(
                "getCollectionVectorTilesetsList",
                "A collection's vector tilesets",
            )
            .shared_params(&["collectionId", "f"])
            .answer(200, doc("tilesets", "The tilesets."))
            .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/tiles/{tileMatrixSetId}",
            page(
                "getCollectionVectorTileset",
                "A collection's vector tileset: OGC metadata or TileJSON",
            )
            .shared_params(&["collectionId", "tileMatrixSetId", "tilesetFormat"])
            .answer(
                200,
                doc(
                    "tileset",
                    "The tileset's metadata (or TileJSON with f=tilejson).",
                ),
            )
            .may_be_missing(),
        )
        .add(
            "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            page("getCollectionVectorTile", "A tile of a collection")
                .shared_params(&[
                    "collectionId",
                    "tileMatrixSetId",
                    "tileMatrix",
                    "tileRow",
                    "tileCol",
                    "v",
                    "tileFormat",
                ])
                .answer(200, tile())
                .cached()
                .may_be_missing(),
        );
}
