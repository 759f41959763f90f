//! A candidate block submitted for checking: GeoJSON in any supported CRS,
//! brought to CRS84 and validated.

use geo::{Coord, CoordsIter, LineString, MapCoordsInPlace, MultiPolygon, Polygon};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};
use crate::geom::crs::{self, Crs, CrsError, CrsInfo};
use crate::geom::shape::{ShapeError, area_from_geojson};
use crate::geom::validate::{InvalidGeometry, check_multipolygon};

/// How far outside a CRS's published area of use a coordinate may lie, in
/// degrees. A block straddling a Gauss-Krüger zone edge is often given in one
/// zone, so a little beyond the zone must be accepted.
pub const AREA_OF_USE_MARGIN_DEG: f64 = 1.0;

/// Limits on what one candidate may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_vertices: usize,
    /// Widest and tallest a candidate's box may be, in degrees. The default
    /// takes a province (Shanxi's box is about 4.4° by 6.1°); a mining
    /// block is a few kilometres across.
    pub max_extent_deg: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_vertices: 100_000,
            max_extent_deg: 15.0,
        }
    }
}

impl Limits {
    /// No limits: for submissions read back from the store, which were
    /// checked against the limits in force when they were stored.
    pub fn none() -> Limits {
        Limits {
            max_vertices: usize::MAX,
            max_extent_deg: f64::INFINITY,
        }
    }
}

/// Something planmap noticed and acted on without refusing the candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

/// A validated candidate in CRS84.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub area: MultiPolygon,
    /// Vertices as submitted, without each ring's closing repeat.
    pub vertices: usize,
    pub crs: Crs,
    pub warnings: Vec<Warning>,
}

/// Why a candidate was refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CandidateError {
    #[error("the body is not a GeoJSON Geometry or Feature: {0}")]
    NotGeoJson(String),
    #[error("the Feature has no geometry")]
    NoGeometry,
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error("the candidate has {count} vertices; the limit is {limit}")]
    TooManyVertices { count: usize, limit: usize },
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error("polygon {part} ring {ring} vertex {vertex} ({}, {}) is outside the area of use of {crs} ({area}), read as {axes}; {}", .given.x, .given.y, if *.fits_swapped {
        "it would fit with its axes swapped, but the other vertices would not: this vertex alone seems to be given the other way round"
    } else {
        "nor does it fit with the axes swapped"
    })]
    OutsideAreaOfUse {
        crs: Crs,
        axes: String,
        area: String,
        part: usize,
        ring: usize,
        vertex: usize,
        given: Coord,
        /// The vertex alone would fit read the other way round.
        fits_swapped: bool,
    },
    #[error("invalid polygon: {0}")]
    Invalid(#[from] InvalidGeometry),
    #[error(
        "the candidate spans {width:.4}° of longitude by {height:.4}° of latitude; the limit is {limit}° either way"
    )]
    TooLarge { width: f64, height: f64, limit: f64 },
    #[error(
        "polygon {part} ring {ring}: the edge from vertex {vertex} runs {span:.4}° in longitude, so it would cross the antimeridian; planmap checks areas within one hemisphere of longitude (split the candidate at 180°)"
    )]
    CrossesAntimeridian {
        part: usize,
        ring: usize,
        vertex: usize,
        span: f64,
    },
    #[error(
        "polygon {part} ring {ring} vertex {vertex} lies on a pole, where longitude and so the 1′ block grid are undefined"
    )]
    OnPole {
        part: usize,
        ring: usize,
        vertex: usize,
    },
}

