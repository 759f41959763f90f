//! Coordinate reference systems: parsing CRS identifiers and reprojecting
//! candidate coordinates to CRS84 (longitude, latitude) with PROJ.
//!
//! Coordinates arrive in the *authority* axis order of their CRS (EPSG:4490 is
//! latitude, longitude; EPSG:4526 is northing, easting), so transformations
//! are built with `proj_create_crs_to_crs` without axis normalisation.
//! `proj::Proj` is neither `Send` nor `Sync`: each thread keeps its own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use geo::Coord;
use proj::Proj;

use crate::fault::Fault;

/// A coordinate reference system planmap accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// OGC CRS84: WGS 84 / CGCS2000-compatible longitude, latitude (GeoJSON's order).
    Crs84,
    /// A CRS from the EPSG register, in its authority axis order.
    Epsg(u32),
}

/// What went wrong with a CRS identifier.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CrsError {
    #[error(
        "'{0}' is not a CRS identifier planmap understands; use EPSG:NNNN, http://www.opengis.net/def/crs/EPSG/0/NNNN, urn:ogc:def:crs:EPSG::NNNN or CRS84"
    )]
    Unrecognised(String),
    #[error("EPSG:{0} is not a CRS known to PROJ")]
    UnknownCode(u32),
    #[error("EPSG:{code} is not supported: {reason}")]
    Unsupported { code: u32, reason: String },
}

impl Fault for CrsError {
    fn slug(&self) -> &'static str {
        "unsupported-crs"
    }
}

const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

impl Crs {
    /// Parses `EPSG:4490`, the OGC http URI, the OGC URN, or CRS84 in any of its spellings.
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let lower = lower
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let crs84_spellings = [
            "crs84",
            "ogc:crs84",
            "www.opengis.net/def/crs/ogc/1.3/crs84",
            "urn:ogc:def:crs:ogc:1.3:crs84",
            "urn:ogc:def:crs:ogc::crs84",
        ];
        if crs84_spellings.contains(&lower) {
            return Ok(Crs::Crs84);
        }
        let code = if let Some(rest) = lower.strip_prefix("epsg:") {
            rest
        } else if let Some(rest) = lower.strip_prefix("www.opengis.net/def/crs/epsg/") {
            // version segment: usually 0
            rest.split_once('/').map(|(_, code)| code).unwrap_or("")
        } else if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
            // urn:ogc:def:crs:EPSG:{version}:{code}, the version often empty
            rest.rsplit_once(':').map(|(_, code)| code).unwrap_or("")
        } else {
            return Err(CrsError::Unrecognised(t.to_string()));
        };
        let code: u32 = code
            .parse()
            .map_err(|_| CrsError::Unrecognised(t.to_string()))?;
        // EPSG:4326 stays the EPSG CRS, latitude first; CRS84 is its lon/lat twin.
        Ok(Crs::Epsg(code))
    }

    /// The OGC http URI of this CRS.
    pub fn uri(&self) -> String {
        match self {
            Crs::Crs84 => CRS84_URI.to_string(),
            Crs::Epsg(code) => format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::Crs84 => f.write_str("CRS84"),
            Crs::Epsg(code) => write!(f, "EPSG:{code}"),
        }
    }
}

/// Facts about a CRS that do not need PROJ once known.
#[derive(Debug, Clone)]
pub struct CrsInfo {
    pub name: String,
    /// Axis abbreviations in authority order, e.g. ["Lat", "Lon"] or ["X", "Y"].
    pub axes: Vec<String>,
    /// Axis directions in authority order, e.g. ["north", "east"].
    pub directions: Vec<String>,
    pub geographic: bool,
    /// Area of use in degrees: west, south, east, north.
    pub area_of_use: Option<[f64; 4]>,
}

impl CrsInfo {
    /// Whether the first axis points north (latitude or northing first).
    pub fn north_first(&self) -> bool {
        self.directions.first().map(String::as_str) == Some("north")
    }

