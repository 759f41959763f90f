//! The 界址点坐标 TXT exchange format for land and mining boundaries:
//!
//! ```text
//! [属性描述]
//! 坐标系=2000国家大地坐标系
//! 几度分带=3
//! 投影类型=高斯克吕格
//! 计量单位=米
//! 带号=38
//! 精度=0.01
//! [地块坐标]
//! 5,12.3456,KQ-1,某勘查区块,面,,,,@
//! J1,1,4012345.67,38456789.12
//! …
//! ```
//!
//! Each parcel starts with a header line (界址点数, 地块面积 in hectares,
//! 地块编号, 地块名称, 面, 图幅号, 地块用途, 地类编码, @) followed by its points
//! `点号,圈号,X,Y`; 圈号 1 is the exterior ring, higher numbers are holes.

use geo::Coord;

use super::dms::{format_angle, parse_angle};
use super::{FormatError, GkZone, Parcel, Parcels, check_projected, finish_ring, projected_crs};
use crate::geom::crs::Crs;

#[derive(Default)]
struct Header {
    zone_width: Option<u8>,
    zone: Option<u32>,
    degrees: bool,
}

struct OpenParcel {
    parcel: Parcel,
    rings: Vec<(u32, Vec<Coord>)>,
    /// 界址点数 as the header line declares it, and that line.
    declared_points: Option<(u64, usize)>,
    /// The header line.
    line: usize,
    points: u64,
}

/// Reads a TXT exchange file. `zone` (e.g. from a query parameter) stands in
/// when the file declares none.
pub fn read(text: &str, zone: Option<GkZone>) -> Result<Parcels, FormatError> {
    let mut header = Header::default();
    let mut section = "";
    let mut parcels: Vec<OpenParcel> = Vec::new();
    let mut found_zone: Option<(usize, GkZone)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            section = if line.contains("属性描述") {
                "header"
            } else if line.contains("地块坐标") {
                "parcels"
            } else {
                ""
            };
            continue;
        }
        match section {
            "header" => read_header_line(line, &mut header),
            "parcels" => {
                let fields: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
                if fields.last() == Some(&"@") || fields.len() >= 8 {
                    let declared_points = match fields[0] {
                        "" => None,
                        count => Some((
                            count
                                .parse::<u64>()
                                .ok()
                                .filter(|n| (1..=MAX_DECLARED_POINTS).contains(n))
                                .ok_or_else(|| FormatError::Line {
                                    line: line_no,
                                    reason: format!(
                                        "界址点数 '{count}' is not a point count (a whole number from 1 to {MAX_DECLARED_POINTS})"
                                    ),
                                })?,
                            line_no,
                        )),
                    };
                    parcels.push(OpenParcel {
                        declared_points,
                        line: line_no,
                        points: 0,
                        parcel: Parcel {
                            id: fields
                                .get(2)
                                .filter(|s| !s.is_empty())
                                .map(|s| s.to_string())
                                .unwrap_or_else(|| (parcels.len() + 1).to_string()),
                            name: fields
                                .get(3)
                                .filter(|s| !s.is_empty())
                                .map(|s| s.to_string()),
                            declared_area_ha: fields
                                .get(1)
                                .and_then(|s| s.parse::<f64>().ok())
                                .filter(|a| a.is_finite() && *a >= 0.0),
                            rings: Vec::new(),
                            parts: Vec::new(),
                            attributes: Default::default(),
                        },
                        rings: Vec::new(),
                    });
                    continue;
                }
                let Some(open) = parcels.last_mut() else {
                    return Err(FormatError::Line {
                        line: line_no,
                        reason: "a point before any parcel header line (…,@)".into(),
                    });
                };
                if fields.len() < 4 {
                    return Err(FormatError::Line {
                        line: line_no,
                        reason: "a point needs 点号,圈号,X,Y".into(),
                    });
                }
                let ring: u32 = fields[1].parse().map_err(|_| FormatError::Line {
                    line: line_no,
                    reason: format!("圈号 '{}' is not a whole number", fields[1]),
                })?;
                let point = if header.degrees {
                    // X is the latitude, Y the longitude, as northing and easting are.
                    let lat = angle(fields[2], line_no)?;
                    let lon = angle(fields[3], line_no)?;
                    Coord { x: lon, y: lat }
                } else {
                    let x = number(fields[2], line_no)?;
                    let y = number(fields[3], line_no)?;
                    let declared = match (header.zone, header.zone_width) {
                        (Some(n), w) => Some(
                            GkZone::new(w.unwrap_or(if n >= 25 { 3 } else { 6 }), n, true)
                                .ok_or_else(|| FormatError::NoSuchZone(format!("带号={n}")))?,
                        ),
                        (None, _) => zone,
                    };
                    let z = check_projected(line_no, x, y, declared)?;
                    if let (Some((_, first)), Some(z)) = (found_zone, z)
                        && first != z
                    {
                        return Err(FormatError::MixedZones {
                            line: line_no,
                            first: first.number,
                            other: z.number,
                        });
                    }
                    if found_zone.is_none() {
                        found_zone = z.map(|z| (line_no, z));
                    }
                    // Authority order of CGCS2000 Gauss-Krüger CRSs is northing, easting.
                    Coord { x, y }
                };
                open.points += 1;
                match open.rings.last_mut() {
                    Some((n, points)) if *n == ring => points.push(point),
                    _ => open.rings.push((ring, vec![point])),
                }
            }
            _ => {}
        }
    }
    if parcels.is_empty() || parcels.iter().all(|p| p.rings.is_empty()) {
        return Err(FormatError::Empty);
    }
    if let Some(empty) = parcels.iter().find(|p| p.rings.is_empty()) {
        return Err(FormatError::Line {
            line: empty.line,
            reason: format!("parcel {} has no points", empty.parcel.id),
        });
    }
    let crs = if header.degrees {
        Crs::Crs84
    } else {
        projected_crs(found_zone.map(|(_, z)| z))?
    };
    let parcels = parcels
        .into_iter()
        .map(|open| {
            let count_check = check_point_count(&open);
            let mut rings = open.rings;
            // 圈号 1 first: the exterior.
            rings.sort_by_key(|(n, _)| *n);
            let mut parcel = open.parcel;
            parcel.rings = rings
                .into_iter()
                .enumerate()
                .map(|(r, (_, points))| finish_ring(&parcel.id, r, points))
                .collect::<Result<_, _>>()?;
            // After the rings' own errors, which say more about a broken file.
            count_check?;
            Ok(parcel)
        })
        .collect::<Result<Vec<_>, FormatError>>()?;
    Ok(Parcels { crs, parcels })
}