impl Fault for CandidateError {
    fn slug(&self) -> &'static str {
        match self {
            Self::NotGeoJson(_) => "not-geojson",
            Self::NoGeometry => "no-geometry",
            Self::Shape(e) => e.slug(),
            Self::TooManyVertices { .. } => "too-many-vertices",
            Self::Crs(e) => e.slug(),
            Self::OutsideAreaOfUse { .. } => "outside-area-of-use",
            Self::Invalid(e) => e.slug(),
            Self::TooLarge { .. } => "candidate-too-large",
            Self::CrossesAntimeridian { .. } => "crosses-antimeridian",
            Self::OnPole { .. } => "on-pole",
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::NotGeoJson(_) | Self::NoGeometry => Map::new(),
            Self::Shape(e) => e.location(),
            Self::TooManyVertices { count, limit } => {
                members([("vertices", json!(count)), ("limit_vertices", json!(limit))])
            }
            Self::Crs(e) => e.location(),
            Self::OutsideAreaOfUse {
                part,
                ring,
                vertex,
                given,
                ..
            } => members([
                ("polygon", json!(part)),
                ("ring", json!(ring)),
                ("vertex", json!(vertex)),
                ("coordinates", json!([given.x, given.y])),
            ]),
            Self::Invalid(e) => {
                let mut m = e.location();
                // Validity is checked after reprojection, so a point where it
                // fails is in CRS84 whatever CRS the candidate came in.
                if m.contains_key("coordinates") {
                    m.insert("coordinates_crs".into(), json!("CRS84"));
                }
                m
            }
            Self::TooLarge {
                width,
                height,
                limit,
            } => members([
                ("width_deg", json!(width)),
                ("height_deg", json!(height)),
                ("limit_deg", json!(limit)),
            ]),
            Self::CrossesAntimeridian {
                part, ring, vertex, ..
            }
            | Self::OnPole { part, ring, vertex } => members([
                ("polygon", json!(part)),
                ("ring", json!(ring)),
                ("vertex", json!(vertex)),
            ]),
        }
    }
}

/// Reads a candidate from a parsed JSON body whose coordinates are in `crs`'s
/// authority axis order.
pub fn read_candidate(
    body: &serde_json::Value,
    crs: Crs,
    limits: Limits,
) -> Result<Candidate, CandidateError> {
    let value = geometry_value(body)?;
    candidate_from_area(area_from_geojson(&value)?, crs, limits)
}

/// Makes a candidate from polygons whose coordinates are in `crs`'s authority
/// axis order (rings already closed, as `shape` and `formats` leave them).
pub fn candidate_from_area(
    area: MultiPolygon,
    crs: Crs,
    limits: Limits,
) -> Result<Candidate, CandidateError> {
    let mut area = area;
    let vertices: usize = area
        .0
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.len().saturating_sub(1))
                .sum::<usize>()
        })
        .sum();
    if vertices > limits.max_vertices {
        return Err(CandidateError::TooManyVertices {
            count: vertices,
            limit: limits.max_vertices,
        });
    }
    let info = crs::describe(crs)?;
    let mut warnings = Vec::new();
    match to_crs84_checked(&area, crs, &info)? {
        Ok(lon_lat) => area = lon_lat,
        Err(first_bad) => {
            let mut swapped = area.clone();
            swapped.map_coords_in_place(|c| Coord { x: c.y, y: c.x });
            match to_crs84_checked(&swapped, crs, &info)? {
                Ok(lon_lat) => {
                    warnings.push(Warning {
                        code: "axis_order_swapped",
                        message: format!(
                            "{crs} takes coordinates as ({}); these only make sense the other way round, so planmap read them swapped",
                            info.axis_order_words()
                        ),
                    });
                    area = lon_lat;
                }
                Err(_) => {
                    let mut first_bad = first_bad;
                    if let CandidateError::OutsideAreaOfUse {
                        given,
                        fits_swapped,
                        ..
                    } = &mut first_bad
                    {
                        let one = MultiPolygon(vec![Polygon::new(
                            LineString(vec![Coord {
                                x: given.y,
                                y: given.x,
                            }]),
                            vec![],
                        )]);
                        *fits_swapped = matches!(to_crs84_checked(&one, crs, &info), Ok(Ok(_)));
                    }
                    return Err(first_bad);
                }
            }
        }
    }
    check_extent(&area, limits)?;
    check_multipolygon(&area)?;
    Ok(Candidate {
        area,
        vertices,
        crs,
        warnings,
    })
}

/// Refuses what the area and the block grid would read differently: an edge
/// the geodesic takes across the antimeridian while the box runs the other
/// way round, a vertex on a pole, and a candidate wider or taller than the
/// limit (whose blocks no plan asks for).
fn check_extent(area: &MultiPolygon, limits: Limits) -> Result<(), CandidateError> {
    for (part, polygon) in area.0.iter().enumerate() {
        for (ring, r) in std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
        {
            for (vertex, pair) in r.0.windows(2).enumerate() {
                let span = (pair[1].x - pair[0].x).abs();
                if span > 180.0 {
                    return Err(CandidateError::CrossesAntimeridian {
                        part,
                        ring,
                        vertex,
                        span,
                    });
                }
            }
            if let Some(vertex) = r.0.iter().position(|c| c.y.abs() >= 90.0) {
                return Err(CandidateError::OnPole { part, ring, vertex });
            }
        }
    }
    if let Some(bbox) = geo::BoundingRect::bounding_rect(area) {
        let (width, height) = (bbox.width(), bbox.height());
        if width > limits.max_extent_deg || height > limits.max_extent_deg {
            return Err(CandidateError::TooLarge {
                width,
                height,
                limit: limits.max_extent_deg,
            });
        }
    }
    Ok(())
}

