//! FlatGeobuf layer files (`.fgb`), as GDAL (`ogr2ogr -f FlatGeobuf`) and
//! QGIS write them: the format for layers of millions of features, which
//! GeoJSON makes slow to load.
//!
//! FlatGeobuf has no feature id of its own, so planmap takes it from the
//! column named `id` (integer or string): `ogr2ogr` writes a GeoJSON string id
//! as that column; for integer ids, select it into a column
//! (`-sql 'SELECT FID AS id, * FROM layer'` with `-preserve_fid`). The `id`
//! column is not repeated in the feature's properties, so a layer reads the
//! same from either format. Coordinates are longitude, latitude (CRS84 order,
//! as GDAL writes EPSG:4326 and EPSG:4490); a projected CRS is refused.
//!
//! Reading:
//! 1. check the magic bytes and read the header (columns, geometry type, CRS);
//! 2. skip the file's spatial index, if it has one (planmap builds its own);
//! 3. walk the size prefixes once to find where each feature starts;
//! 4. decode the features in parallel, straight from the file's bytes into geo
//!    types, and check them as GeoJSON features are checked.

use flatgeobuf::{ColumnType, GeometryType, Header};
use geo::{Coord, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

use super::read::{feature_from_parts, in_chunks};
use super::{Chunks, Feature, FeatureId, FeatureProblem};
use crate::geom::shape::{Shape, ShapeError, closed_ring, open_line};

/// The first bytes of a FlatGeobuf file; the fourth is the major version.
const MAGIC: [u8; 3] = *b"fgb";
/// The column that holds each feature's id.
pub const ID_COLUMN: &str = "id";
/// Bytes of one node of a FlatGeobuf spatial index (a box and an offset).
const INDEX_NODE_BYTES: usize = std::mem::size_of::<flatgeobuf::packed_r_tree::NodeItem>();

/// Why a FlatGeobuf file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FgbError {
    #[error("not a FlatGeobuf file: {0}")]
    Format(String),
    #[error(
        "CRS {0} is not longitude, latitude (EPSG:4490, EPSG:4326 or CRS84); reproject the layer first"
    )]
    Crs(String),
    #[error("geometry type {0} is not supported")]
    GeometryType(String),
    #[error(
        "has no column '{ID_COLUMN}'; FlatGeobuf has no feature id, so planmap reads it from that column"
    )]
    NoIdColumn,
    #[error("feature {index}: {reason}")]
    Feature {
        index: usize,
        reason: FeatureProblem,
    },
}

/// Whether bytes are a FlatGeobuf file rather than GeoJSON, by their first
/// three bytes: no JSON text starts with `fgb`, and a file's name may be
/// wrong or, for an upload, missing. A file that starts so and is damaged
/// further on is then refused as FlatGeobuf, saying what is wrong with it.
pub fn is_flatgeobuf(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Reads every feature of a FlatGeobuf file, checked and measured.
pub(crate) fn read_features(bytes: &[u8]) -> Result<Chunks, FgbError> {
    if bytes.len() < 12 || bytes[..3] != MAGIC || bytes[4..7] != MAGIC || bytes[3] > 3 {
        return Err(FgbError::Format("bad magic bytes".into()));
    }
    let header_len = u32_at(bytes, 8)? as usize;
    // Flatbuffers align relative to the start of the size-prefixed buffer.
    let header_bytes = bytes
        .get(8..12 + header_len)
        .ok_or_else(|| FgbError::Format("truncated header".into()))?;
    let header = flatgeobuf::size_prefixed_root_as_header(header_bytes)
        .map_err(|e| FgbError::Format(format!("header: {e}")))?;
    check_crs(&header)?;
    let columns = Columns::of(&header)?;
    // The header's feature count is the file's word, not a fact: it sizes
    // the index to skip only once the file is shown to hold that index, and
    // the list of features no further than the file's bytes allow.
    let count = header.features_count();
    let mut at = 12 + header_len;
    let node_size = header.index_node_size();
    if node_size > 0 && count > 0 {
        if node_size < 2 {
            return Err(FgbError::Format(format!(
                "index node size {node_size}; it must be 0 (no index) or at least 2"
            )));
        }
        // The index has at least one node per feature.
        if count > (bytes.len() / INDEX_NODE_BYTES) as u64 {
            return Err(FgbError::Format(format!(
                "the header counts {count} features, more than a file of {} bytes can index",
                bytes.len()
            )));
        }
        at += flatgeobuf::packed_r_tree::PackedRTree::index_size(count as usize, node_size);
        if at > bytes.len() {
            return Err(FgbError::Format(format!(
                "the spatial index of {count} features runs past the end of the file"
            )));
        }
    }
    // Each feature takes at least its 4-byte size prefix.
    let mut spans = Vec::with_capacity((count as usize).min((bytes.len() - at) / 4));
    while at < bytes.len() {
        let len = u32_at(bytes, at)? as usize;
        let end = at + 4 + len;
        if end > bytes.len() {
            return Err(FgbError::Format(format!(
                "feature {} runs past the end of the file",
                spans.len()
            )));
        }
        spans.push(at..end);
        at = end;
    }
    let kind = header.geometry_type();
    in_chunks(spans, |span| read_feature(&bytes[span], kind, &columns))
        .map_err(|(index, reason)| FgbError::Feature { index, reason })
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, FgbError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| FgbError::Format("truncated file".into()))
}