    /// "latitude, longitude" or "northing, easting" — for messages.
    pub fn axis_order_words(&self) -> String {
        let word = |d: &str| match (d, self.geographic) {
            ("north", true) => "latitude",
            ("east", true) => "longitude",
            ("north", false) => "northing",
            ("east", false) => "easting",
            _ => "?",
        };
        self.directions
            .iter()
            .map(|d| word(d))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

struct Transforms {
    to_crs84: Proj,
    from_crs84: Proj,
}

thread_local! {
    static TRANSFORMS: RefCell<HashMap<u32, Rc<Transforms>>> = RefCell::new(HashMap::new());
}

/// What `describe` found for each EPSG code, kept for every thread.
type InfoCache = Mutex<HashMap<u32, Result<Arc<CrsInfo>, CrsError>>>;

fn info_cache() -> &'static InfoCache {
    static CACHE: OnceLock<InfoCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn crs84_info() -> Arc<CrsInfo> {
    static INFO: OnceLock<Arc<CrsInfo>> = OnceLock::new();
    INFO.get_or_init(|| {
        Arc::new(CrsInfo {
            name: "WGS 84 (CRS84)".into(),
            axes: vec!["Lon".into(), "Lat".into()],
            directions: vec!["east".into(), "north".into()],
            geographic: true,
            area_of_use: Some([-180.0, -90.0, 180.0, 90.0]),
        })
    })
    .clone()
}

/// Describes a CRS (name, axis order, area of use), or says why planmap cannot use it.
pub fn describe(crs: Crs) -> Result<Arc<CrsInfo>, CrsError> {
    let code = match crs {
        Crs::Crs84 => return Ok(crs84_info()),
        Crs::Epsg(code) => code,
    };
    if let Some(known) = info_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&code)
    {
        return known.clone();
    }
    let described = read_info(code).map(Arc::new);
    info_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code, described.clone());
    described
}

