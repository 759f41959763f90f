//! planmap's own endpoints: `/health`, `/layers`, `POST /check` and
//! `POST /blocks/snap`.

use serde_json::{Value, json};

use super::build::{
    Operation, Paths, Reads, body, json_answer, object, one_of, path, query, schema,
};
use super::values::{CANDIDATE_CRS_NOTE, candidate_crs, corner_style, date, flag, kind, zone};

/// The formats a candidate body may be in.
fn format() -> Value {
    one_of(&[
        "geojson",
        "txt",
        "corners",
        "csv",
        "xlsx",
        "shapefile",
        "json",
        "exchange",
        "points",
        "excel",
        "shp",
        "zip",
    ])
}

/// A square of one basic unit block (1′ × 1′) clear of every hard
/// constraint of the demo layers (`layers/examples/clean_block.geojson`).
fn clean_block() -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [112.6333333, 36.3333333], [112.65, 36.3333333], [112.65, 36.35],
        [112.6333333, 36.35], [112.6333333, 36.3333333]]]})
}

/// A licence's corner points, CGCS2000 3° zone 38 (the README's example).
const LICENCE_CORNERS: &str = "1,4010158.95,38384901.64\n2,4010129.56,38387149.76\n3,4011794.13,38387171.31\n4,4011823.52,38384923.62\n1,4010158.95,38384901.64\n";

