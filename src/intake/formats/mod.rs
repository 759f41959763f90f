//! What reviewers actually hold: 界址点坐标 TXT exchange files and corner-point
//! lists (拐点坐标) from licences and auction notices, in Gauss-Krüger zones or
//! in degrees, minutes and seconds — read into parcels, and written back.
//! Corner tables come as CSV or .xlsx workbooks, and parcels drawn in a GIS
//! as zipped Shapefiles; the zip archives are opened within bounds.

pub mod archive;
pub mod corners;
pub mod dms;
pub mod shp;
pub mod table;
pub mod txt;
pub mod xlsx;
pub mod zone;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};
use crate::geom::crs::Crs;
pub use zone::GkZone;

/// A parcel (地块) read from a coordinate file, in its CRS's authority axis order.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    /// 地块编号, or the parcel's position (1, 2, …) when the file gives none.
    pub id: String,
    /// 地块名称.
    pub name: Option<String>,
    /// 地块面积 as declared in the file, in hectares.
    pub declared_area_ha: Option<f64>,
    /// First the exterior, then the holes; each closed.
    pub rings: Vec<LineString>,
    /// Further polygons of the parcel, when a file gives one parcel in
    /// several parts (a Shapefile record with several outer rings).
    pub parts: Vec<Polygon>,
    /// The file's attributes of the parcel (a Shapefile's .dbf fields).
    pub attributes: Map<String, Value>,
}

impl Parcel {
    /// A parcel of one polygon, without attributes.
    pub fn of_rings(id: String, rings: Vec<LineString>) -> Parcel {
        Parcel {
            id,
            name: None,
            declared_area_ha: None,
            rings,
            parts: Vec::new(),
            attributes: Map::new(),
        }
    }

    pub fn polygon(&self) -> Polygon {
        let mut rings = self.rings.iter().cloned();
        let exterior = rings.next().unwrap_or_else(|| LineString(vec![]));
        Polygon::new(exterior, rings.collect())
    }

    /// The parcel's polygon and its further parts.
    pub fn area(&self) -> MultiPolygon {
        MultiPolygon(
            std::iter::once(self.polygon())
                .chain(self.parts.iter().cloned())
                .collect(),
        )
    }
}

/// Parcels read from one file, and the CRS their coordinates are in.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcels {
    pub crs: Crs,
    pub parcels: Vec<Parcel>,
}

impl Parcels {
    pub fn area(&self) -> MultiPolygon {
        MultiPolygon(self.parcels.iter().flat_map(|p| p.area().0).collect())
    }
}

/// Why a coordinate file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error(
        "line {line}: X and Y look swapped: X should be the northing (7 digits) and Y the easting (8 digits with the zone in front, or 6 without); got X = {x}, Y = {y}"
    )]
    Swapped { line: usize, x: f64, y: f64 },
    #[error(
        "line {line}: the easting {y} carries zone {prefix}, but the file declares zone {declared}"
    )]
    ZoneMismatch {
        line: usize,
        y: f64,
        prefix: u32,
        declared: u32,
    },
    #[error("line {line}: points of one parcel are in different zones ({first} and {other})")]
    MixedZones { line: usize, first: u32, other: u32 },
    #[error(
        "the zone is unknown: eastings carry no zone number and none is declared (give 带号 in the file, or the zone parameter)"
    )]
    UnknownZone,
    #[error("{0} is not a CGCS2000 Gauss-Krüger zone")]
    NoSuchZone(String),
    #[error("parcel {parcel} ring {ring} is not closed: it starts at ({}, {}) and ends at ({}, {})", .first.x, .first.y, .last.x, .last.y)]
    Unclosed {
        parcel: String,
        ring: usize,
        first: Coord,
        last: Coord,
    },
    #[error(
        "parcel {parcel} ring {ring} has {count} points; a ring needs at least 3 distinct points and the first repeated"
    )]
    TooFewPoints {
        parcel: String,
        ring: usize,
        count: usize,
    },
    #[error("no coordinates found")]
    Empty,
    #[error("not {what}: {reason}")]
    Unreadable { what: &'static str, reason: String },
    #[error("the archive {reason}; the limit is {limit} {unit}")]
    ArchiveLimit {
        reason: String,
        limit: u64,
        unit: &'static str,
    },
    /// A table's fault in one sheet of a workbook, where lines are rows.
    #[error("sheet {sheet}: {}", .error.to_string().replacen("line ", "row ", 1))]
    InSheet {
        sheet: String,
        error: Box<FormatError>,
    },
    #[error("{reason}: {}", .members.join(", "))]
    Members {
        reason: String,
        members: Vec<String>,
    },
    #[error("record {record}: {reason}")]
    Record { record: usize, reason: String },
    #[error(
        "the Shapefile holds {0} shapes; a candidate is an area: save it as Polygon (or PolygonZ, PolygonM)"
    )]
    ShapeType(String),
    #[error(
        "the archive has no .prj, so the CRS of its coordinates is unknown: add the .prj the Shapefile was saved with, or give the crs parameter (such as crs=EPSG:4527 for CGCS2000 3-degree Gauss-Krüger zone 39)"
    )]
    NoCrs,
    #[error("the .prj cannot be used: {0}")]
    BadPrj(String),
    #[error(
        "the archive's .prj gives the CRS ({prj}); leave out the crs parameter, which is for a Shapefile without one"
    )]
    CrsTwice { prj: String },
}