fn read_info(code: u32) -> Result<CrsInfo, CrsError> {
    let pj = Proj::new(&format!("EPSG:{code}")).map_err(|_| CrsError::UnknownCode(code))?;
    let json = pj
        .to_projjson(None, None, None)
        .map_err(|_| CrsError::UnknownCode(code))?;
    let json: serde_json::Value =
        serde_json::from_str(&json).map_err(|_| CrsError::UnknownCode(code))?;
    let kind = json["type"].as_str().unwrap_or_default();
    let geographic = match kind {
        "GeographicCRS" => true,
        "ProjectedCRS" => false,
        other => {
            return Err(CrsError::Unsupported {
                code,
                reason: format!(
                    "it is a {}, and candidates need a 2D geographic or projected CRS",
                    if other.is_empty() {
                        "non-CRS object"
                    } else {
                        other
                    }
                ),
            });
        }
    };
    let axis = json["coordinate_system"]["axis"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if axis.len() != 2 {
        return Err(CrsError::Unsupported {
            code,
            reason: format!("it has {} axes; only 2D CRSs are supported", axis.len()),
        });
    }
    let axes = axis
        .iter()
        .map(|a| a["abbreviation"].as_str().unwrap_or("").to_string())
        .collect();
    let directions = axis
        .iter()
        .map(|a| a["direction"].as_str().unwrap_or("").to_string())
        .collect();
    let bbox = &json["bbox"];
    let area_of_use = match (
        bbox["west_longitude"].as_f64(),
        bbox["south_latitude"].as_f64(),
        bbox["east_longitude"].as_f64(),
        bbox["north_latitude"].as_f64(),
    ) {
        (Some(w), Some(s), Some(e), Some(n)) => Some([w, s, e, n]),
        _ => None,
    };
    Ok(CrsInfo {
        name: json["name"].as_str().unwrap_or_default().to_string(),
        axes,
        directions,
        geographic,
        area_of_use,
    })
}

fn transforms(code: u32) -> Result<Rc<Transforms>, CrsError> {
    TRANSFORMS.with(|cell| {
        if let Some(t) = cell.borrow().get(&code) {
            return Ok(t.clone());
        }
        let unsupported = |reason: String| CrsError::Unsupported { code, reason };
        let source = Proj::new(&format!("EPSG:{code}")).map_err(|_| CrsError::UnknownCode(code))?;
        let crs84 = Proj::new("OGC:CRS84").map_err(|e| unsupported(e.to_string()))?;
        let to_crs84 = source
            .create_crs_to_crs_from_pj(&crs84, None, None)
            .map_err(|e| unsupported(e.to_string()))?;
        let from_crs84 = crs84
            .create_crs_to_crs_from_pj(&source, None, None)
            .map_err(|e| unsupported(e.to_string()))?;
        let t = Rc::new(Transforms {
            to_crs84,
            from_crs84,
        });
        cell.borrow_mut().insert(code, t.clone());
        Ok(t)
    })
}

/// Converts coordinates given in `crs`'s authority axis order to CRS84
/// (x = longitude, y = latitude). A coordinate PROJ cannot convert becomes NaN,
/// for the caller to report with its position.
pub fn to_crs84(crs: Crs, coords: &mut [Coord]) -> Result<(), CrsError> {
    convert(crs, coords, Direction::ToCrs84)
}

/// Converts CRS84 coordinates to `crs`, in its authority axis order; as
/// [`to_crs84`], a coordinate PROJ cannot convert becomes NaN.
pub fn from_crs84(crs: Crs, coords: &mut [Coord]) -> Result<(), CrsError> {
    convert(crs, coords, Direction::FromCrs84)
}

/// Which way between a CRS and CRS84 a conversion runs.
#[derive(Clone, Copy)]
enum Direction {
    ToCrs84,
    FromCrs84,
}

fn convert(crs: Crs, coords: &mut [Coord], direction: Direction) -> Result<(), CrsError> {
    let Crs::Epsg(code) = crs else {
        return Ok(());
    };
    describe(crs)?;
    let t = transforms(code)?;
    let proj = match direction {
        Direction::ToCrs84 => &t.to_crs84,
        Direction::FromCrs84 => &t.from_crs84,
    };
    for c in coords.iter_mut() {
        *c = match proj.convert((c.x, c.y)) {
            Ok((x, y)) if x.is_finite() && y.is_finite() => Coord { x, y },
            _ => Coord {
                x: f64::NAN,
                y: f64::NAN,
            },
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_crs_the_ogc_uses_is_understood() {
        for s in [
            "EPSG:4490",
            "epsg:4490",
            "http://www.opengis.net/def/crs/EPSG/0/4490",
            "urn:ogc:def:crs:EPSG::4490",
            "urn:ogc:def:crs:EPSG:9.9.1:4490",
        ] {
            assert_eq!(Crs::parse(s), Ok(Crs::Epsg(4490)), "{s}");
        }
        for s in [
            "CRS84",
            "OGC:CRS84",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
        ] {
            assert_eq!(Crs::parse(s), Ok(Crs::Crs84), "{s}");
        }
        assert!(Crs::parse("EPSG:abc").is_err());
        assert!(Crs::parse("WGS84").is_err());
    }

    #[test]
    fn cgcs2000_geographic_is_latitude_first_and_gauss_kruger_is_northing_first() {
        let geo = describe(Crs::Epsg(4490)).unwrap();
        assert!(geo.geographic && geo.north_first());
        let gk = describe(Crs::Epsg(4526)).unwrap();
        assert!(!gk.geographic && gk.north_first());
        assert_eq!(gk.axis_order_words(), "northing, easting");
    }

    #[test]
    fn converting_to_crs84_and_back_returns_the_coordinates_given() {
        // Gauss-Krüger zone 38 (EPSG:4526), northing then easting.
        let given = [Coord {
            x: 4_000_000.0,
            y: 38_500_000.0,
        }];
        let mut coords = given;
        to_crs84(Crs::Epsg(4526), &mut coords).unwrap();
        assert!((coords[0].x - 114.0).abs() < 0.01, "{coords:?}");
        from_crs84(Crs::Epsg(4526), &mut coords).unwrap();
        assert!((coords[0].x - given[0].x).abs() < 1e-3, "{coords:?}");
        assert!((coords[0].y - given[0].y).abs() < 1e-3, "{coords:?}");
    }

    #[test]
    fn a_code_proj_does_not_know_is_refused() {
        assert_eq!(
            describe(Crs::Epsg(999_999)).unwrap_err(),
            CrsError::UnknownCode(999_999)
        );
    }
}