/// `components/schemas` of the candidate bodies and the check's answers.
pub fn schemas() -> Value {
    json!({
        "candidateGeometry": {
            "description": "A GeoJSON Polygon or MultiPolygon (holes allowed), in the coordinates of `crs`.",
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                "coordinates": {"type": "array", "items": {"type": "array"}},
            },
            "example": clean_block(),
        },
        "candidateFeature": {
            "description": "A GeoJSON Feature whose geometry is a Polygon or MultiPolygon.",
            "type": "object",
            "required": ["type", "geometry"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "geometry": {"$ref": "#/components/schemas/candidateGeometry"},
                "properties": {"type": "object", "nullable": true},
            },
            "example": {"type": "Feature", "properties": {"name": "clean_block"}, "geometry": clean_block()},
        },
        "candidate": {
            "description": "A candidate block: a Polygon or MultiPolygon, bare or inside a Feature (a FeatureCollection is refused with 422).",
            "oneOf": [
                {"$ref": "#/components/schemas/candidateGeometry"},
                {"$ref": "#/components/schemas/candidateFeature"},
            ],
        },
        "areaFigures": object(&["area_m2", "area_mu", "area_ha", "area_km2"], json!({
            "area_m2": {"type": "number"}, "area_mu": {"type": "number"},
            "area_ha": {"type": "number"}, "area_km2": {"type": "number"}})),
        "checkAnswer": object(
            &["verdict", "candidate", "conflicts", "adjacent", "layers", "warnings", "basic_blocks"],
            json!({
                "verdict": {"type": "string", "enum": ["pass", "warn", "reject"]},
                "input": object(&["format", "encoding"], json!({
                    "geometry": {"type": "object", "description": "With `echo=true`: the candidate as read, in CRS84, as a GeoJSON FeatureCollection with one Feature a parcel (`parcel`, `name`)."},
                    "format": {"type": "string", "enum": ["geojson", "txt", "corners", "csv", "xlsx", "shapefile"]},
                    "encoding": {"type": "string", "description": "The text encoding the body was decoded from: UTF-8, UTF-8 BOM, GB18030, UTF-16LE or UTF-16BE; for a Shapefile the .dbf's (the .cpg's, such as GBK, else UTF-8 or GB18030)."},
                    "columns": {"type": "object", "description": "A corner table's columns taken as X, Y, ring and parcel."},
                    "sheet": {"type": "string", "description": "The worksheet an .xlsx table was read from."},
                    "crs": object(&["name", "from", "read_as"], json!({
                        "name": {"type": "string"}, "from": {"type": "string", "enum": [".prj", "crs parameter"]},
                        "read_as": {"type": "string", "description": "The CRS the parcels were read in: the .prj's EPSG code when it names one, else CRS84 (converted by PROJ from the .prj's WKT)."}}))})),
                "candidate": {"type": "object", "required": ["area_m2", "vertices"]},
                "conflicts": object(&["type", "features"], json!({
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": object(&["type", "properties"], json!({
                        "properties": {"type": "object", "properties": {
                            "buffer": object(&["buffer_m", "distance_m", "area_m2", "area_mu", "share_of_candidate"], json!({
                                "buffer_m": {"type": "number", "description": "The protection buffer drawn (m): the layer's `buffer_m`, or wider where `buffer` asked."},
                                "distance_m": {"type": "number", "minimum": 0, "description": "Geodesic distance between the candidate and the feature; 0 where they overlap or touch."},
                                "area_m2": {"type": "number", "description": "Ellipsoid area of the candidate inside the buffer."},
                                "area_mu": {"type": "number"},
                                "share_of_candidate": {"type": "number"}})),
                            "validity": object(&["on", "status"], json!({
                                "valid_from": {"type": "string"},
                                "valid_to": {"type": "string"},
                                "on": {"type": "string", "format": "date", "description": "The date validity was judged on: `as_of`, else the day of the check."},
                                "status": {"type": "string", "enum": ["in_force", "expired", "not_yet_valid", "unreadable"], "description": "A licence outside its validity conflicts as its layer's `on_expired` says (by default as `on_overlap`); `on_overlap` is the level applied."}}))}}}))}})),
                "adjacent": {"type": "array", "items": {"type": "object"}},
                "separated_in_depth": {
                    "type": "array",
                    "description": "With `depth`: features of depth-aware layers the candidate overlaps in plan but not in depth (立体分层); not conflicts.",
                    "items": object(&["layer", "feature_id", "overlap_area_m2", "candidate_depth", "feature_depth"], json!({
                        "layer": {"type": "string"},
                        "feature_id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                        "name": {"type": "string", "nullable": true},
                        "overlap_area_m2": {"type": "number"},
                        "overlap_length_m": {"type": "number"},
                        "candidate_depth": object(&["top_m", "bottom_m"], json!({"top_m": {"type": "number"}, "bottom_m": {"type": "number"}})),
                        "feature_depth": object(&["top_m", "bottom_m"], json!({"top_m": {"type": "number"}, "bottom_m": {"type": "number"}})),
                        "parcel": {"type": "string"}})),
                },
                "layers": {"type": "array", "items": object(&["id", "revision", "features"], json!({
                    "id": {"type": "string"}, "revision": {"type": "string"}, "features": {"type": "integer"}}))},
                "warnings": {"type": "array", "items": {"type": "object", "required": ["code"]}},
                "basic_blocks": {"type": "object", "required": ["whole", "partial", "touched"]},
                "kind": {"type": "string"},
                "findings": {"type": "array"},
                "net": {"type": "object"},
                "parcels": {"type": "array"},
                "nearest": {
                    "type": "array",
                    "description": "With `nearest`: for each layer asked for that the candidate overlaps nowhere, its nearest feature and the geodesic distance (CGCS2000) between their nearest points, in catalog order. A layer the candidate overlaps is in `conflicts` instead; a touching feature is 0 m away.",
                    "items": object(&["layer", "feature_id", "distance_m"], json!({
                        "layer": {"type": "string"},
                        "feature_id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                        "name": {"type": "string"},
                        "distance_m": {"type": "number", "minimum": 0},
                    })),
                },
            }),
        ),
        "snapAnswer": object(
            &["mode", "candidate", "block_count", "blocks", "snapped"],
            json!({
                "mode": {"type": "string", "enum": ["cover", "inside"]},
                "candidate": {"$ref": "#/components/schemas/areaFigures"},
                "block_count": {"type": "integer", "minimum": 0},
                "blocks": {"type": "array", "items": object(&["code", "south_west", "whole"], json!({
                    "code": {"type": "string"}, "whole": {"type": "boolean"},
                    "south_west": {"type": "array", "items": {"type": "number"}}}))},
                "snapped": {"type": "object", "required": ["geometry"]},
                "mineral": {"type": "string"},
                "cap": {"type": "object", "required": ["class", "max_blocks", "within"]},
            }),
        ),
        "health": object(&["status", "layers", "features", "revisions"], json!({
            "status": {"type": "string", "enum": ["ok", "degraded"],
                "description": "`degraded` when a layer revision in force could not be loaded; the revision before it is served (see `revisions.not_served`)."},
            "layers": {"type": "integer", "minimum": 0},
            "features": {"type": "integer", "minimum": 0},
            "revisions": object(&["last_followed", "not_served", "cache"], json!({
                "last_followed": {"type": "string", "format": "date-time", "nullable": true,
                    "description": "When the server last looked in the data directory for revisions published elsewhere or come into force (every `--follow-interval` seconds)."},
                "not_served": {"type": "array", "items": object(&["layer", "revision", "effective", "error"], json!({
                    "layer": {"type": "string"}, "revision": {"type": "string"},
                    "effective": {"type": "string", "format": "date"}, "error": {"type": "string"}}))},
                "cache": object(&["limit_bytes", "bytes", "entries", "hits", "misses", "evictions"], json!({
                    "limit_bytes": {"type": "integer", "minimum": 0, "description": "`--revision-cache-mb`, in bytes."},
                    "bytes": {"type": "integer", "minimum": 0, "description": "Estimated memory of the old revisions kept (for `as_of`, diffs, verifying); never above `limit_bytes`, the least recently used is dropped first."},
                    "entries": {"type": "integer", "minimum": 0},
                    "hits": {"type": "integer", "minimum": 0},
                    "misses": {"type": "integer", "minimum": 0},
                    "evictions": {"type": "integer", "minimum": 0}}))}))})),
        "layerSummary": object(
            &["id", "title", "on_overlap", "rule", "revision", "features", "bbox"],
            json!({
                "id": {"type": "string"}, "title": {"type": "string"}, "title_en": {"type": "string"},
                "on_overlap": {"type": "string", "enum": ["reject", "warn", "info"]},
                "rule": {"type": "string"}, "revision": {"type": "string"},
                "features": {"type": "integer", "minimum": 0},
                "bbox": {"type": "array", "nullable": true, "minItems": 4, "maxItems": 4, "items": {"type": "number"},
                         "description": "west, south, east, north in CRS84; null for an empty layer."},
                "roles": {"type": "array", "items": {"type": "string"}, "description": "The roles the layer plays in the plan's rules (`control_line`, `existing_right`, `exploration_block` …); absent when none."},
                "buffer_m": {"type": "number", "description": "The layer's protection buffer in metres (catalog `buffer_m`); absent when none."},
                "depth_aware": {"type": "boolean", "description": "`true` when its features carry elevation ranges (`depth` on `/check`); absent otherwise."},
            }),
        ),
    })
}

