//! Vector tiles through real HTTP on loopback: their metadata (OGC API –
//! Tiles, TileJSON 3.0.0, the tile matrix set), their MVT 2.1 structure
//! (read with the protobuf types alone, runnable anywhere), the features
//! each tile holds and where, decoded by GDAL's independent MVT driver and
//! compared with the shapely/pyproj oracle (`tests/oracle/oracle_tiles.py`,
//! needs `ogrinfo`: skipped with a reason when it is missing, unless
//! `PLANMAP_CLIENT_TESTS=1`), caching, gzip, the caps of a big layer, and
//! the problems bad addresses get.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::Command;
use std::sync::Arc;

use common::*;
use geozero::mvt::{Message, Tile, tile};
use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::{Catalog, Layer, LayerEntry};
use planmap::layer::{Feature, FeatureId, LayerData, OnOverlap};
use serde_json::Value;

const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/collections-selection",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
];
const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";

async fn server_on(fixtures: &str) -> String {
    let catalog = Arc::new(Catalog::load(&repo().join(fixtures)).expect("fixtures load"));
    spawn_server(AppState::new(catalog, ApiLimits::default())).await
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

async fn get_with(url: &str, headers: &[(&str, &str)]) -> Got {
    let mut request = reqwest::Client::new().get(url);
    for (n, v) in headers {
        request = request.header(*n, *v);
    }
    let response = request.send().await.unwrap();
    Got {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

async fn get(url: &str) -> Got {
    get_with(url, &[]).await
}

/// The value of a feature's attribute, as text.
fn attribute(layer: &tile::Layer, feature: &tile::Feature, key: &str) -> Option<String> {
    feature.tags.chunks(2).find_map(|kv| {
        (layer.keys[kv[0] as usize] == key).then(|| {
            let v = &layer.values[kv[1] as usize];
            v.string_value
                .clone()
                .or(v.double_value.map(|d| d.to_string()))
                .or(v.sint_value.map(|i| i.to_string()))
                .or(v.int_value.map(|i| i.to_string()))
                .or(v.uint_value.map(|i| i.to_string()))
                .or(v.bool_value.map(|b| b.to_string()))
                .unwrap_or_default()
        })
    })
}

/// A feature's geometry commands read back into runs of grid points: for
/// polygons each ring closed by its ClosePath, for lines each piece.
fn runs_of(geometry: &[u32]) -> Vec<Vec<(i64, i64)>> {
    let zig = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
    let (mut x, mut y) = (0i64, 0i64);
    let mut runs: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut i = 0;
    while i < geometry.len() {
        let (command, count) = (geometry[i] & 7, geometry[i] >> 3);
        i += 1;
        match command {
            1 | 2 => {
                for _ in 0..count {
                    x += zig(geometry[i]);
                    y += zig(geometry[i + 1]);
                    i += 2;
                    if command == 1 {
                        runs.push(vec![]);
                    }
                    runs.last_mut().unwrap().push((x, y));
                }
            }
            7 => {
                let first = runs.last().unwrap()[0];
                runs.last_mut().unwrap().push(first);
            }
            other => panic!("command {other} is not MVT"),
        }
    }
    runs
}

/// Twice the area of a closed run by MVT 2.1's formula.
fn twice_area(ring: &[(i64, i64)]) -> i64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

fn decode(bytes: &[u8]) -> Tile {
    Tile::decode(bytes).expect("the tile is an MVT protobuf")
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_the_landing_page_and_the_collections_point_to_the_tiles() {
    let base = server_on("tests/fixtures/layers").await;
    let declared = get(&format!("{base}/conformance")).await.json();
    for class in CONFORMANCE {
        assert!(
            declared["conformsTo"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == class),
            "{class} is not declared"
        );
    }
    let landing = get(&format!("{base}/")).await.json();
    let to_tiles = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == TILESETS_VECTOR)
        .expect("the landing page links the tilesets");
    assert_eq!(to_tiles["href"], format!("{base}/tiles"));
    let collection = get(&format!("{base}/collections/ecological_redline"))
        .await
        .json();
    assert!(
        collection["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == TILESETS_VECTOR
                && l["href"] == format!("{base}/collections/ecological_redline/tiles")),
        "{collection}"
    );
    let tilesets = get(&format!("{base}/collections/ecological_redline/tiles")).await;
    assert_eq!(tilesets.status, 200);
    let tileset = &tilesets.json()["tilesets"][0];
    assert_eq!(tileset["dataType"], "vector");
    assert_eq!(tileset["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let dataset = get(&format!("{base}/tiles")).await.json();
    assert_eq!(dataset["tilesets"][0]["dataType"], "vector");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tile_matrix_set_is_web_mercator_quad_from_matrix_0_to_24() {
    let base = server_on("tests/fixtures/layers").await;
    let list = get(&format!("{base}/tileMatrixSets")).await.json();
    assert_eq!(list["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    let tms = get(&format!("{base}/tileMatrixSets/WebMercatorQuad"))
        .await
        .json();
    assert_eq!(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let matrices = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(matrices.len(), 25);
    assert_eq!(matrices[0]["id"], "0");
    assert_eq!(matrices[0]["matrixWidth"], 1);
    assert!((matrices[0]["cellSize"].as_f64().unwrap() - 156_543.033_928_041).abs() < 1e-6);
    assert_eq!(matrices[24]["matrixHeight"], 1u64 << 24);
    assert_eq!(matrices[3]["cornerOfOrigin"], "topLeft");
    let other = get(&format!("{base}/tileMatrixSets/WorldCRS84Quad")).await;
    assert_eq!(other.status, 404);
    assert_eq!(other.header("content-type"), "application/problem+json");
}

#[tokio::test(flavor = "multi_thread")]
async fn tileset_metadata_links_a_templated_tile_url_carrying_the_revision() {
    let base = server_on("tests/fixtures/layers").await;
    let url = format!("{base}/collections/ecological_redline/tiles/WebMercatorQuad");
    let meta = get(&url).await.json();
    assert_eq!(meta["dataType"], "vector");
    assert_eq!(meta["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    assert_eq!(
        meta["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let revision = get(&format!("{base}/collections/ecological_redline"))
        .await
        .json()["planmap:revision"]
        .as_str()
        .unwrap()
        .to_string();
    let item = meta["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .expect("a link to the tiles");
    assert_eq!(item["templated"], true);
    assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(
        item["href"],
        format!("{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?v={revision}")
    );
    let layers = meta["layers"].as_array().unwrap();
    assert_eq!(layers[0]["id"], "ecological_redline");
    let fields = &layers[0]["propertiesSchema"]["properties"];
    for name in ["id", "name", "on_overlap"] {
        assert_eq!(fields[name]["type"], "string", "{name} in {fields}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tilejson_gives_absolute_xyz_tiles_bounds_zooms_and_each_layers_fields() {
    let base = server_on("tests/fixtures/ogc_layers").await;
    let tj = get(&format!("{base}/tiles/WebMercatorQuad?f=tilejson")).await;
    assert_eq!(tj.status, 200);
    let tj = tj.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["minzoom"], 0);
    assert_eq!(tj["maxzoom"], 24);
    let template = tj["tiles"][0].as_str().unwrap();
    assert!(
        template.starts_with(&format!(
            "{base}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}?v="
        )),
        "{template}"
    );
    let bounds: Vec<f64> = tj["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        bounds[0] > 112.0 && bounds[2] < 113.5 && bounds[1] > 36.0 && bounds[3] < 37.0,
        "{bounds:?}"
    );
    let layers: BTreeMap<String, Value> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].as_str().unwrap().to_string(), l.clone()))
        .collect();
    let ids: BTreeSet<&str> = layers.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        BTreeSet::from(["boreholes", "ground_fissures", "mining_rights"])
    );
    let boreholes = &layers["boreholes"];
    assert_eq!(boreholes["fields"]["depth_m"], "Number");
    assert_eq!(boreholes["fields"]["name"], "String");
    assert_eq!(boreholes["minzoom"], 0);
    assert_eq!(boreholes["maxzoom"], 24);
    // The template, filled in as a map client does, answers a tile.
    let one = template
        .replace("{z}", "0")
        .replace("{y}", "0")
        .replace("{x}", "0");
    let tile = get(&one).await;
    assert_eq!(tile.status, 200);
    assert_eq!(
        tile.header("content-type"),
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(
        tile.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    // A collection's TileJSON too.
    let one = get(&format!(
        "{base}/collections/boreholes/tiles/WebMercatorQuad?f=tilejson"
    ))
    .await
    .json();
    assert_eq!(one["vector_layers"][0]["id"], "boreholes");
    assert!(
        one["tiles"][0]
            .as_str()
            .unwrap()
            .contains("/collections/boreholes/tiles/WebMercatorQuad/{z}/{y}/{x}?v=")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tile_is_mvt_2_with_extent_4096_attributes_and_rings_wound_as_the_spec_says() {
    let base = server_on("tests/fixtures/layers").await;
    // The z12 tile over the red line RL-1 whose buffer holds RL-1's hole whole.
    let got = get(&format!("{base}/tiles/WebMercatorQuad/12/1603/3330")).await;
    assert_eq!(got.status, 200);
    let tile = decode(&got.bytes);
    let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["ecological_redline", "prohibited_zones"],
        "in catalog order, the empty left out"
    );
    let mut holes = 0;
    for layer in &tile.layers {
        assert_eq!(layer.version, 2);
        assert_eq!(layer.extent, Some(4096));
        for feature in &layer.features {
            assert_eq!(feature.r#type, Some(tile::GeomType::Polygon as i32));
            assert!(attribute(layer, feature, "id").is_some());
            assert!(attribute(layer, feature, "on_overlap").is_some());
            let runs = runs_of(&feature.geometry);
            assert!(
                twice_area(&runs[0]) > 0,
                "a polygon starts with an exterior"
            );
            for ring in &runs {
                assert!(ring.len() >= 4 && ring.first() == ring.last());
                let distinct: BTreeSet<_> = ring.iter().collect();
                assert!(distinct.len() >= 3, "a degenerate ring was kept");
                assert!(twice_area(ring) != 0);
                holes += usize::from(twice_area(ring) < 0);
                for &(x, y) in ring {
                    assert!(
                        (-64..=4160).contains(&x) && (-64..=4160).contains(&y),
                        "({x}, {y}) is beyond the buffer"
                    );
                }
            }
        }
    }
    assert!(holes >= 1, "RL-1's hole is in this tile, wound negative");
    let redline = &tile.layers[0];
    let rl1 = redline
        .features
        .iter()
        .find(|f| attribute(redline, f, "id").as_deref() == Some("RL-1"))
        .expect("RL-1 is drawn");
    assert_eq!(
        attribute(redline, rl1, "on_overlap").as_deref(),
        Some("reject")
    );
    assert_eq!(
        attribute(redline, rl1, "geometry_source").as_deref(),
        Some("illustrative")
    );
    assert!(
        attribute(redline, rl1, "name")
            .unwrap()
            .contains("生态保护红线")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_and_points_are_drawn_with_their_own_types_and_a_far_tile_is_empty() {
    let base = server_on("tests/fixtures/ogc_layers").await;
    let tile = decode(
        &get(&format!("{base}/tiles/WebMercatorQuad/9/200/416"))
            .await
            .bytes,
    );
    let kind = |name: &str| {
        let layer = tile.layers.iter().find(|l| l.name == name).unwrap();
        layer.features[0].r#type
    };
    assert_eq!(
        kind("ground_fissures"),
        Some(tile::GeomType::Linestring as i32)
    );
    assert_eq!(kind("boreholes"), Some(tile::GeomType::Point as i32));
    assert_eq!(kind("mining_rights"), Some(tile::GeomType::Polygon as i32));
    // Only points survive at z0: the polygons and lines are under 8 units.
    let world = decode(
        &get(&format!("{base}/tiles/WebMercatorQuad/0/0/0"))
            .await
            .bytes,
    );
    let names: Vec<&str> = world.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["boreholes"]);
    let far = get(&format!("{base}/tiles/WebMercatorQuad/5/3/3")).await;
    assert_eq!(far.status, 200);
    assert!(decode(&far.bytes).layers.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn collections_chooses_the_layers_of_a_dataset_tile_and_an_unknown_one_is_named() {
    let base = server_on("tests/fixtures/layers").await;
    let url = format!("{base}/tiles/WebMercatorQuad/9/200/416");
    let chosen = decode(
        &get(&format!(
            "{url}?collections=energy_bases,ecological_redline"
        ))
        .await
        .bytes,
    );
    let names: Vec<&str> = chosen.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["ecological_redline", "energy_bases"],
        "in catalog order"
    );
    let refused = get(&format!("{url}?collections=energy_bases,no_such_layer")).await;
    assert_eq!(refused.status, 400);
    let problem = refused.json();
    assert_eq!(
        problem["type"].as_str().unwrap().rsplit('/').next(),
        Some("unknown-layer")
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no_such_layer"),
        "{problem}"
    );
    let tj = get(&format!(
        "{base}/tiles/WebMercatorQuad?collections=energy_bases&f=tilejson"
    ))
    .await
    .json();
    assert_eq!(tj["vector_layers"].as_array().unwrap().len(), 1);
    assert!(
        tj["tiles"][0]
            .as_str()
            .unwrap()
            .contains("collections=energy_bases")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tile_addresses_get_problems_that_say_what_is_wrong() {
    let base = server_on("tests/fixtures/layers").await;
    let tiles = format!("{base}/collections/ecological_redline/tiles/WebMercatorQuad");
    let cases: &[(&str, u16, &str, &str)] = &[
        ("/25/0/0", 400, "tileMatrix", "24"),
        (
            "/99999999999999999999999/0/0",
            400,
            "tileMatrix",
            "whole number",
        ),
        ("/3/8/0", 400, "tileRow", "0 to 7"),
        ("/3/0/8", 400, "tileCol", "0 to 7"),
        ("/a/0/0", 400, "tileMatrix", "whole number"),
        ("/3/1.5/0", 400, "tileRow", "whole number"),
        ("/3/0/-1", 400, "tileCol", "whole number"),
        ("/3/0/0?f=png", 400, "f", "mvt"),
        ("/3/0/0?bbox=1,2,3,4", 400, "", "bbox"),
    ];
    for (path, status, name, says) in cases {
        let got = get(&format!("{tiles}{path}")).await;
        assert_eq!(got.status, *status, "{path}: {}", got.json());
        assert_eq!(
            got.header("content-type"),
            "application/problem+json",
            "{path}"
        );
        let detail = got.json()["detail"].as_str().unwrap().to_string();
        assert!(
            detail.contains(name) && detail.contains(says),
            "{path}: {detail}"
        );
    }
    for path in [
        format!("{base}/collections/ecological_redline/tiles/WorldCRS84Quad/0/0/0"),
        format!("{base}/collections/no_such_layer/tiles/WebMercatorQuad/0/0/0"),
        format!("{base}/collections/no_such_layer/tiles"),
        format!("{base}/tiles/WorldCRS84Quad/0/0/0"),
        format!("{base}/tiles/WorldCRS84Quad"),
    ] {
        let got = get(&path).await;
        assert_eq!(got.status, 404, "{path}");
        assert_eq!(
            got.header("content-type"),
            "application/problem+json",
            "{path}"
        );
    }
    let dataset = get(&format!("{base}/tiles/WebMercatorQuad/30/0/0")).await;
    assert_eq!(dataset.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tile_is_tagged_answers_304_to_its_tag_and_is_immutable_with_its_revision() {
    let base = server_on("tests/fixtures/layers").await;
    let url = format!("{base}/collections/ecological_redline/tiles/WebMercatorQuad/9/200/416");
    let first = get(&url).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("cache-control"), "public, max-age=60");
    let tag = first.header("etag");
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    let again = get_with(&url, &[("if-none-match", &tag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let other = get(&format!(
        "{base}/collections/ecological_redline/tiles/WebMercatorQuad/9/200/415"
    ))
    .await;
    assert_ne!(other.header("etag"), tag, "another tile has another tag");
    let revision = get(&format!("{base}/collections/ecological_redline"))
        .await
        .json()["planmap:revision"]
        .as_str()
        .unwrap()
        .to_string();
    let current = get(&format!("{url}?v={revision}")).await;
    assert_eq!(
        current.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(current.header("etag"), tag);
    assert_eq!(current.bytes, first.bytes);
    let stale = get(&format!("{url}?v=0000")).await;
    assert_eq!(stale.header("cache-control"), "public, max-age=60");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tile_is_gzipped_for_a_client_that_accepts_it() {
    let base = server_on("tests/fixtures/layers").await;
    let url = format!("{base}/tiles/WebMercatorQuad/12/1605/3332");
    let plain = get(&url).await;
    let zipped = get_with(&url, &[("accept-encoding", "gzip")]).await;
    assert_eq!(zipped.header("content-encoding"), "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.bytes.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.bytes);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_tiles_route() {
    let base = server_on("tests/fixtures/layers").await;
    let doc = get(&format!("{base}/api")).await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
        "/tileMatrixSets",
        "/tileMatrixSets/{tileMatrixSetId}",
        "/tiles",
        "/tiles/{tileMatrixSetId}",
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
        "/collections/{collectionId}/tiles",
        "/collections/{collectionId}/tiles/{tileMatrixSetId}",
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is not in /api"
        );
    }
}

/// A layer of `count` one-degree squares over China, numbered from 1.
fn big_layer(count: usize) -> Layer {
    let features = (0..count)
        .map(|i| {
            let x = 75.0 + (i % 500) as f64 * 0.1;
            let y = 20.0 + (i / 500) as f64 * 0.05;
            let ring = geo::LineString::from(vec![
                (x, y),
                (x + 1.0, y),
                (x + 1.0, y + 1.0),
                (x, y + 1.0),
                (x, y),
            ]);
            let polygon = geo::Polygon::new(ring, vec![]);
            Feature {
                id: FeatureId::Number((i as u64 + 1).into()),
                name: Some(format!("parcel {i}")),
                properties: Default::default(),
                bbox: geo::BoundingRect::bounding_rect(&polygon).unwrap(),
                shape: planmap::geom::shape::Shape::Area(geo::MultiPolygon(vec![polygon])),
                measure: 1.0,
            }
        })
        .collect();
    Layer {
        entry: LayerEntry {
            id: "parcels".into(),
            title: "parcels".into(),
            file: "parcels.geojson".into(),
            on_overlap: OnOverlap::Info,
            rule: "test".into(),
            roles: vec![],
            title_en: None,
            source: None,
            region: None,
            description: None,
            facts: Default::default(),
            buffer_m: None,
            buffer_rule: None,
            on_expired: None,
            depth_aware: false,
        },
        data: LayerData::from_features(features, "big".into()).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_world_tile_of_a_big_layer_stays_under_its_caps_keeping_the_largest() {
    let catalog = Catalog {
        dir: repo(),
        layers: vec![Arc::new(big_layer(60_000))],
    };
    let base = spawn_server(AppState::new(Arc::new(catalog), ApiLimits::default())).await;
    let got = get(&format!("{base}/tiles/WebMercatorQuad/0/0/0")).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes.len() <= 500 * 1024, "{} bytes", got.bytes.len());
    let count = got.header("planmap-tile-features");
    assert!(
        count.contains("over-limit=") && !count.contains("over-limit=0"),
        "{count}"
    );
    let tile = decode(&got.bytes);
    assert!(!tile.layers[0].features.is_empty() && tile.layers[0].features.len() <= 50_000);
}

/// A feature as GDAL read it: its box on the tile's grid and, for polygons,
/// its area there (exteriors less holes).
#[derive(Debug, Clone, Copy)]
struct GdalFeature {
    bbox: [f64; 4],
    area: f64,
}

/// The area of a WKT polygon or multipolygon given as grid points: the rings
/// at the deepest parentheses, the first of each polygon its exterior.
fn wkt_area(wkt: &str, to_grid: impl Fn(f64, f64) -> (f64, f64)) -> f64 {
    let ring_depth = if wkt.starts_with("MULTIPOLYGON") {
        3
    } else {
        2
    };
    let (mut depth, mut area, mut first_of_polygon) = (0, 0.0, true);
    let mut text = String::new();
    for c in wkt.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth == ring_depth - 1 {
                    first_of_polygon = true;
                }
                text.clear();
            }
            ')' => {
                if depth == ring_depth {
                    let points: Vec<(f64, f64)> = text
                        .split(',')
                        .map(|p| {
                            let mut xy = p.split_whitespace().map(|v| v.parse::<f64>().unwrap());
                            to_grid(xy.next().unwrap(), xy.next().unwrap())
                        })
                        .collect();
                    let ring: f64 = points
                        .windows(2)
                        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                        .sum::<f64>()
                        / 2.0;
                    area += if first_of_polygon {
                        ring.abs()
                    } else {
                        -ring.abs()
                    };
                    first_of_polygon = false;
                }
                depth -= 1;
            }
            _ if depth == ring_depth => text.push(c),
            _ => {}
        }
    }
    area
}

/// A tile's features as GDAL's MVT driver reads them: layer → id → box on
/// the tile's grid (from the EPSG:3857 coordinates it reprojects to) and area.
fn read_with_gdal(
    bytes: &[u8],
    z: u32,
    row: u32,
    col: u32,
) -> BTreeMap<String, BTreeMap<String, GdalFeature>> {
    let path = std::env::temp_dir().join(format!(
        "planmap-tile-{}-{z}-{row}-{col}.mvt",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q", "-oo", "CLIP=NO"])
        .args([
            "-oo",
            &format!("X={col}"),
            "-oo",
            &format!("Y={row}"),
            "-oo",
            &format!("Z={z}"),
        ])
        .arg(&path)
        .output()
        .expect("ogrinfo runs");
    std::fs::remove_file(&path).ok();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "ogrinfo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let half = std::f64::consts::PI * 6_378_137.0;
    let n = f64::from(1u32 << z);
    let to_grid = |x: f64, y: f64| {
        (
            (x + half) / (2.0 * half) * n * 4096.0 - f64::from(col) * 4096.0,
            (half - y) / (2.0 * half) * n * 4096.0 - f64::from(row) * 4096.0,
        )
    };
    let mut layers: BTreeMap<String, BTreeMap<String, GdalFeature>> = BTreeMap::new();
    let (mut layer, mut id) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("OGRFeature(") {
            layer = rest.split(')').next().unwrap().to_string();
        } else if let Some(v) = line
            .trim()
            .strip_prefix("id (")
            .and_then(|r| r.split_once(") = "))
        {
            id = v.1.to_string();
        } else if line.starts_with("  ")
            && line
                .trim_start()
                .starts_with(|c: char| c.is_ascii_uppercase())
            && line.contains('(')
        {
            let numbers: Vec<f64> = line
                .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
                .filter_map(|s| s.parse().ok())
                .collect();
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for xy in numbers.chunks(2) {
                let (gx, gy) = to_grid(xy[0], xy[1]);
                b = [b[0].min(gx), b[1].min(gy), b[2].max(gx), b[3].max(gy)];
            }
            let wkt = line.trim();
            let area = if wkt.contains("POLYGON") {
                wkt_area(wkt, to_grid)
            } else {
                0.0
            };
            layers
                .entry(layer.clone())
                .or_default()
                .insert(id.clone(), GdalFeature { bbox: b, area });
        }
    }
    layers
}

#[tokio::test(flavor = "multi_thread")]
async fn every_tile_holds_the_features_the_oracle_expects_where_it_expects_them() {
    let has_gdal = Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_gdal {
        assert!(
            std::env::var("PLANMAP_CLIENT_TESTS").as_deref() != Ok("1"),
            "ogrinfo (GDAL) is not installed but PLANMAP_CLIENT_TESTS=1; run tests/clients/install.sh"
        );
        println!("skipped: ogrinfo (GDAL's MVT driver) not installed");
        return;
    }
    let (mut compared, mut areas) = (0, 0);
    for set in ["layers", "ogc_layers"] {
        let expected = read_json(&repo().join(format!("tests/oracle/expected_tiles/{set}.json")));
        let base = server_on(&format!("tests/fixtures/{set}")).await;
        for t in expected["tiles"].as_array().unwrap() {
            let (z, row, col) = (
                t["z"].as_u64().unwrap() as u32,
                t["row"].as_u64().unwrap() as u32,
                t["col"].as_u64().unwrap() as u32,
            );
            let got = get(&format!("{base}/tiles/WebMercatorQuad/{z}/{row}/{col}")).await;
            assert_eq!(got.status, 200);
            let any_expected = t["layers"]
                .as_object()
                .unwrap()
                .values()
                .any(|l| !l["features"].as_object().unwrap().is_empty());
            let decoded = if got.bytes.is_empty() {
                assert!(
                    !any_expected,
                    "{set} {z}/{row}/{col} is empty but should not be"
                );
                BTreeMap::new()
            } else {
                read_with_gdal(&got.bytes, z, row, col)
            };
            for (layer, want) in t["layers"].as_object().unwrap() {
                let have = decoded.get(layer).cloned().unwrap_or_default();
                let borderline: BTreeSet<String> = want["borderline"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                let wanted: BTreeSet<String> = want["features"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect();
                let held: BTreeSet<String> = have
                    .keys()
                    .filter(|id| !borderline.contains(*id))
                    .cloned()
                    .collect();
                assert_eq!(held, wanted, "{set} {z}/{row}/{col} layer {layer}");
                for (id, f) in want["features"].as_object().unwrap() {
                    let b: Vec<f64> = f["bbox"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_f64().unwrap())
                        .collect();
                    let read = have[id];
                    let got_box = read.bbox;
                    if let (Some(area), Some(perimeter)) =
                        (f["area"].as_f64(), f["perimeter"].as_f64())
                    {
                        // Each vertex moves at most half a unit each way when snapped.
                        let slack = 0.71 * perimeter + 2.0;
                        assert!(
                            (read.area - area).abs() <= slack,
                            "{set} {z}/{row}/{col} {layer} {id}: area {}, oracle {area} (± {slack})",
                            read.area
                        );
                        areas += 1;
                    }
                    for k in 0..4 {
                        assert!(
                            (got_box[k] - b[k]).abs() <= 0.5 + 1e-3,
                            "{set} {z}/{row}/{col} {layer} {id}: box {got_box:?}, oracle {b:?}"
                        );
                    }
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 40, "only {compared} features compared");
    assert!(areas >= 30, "only {areas} areas compared");
}
