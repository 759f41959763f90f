//! OGC API – Tiles 1.0 (vector tiles, WebMercatorQuad only) and TileJSON
//! 3.0.0: the tile matrix set, each collection's tilesets, the dataset's
//! (all planning layers, or those `collections=` names), and the tiles.
//!
//! A tile request: parse the address (matrix, row, column) and the query →
//! take the layers → draw the tile off the executor
//! ([`crate::query::tiles::draw`]) → answer it with an ETag from the layers'
//! revisions and the address, cached for good when the `v` of the link
//! (the revision) is the one in force.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    Format, answer, answer_not_modified, base_url, collection, format_only, media, not_modified,
};
use crate::api::params::Params;
use crate::api::{ApiError, AppState, Weight, compute};
use crate::layer::catalog::Layer;
use crate::query::tiles::{self, AddressError, MAX_ZOOM, TileAddress};

/// The only tile matrix set served.
pub const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The media type of a Mapbox vector tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// The link relation of a resource's vector tilesets.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
/// A tile whose link names the revision in force never changes: a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A tile asked for without the revision, or with an old one: a minute.
const SHORT_LIVED: &str = "public, max-age=60";

/// Query parameters of a collection's tile.
pub const TILE_PARAMETERS: &[&str] = &["v", "f"];
/// Query parameters of a dataset tile.
pub const DATASET_TILE_PARAMETERS: &[&str] = &["collections", "v", "f"];
/// Query parameters of a tileset's metadata.
pub const TILESET_PARAMETERS: &[&str] = &["f"];
/// Query parameters of a dataset tileset's metadata.
pub const DATASET_TILESET_PARAMETERS: &[&str] = &["collections", "f"];

/// The tile matrix set asked for, or 404.
fn tile_matrix_set(id: &str, path: &str) -> Result<(), ApiError> {
    if id == WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "{path}: tile matrix set '{id}' is not served; the only one is {WEB_MERCATOR_QUAD}"
        )))
    }
}

/// A whole number of a tile address, as the path gives it.
fn whole(name: &'static str, text: &str) -> Result<u64, ApiError> {
    let digits = !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| ApiError::InvalidParameter {
            name,
            detail: format!("'{text}' is not a whole number"),
        })
}

/// The tile the path names, or a 400 saying which part is out of range.
fn address(matrix: &str, row: &str, col: &str) -> Result<TileAddress, ApiError> {
    let (z, r, c) = (
        whole("tileMatrix", matrix)?,
        whole("tileRow", row)?,
        whole("tileCol", col)?,
    );
    TileAddress::new(z, r, c).map_err(|e| ApiError::InvalidParameter {
        name: match e {
            AddressError::Zoom(_) => "tileMatrix",
            AddressError::Row { .. } => "tileRow",
            AddressError::Col { .. } => "tileCol",
        },
        detail: e.to_string(),
    })
}

/// The revision that tile links carry: the layer's own, or for several
/// layers a hash of theirs.
fn revision_of(layers: &[Arc<Layer>]) -> String {
    match layers {
        [one] => one.data.revision.clone(),
        many => crate::digest::short_sha256(
            many.iter()
                .map(|l| format!("{}={}", l.entry.id, l.data.revision))
                .collect::<Vec<_>>()
                .join(";"),
        ),
    }
}

/// The planning layers a dataset request names with `collections=`, or all.
fn dataset_layers(state: &AppState, params: &Params) -> Result<Vec<Arc<Layer>>, ApiError> {
    let ids = params.ids("collections")?;
    Ok(state.catalog().select(ids.as_deref())?)
}

/// `f` of a tile: only `mvt`.
fn tile_format(params: &Params) -> Result<(), ApiError> {
    params.one_of("f", &[("mvt", ())])?;
    Ok(())
}