/// A candidate body: GeoJSON as JSON or GeoJSON, or a coordinate file as text.
pub fn candidate_body(description: &str) -> Value {
    body(
        description,
        true,
        json!({
            "application/geo+json": {"schema": schema("candidate")},
            "application/json": {"schema": schema("candidate")},
            "text/plain": {
                "schema": {"type": "string", "description": "A 界址点坐标 TXT exchange file or a corner-point list (see the README), in UTF-8, GB18030/GBK or UTF-16 with BOM."},
                "example": LICENCE_CORNERS,
            },
            "text/csv": {
                "schema": {"type": "string", "description": "A corner table (拐点坐标表): point number, X, Y, optional 圈号 and 地块编号 columns; header row in Chinese or English, or none."},
            },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary", "description": "A corner table in an .xlsx workbook (the first sheet naming X and Y columns, else the first with cells), read as a CSV table; at most 64 MiB uncompressed."},
            },
            "application/zip": {
                "schema": {"type": "string", "format": "binary", "description": "A zipped Shapefile: one .shp with its .dbf, .prj (else give crs) and .cpg; Polygon, PolygonZ or PolygonM records, one parcel each; at most 64 MiB uncompressed."},
            },
            "application/x-zip-compressed": {
                "schema": {"type": "string", "format": "binary", "description": "As application/zip (the type Windows gives a .zip)."},
            },
        }),
    )
}