/// The most points a parcel header may declare: far beyond any real
/// parcel, so a count of 10²⁰ is an error, not a promise.
const MAX_DECLARED_POINTS: u64 = 10_000_000;

/// A parcel's declared 界址点数 must be the points that follow it, counted
/// with each ring's closing repeat (as planmap writes them) or without.
fn check_point_count(open: &OpenParcel) -> Result<(), FormatError> {
    let Some((declared, line)) = open.declared_points else {
        return Ok(());
    };
    let closing = open
        .rings
        .iter()
        .filter(|(_, points)| points.len() > 1 && points.first() == points.last())
        .count() as u64;
    if declared == open.points || declared + closing == open.points {
        return Ok(());
    }
    Err(FormatError::Line {
        line,
        reason: format!(
            "parcel {} declares {declared} points (界址点数) but {} follow",
            open.parcel.id, open.points
        ),
    })
}

fn read_header_line(line: &str, header: &mut Header) {
    let Some((key, value)) = line.split_once(['=', '＝']) else {
        return;
    };
    let value = value.trim();
    match key.trim() {
        "几度分带" => header.zone_width = value.parse().ok(),
        "带号" => header.zone = value.parse().ok(),
        "计量单位" => header.degrees = value.contains('度'),
        _ => {}
    }
}

fn number(text: &str, line: usize) -> Result<f64, FormatError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| FormatError::Line {
            line,
            reason: format!("'{text}' is not a number"),
        })
}

fn angle(text: &str, line: usize) -> Result<f64, FormatError> {
    parse_angle(text).map_err(|e| FormatError::Line {
        line,
        reason: e.to_string(),
    })
}

/// How corner points are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CornerStyle {
    /// X (northing), Y (easting) in metres, 2 decimals, in this zone.
    Projected(GkZone),
    /// Latitude, longitude in degrees, minutes and seconds (3 decimals).
    Dms,
}

/// Why a corner style was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "'{0}' is not a corner style: give dms, or a CGCS2000 Gauss-Krüger zone (a zone number, 3° 25–45, 6° 13–23, or EPSG:4491–4554)"
)]
pub struct NotACornerStyle(pub String);

impl CornerStyle {
    /// `dms` (any case), else a zone as [`GkZone::parse`] reads it.
    pub fn parse(text: &str) -> Result<CornerStyle, NotACornerStyle> {
        if text.trim().eq_ignore_ascii_case("dms") {
            return Ok(CornerStyle::Dms);
        }
        GkZone::parse(text)
            .map(CornerStyle::Projected)
            .ok_or_else(|| NotACornerStyle(text.to_string()))
    }
}

/// A parcel to write: id, name, area in hectares, and rings in CRS84.
pub struct ParcelOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub area_ha: f64,
    pub polygon: &'a geo::Polygon,
}

/// Writes parcels (CRS84) in the TXT exchange format.
pub fn write(
    parcels: &[ParcelOut],
    style: CornerStyle,
) -> Result<String, crate::geom::crs::CrsError> {
    use std::fmt::Write;
    let mut out = String::from(
        "[属性描述]\n格式版本号=1.0\n数据产生单位=planmap\n坐标系=2000国家大地坐标系\n",
    );
    match style {
        CornerStyle::Projected(z) => {
            let _ = write!(
                out,
                "几度分带={}\n投影类型=高斯克吕格\n计量单位=米\n带号={}\n精度=0.01\n",
                z.width, z.number
            );
        }
        CornerStyle::Dms => out.push_str("投影类型=无\n计量单位=度分秒\n精度=0.001秒\n"),
    }
    out.push_str("[地块坐标]\n");
    for p in parcels {
        let rings: Vec<&geo::LineString> = std::iter::once(p.polygon.exterior())
            .chain(p.polygon.interiors())
            .collect();
        let count: usize = rings.iter().map(|r| r.0.len()).sum();
        let _ = writeln!(out, "{count},{:.4},{},{},面,,,,@", p.area_ha, p.id, p.name);
        for (r, ring) in rings.iter().enumerate() {
            let mut coords = ring.0.clone();
            if let CornerStyle::Projected(z) = style {
                crate::geom::crs::from_crs84(Crs::Epsg(z.epsg()), &mut coords)?;
            }
            let n = coords.len().saturating_sub(1).max(1);
            for (i, c) in coords.iter().enumerate() {
                // The closing point repeats the first point's number.
                let label = i % n + 1;
                match style {
                    CornerStyle::Projected(_) => {
                        let _ = writeln!(out, "J{label},{},{:.2},{:.2}", r + 1, c.x, c.y);
                    }
                    CornerStyle::Dms => {
                        let _ = writeln!(
                            out,
                            "J{label},{},{},{}",
                            r + 1,
                            format_angle(c.y),
                            format_angle(c.x)
                        );
                    }
                }
            }
        }
    }
    Ok(out)
}
