//! Vector tiles (MVT 2.1) of layers on the WebMercatorQuad tile matrix set.
//!
//! Drawing one tile of one layer:
//! 1. the tile's box, widened by the 64-pixel buffer, in longitude/latitude
//!    probes the layer's R-tree ([`LayerData::hits`]), so the work follows
//!    the features that meet the tile, not the layer's size;
//! 2. features whose Web Mercator box is under [`MIN_SIZE`] grid units both
//!    wide and high are left out (they would draw as less than a pixel), and
//!    the rest are ordered largest first, so that the caps keep the largest;
//! 3. each vertex is projected to the tile's grid (extent 4096, y down),
//!    polygon rings are cut to the buffered tile (Sutherland–Hodgman), lines
//!    into the pieces inside it, points outside it dropped;
//! 4. coordinates are snapped to the integer grid and repeats removed (which
//!    is the simplification: detail under a grid unit goes), rings left with
//!    fewer than three distinct points or no area dropped, exteriors wound
//!    with positive area and holes negative, as MVT 2.1 says;
//! 5. the feature goes into the tile's layer with `id`, `name`,
//!    `on_overlap` and the layer's scalar attributes, until the tile holds
//!    [`MAX_FEATURES`] features or [`MAX_TILE_BYTES`] bytes.

use geo::{Coord, Rect};
use geozero::mvt::{Message, MvtWriter, Tile, tile};
use geozero::{ColumnValue, FeatureProcessor, GeomProcessor, PropertyProcessor};
use serde_json::Value;

use crate::deadline::{Deadline, DeadlineExceeded};
use crate::geom::clip::{clip_line, clip_ring};
use crate::layer::catalog::Layer;
use crate::layer::{FeatureId, LayerData};

/// The tile's grid: 4096 units a side.
pub const EXTENT: u32 = 4096;
/// How far past the tile's edge geometry is kept, in grid units (64 of a
/// 4096 grid), so that strokes at the seams join.
pub const BUFFER: f64 = 64.0;
/// The deepest tile matrix served.
pub const MAX_ZOOM: u32 = 24;
/// The latitude where WebMercatorQuad's square world ends.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// Features smaller than this many grid units both wide and high are left
/// out: one pixel of a tile drawn 512 pixels wide.
pub const MIN_SIZE: f64 = 8.0;
/// The most features one tile draws, all its layers together.
pub const MAX_FEATURES: usize = 50_000;
/// The most bytes one tile's features and attributes may take (before gzip).
pub const MAX_TILE_BYTES: usize = 500 * 1024;

/// A tile of WebMercatorQuad: its matrix (zoom), row (from the north) and
/// column (from the antimeridian, eastwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileAddress {
    pub zoom: u32,
    pub row: u32,
    pub col: u32,
}

/// Why a tile address names no tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("tile matrix {0} is not in WebMercatorQuad: use 0 to {MAX_ZOOM} (the maxzoom)")]
    Zoom(u64),
    #[error("tile row {row} is not in tile matrix {zoom}: its rows are 0 to {last}")]
    Row { row: u64, zoom: u32, last: u64 },
    #[error("tile column {col} is not in tile matrix {zoom}: its columns are 0 to {last}")]
    Col { col: u64, zoom: u32, last: u64 },
}

impl TileAddress {
    /// The tile at `zoom`/`row`/`col`, if WebMercatorQuad has it.
    pub fn new(zoom: u64, row: u64, col: u64) -> Result<TileAddress, AddressError> {
        if zoom > u64::from(MAX_ZOOM) {
            return Err(AddressError::Zoom(zoom));
        }
        let zoom = zoom as u32;
        let last = (1u64 << zoom) - 1;
        if row > last {
            return Err(AddressError::Row { row, zoom, last });
        }
        if col > last {
            return Err(AddressError::Col { col, zoom, last });
        }
        Ok(TileAddress {
            zoom,
            row: row as u32,
            col: col as u32,
        })
    }

    fn tiles_across(&self) -> f64 {
        f64::from(1u32 << self.zoom)
    }

    /// Where a longitude/latitude falls on this tile's grid (y down).
    pub fn grid(&self, c: Coord) -> Coord {
        let (u, v) = mercator_unit(c);
        let n = self.tiles_across();
        let e = f64::from(EXTENT);
        Coord {
            x: (u * n - f64::from(self.col)) * e,
            y: (v * n - f64::from(self.row)) * e,
        }
    }