/// A tile: drawn off the executor, tagged, cached by its `v`.
async fn tile_answer(
    layers: Vec<Arc<Layer>>,
    at: TileAddress,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let revision = revision_of(&layers);
    let ids: Vec<&str> = layers.iter().map(|l| l.entry.id.as_str()).collect();
    let tag = format!(
        "\"{}\"",
        crate::digest::short_sha256(format!(
            "{revision}\n{}/{}/{}\n{}",
            at.zoom,
            at.row,
            at.col,
            ids.join(",")
        ))
    );
    let cache = if params.text("v").as_deref() == Some(revision.as_str()) {
        IMMUTABLE
    } else {
        SHORT_LIVED
    };
    if not_modified(headers, &tag) {
        let mut r = answer_not_modified(&tag);
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        return Ok(r);
    }
    let (bytes, count) = compute(Weight::Light, move || {
        let layers: Vec<&Layer> = layers.iter().map(|l| l.as_ref()).collect();
        tiles::draw(&layers, at).map_err(|e| match e {
            tiles::TileError::Deadline(d) => ApiError::from(d),
            other => ApiError::Internal(other.to_string()),
        })
    })
    .await?;
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    // What the caps left out, for a client that wonders why a feature is
    // missing at this zoom.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "drawn={}, too-small={}, over-limit={}",
        count.drawn, count.too_small, count.over_limit
    )) {
        h.insert(header::HeaderName::from_static("planmap-tile-features"), v);
    }
    Ok(r)
}

