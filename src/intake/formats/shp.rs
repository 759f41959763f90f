//! Parcels drawn in a GIS and sent as a zipped Shapefile (.shp, .shx, .dbf,
//! .prj and .cpg in one .zip, in a folder or not):
//!
//! 1. the archive is opened within [`super::archive`]'s limits; it must hold
//!    exactly one `.shp` and the `.dbf` beside it (the `.shx` index is not
//!    needed to read the records in order);
//! 2. the CRS comes from the `.prj`, read by PROJ: when its WKT carries an
//!    EPSG identifier the parcels stay in that CRS, otherwise (the ESRI WKT
//!    that ArcGIS and GDAL write has none) PROJ converts them to CRS84
//!    straight from the WKT. Without a `.prj` the caller's `crs` is taken, and
//!    without either the file is refused: a Gauss-Krüger easting does not
//!    say its zone reliably once the zone number is left off;
//! 3. the `.dbf` text is decoded in the encoding its `.cpg` names, else as
//!    UTF-8 when it is UTF-8 and as GB18030 (which contains GBK) when not —
//!    the answer says which;
//! 4. each record (Polygon, PolygonZ or PolygonM; any other type is refused)
//!    is one parcel: an outer ring (clockwise, as the format has it) starts a
//!    polygon and each hole (counter-clockwise) joins the outer ring that
//!    contains it. Its id and name come from the usual fields (地块编号, 名称,
//!    …), its fields are kept as attributes.
//!
//! Shapefile coordinates are always (easting, northing) or (longitude,
//! latitude), whatever a CRS's authority order, so they are swapped into
//! the authority order of a north-first CRS (EPSG:4527 is northing, easting).

use std::io::Cursor;

use ::shapefile::dbase::{self, FieldValue};
use ::shapefile::{PolygonRing, Shape, ShapeReader, ShapeType};
use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use geo::{Contains, Coord, LineString, Polygon};
use proj::Proj;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::archive::Archive;
use super::{FormatError, Parcel, Parcels, finish_ring};
use crate::geom::crs::{self, Crs};

/// Hole-by-vertex containment tests one record may need (holes × points of
/// its outer rings): 50 million is about a second.
const MAX_HOLE_TESTS: usize = 50_000_000;

const WHAT: &str = "a zipped Shapefile";

/// Fields a parcel's id is taken from, the first present and not empty.
const ID_FIELDS: &[&str] = &["地块编号", "编号", "地块号", "区块编号", "dkbh", "bh", "id"];
/// Fields a parcel's name is taken from.
const NAME_FIELDS: &[&str] = &["地块名称", "名称", "矿区名称", "dkmc", "mc", "name"];

/// Where a Shapefile's CRS came from, as an answer reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadCrs {
    /// The CRS's name, as PROJ reads the `.prj` (or the EPSG code given).
    pub name: String,
    /// `.prj` or `crs parameter`.
    pub from: &'static str,
    /// The CRS the parcels are in: the `.prj`'s EPSG code when its WKT
    /// names one, else CRS84, converted to by PROJ from the WKT.
    pub read_as: String,
}

/// A Shapefile read: its parcels, the `.dbf` encoding, the CRS.
#[derive(Debug, Clone)]
pub struct Read {
    pub parcels: Parcels,
    pub encoding: &'static str,
    pub crs: ReadCrs,
}

/// How coordinates are put into the parcels' CRS.
enum Placing {
    /// Kept, swapped when the CRS is north first.
    Kept { crs: Crs, swap: bool },
    /// Converted to CRS84 by PROJ, from the `.prj`'s WKT (made here and
    /// dropped here: a `Proj` is not `Send`).
    ToCrs84(Proj),
}

impl Placing {
    fn crs(&self) -> Crs {
        match self {
            Self::Kept { crs, .. } => *crs,
            Self::ToCrs84(_) => Crs::Crs84,
        }
    }

    fn place(&self, record: usize, x: f64, y: f64) -> Result<Coord, FormatError> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(FormatError::Record {
                record,
                reason: format!("({x}, {y}) is not a pair of finite numbers"),
            });
        }
        match self {
            Self::Kept { swap: false, .. } => Ok(Coord { x, y }),
            Self::Kept { swap: true, .. } => Ok(Coord { x: y, y: x }),
            Self::ToCrs84(proj) => match proj.convert((x, y)) {
                Ok((lon, lat)) if lon.is_finite() && lat.is_finite() => {
                    Ok(Coord { x: lon, y: lat })
                }
                _ => Err(FormatError::Record {
                    record,
                    reason: format!("({x}, {y}) cannot be converted from the .prj's CRS"),
                }),
            },
        }
    }
}