    /// The longitude/latitude of a point of this tile's grid.
    pub fn lonlat(&self, g: Coord) -> Coord {
        let n = self.tiles_across();
        let e = f64::from(EXTENT);
        let u = (f64::from(self.col) + g.x / e) / n;
        let v = (f64::from(self.row) + g.y / e) / n;
        Coord {
            x: u * 360.0 - 180.0,
            y: (std::f64::consts::PI * (1.0 - 2.0 * v))
                .sinh()
                .atan()
                .to_degrees(),
        }
    }

    /// The tile widened by `margin` grid units, in longitude/latitude.
    pub fn lonlat_box(&self, margin: f64) -> Rect {
        let e = f64::from(EXTENT);
        let north_west = self.lonlat(Coord {
            x: -margin,
            y: -margin,
        });
        let south_east = self.lonlat(Coord {
            x: e + margin,
            y: e + margin,
        });
        Rect::new(north_west, south_east)
    }
}

/// Longitude/latitude on the unit square of Web Mercator: x east from the
/// antimeridian, y south from the top of the world (latitude clamped to it).
pub fn mercator_unit(c: Coord) -> (f64, f64) {
    let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let u = (c.x + 180.0) / 360.0;
    let v = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    (u, v)
}

/// What went into a tile and what was left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TileCount {
    /// Features drawn.
    pub drawn: usize,
    /// Features under [`MIN_SIZE`] in the tile, left out.
    pub too_small: usize,
    /// Features left out because the tile was full ([`MAX_FEATURES`] or
    /// [`MAX_TILE_BYTES`]): the smallest of those that meet it.
    pub over_limit: usize,
}

/// Why a tile could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error(transparent)]
    Deadline(#[from] DeadlineExceeded),
    #[error("the tile could not be encoded: {0}")]
    Encoding(String),
}

impl From<geozero::error::GeozeroError> for TileError {
    fn from(e: geozero::error::GeozeroError) -> Self {
        TileError::Encoding(e.to_string())
    }
}

/// One tile of `layers`, one MVT layer each (named by the layer id, left out
/// when nothing of it is drawn), encoded as protobuf.
pub fn draw(layers: &[&Layer], at: TileAddress) -> Result<(Vec<u8>, TileCount), TileError> {
    let mut room = Room {
        features: MAX_FEATURES,
        bytes: MAX_TILE_BYTES,
    };
    let mut count = TileCount::default();
    let mut tile = Tile::default();
    for layer in layers {
        let drawn = draw_layer(layer, at, &mut room, &mut count)?;
        if !drawn.features.is_empty() {
            tile.layers.push(drawn);
        }
    }
    Ok((tile.encode_to_vec(), count))
}

/// What is left of a tile's caps.
struct Room {
    features: usize,
    bytes: usize,
}