pub async fn collection_tile(
    State(state): State<AppState>,
    Path((id, tms, matrix, row, col)): Path<(String, String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = collection(&state, &id, uri.path())?;
    tile_matrix_set(&tms, uri.path())?;
    let at = address(&matrix, &row, &col)?;
    let params = Params::parse(query.as_deref(), TILE_PARAMETERS)?;
    tile_format(&params)?;
    tile_answer(vec![layer], at, &params, &headers).await
}

pub async fn dataset_tile(
    State(state): State<AppState>,
    Path((tms, matrix, row, col)): Path<(String, String, String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    tile_matrix_set(&tms, uri.path())?;
    let at = address(&matrix, &row, &col)?;
    let params = Params::parse(query.as_deref(), DATASET_TILE_PARAMETERS)?;
    tile_format(&params)?;
    let layers = dataset_layers(&state, &params)?;
    tile_answer(layers, at, &params, &headers).await
}

/// The box of some layers in CRS84, or the whole of WebMercatorQuad.
fn bounds(layers: &[Arc<Layer>]) -> [f64; 4] {
    let boxes = layers.iter().filter_map(|l| l.data.bbox);
    boxes
        .map(|b| [b.min().x, b.min().y, b.max().x, b.max().y])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
        .map(|[w, s, e, n]| {
            let lat = |y: f64| y.clamp(-tiles::MAX_LATITUDE, tiles::MAX_LATITUDE);
            [w, lat(s), e, lat(n)]
        })
        .unwrap_or([-180.0, -tiles::MAX_LATITUDE, 180.0, tiles::MAX_LATITUDE])
}

/// The URL template of a tileset's tiles, in OGC's names or TileJSON's.
fn tile_template(tileset: &str, query: &str, tilejson: bool) -> String {
    let address = if tilejson {
        "{z}/{y}/{x}"
    } else {
        "{tileMatrix}/{tileRow}/{tileCol}"
    };
    format!("{tileset}/{address}?{query}")
}

/// A tileset: where it is and what it holds.
struct Tileset {
    /// The tileset's URL (no query).
    url: String,
    title: String,
    layers: Vec<Arc<Layer>>,
    /// Query of its tiles besides `v` (the dataset's `collections`).
    query: Vec<(&'static str, String)>,
}

impl Tileset {
    fn tile_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (n, v) in &self.query {
            s.append_pair(n, v);
        }
        s.append_pair("v", &revision_of(&self.layers));
        s.finish()
    }

    fn metadata_query(&self, f: &str) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (n, v) in &self.query {
            s.append_pair(n, v);
        }
        s.append_pair("f", f);
        s.finish()
    }

    fn vector_layers(&self) -> Vec<Value> {
        self.layers
            .iter()
            .map(|l| {
                let fields: serde_json::Map<String, Value> = tiles::fields(l)
                    .into_iter()
                    .map(|(name, kind)| (name, json!(kind)))
                    .collect();
                json!({
                    "id": l.entry.id,
                    "description": l.entry.title,
                    "fields": fields,
                    "minzoom": 0,
                    "maxzoom": MAX_ZOOM,
                })
            })
            .collect()
    }

    /// The OGC tileset metadata.
    fn metadata(&self, base: &str, format: Format) -> Value {
        let [w, s, e, n] = bounds(&self.layers);
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| {
                let properties: serde_json::Map<String, Value> = tiles::fields(l)
                    .into_iter()
                    .map(|(name, kind)| {
                        let t = match kind {
                            "Number" => "number",
                            "Boolean" => "boolean",
                            _ => "string",
                        };
                        (name, json!({"type": t}))
                    })
                    .collect();
                json!({
                    "id": l.entry.id,
                    "title": l.entry.title,
                    "dataType": "vector",
                    "minTileMatrix": "0",
                    "maxTileMatrix": MAX_ZOOM.to_string(),
                    "propertiesSchema": {"type": "object", "properties": properties},
                    "links": [{"rel": "collection", "type": media::JSON, "title": l.entry.title, "href": format!("{base}/collections/{}", l.entry.id)}],
                })
            })
            .collect();
        let rel = |f: Format| if f == format { "self" } else { "alternate" };
        json!({
            "title": self.title,
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI,
            "boundingBox": {"lowerLeft": [w, s], "upperRight": [e, n], "crs": CRS84},
            "layers": layers,
            "links": [
                {"rel": rel(Format::Json), "type": media::JSON, "title": "This tileset", "href": format!("{}?{}", self.url, self.metadata_query("json"))},
                {"rel": rel(Format::Html), "type": media::HTML, "title": "This tileset as HTML", "href": format!("{}?{}", self.url, self.metadata_query("html"))},
                {"rel": "alternate", "type": media::JSON, "title": "This tileset as TileJSON 3.0.0", "href": format!("{}?{}", self.url, self.metadata_query("tilejson"))},
                {"rel": REL_TILING_SCHEME, "type": media::JSON, "title": "WebMercatorQuad", "href": format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}")},
                {"rel": "item", "type": MVT, "title": "The tiles (Mapbox vector tiles)", "templated": true, "href": tile_template(&self.url, &self.tile_query(), false)},
            ],
        })
    }

    /// The same tileset as TileJSON 3.0.0.
    fn tilejson(&self) -> Value {
        json!({
            "tilejson": "3.0.0",
            "name": self.title,
            "scheme": "xyz",
            "tiles": [tile_template(&self.url, &self.tile_query(), true)],
            "bounds": bounds(&self.layers),
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "vector_layers": self.vector_layers(),
        })
    }
}

/// `f` of a tileset: json, html or tilejson; without it, `Accept` decides
/// between JSON and HTML.
fn tileset_answer(
    tileset: &Tileset,
    params: &Params,
    headers: &HeaderMap,
    base: &str,
) -> Result<Response, ApiError> {
    if params.text("f").as_deref() == Some("tilejson") {
        return Ok(answer(
            &tileset.tilejson(),
            Format::Json,
            media::JSON,
            &tileset.title,
        ));
    }
    let format = params.output_format(headers)?;
    Ok(answer(
        &tileset.metadata(base, format),
        format,
        media::JSON,
        &tileset.title,
    ))
}