impl Fault for FormatError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Swapped { .. } => "axes-swapped",
            Self::ZoneMismatch { .. } | Self::MixedZones { .. } => "zone-mismatch",
            Self::UnknownZone | Self::NoSuchZone(_) => "unknown-zone",
            Self::Unclosed { .. } => "unclosed-ring",
            Self::TooFewPoints { .. } => "too-few-positions",
            Self::Line { .. }
            | Self::Empty
            | Self::Unreadable { .. }
            | Self::ArchiveLimit { .. }
            | Self::Members { .. }
            | Self::Record { .. }
            | Self::ShapeType(_) => "bad-coordinate-file",
            Self::InSheet { error, .. } => error.slug(),
            Self::NoCrs | Self::BadPrj(_) => "unknown-crs",
            Self::CrsTwice { .. } => "invalid-parameter",
        }
    }

    /// The line of the file, or the parcel and ring (with an unclosed
    /// ring's two ends) where the fault is only seen once a ring is read.
    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Line { line, .. }
            | Self::Swapped { line, .. }
            | Self::ZoneMismatch { line, .. }
            | Self::MixedZones { line, .. } => members([("line", json!(line))]),
            Self::Unclosed {
                parcel,
                ring,
                first,
                last,
            } => members([
                ("parcel", json!(parcel)),
                ("ring", json!(ring)),
                ("coordinates", json!([[first.x, first.y], [last.x, last.y]])),
            ]),
            Self::TooFewPoints { parcel, ring, .. } => {
                members([("parcel", json!(parcel)), ("ring", json!(ring))])
            }
            Self::ArchiveLimit { limit, unit, .. } => {
                members([(format!("limit_{unit}").as_str(), json!(limit))])
            }
            // A sheet's lines are its rows, and said so.
            Self::InSheet { sheet, error } => {
                let mut at = members([("sheet", json!(sheet))]);
                for (k, v) in error.location() {
                    at.insert(if k == "line" { "row".into() } else { k }, v);
                }
                at
            }
            Self::Members { members: names, .. } => members([("members", json!(names))]),
            Self::Record { record, .. } => members([("record", json!(record))]),
            Self::ShapeType(shape_type) => members([("shape_type", json!(shape_type))]),
            Self::CrsTwice { .. } => members([("parameter", json!("crs"))]),
            Self::UnknownZone
            | Self::NoSuchZone(_)
            | Self::Empty
            | Self::Unreadable { .. }
            | Self::NoCrs
            | Self::BadPrj(_) => Map::new(),
        }
    }
}

/// Where Gauss-Krüger coordinates sit: checks a point is a plausible
/// (northing, easting) pair for China and returns the zone its easting names.
fn check_projected(
    line: usize,
    x: f64,
    y: f64,
    declared: Option<GkZone>,
) -> Result<Option<GkZone>, FormatError> {
    if !(x.is_finite() && y.is_finite()) {
        return Err(FormatError::Line {
            line,
            reason: format!("X = {x}, Y = {y}: coordinates must be finite numbers"),
        });
    }
    let digits = |v: f64| (v.abs().max(1.0)).log10().floor() as u32 + 1;
    // China lies between about 2,000 km and 6,000 km north of the equator.
    let northing_like = (1_000_000.0..10_000_000.0).contains(&x);
    if digits(x) == 8 && digits(y) <= 7 || (digits(x) <= 6 && digits(y) == 7) {
        return Err(FormatError::Swapped { line, x, y });
    }
    if !northing_like {
        return Err(FormatError::Line {
            line,
            reason: format!("X = {x} is not a northing in China (7 digits, metres)"),
        });
    }
    match (
        GkZone::from_prefixed_easting(y, declared.map(|z| z.width)),
        declared,
    ) {
        (Some(z), Some(d)) if d.number != z.number => Err(FormatError::ZoneMismatch {
            line,
            y,
            prefix: z.number,
            declared: d.number,
        }),
        (Some(z), _) => Ok(Some(z)),
        (None, d) if digits(y) <= 6 => Ok(d.map(|d| GkZone {
            prefixed: false,
            ..d
        })),
        (None, _) => Err(FormatError::Line {
            line,
            reason: format!(
                "Y = {y} is neither a zone-prefixed easting (8 digits) nor a plain one (6 digits)"
            ),
        }),
    }
}

/// Closes the book on one ring: at least three distinct points, first repeated last.
pub(crate) fn finish_ring(
    parcel: &str,
    ring: usize,
    points: Vec<Coord>,
) -> Result<LineString, FormatError> {
    let mut points = points;
    points.dedup();
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return Err(FormatError::TooFewPoints {
            parcel: parcel.to_string(),
            ring,
            count: 0,
        });
    };
    if first != last {
        return Err(FormatError::Unclosed {
            parcel: parcel.to_string(),
            ring,
            first,
            last,
        });
    }
    if points.len() < 4 {
        return Err(FormatError::TooFewPoints {
            parcel: parcel.to_string(),
            ring,
            count: points.len(),
        });
    }
    Ok(LineString(points))
}

/// The CRS of Gauss-Krüger parcels, from the zone their points named.
fn projected_crs(zone: Option<GkZone>) -> Result<Crs, FormatError> {
    zone.map(|z| Crs::Epsg(z.epsg()))
        .ok_or(FormatError::UnknownZone)
}