fn draw_layer(
    layer: &Layer,
    at: TileAddress,
    room: &mut Room,
    count: &mut TileCount,
) -> Result<tile::Layer, TileError> {
    let data: &LayerData = &layer.data;
    let table = &data.features;
    let reach = at.lonlat_box(BUFFER);
    let deadline = Deadline::current();
    // Each feature that meets the tile with the larger side of its box on
    // the tile's grid, to leave out the tiny and keep the largest.
    let mut meeting: Vec<(usize, f64)> = Vec::new();
    for (n, i) in data.hits(reach.min(), reach.max()).enumerate() {
        if n % 4096 == 0 {
            deadline.check()?;
        }
        let b = table.bbox(i);
        let (a, z) = (at.grid(b.min()), at.grid(b.max()));
        let (w, h) = ((z.x - a.x).abs(), (z.y - a.y).abs());
        if !table.is_points(i) && w < MIN_SIZE && h < MIN_SIZE {
            count.too_small += 1;
            continue;
        }
        meeting.push((i, w.max(h)));
    }
    meeting.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    let grid_box = Rect::new(
        Coord {
            x: -BUFFER,
            y: -BUFFER,
        },
        Coord {
            x: f64::from(EXTENT) + BUFFER,
            y: f64::from(EXTENT) + BUFFER,
        },
    );
    let mut writer = MvtWriter::new_unscaled(EXTENT)?;
    let mut ids: Vec<Option<u64>> = Vec::new();
    for (n, &(i, _)) in meeting.iter().enumerate() {
        if n % 1024 == 0 {
            deadline.check()?;
        }
        if room.features == 0 {
            count.over_limit += meeting.len() - n;
            break;
        }
        let view = table.view(i);
        let shape = if view.is_area() {
            Drawing::Area(
                view.parts()
                    .filter_map(|rings| polygon_on_grid(rings, at, grid_box))
                    .collect(),
            )
        } else if view.is_points() {
            Drawing::Points(
                view.coords()
                    .iter()
                    .map(|c| at.grid(*c))
                    .filter(|g| inside(grid_box, *g))
                    .map(snap)
                    .collect(),
            )
        } else {
            Drawing::Lines(
                view.parts()
                    .flatten()
                    .flat_map(|line| lines_on_grid(line, at, grid_box))
                    .collect(),
            )
        };
        if shape.is_empty() {
            continue;
        }
        let properties = attributes(layer, i);
        writer.feature_begin(n as u64)?;
        writer.properties_begin()?;
        let mut bytes = 0;
        for (k, (name, value)) in properties.iter().enumerate() {
            // As if every key and value were new to the layer's tables: the
            // cap holds whatever they share.
            bytes += name.len() + value_bytes(value) + 8;
            writer.property(k, name, &value.as_column())?;
        }
        writer.properties_end()?;
        writer.geometry_begin()?;
        shape.write(&mut writer)?;
        writer.geometry_end()?;
        bytes += writer.geometry().encoded_len() + 4;
        if bytes > room.bytes {
            count.over_limit += meeting.len() - n;
            break;
        }
        writer.feature_end(n as u64)?;
        room.bytes -= bytes;
        room.features -= 1;
        count.drawn += 1;
        ids.push(match table.id(i) {
            FeatureId::Number(number) => number.as_u64(),
            FeatureId::Text(_) => None,
        });
    }
    let mut drawn = writer.layer(&layer.entry.id);
    for (feature, id) in drawn.features.iter_mut().zip(ids) {
        feature.id = id;
    }
    Ok(drawn)
}

/// A feature's geometry on the tile's grid, in integer units.
enum Drawing {
    /// Polygons, each exterior first, rings closed.
    Area(Vec<Vec<Vec<(i32, i32)>>>),
    Lines(Vec<Vec<(i32, i32)>>),
    Points(Vec<(i32, i32)>),
}

impl Drawing {
    fn is_empty(&self) -> bool {
        match self {
            Drawing::Area(p) => p.is_empty(),
            Drawing::Lines(l) => l.is_empty(),
            Drawing::Points(p) => p.is_empty(),
        }
    }

    fn write(&self, w: &mut MvtWriter) -> geozero::error::Result<()> {
        let xy = |w: &mut MvtWriter, run: &[(i32, i32)]| {
            run.iter()
                .enumerate()
                .try_for_each(|(k, &(x, y))| w.xy(f64::from(x), f64::from(y), k))
        };
        match self {
            Drawing::Area(polygons) => {
                w.multipolygon_begin(polygons.len(), 0)?;
                for (p, rings) in polygons.iter().enumerate() {
                    w.polygon_begin(false, rings.len(), p)?;
                    for (r, ring) in rings.iter().enumerate() {
                        w.linestring_begin(false, ring.len(), r)?;
                        xy(w, ring)?;
                        w.linestring_end(false, r)?;
                    }
                    w.polygon_end(false, p)?;
                }
                w.multipolygon_end(0)
            }
            Drawing::Lines(lines) => {
                w.multilinestring_begin(lines.len(), 0)?;
                for (l, line) in lines.iter().enumerate() {
                    w.linestring_begin(false, line.len(), l)?;
                    xy(w, line)?;
                    w.linestring_end(false, l)?;
                }
                w.multilinestring_end(0)
            }
            Drawing::Points(points) => {
                w.multipoint_begin(points.len(), 0)?;
                xy(w, points)?;
                w.multipoint_end(0)
            }
        }
    }
}

/// Whether a point is in the box, edges included.
fn inside(b: Rect, g: Coord) -> bool {
    (b.min().x..=b.max().x).contains(&g.x) && (b.min().y..=b.max().y).contains(&g.y)
}