fn crs() -> Value {
    query("crs", CANDIDATE_CRS_NOTE, candidate_crs())
}

fn format_param() -> Value {
    query(
        "format",
        "The body's format: `geojson`, `txt` (界址点坐标 exchange file), `corners` (corner-point list), `csv` or `xlsx` (corner table), `shapefile` (zipped Shapefile). Sniffed from the content type and the body when absent.",
        format(),
    )
}

fn zone_param() -> Value {
    query(
        "zone",
        "The Gauss-Krüger zone of a coordinate file whose eastings carry no zone number: a zone number (3° zones 25–45, 6° zones 13–23) or EPSG:4491–4554.",
        zone(),
    )
}

fn mineral_param() -> Value {
    query(
        "mineral",
        "The candidate's mineral (`煤`, `矿泉水`, `铁`, `煤层气` …), for the cap on basic unit blocks.",
        json!({"type": "string"}),
    )
}

pub fn paths(paths: &mut Paths, layer_ids: &[String]) {
    paths
        .add(
            "/health",
            Operation::get("getHealth", "Whether the server is up, and how much it serves")
                .tag("planmap")
                .anonymous()
                .answer(200, json_answer("Up.", schema("health"))),
        )
        .add(
            "/assets/{library}/{file}",
            Operation::get("getAsset", "A browser library planmap serves for web maps")
                .tag("planmap")
                .anonymous()
                .describe("MapLibre GL JS and OpenLayers as their npm packages ship them, so a web page needs no CDN: `maplibre-gl/maplibre-gl.mjs` (an ES module; its worker `maplibre-gl/maplibre-gl-worker.mjs` is loaded from beside it), `maplibre-gl/maplibre-gl.css`, `ol/ol.js` (the global `ol`), `ol/ol.css`, and their licences; and the web workspace's `workspace/workspace.js`, `workspace/words.js` and `workspace/workspace.css`. Gzipped when the client accepts it; an `ETag` of the content answers `If-None-Match` with 304. Needs no token.")
                .param(path("library", "The library: `maplibre-gl`, `ol` or `workspace`.", one_of(&crate::api::assets::libraries())))
                .param(path("file", "The file, e.g. `maplibre-gl.mjs`; a file the library does not ship is 404.", json!({"type": "string"})))
                .answer(200, json!({"description": "The file.", "content": {"text/javascript": {"schema": {"type": "string"}}, "text/css": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}}))
                .answer(304, json!({"description": "Not modified: the `If-None-Match` tag is the file's."}))
                .may_be_missing(),
        )
        .add(
            "/map",
            Operation::get("getWorkspace", "The web workspace: the plan on a map, checks, candidates and reviews")
                .tag("planmap")
                .anonymous()
                .describe("An HTML page drawing every layer from planmap's vector tiles, checking a block dropped as a coordinate file, pasted or drawn, and (with a token) submitting, reviewing and printing. Everything it loads comes from planmap (and from a basemap set with `--basemap`). Needs no token to load; it asks for one to sign in.")
                .param(query("lang", "The page's language: `zh` (default) or `en`.", json!({"type": "string", "enum": ["zh", "en"], "default": "zh"})))
                .answer(200, json!({"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}})),
        )
        .add(
            "/session",
            Operation::get("getSession", "Who the bearer token names")
                .tag("planmap")
                .anonymous()
                .describe("With a token: its `name` and `role` (a bad, expired or revoked token is 401). Without: `signed_in: false`. Also whether reads are open and whether the server keeps records (`store`).")
                .answer(200, json_answer("The session.", json!({"type": "object", "required": ["signed_in", "open_reads", "store"], "properties": {
                    "signed_in": {"type": "boolean"},
                    "name": {"type": "string", "nullable": true},
                    "role": {"type": "string", "nullable": true, "enum": ["viewer", "planner", "reviewer", "admin", null]},
                    "open_reads": {"type": "boolean"},
                    "store": {"type": "boolean"}}}))),
        )
        .add(
            "/layers",
            Operation::get("getLayers", "Every layer of the catalog in force")
                .tag("planmap")
                .answer(200, json_answer("The layers, in catalog order.", json!({"type": "array", "items": schema("layerSummary")}))),
        )
        .add(
            "/check",
            Operation::post("check", "Is a candidate block clear of the plan's layers?", Reads::Body)
                .tag("planmap")
                .describe("Checks a candidate (GeoJSON Polygon or MultiPolygon, bare or in a Feature; or a coordinate file as text in UTF-8, GB18030/GBK or UTF-16 with BOM) against the layers: the overlaps with their areas, the adjacent features, the verdict and the basic unit blocks.")
                .param(crs())
                .param(query("layers", "Only these layer ids (comma-separated); an unknown id is refused with 400.", json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": layer_ids}})))
                .param(format_param())
                .param(zone_param())
                .param(query("kind", "Evaluate the plan's rules for this kind of candidate (`findings`).", kind()))
                .param(mineral_param())
                .param(query("net", "`true`: add `net`, the clean (净矿) part.", flag(false)))
                .param(query("blocks", "`true`: list every basic unit block in `basic_blocks.blocks`.", flag(false)))
                .param(query("corners", "Add corner points (TXT exchange format): a zone for X/Y in metres, or `dms` for latitude/longitude.", corner_style()))
                .param(query("geometry", "`false`: leave each overlap's geometry out (`null`).", flag(true)))
                .param(query("as_of", "Check against the layer revisions in force on this date (needs a data directory); licences' validity (`validity`) is judged on it too (default: today, China Standard Time).", date()))
                .param(query("echo", "`true`: add `input.geometry`, the candidate as read (CRS84), so a map that sent a coordinate file can draw it.", flag(false)))
                .param(query("nearest", "`true`: add `nearest`, the nearest feature of every layer checked that the candidate does not overlap, with its geodesic distance in metres; or layer ids (comma-separated, each among the layers checked) for those only; `false`: none.", json!({"type": "string", "default": "false", "example": "mining_rights,townships"})))
                .param(query("buffer", "Protection buffers for this check, `LAYER:METRES` comma-separated (each layer among those checked, above 0 and at most 5,000 m): a candidate within that geodesic distance of a feature conflicts with it, with `buffer` giving the distance and the area inside. Each widens the layer's own `buffer_m`, never narrows it.", json!({"type": "string", "example": "prohibited_zones:200"})))
                .param(query("depth", "The candidate's elevation range, `TOP,BOTTOM` in metres above sea level (top above bottom, within ±12,000 m): on depth-aware layers a feature overlapped in plan but not in depth is in `separated_in_depth`, not a conflict.", json!({"type": "string", "example": "800,200"})))
                .body(candidate_body("The candidate."))
                .answer(200, json_answer("The check's answer.", schema("checkAnswer")))
                .may_be_missing(),
        )
        .add(
            "/qa",
            Operation::post("planQa", "Whole-plan QA: a set of blocks against the layers, each other and the plan's size rules", Reads::Body)
                .tag("planmap")
                .describe("Takes a whole set of blocks — `{\"layer\": \"LAYER_ID\"}` (that catalog layer's features, not checked against itself), a GeoJSON FeatureCollection (one block a feature; `properties.kind` and `properties.mineral` per block), or a multi-parcel coordinate file — and reports per block and in a summary: conflicts with every reject or warn layer (as /check finds them), blocks overlapping each other (with the overlap's area; a sliver when its mean width is below `tolerance_m`), gaps between blocks narrower than `tolerance_m`, blocks below one basic unit block (exploration blocks), blocks over their mineral's cap, and blocks that do not read. At most 2,000 blocks.")
                .param(query("layers", "Check against only these layer ids (comma-separated).", json!({"type": "array", "minItems": 1, "items": {"type": "string"}})))
                .param(query("tolerance_m", "Overlaps thinner and gaps narrower than this are slivers and gaps (m, above 0, at most 1,000).", json!({"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 1000, "default": 5})))
                .param(query("kind", "The kind of every block that does not give its own `properties.kind`.", kind()))
                .param(mineral_param())
                .param(crs())
                .param(format_param())
                .param(zone_param())
                .param(query("f", "`json` (default), `csv` (one row a problem, a row `ok` for a clean block) or `html` (a printable page).", json!({"type": "string", "enum": ["json", "csv", "html"], "default": "json"})))
                .body(body(
                    "The blocks.",
                    true,
                    json!({
                        "application/json": {"schema": {"oneOf": [
                            {"type": "object", "required": ["layer"], "properties": {"layer": {"type": "string"}}, "additionalProperties": false},
                            {"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "maxItems": 2000, "items": {"type": "object"}}}},
                        ]}, "example": {"layer": "exploration_blocks"}},
                        "application/geo+json": {"schema": {"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "maxItems": 2000, "items": {"type": "object"}}}}},
                        "text/plain": {"schema": {"type": "string", "description": "A multi-parcel 界址点坐标 TXT exchange file: one block a parcel."}},
                    }),
                ))
                .answer(200, json!({
                    "description": "The QA: `summary`, `blocks` (each with its `problems`), `pairs` and `layers`; or its CSV or HTML.",
                    "content": {
                        "application/json": {"schema": object(&["summary", "blocks", "pairs", "layers"], json!({
                            "summary": object(&["blocks", "clean", "with_problems", "problems", "verdicts", "area_m2", "tolerance_m"], json!({
                                "blocks": {"type": "integer"}, "clean": {"type": "integer"}, "with_problems": {"type": "integer"},
                                "problems": {"type": "object", "additionalProperties": {"type": "integer"}},
                                "verdicts": {"type": "object", "additionalProperties": {"type": "integer"}},
                                "area_m2": {"type": "number"}, "tolerance_m": {"type": "number"}})),
                            "blocks": {"type": "array", "items": object(&["id", "problems"], json!({
                                "id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                                "area": {"type": "object"}, "verdict": {"type": "string", "enum": ["pass", "warn", "reject"]},
                                "basic_blocks": {"type": "number"},
                                "problems": {"type": "array", "items": object(&["kind", "detail"], json!({
                                    "kind": {"type": "string", "enum": ["invalid_geometry", "conflict", "overlaps_block", "sliver", "gap", "below_basic_block", "over_cap", "unknown_kind"]},
                                    "detail": {"type": "string"}, "layer": {"type": "string"},
                                    "feature_id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                                    "on_overlap": {"type": "string"}, "other_block": {"type": "string"},
                                    "area_m2": {"type": "number"}, "width_m": {"type": "number"}, "rule": {"type": "string"}}))}}))},
                            "pairs": {"type": "array", "items": object(&["kind", "blocks"], json!({
                                "kind": {"type": "string", "enum": ["overlaps_block", "sliver", "gap"]},
                                "blocks": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                                "area_m2": {"type": "number"}, "width_m": {"type": "number"}}))},
                            "layers": {"type": "array", "items": {"type": "object"}}}))},
                        "text/csv": {"schema": {"type": "string"}},
                        "text/html": {"schema": {"type": "string"}},
                    }
                })),
        )
        .add(
            "/blocks/snap",
            Operation::post("snapBlocks", "A free-hand exploration candidate made block-aligned", Reads::Body)
                .tag("planmap")
                .param(crs())
                .param(format_param())
                .param(zone_param())
                .param(query("mode", "`cover`: every basic unit block touched; `inside`: whole blocks only.", json!({"type": "string", "enum": ["cover", "inside"], "default": "cover"})))
                .param(mineral_param())
                .body(candidate_body("The free-hand candidate."))
                .answer(200, json_answer("The block-aligned polygon, its blocks and its area.", schema("snapAnswer"))),
        );
}