fn check_crs(header: &Header) -> Result<(), FgbError> {
    let Some(crs) = header.crs() else {
        return Ok(());
    };
    let org = crs.org().unwrap_or("EPSG");
    match (org.to_ascii_uppercase().as_str(), crs.code()) {
        (_, 0) | ("EPSG", 4326 | 4490) | ("OGC", 84) => Ok(()),
        (org, code) => Err(FgbError::Crs(format!("{org}:{code}"))),
    }
}

/// The header's columns: names and types, and which one holds the id.
struct Columns {
    names: Vec<String>,
    types: Vec<ColumnType>,
    id: usize,
}

impl Columns {
    fn of(header: &Header) -> Result<Columns, FgbError> {
        let (mut names, mut types) = (Vec::new(), Vec::new());
        for column in header.columns().iter().flatten() {
            names.push(column.name().to_string());
            types.push(column.type_());
        }
        let id = names
            .iter()
            .position(|n| n == ID_COLUMN)
            .ok_or(FgbError::NoIdColumn)?;
        Ok(Columns { names, types, id })
    }
}

fn read_feature(
    bytes: &[u8],
    kind: GeometryType,
    columns: &Columns,
) -> Result<Feature, FeatureProblem> {
    let feature = flatgeobuf::size_prefixed_root_as_feature(bytes)
        .map_err(|e| FeatureProblem::Encoding(e.to_string()))?;
    let (id, properties) = match feature.properties() {
        Some(p) => read_properties(p.bytes(), columns)?,
        None => (None, Map::new()),
    };
    let id = id.ok_or(FeatureProblem::MissingId)?;
    let geometry = feature.geometry().ok_or(FeatureProblem::NoGeometry)?;
    let kind = if kind == GeometryType::Unknown {
        geometry.type_()
    } else {
        kind
    };
    feature_from_parts(id, read_shape(&geometry, kind)?, properties)
}

fn coords(geometry: &flatgeobuf::Geometry) -> Result<Vec<Coord>, ShapeError> {
    let xy = geometry.xy().map(|v| v.bytes()).unwrap_or_default();
    let f = |b: &[u8]| f64::from_le_bytes(b.try_into().expect("8 bytes"));
    xy.chunks_exact(16)
        .enumerate()
        .map(|(vertex, c)| {
            let (x, y) = (f(&c[..8]), f(&c[8..]));
            if x.is_finite() && y.is_finite() {
                Ok(Coord { x, y })
            } else {
                Err(ShapeError::NonFinite {
                    part: 0,
                    ring: 0,
                    vertex,
                })
            }
        })
        .collect()
}

/// Splits `coords` at the geometry's ring (or line) ends; no ends, one piece.
fn pieces(geometry: &flatgeobuf::Geometry, mut coords: Vec<Coord>) -> Vec<Vec<Coord>> {
    let Some(ends) = geometry.ends().filter(|e| e.len() > 1) else {
        return vec![coords];
    };
    let mut out = Vec::with_capacity(ends.len());
    let mut taken = 0;
    for end in ends.iter().take(ends.len() - 1) {
        // Ends that go backwards leave an empty piece, which the ring or
        // line check refuses.
        let rest = coords.split_off((end as usize).saturating_sub(taken).min(coords.len()));
        taken += coords.len();
        out.push(std::mem::replace(&mut coords, rest));
    }
    out.push(coords);
    out
}