fn snap(g: Coord) -> (i32, i32) {
    (g.x.round() as i32, g.y.round() as i32)
}

/// One polygon cut to the buffered tile and snapped: `None` when its
/// exterior does not survive; holes that do not are dropped alone.
fn polygon_on_grid<'a>(
    rings: impl Iterator<Item = &'a [Coord]>,
    at: TileAddress,
    grid_box: Rect,
) -> Option<Vec<Vec<(i32, i32)>>> {
    let mut out = Vec::new();
    for (r, ring) in rings.enumerate() {
        let projected = geo::LineString(ring.iter().map(|c| at.grid(*c)).collect());
        let cut = clip_ring(&projected, grid_box);
        let mut snapped: Vec<(i32, i32)> = cut.0.iter().map(|g| snap(*g)).collect();
        snapped.dedup();
        let area = twice_area(&snapped);
        let distinct = snapped.len().saturating_sub(1);
        if distinct < 3 || area == 0 {
            if r == 0 {
                return None;
            }
            continue;
        }
        // MVT 2.1: exteriors of positive area by its formula (clockwise on
        // a y-down grid), holes negative.
        if (r == 0) != (area > 0) {
            snapped.reverse();
        }
        out.push(snapped);
    }
    Some(out)
}

/// A line's pieces inside the buffered tile, snapped, each with two
/// distinct points at least.
fn lines_on_grid(line: &[Coord], at: TileAddress, grid_box: Rect) -> Vec<Vec<(i32, i32)>> {
    let projected: Vec<Coord> = line.iter().map(|c| at.grid(*c)).collect();
    clip_line(&projected, grid_box)
        .into_iter()
        .map(|piece| {
            let mut snapped: Vec<(i32, i32)> = piece.into_iter().map(snap).collect();
            snapped.dedup();
            snapped
        })
        .filter(|piece| piece.len() >= 2)
        .collect()
}

/// Twice the signed area of a closed ring by the MVT spec's sum, x_i·y_{i+1}
/// − x_{i+1}·y_i: positive when clockwise on the y-down grid.
fn twice_area(ring: &[(i32, i32)]) -> i64 {
    ring.windows(2)
        .map(|w| i64::from(w[0].0) * i64::from(w[1].1) - i64::from(w[1].0) * i64::from(w[0].1))
        .sum()
}

/// An attribute value a tile can carry.
enum Scalar {
    Text(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn as_column(&self) -> ColumnValue<'_> {
        match self {
            Scalar::Text(s) => ColumnValue::String(s),
            Scalar::Int(i) => ColumnValue::Long(*i),
            Scalar::Uint(u) => ColumnValue::ULong(*u),
            Scalar::Float(f) => ColumnValue::Double(*f),
            Scalar::Bool(b) => ColumnValue::Bool(*b),
        }
    }

    fn of(value: &Value) -> Option<Scalar> {
        Some(match value {
            Value::String(s) => Scalar::Text(s.clone()),
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Scalar::Int(i),
                (None, Some(u), _) => Scalar::Uint(u),
                (None, None, Some(f)) => Scalar::Float(f),
                _ => return None,
            },
            // Nested objects and arrays, and nulls, have no MVT value.
            _ => return None,
        })
    }
}

fn value_bytes(value: &Scalar) -> usize {
    match value {
        Scalar::Text(s) => s.len(),
        _ => 10,
    }
}

/// The attributes a tile gives a feature: `id`, `name` and `on_overlap`
/// first, then the layer's own scalar properties (not overriding those).
fn attributes(layer: &Layer, i: usize) -> Vec<(String, Scalar)> {
    let table = &layer.data.features;
    let mut out = vec![(
        "id".to_string(),
        match table.id(i) {
            FeatureId::Number(n) => Scalar::of(&Value::Number(n)).unwrap_or(Scalar::Int(0)),
            FeatureId::Text(t) => Scalar::Text(t),
        },
    )];
    if let Some(name) = table.name(i) {
        out.push(("name".into(), Scalar::Text(name.to_string())));
    }
    out.push((
        "on_overlap".into(),
        Scalar::Text(
            serde_json::to_value(layer.entry.on_overlap)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ),
    ));
    for (name, value) in table.properties(i) {
        if matches!(name.as_str(), "id" | "name" | "on_overlap") {
            continue;
        }
        if let Some(scalar) = Scalar::of(&value) {
            out.push((name, scalar));
        }
    }
    out
}