/// Reads a zipped Shapefile. `crs` is the caller's, for an archive without
/// a `.prj`; given with one, it is refused rather than silently overruled.
pub fn read(bytes: &[u8], crs: Option<Crs>) -> Result<Read, FormatError> {
    let mut archive = Archive::open(bytes, WHAT)?;
    let names = archive.names();
    // A zip made by macOS's Finder carries resource forks beside the files.
    let members: Vec<&String> = names
        .iter()
        .filter(|n| !n.starts_with("__MACOSX/") && !file_name(n).starts_with("._"))
        .collect();
    let shps: Vec<&String> = members
        .iter()
        .copied()
        .filter(|n| has_extension(n, "shp"))
        .collect();
    let shp = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(FormatError::Members {
                reason: "the archive holds no .shp; its members are".into(),
                members: names.clone(),
            });
        }
        several => {
            return Err(FormatError::Members {
                reason: format!(
                    "the archive holds {} Shapefiles; send one a request",
                    several.len()
                ),
                members: several.iter().map(|n| n.to_string()).collect(),
            });
        }
    };
    let stem = &shp[..shp.len() - ".shp".len()];
    let sibling = |ext: &str| {
        members
            .iter()
            .find(|n| {
                n.len() == stem.len() + 1 + ext.len()
                    && n.get(..stem.len()) == Some(stem)
                    && has_extension(n, ext)
            })
            .map(|n| n.to_string())
    };
    let Some(dbf) = sibling("dbf") else {
        return Err(FormatError::Members {
            reason: format!("the archive has no .dbf beside {shp}; its members are"),
            members: names.clone(),
        });
    };
    let (prj, cpg) = (sibling("prj"), sibling("cpg"));
    let shp_bytes = archive.read(&shp, WHAT)?;
    let dbf_bytes = archive.read(&dbf, WHAT)?;
    let prj = prj.map(|p| archive.read(&p, WHAT)).transpose()?;
    let cpg = cpg.map(|c| archive.read(&c, WHAT)).transpose()?;

    let (placing, read_crs) = placing(prj.as_deref(), crs)?;
    let (encoding, fields, records) = attributes(&dbf_bytes, cpg.as_deref())?;

    check_record_sizes(&shp_bytes)?;
    let shapes = ShapeReader::new(Cursor::new(shp_bytes.as_slice())).map_err(|e| {
        FormatError::Unreadable {
            what: WHAT,
            reason: format!("{shp}: {e}"),
        }
    })?;
    let shape_type = shapes.header().shape_type;
    if !matches!(
        shape_type,
        ShapeType::Polygon | ShapeType::PolygonZ | ShapeType::PolygonM
    ) {
        return Err(FormatError::ShapeType(format!("{shape_type}")));
    }
    let shapes = shapes.read().map_err(|e| FormatError::Unreadable {
        what: WHAT,
        reason: format!("{shp}: {e}"),
    })?;
    if shapes.len() != records.len() {
        return Err(FormatError::Unreadable {
            what: WHAT,
            reason: format!(
                "{shp} has {} shapes but {dbf} {} records",
                shapes.len(),
                records.len()
            ),
        });
    }
    if shapes.is_empty() {
        return Err(FormatError::Empty);
    }
    let parcels = shapes
        .into_iter()
        .zip(records)
        .enumerate()
        .map(|(i, (shape, record))| parcel(i + 1, &shape, record, &fields, &placing))
        .collect::<Result<_, _>>()?;
    Ok(Read {
        parcels: Parcels {
            crs: placing.crs(),
            parcels,
        },
        encoding,
        crs: read_crs,
    })
}

