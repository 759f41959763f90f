//! Turning GeoJSON geometry into geo types, with the structural checks a
//! GeoJSON parser does not make: closed rings, enough positions, finite
//! numbers. Each problem names the polygon, ring and vertex it was found at.

use geo::{Coord, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use geojson::{GeometryValue, Position};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};

/// A feature's geometry, by dimension.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Polygon or MultiPolygon.
    Area(MultiPolygon),
    /// LineString or MultiLineString (e.g. ground fissures, 地裂缝).
    Lines(MultiLineString),
    /// Point or MultiPoint (e.g. boreholes, shafts).
    Points(MultiPoint),
}

/// A structural problem in a geometry's coordinates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeError {
    #[error("geometry type {found} is not accepted here; expected {expected}")]
    WrongType {
        found: String,
        expected: &'static str,
    },
    #[error(
        "polygon {part} ring {ring} has {count} positions; a ring needs at least 4 (3 distinct, then the first repeated)"
    )]
    TooFewPositions {
        part: usize,
        ring: usize,
        count: usize,
    },
    #[error("polygon {part} ring {ring} is not closed: it starts at ({}, {}) and ends at ({}, {})", .first.x, .first.y, .last.x, .last.y)]
    Unclosed {
        part: usize,
        ring: usize,
        first: Coord,
        last: Coord,
    },
    #[error(
        "part {part} ring {ring} vertex {vertex} has {len} numbers; a position needs 2 (or 3 with height)"
    )]
    BadPosition {
        part: usize,
        ring: usize,
        vertex: usize,
        len: usize,
    },
    #[error("part {part} ring {ring} vertex {vertex} is not a finite number")]
    NonFinite {
        part: usize,
        ring: usize,
        vertex: usize,
    },
    #[error("line {part} has {count} positions; a line needs at least 2")]
    LineTooShort { part: usize, count: usize },
    #[error("the geometry has no coordinates")]
    Empty,
}

impl Fault for ShapeError {
    fn slug(&self) -> &'static str {
        match self {
            Self::WrongType { .. } => "wrong-geometry-type",
            Self::TooFewPositions { .. } => "too-few-positions",
            Self::Unclosed { .. } => "unclosed-ring",
            Self::BadPosition { .. } => "bad-position",
            Self::NonFinite { .. } => "non-finite-number",
            Self::LineTooShort { .. } | Self::Empty => "empty-geometry",
        }
    }

    /// The polygon (for a line, the line as `polygon`, ring 0), the ring and
    /// where one vertex is at fault that vertex; an unclosed ring's two ends.
    fn location(&self) -> Map<String, Value> {
        match self {
            Self::TooFewPositions { part, ring, .. } => {
                members([("polygon", json!(part)), ("ring", json!(ring))])
            }
            Self::Unclosed {
                part,
                ring,
                first,
                last,
            } => members([
                ("polygon", json!(part)),
                ("ring", json!(ring)),
                ("coordinates", json!([[first.x, first.y], [last.x, last.y]])),
            ]),
            Self::BadPosition {
                part, ring, vertex, ..
            }
            | Self::NonFinite { part, ring, vertex } => members([
                ("polygon", json!(part)),
                ("ring", json!(ring)),
                ("vertex", json!(vertex)),
            ]),
            Self::LineTooShort { part, .. } => {
                members([("polygon", json!(part)), ("ring", json!(0))])
            }
            Self::WrongType { .. } | Self::Empty => Map::new(),
        }
    }
}

fn coord(p: &Position, part: usize, ring: usize, vertex: usize) -> Result<Coord, ShapeError> {
    let s = p.as_slice();
    if s.len() < 2 || s.len() > 4 {
        return Err(ShapeError::BadPosition {
            part,
            ring,
            vertex,
            len: s.len(),
        });
    }
    if !s[0].is_finite() || !s[1].is_finite() {
        return Err(ShapeError::NonFinite { part, ring, vertex });
    }
    Ok(Coord { x: s[0], y: s[1] })
}

fn ring(positions: &[Position], part: usize, ring: usize) -> Result<LineString, ShapeError> {
    let coords = positions
        .iter()
        .enumerate()
        .map(|(v, p)| coord(p, part, ring, v))
        .collect::<Result<Vec<_>, _>>()?;
    closed_ring(coords, part, ring)
}