/// The attribute names and MVT/TileJSON types a layer's tiles carry.
pub fn fields(layer: &Layer) -> Vec<(String, &'static str)> {
    let table = &layer.data.features;
    let numeric_ids = (0..table.len()).all(|i| table.id_is_numeric(i));
    let mut out = vec![
        (
            "id".to_string(),
            if numeric_ids && !table.is_empty() {
                "Number"
            } else {
                "String"
            },
        ),
        ("name".to_string(), "String"),
        ("on_overlap".to_string(), "String"),
    ];
    for (name, schema) in &layer.data.queryables().properties {
        if matches!(name.as_str(), "id" | "name" | "on_overlap") {
            continue;
        }
        let kind = match schema["type"].as_str() {
            Some("integer" | "number") => "Number",
            Some("boolean") => "Boolean",
            Some("string") => "String",
            _ => continue,
        };
        out.push((name.clone(), kind));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_falls_on_the_tile_grid_where_pyproj_puts_it() {
        // Beijing (116.39, 39.91) by pyproj's EPSG:3857: z10 column
        // 843.064888888889, row 387.99902188691146.
        let at = TileAddress::new(10, 387, 843).unwrap();
        let g = at.grid(Coord {
            x: 116.39,
            y: 39.91,
        });
        assert!((g.x - 265.784_888_889).abs() < 1e-5, "{g:?}");
        assert!((g.y - 4_091.993_648_789).abs() < 1e-5, "{g:?}");
    }

    #[test]
    fn a_grid_point_goes_back_to_where_it_came_from() {
        let at = TileAddress::new(12, 1571, 3329).unwrap();
        let c = Coord {
            x: 112.65,
            y: 36.33,
        };
        let back = at.lonlat(at.grid(c));
        assert!((back.x - c.x).abs() < 1e-9 && (back.y - c.y).abs() < 1e-9);
    }

    #[test]
    fn addresses_outside_the_matrix_set_are_refused_with_its_range() {
        assert!(matches!(
            TileAddress::new(25, 0, 0),
            Err(AddressError::Zoom(25))
        ));
        assert!(matches!(
            TileAddress::new(2, 4, 0),
            Err(AddressError::Row { last: 3, .. })
        ));
        assert!(matches!(
            TileAddress::new(2, 0, 4),
            Err(AddressError::Col { last: 3, .. })
        ));
        assert!(TileAddress::new(24, (1 << 24) - 1, 0).is_ok());
    }

    #[test]
    fn exteriors_are_wound_positive_and_holes_negative_on_the_grid() {
        let at = TileAddress::new(0, 0, 0).unwrap();
        let ring = |w: f64, s: f64, e: f64, n: f64| {
            vec![
                Coord { x: w, y: s },
                Coord { x: e, y: s },
                Coord { x: e, y: n },
                Coord { x: w, y: n },
                Coord { x: w, y: s },
            ]
        };
        let outer = ring(-90.0, -45.0, 90.0, 45.0);
        let hole = ring(-10.0, -10.0, 10.0, 10.0);
        let grid_box = Rect::new(
            Coord { x: -64.0, y: -64.0 },
            Coord {
                x: 4160.0,
                y: 4160.0,
            },
        );
        let rings = [outer.as_slice(), hole.as_slice()];
        let polygon = polygon_on_grid(rings.into_iter(), at, grid_box).unwrap();
        assert!(twice_area(&polygon[0]) > 0);
        assert!(twice_area(&polygon[1]) < 0);
    }

    #[test]
    fn a_ring_that_snaps_to_less_than_three_points_is_dropped() {
        let at = TileAddress::new(0, 0, 0).unwrap();
        let tiny = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 0.001, y: 0.0 },
            Coord { x: 0.001, y: 0.001 },
            Coord { x: 0.0, y: 0.0 },
        ];
        let grid_box = Rect::new(
            Coord { x: -64.0, y: -64.0 },
            Coord {
                x: 4160.0,
                y: 4160.0,
            },
        );
        assert!(polygon_on_grid([tiny.as_slice()].into_iter(), at, grid_box).is_none());
    }
}