fn polygon(geometry: &flatgeobuf::Geometry, part: usize) -> Result<Polygon, ShapeError> {
    let mut rings = pieces(geometry, coords(geometry)?)
        .into_iter()
        .enumerate()
        .map(|(ring, c)| closed_ring(c, part, ring));
    let exterior = rings.next().ok_or(ShapeError::Empty)??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

fn read_shape(geometry: &flatgeobuf::Geometry, kind: GeometryType) -> Result<Shape, ShapeError> {
    let parts = || geometry.parts().into_iter().flatten().enumerate();
    Ok(match kind {
        GeometryType::Polygon => Shape::Area(MultiPolygon(vec![polygon(geometry, 0)?])),
        GeometryType::MultiPolygon => {
            let area = MultiPolygon(
                parts()
                    .map(|(i, p)| polygon(&p, i))
                    .collect::<Result<_, _>>()?,
            );
            if area.0.is_empty() {
                return Err(ShapeError::Empty);
            }
            Shape::Area(area)
        }
        GeometryType::LineString => {
            Shape::Lines(MultiLineString(vec![open_line(coords(geometry)?, 0)?]))
        }
        GeometryType::MultiLineString => Shape::Lines(MultiLineString(
            pieces(geometry, coords(geometry)?)
                .into_iter()
                .enumerate()
                .map(|(i, c)| open_line(c, i))
                .collect::<Result<Vec<LineString>, _>>()?,
        )),
        GeometryType::Point | GeometryType::MultiPoint => {
            let points: Vec<Point> = coords(geometry)?.into_iter().map(Point).collect();
            if points.is_empty() {
                return Err(ShapeError::Empty);
            }
            Shape::Points(MultiPoint(points))
        }
        other => {
            return Err(ShapeError::WrongType {
                found: other.variant_name().unwrap_or("unknown").to_string(),
                expected: "Polygon, MultiPolygon, LineString, MultiLineString, Point or MultiPoint",
            });
        }
    })
}

/// Decodes a feature's properties: a run of (column index, value) pairs.
fn read_properties(
    bytes: &[u8],
    columns: &Columns,
) -> Result<(Option<FeatureId>, Map<String, Value>), FeatureProblem> {
    let bad = |what: &str| FeatureProblem::Encoding(format!("properties: {what}"));
    let mut id = None;
    let mut properties = Map::new();
    let mut at = 0;
    // Some writers leave one trailing byte after the last value.
    while at + 1 < bytes.len() {
        let column = u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
        at += 2;
        let ty = *columns
            .types
            .get(column)
            .ok_or_else(|| bad("column index out of range"))?;
        let fixed = |n: usize| -> Result<&[u8], FeatureProblem> {
            bytes.get(at..at + n).ok_or_else(|| bad("truncated value"))
        };
        let (value, len) = match ty {
            ColumnType::Bool => (Value::Bool(fixed(1)?[0] != 0), 1),
            ColumnType::Byte => ((fixed(1)?[0] as i8).into(), 1),
            ColumnType::UByte => (fixed(1)?[0].into(), 1),
            ColumnType::Short => (i16::from_le_bytes(array(fixed(2)?)).into(), 2),
            ColumnType::UShort => (u16::from_le_bytes(array(fixed(2)?)).into(), 2),
            ColumnType::Int => (i32::from_le_bytes(array(fixed(4)?)).into(), 4),
            ColumnType::UInt => (u32::from_le_bytes(array(fixed(4)?)).into(), 4),
            ColumnType::Long => (i64::from_le_bytes(array(fixed(8)?)).into(), 8),
            ColumnType::ULong => (u64::from_le_bytes(array(fixed(8)?)).into(), 8),
            ColumnType::Float => (f32::from_le_bytes(array(fixed(4)?)).into(), 4),
            ColumnType::Double => (f64::from_le_bytes(array(fixed(8)?)).into(), 8),
            _ => {
                // String, Json, DateTime, Binary: a u32 length, then the bytes.
                let n = u32::from_le_bytes(array(fixed(4)?)) as usize;
                let raw = bytes
                    .get(at + 4..at + 4 + n)
                    .ok_or_else(|| bad("truncated value"))?;
                let text = || std::str::from_utf8(raw).map_err(|_| bad("text is not UTF-8"));
                let value = match ty {
                    ColumnType::Json => {
                        serde_json::from_str(text()?).map_err(|e| bad(&e.to_string()))?
                    }
                    ColumnType::Binary => Value::Null,
                    _ => Value::String(text()?.to_string()),
                };
                (value, 4 + n)
            }
        };
        at += len;
        if column == columns.id {
            id = Some(match value {
                Value::String(s) => FeatureId::Text(s),
                Value::Number(n) => FeatureId::Number(n),
                _ => return Err(FeatureProblem::MissingId),
            });
        } else if ty != ColumnType::Binary {
            properties.insert(columns.names[column].clone(), value);
        }
    }
    Ok((id, properties))
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().expect("length checked by the caller")
}