/// A polygon ring from its positions: at least 4, closed, repeated
/// consecutive positions dropped (shared by every layer file format).
pub(crate) fn closed_ring(
    coords: Vec<Coord>,
    part: usize,
    ring: usize,
) -> Result<LineString, ShapeError> {
    if coords.len() < 4 {
        return Err(ShapeError::TooFewPositions {
            part,
            ring,
            count: coords.len(),
        });
    }
    let (first, last) = (coords[0], coords[coords.len() - 1]);
    if first != last {
        return Err(ShapeError::Unclosed {
            part,
            ring,
            first,
            last,
        });
    }
    let mut line = LineString(coords);
    // Repeated consecutive positions are harmless in GeoJSON; drop them here
    // so edge-based algorithms never see a zero-length edge.
    line.0.dedup();
    if line.0.len() < 4 {
        return Err(ShapeError::TooFewPositions {
            part,
            ring,
            count: line.0.len(),
        });
    }
    Ok(line)
}

fn polygon(rings: &[Vec<Position>], part: usize) -> Result<Polygon, ShapeError> {
    let mut rings = rings.iter().enumerate().map(|(r, p)| ring(p, part, r));
    let exterior = rings.next().ok_or(ShapeError::Empty)??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

/// Reads a Polygon or MultiPolygon.
pub fn area_from_geojson(value: &GeometryValue) -> Result<MultiPolygon, ShapeError> {
    let area = match value {
        GeometryValue::Polygon { coordinates } => MultiPolygon(vec![polygon(coordinates, 0)?]),
        GeometryValue::MultiPolygon { coordinates } => MultiPolygon(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, i))
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(ShapeError::WrongType {
                found: other.type_name().to_string(),
                expected: "Polygon or MultiPolygon",
            });
        }
    };
    if area.0.is_empty() {
        return Err(ShapeError::Empty);
    }
    Ok(area)
}

fn line(positions: &[Position], part: usize) -> Result<LineString, ShapeError> {
    let coords = positions
        .iter()
        .enumerate()
        .map(|(v, p)| coord(p, part, 0, v))
        .collect::<Result<Vec<_>, _>>()?;
    open_line(coords, part)
}

/// A line from its positions, repeated consecutive positions dropped; at least 2 remain.
pub(crate) fn open_line(coords: Vec<Coord>, part: usize) -> Result<LineString, ShapeError> {
    let count = coords.len();
    let mut line = LineString(coords);
    line.0.dedup();
    if line.0.len() < 2 {
        return Err(ShapeError::LineTooShort { part, count });
    }
    Ok(line)
}

/// Reads any geometry a layer may hold: polygons, lines or points.
pub fn shape_from_geojson(value: &GeometryValue) -> Result<Shape, ShapeError> {
    Ok(match value {
        GeometryValue::Polygon { .. } | GeometryValue::MultiPolygon { .. } => {
            Shape::Area(area_from_geojson(value)?)
        }
        GeometryValue::LineString { coordinates } => {
            Shape::Lines(MultiLineString(vec![line(coordinates, 0)?]))
        }
        GeometryValue::MultiLineString { coordinates } => Shape::Lines(MultiLineString(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, l)| line(l, i))
                .collect::<Result<_, _>>()?,
        )),
        GeometryValue::Point { coordinates } => {
            Shape::Points(MultiPoint(vec![Point(coord(coordinates, 0, 0, 0)?)]))
        }
        GeometryValue::MultiPoint { coordinates } => Shape::Points(MultiPoint(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, p)| coord(p, i, 0, 0).map(Point))
                .collect::<Result<_, _>>()?,
        )),
        GeometryValue::GeometryCollection { .. } => {
            return Err(ShapeError::WrongType {
                found: "GeometryCollection".into(),
                expected: "Polygon, MultiPolygon, LineString, MultiLineString, Point or MultiPoint",
            });
        }
    })
}

impl Shape {
    /// Every coordinate, for range checks.
    pub fn coords(&self) -> Box<dyn Iterator<Item = Coord> + '_> {
        use geo::CoordsIter;
        match self {
            Shape::Area(a) => Box::new(a.coords_iter()),
            Shape::Lines(l) => Box::new(l.coords_iter()),
            Shape::Points(p) => Box::new(p.coords_iter()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Area(_) => "polygon",
            Shape::Lines(_) => "line",
            Shape::Points(_) => "point",
        }
    }
}