fn geometry_value(body: &serde_json::Value) -> Result<geojson::GeometryValue, CandidateError> {
    use serde_json::Value;
    let found = match body {
        Value::Object(_) => None,
        Value::Null => Some("null"),
        Value::Bool(_) => Some("a boolean"),
        Value::Number(_) => Some("a number"),
        Value::String(_) => Some("a string"),
        Value::Array(_) => Some("an array"),
    };
    if let Some(found) = found {
        return Err(CandidateError::NotGeoJson(format!(
            "the body is {found}, not a JSON object"
        )));
    }
    let kind = body.get("type").and_then(|t| t.as_str());
    let geometry = match kind {
        Some("Feature") => match body.get("geometry") {
            None | Some(serde_json::Value::Null) => return Err(CandidateError::NoGeometry),
            Some(g) => g,
        },
        Some("FeatureCollection") => {
            return Err(ShapeError::WrongType {
                found: "FeatureCollection".into(),
                expected: "a Polygon or MultiPolygon geometry, or a Feature holding one",
            }
            .into());
        }
        Some(_) => body,
        None => {
            return Err(CandidateError::NotGeoJson(
                "there is no \"type\" member".into(),
            ));
        }
    };
    let geometry: geojson::Geometry = serde_json::from_value(geometry.clone())
        .map_err(|e| CandidateError::NotGeoJson(e.to_string()))?;
    Ok(geometry.value)
}

/// Converts to CRS84 and checks every coordinate against the CRS's area of
/// use; the outer error is a CRS problem, the inner one the first coordinate
/// that does not fit.
fn to_crs84_checked(
    area: &MultiPolygon,
    crs: Crs,
    info: &CrsInfo,
) -> Result<Result<MultiPolygon, CandidateError>, CrsError> {
    let mut coords: Vec<Coord> = area.coords_iter().collect();
    crs::to_crs84(crs, &mut coords)?;
    let [w, s, e, n] = info.area_of_use.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let m = if crs == Crs::Crs84 {
        0.0
    } else {
        AREA_OF_USE_MARGIN_DEG
    };
    let fits = |c: &Coord| {
        c.x.is_finite()
            && c.y.is_finite()
            && (-180.0..=180.0).contains(&c.x)
            && (-90.0..=90.0).contains(&c.y)
            && c.x >= w - m
            && c.x <= e + m
            && c.y >= s - m
            && c.y <= n + m
    };
    if let Some(bad) = coords.iter().position(|c| !fits(c)) {
        let (part, ring, vertex) = locate(area, bad);
        let given = area.coords_iter().nth(bad).unwrap_or_default();
        return Ok(Err(CandidateError::OutsideAreaOfUse {
            crs,
            axes: info.axis_order_words(),
            area: format!("longitude {w}..{e}, latitude {s}..{n}"),
            part,
            ring,
            vertex,
            given,
            fits_swapped: false,
        }));
    }
    let mut it = coords.into_iter();
    let mut ring =
        |r: &LineString| LineString(r.0.iter().map(|_| it.next().unwrap_or_default()).collect());
    let out = area
        .0
        .iter()
        .map(|p| {
            let exterior = ring(p.exterior());
            Polygon::new(exterior, p.interiors().iter().map(&mut ring).collect())
        })
        .collect();
    Ok(Ok(MultiPolygon(out)))
}

/// Part, ring and vertex of the n-th coordinate in `coords_iter` order.
fn locate(area: &MultiPolygon, mut n: usize) -> (usize, usize, usize) {
    for (part, p) in area.0.iter().enumerate() {
        for (ring, r) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            if n < r.0.len() {
                return (part, ring, n);
            }
            n -= r.0.len();
        }
    }
    (0, 0, 0)
}