/// Refuses a polygon record whose counts of parts and points need more
/// bytes than the record has: the shapefile crate reserves room for the
/// points a record declares before it reads them, and two billion points
/// are 32 GB. The layout is the ESRI specification's: a 100-byte file
/// header, then records of an 8-byte header (number, content length in
/// 16-bit words, big-endian) and content (shape type, a 32-byte box, the
/// number of parts and of points, little-endian; then 4 bytes a part and
/// 16 a point).
fn check_record_sizes(shp: &[u8]) -> Result<(), FormatError> {
    let be = |at: usize| {
        shp.get(at..at + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let le = |at: usize| {
        shp.get(at..at + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut at = 100;
    let mut record = 0;
    while at + 8 <= shp.len() {
        record += 1;
        let bytes = be(at + 4).map_or(0, |words| words.max(0) as u64 * 2);
        let content = at + 8;
        if let (Some(5 | 15 | 25), Some(parts), Some(points)) =
            (le(content), le(content + 36), le(content + 40))
        {
            let needed = 44 + 4 * parts.max(0) as u64 + 16 * points.max(0) as u64;
            if parts < 0 || points < 0 || needed > bytes {
                return Err(FormatError::Record {
                    record,
                    reason: format!(
                        "it declares {parts} parts and {points} points, which need {needed} bytes, in {bytes}"
                    ),
                });
            }
        }
        at = content + bytes as usize;
    }
    Ok(())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn has_extension(path: &str, ext: &str) -> bool {
    file_name(path)
        .rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
}

/// The CRS of the coordinates, from the `.prj` or the caller.
fn placing(prj: Option<&[u8]>, given: Option<Crs>) -> Result<(Placing, ReadCrs), FormatError> {
    let Some(prj) = prj else {
        let crs = given.ok_or(FormatError::NoCrs)?;
        let info = crs::describe(crs).map_err(|e| FormatError::BadPrj(e.to_string()))?;
        let read = ReadCrs {
            name: info.name.clone(),
            from: "crs parameter",
            read_as: crs.to_string(),
        };
        let swap = info.north_first();
        return Ok((Placing::Kept { crs, swap }, read));
    };
    let wkt = String::from_utf8_lossy(prj);
    let wkt = wkt.trim().trim_start_matches('\u{feff}');
    let pj =
        Proj::new(wkt).map_err(|e| FormatError::BadPrj(format!("PROJ cannot read it: {e}")))?;
    let json: Value = pj
        .to_projjson(None, None, None)
        .ok()
        .and_then(|j| serde_json::from_str(&j).ok())
        .ok_or_else(|| FormatError::BadPrj("PROJ cannot describe it".into()))?;
    let name = json["name"].as_str().unwrap_or_default().to_string();
    if given.is_some() {
        return Err(FormatError::CrsTwice { prj: name });
    }
    match json["type"].as_str() {
        Some("ProjectedCRS" | "GeographicCRS") => {}
        other => {
            return Err(FormatError::BadPrj(format!(
                "it is a {}, and parcels need a 2D geographic or projected CRS",
                other.unwrap_or("non-CRS object")
            )));
        }
    }
    let epsg = json["id"]["authority"]
        .as_str()
        .filter(|a| *a == "EPSG")
        .and(json["id"]["code"].as_u64())
        .and_then(|c| u32::try_from(c).ok());
    if let Some(code) = epsg {
        let crs = Crs::Epsg(code);
        if let Ok(info) = crs::describe(crs) {
            let read = ReadCrs {
                name,
                from: ".prj",
                read_as: crs.to_string(),
            };
            let swap = info.north_first();
            return Ok((Placing::Kept { crs, swap }, read));
        }
    }
    // Normalised for visualisation by the proj crate: (easting, northing)
    // or (longitude, latitude) in, (longitude, latitude) out — the order
    // Shapefile coordinates are in.
    let to_crs84 = Proj::new_known_crs(wkt, "OGC:CRS84", None)
        .map_err(|e| FormatError::BadPrj(format!("PROJ cannot convert from it: {e}")))?;
    let read = ReadCrs {
        name,
        from: ".prj",
        read_as: Crs::Crs84.to_string(),
    };
    Ok((Placing::ToCrs84(to_crs84), read))
}

/// The `.dbf`'s encoding, fields and records.
type Attributes = (&'static str, Vec<String>, Vec<dbase::Record>);

fn attributes(dbf: &[u8], cpg: Option<&[u8]>) -> Result<Attributes, FormatError> {
    let unreadable = |e: dbase::Error| FormatError::Unreadable {
        what: WHAT,
        reason: format!("the .dbf: {e}"),
    };
    let read = |encoding: Option<&'static Encoding>| {
        let builder = dbase::ReaderBuilder::new();
        let builder = match encoding {
            // Strict: bytes that are not UTF-8 fail the read.
            None => builder.with_encoding(dbase::Unicode),
            Some(e) => builder.with_encoding(dbase::encoding::EncodingRs::from(e)),
        };
        let mut reader = builder.build(Cursor::new(dbf))?;
        let fields = reader
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        Ok::<_, dbase::Error>((fields, reader.read()?))
    };
    match cpg {
        Some(cpg) => {
            let label = String::from_utf8_lossy(cpg).trim().to_ascii_uppercase();
            let (encoding, name) = match label.as_str() {
                "UTF-8" | "UTF8" | "65001" => (UTF_8, "UTF-8"),
                "GBK" | "936" | "CP936" | "GB2312" => (GBK, "GBK"),
                "GB18030" | "54936" => (GB18030, "GB18030"),
                other => match Encoding::for_label(other.as_bytes()) {
                    Some(e) => (e, e.name()),
                    None => {
                        return Err(FormatError::Unreadable {
                            what: WHAT,
                            reason: format!(
                                "the .cpg names the encoding '{other}', which planmap does not know (use UTF-8 or GBK)"
                            ),
                        });
                    }
                },
            };
            let (fields, records) = if encoding == UTF_8 {
                read(None).map_err(unreadable)?
            } else {
                read(Some(encoding)).map_err(unreadable)?
            };
            Ok((name, fields, records))
        }
        None => match read(None) {
            Ok((fields, records)) => Ok(("UTF-8", fields, records)),
            Err(_) => {
                let (fields, records) = read(Some(GB18030)).map_err(unreadable)?;
                Ok(("GB18030", fields, records))
            }
        },
    }
}

/// One record as a parcel: its polygons, id, name and attributes.
fn parcel(
    number: usize,
    shape: &Shape,
    record: dbase::Record,
    fields: &[String],
    placing: &Placing,
) -> Result<Parcel, FormatError> {
    let rings: Vec<(bool, Vec<(f64, f64)>)> = match shape {
        Shape::Polygon(p) => rings_of(p.rings(), |q| (q.x, q.y)),
        Shape::PolygonZ(p) => rings_of(p.rings(), |q| (q.x, q.y)),
        Shape::PolygonM(p) => rings_of(p.rings(), |q| (q.x, q.y)),
        Shape::NullShape => {
            return Err(FormatError::Record {
                record: number,
                reason: "the record has no geometry".into(),
            });
        }
        other => return Err(FormatError::ShapeType(format!("{}", other.shapetype()))),
    };
    let attributes: Map<String, Value> = fields
        .iter()
        .map(|f| (f.clone(), record.get(f).map(value).unwrap_or(Value::Null)))
        .collect();
    let text_of = |candidates: &[&str]| {
        candidates.iter().find_map(|want| {
            attributes
                .iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(want))
                .and_then(|(_, v)| match v {
                    Value::String(s) if !s.is_empty() => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        })
    };
    let id = text_of(ID_FIELDS).unwrap_or_else(|| number.to_string());
    let name = text_of(NAME_FIELDS);

    // Outer rings in order, each with the holes that fall inside it.
    let mut polygons: Vec<(LineString, Vec<LineString>)> = Vec::new();
    let mut holes = Vec::new();
    for (r, (outer, points)) in rings.into_iter().enumerate() {
        let points = points
            .into_iter()
            .map(|(x, y)| placing.place(number, x, y))
            .collect::<Result<Vec<_>, _>>()?;
        let ring = finish_ring(&id, r, points)?;
        if outer {
            polygons.push((ring, Vec::new()));
        } else {
            holes.push((r, ring));
        }
    }
    // Each hole is tested against the outer rings in turn: bound that work,
    // or a record of a million rings would hold a thread for hours.
    let outer_points: usize = polygons.iter().map(|(outer, _)| outer.0.len()).sum();
    if holes.len().saturating_mul(outer_points) > MAX_HOLE_TESTS {
        return Err(FormatError::Record {
            record: number,
            reason: format!(
                "{} holes in outer rings of {outer_points} points in all are more than a candidate parcel holds (at most {MAX_HOLE_TESTS} hole-by-vertex tests)",
                holes.len()
            ),
        });
    }
    for (r, hole) in holes {
        let inside = polygons.iter_mut().find(|(outer, _)| {
            Polygon::new(outer.clone(), vec![]).contains(&hole.0[0]) || outer.0.contains(&hole.0[0])
        });
        match inside {
            Some((_, inner)) => inner.push(hole),
            None => {
                return Err(FormatError::Record {
                    record: number,
                    reason: format!(
                        "ring {r} runs counter-clockwise, which makes it a hole, but it lies in no outer (clockwise) ring"
                    ),
                });
            }
        }
    }
    let mut polygons = polygons.into_iter();
    let Some((exterior, interiors)) = polygons.next() else {
        return Err(FormatError::Record {
            record: number,
            reason: "the record has no outer ring (outer rings run clockwise)".into(),
        });
    };
    let mut rings = vec![exterior];
    rings.extend(interiors);
    Ok(Parcel {
        id,
        name,
        declared_area_ha: None,
        rings,
        parts: polygons.map(|(e, i)| Polygon::new(e, i)).collect(),
        attributes,
    })
}

fn rings_of<P>(
    rings: &[PolygonRing<P>],
    xy: impl Fn(&P) -> (f64, f64),
) -> Vec<(bool, Vec<(f64, f64)>)> {
    rings
        .iter()
        .map(|r| {
            let outer = matches!(r, PolygonRing::Outer(_));
            (outer, r.points().iter().map(&xy).collect())
        })
        .collect()
}

/// A `.dbf` value as JSON.
fn value(v: &FieldValue) -> Value {
    let number = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    };
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => json!(s.trim()),
        // A whole number in a numeric field (序号 N(10,0)) stays whole.
        FieldValue::Numeric(Some(f)) if f.fract() == 0.0 && f.abs() < 2f64.powi(53) => {
            json!(*f as i64)
        }
        FieldValue::Numeric(Some(f)) | FieldValue::Currency(f) | FieldValue::Double(f) => {
            number(*f)
        }
        // The f32's shortest text, not its f64 widening (1.1 stays 1.1).
        FieldValue::Float(Some(f)) => f.to_string().parse().map_or(Value::Null, number),
        FieldValue::Integer(i) => json!(i),
        FieldValue::Logical(Some(b)) => json!(b),
        FieldValue::Date(Some(d)) => {
            json!(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::DateTime(t) => {
            let (d, h) = (t.date(), t.time());
            json!(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year(),
                d.month(),
                d.day(),
                h.hours(),
                h.minutes(),
                h.seconds()
            ))
        }
        FieldValue::Character(None)
        | FieldValue::Numeric(None)
        | FieldValue::Float(None)
        | FieldValue::Logical(None)
        | FieldValue::Date(None) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shapefile::{Point, PolygonRing};

    fn square(x: f64, y: f64, side: f64) -> Vec<Point> {
        vec![
            Point::new(x, y),
            Point::new(x + side, y),
            Point::new(x + side, y + side),
            Point::new(x, y + side),
            Point::new(x, y),
        ]
    }

    #[test]
    fn a_record_of_thousands_of_holes_in_a_long_ring_is_refused_before_they_are_placed() {
        // One outer ring of 10,001 points and 5,000 holes: 50 million tests.
        let mut outer: Vec<Point> = (0..10_000)
            .map(|i| {
                let a = -std::f64::consts::TAU * f64::from(i) / 10_000.0;
                Point::new(112.5 + 0.1 * a.cos(), 36.3 + 0.1 * a.sin())
            })
            .collect();
        outer.push(outer[0]);
        let mut rings = vec![PolygonRing::Outer(outer)];
        for k in 0..5_000 {
            let x = 112.45 + 0.0001 * f64::from(k % 100);
            let y = 36.25 + 0.0001 * f64::from(k / 100);
            let mut hole = square(x, y, 0.00005);
            hole.reverse();
            rings.push(PolygonRing::Inner(hole));
        }
        let shape = Shape::Polygon(shapefile::Polygon::with_rings(rings));
        let placing = Placing::Kept {
            crs: Crs::Crs84,
            swap: false,
        };
        let started = std::time::Instant::now();
        let refused = parcel(1, &shape, dbase::Record::default(), &[], &placing);
        let Err(FormatError::Record { record, reason }) = refused else {
            panic!("read: {refused:?}");
        };
        assert_eq!(record, 1);
        assert!(reason.contains("5000 holes"), "{reason}");
        assert!(
            started.elapsed().as_secs_f64() < 1.0,
            "{:?}",
            started.elapsed()
        );
    }
}