pub async fn collection_tileset(
    State(state): State<AppState>,
    Path((id, tms)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = collection(&state, &id, uri.path())?;
    tile_matrix_set(&tms, uri.path())?;
    let params = Params::parse(query.as_deref(), TILESET_PARAMETERS)?;
    let base = base_url(&headers);
    let tileset = Tileset {
        url: format!("{base}/collections/{id}/tiles/{WEB_MERCATOR_QUAD}"),
        title: format!("{} (vector tiles, WebMercatorQuad)", layer.entry.title),
        layers: vec![layer],
        query: vec![],
    };
    tileset_answer(&tileset, &params, &headers, &base)
}

pub async fn dataset_tileset(
    State(state): State<AppState>,
    Path(tms): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    tile_matrix_set(&tms, uri.path())?;
    let params = Params::parse(query.as_deref(), DATASET_TILESET_PARAMETERS)?;
    let layers = dataset_layers(&state, &params)?;
    let base = base_url(&headers);
    let query = params
        .text("collections")
        .map(|c| vec![("collections", c)])
        .unwrap_or_default();
    let tileset = Tileset {
        url: format!("{base}/tiles/{WEB_MERCATOR_QUAD}"),
        title: "The planning layers (vector tiles, WebMercatorQuad)".to_string(),
        layers,
        query,
    };
    tileset_answer(&tileset, &params, &headers, &base)
}

/// A tilesets list holding the one WebMercatorQuad tileset at `tileset`.
fn tilesets_list(url: &str, title: &str, base: &str, format: Format) -> Value {
    let rel = |f: Format| if f == format { "self" } else { "alternate" };
    json!({
        "links": [
            {"rel": rel(Format::Json), "type": media::JSON, "title": "These tilesets", "href": format!("{url}?f=json")},
            {"rel": rel(Format::Html), "type": media::HTML, "title": "These tilesets as HTML", "href": format!("{url}?f=html")},
        ],
        "tilesets": [{
            "title": title,
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI,
            "links": [
                {"rel": "self", "type": media::JSON, "title": title, "href": format!("{url}/{WEB_MERCATOR_QUAD}")},
                {"rel": "alternate", "type": media::JSON, "title": format!("{title} as TileJSON"), "href": format!("{url}/{WEB_MERCATOR_QUAD}?f=tilejson")},
                {"rel": REL_TILING_SCHEME, "type": media::JSON, "title": "WebMercatorQuad", "href": format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}")},
            ],
        }],
    })
}

pub async fn collection_tilesets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = collection(&state, &id, uri.path())?;
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let url = format!("{base}/collections/{id}/tiles");
    let title = format!("{} (vector tiles)", layer.entry.title);
    let doc = tilesets_list(&url, &title, &base, format);
    Ok(answer(&doc, format, media::JSON, &title))
}

pub async fn dataset_tilesets(
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let title = "The planning layers (vector tiles)";
    let doc = tilesets_list(&format!("{base}/tiles"), title, &base, format);
    Ok(answer(&doc, format, media::JSON, title))
}

/// WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 JSON.
fn web_mercator_quad() -> Value {
    // The world's half width in metres, and a 256-pixel tile's cell at z0.
    let half = std::f64::consts::PI * 6_378_137.0;
    let matrices: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let cell = 2.0 * half / 256.0 / f64::from(1u32 << z);
            let across = 1u64 << z;
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell / 0.00028,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-half, half],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": across,
                "matrixHeight": across,
            })
        })
        .collect();
    json!({
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "boundingBox": {"lowerLeft": [-half, -half], "upperRight": [half, half], "crs": EPSG_3857},
        "tileMatrices": matrices,
    })
}

pub async fn tile_matrix_sets(
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let doc = json!({
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": "Google Maps Compatible for the World",
            "uri": TMS_URI,
            "links": [{"rel": "self", "type": media::JSON, "title": "WebMercatorQuad", "href": format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}")}],
        }],
        "links": [{"rel": "self", "type": media::JSON, "title": "The tile matrix sets", "href": format!("{base}/tileMatrixSets")}],
    });
    Ok(answer(&doc, format, media::JSON, "Tile matrix sets"))
}

pub async fn tile_matrix_set_definition(
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    tile_matrix_set(&id, uri.path())?;
    let format = format_only(query.as_deref(), &headers)?;
    Ok(answer(
        &web_mercator_quad(),
        format,
        media::JSON,
        WEB_MERCATOR_QUAD,
    ))
}
