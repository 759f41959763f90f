//! Corner-point lists (拐点坐标) as licences and auction notices print them:
//! one point a line, a point number then X (northing) and Y (easting with or
//! without the zone in front), or longitude and latitude in degrees, minutes
//! and seconds:
//!
//! ```text
//! 1, 4012345.67, 38456789.12
//! 2  4012345.67  38457789.12
//! 拐点3 X=4011345.67 Y=38457789.12
//! …
//! 1, 112°26′18.123″, 36°08′40.000″
//! ```
//!
//! A ring ends where a point repeats the ring's first point; the first ring
//! is the exterior, later ones are holes. A line starting with `*` or a blank
//! line also ends a ring.

use geo::Coord;

use super::dms::parse_angle;
use super::{FormatError, GkZone, Parcel, Parcels, check_projected, finish_ring, projected_crs};
use crate::geom::crs::Crs;

enum Value {
    Metres(f64),
    Degrees(f64),
}

fn read_value(token: &str) -> Option<Value> {
    let t = token.trim();
    let t = t
        .trim_start_matches(['X', 'Y', 'x', 'y', 'L', 'B', '='])
        .trim_start_matches(['=', '：', ':'])
        .trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = t.parse::<f64>() {
        // 3E989 parses as infinity: not a coordinate.
        if !v.is_finite() {
            return None;
        }
        return Some(if v.abs() < 360.0 {
            Value::Degrees(v)
        } else {
            Value::Metres(v)
        });
    }
    parse_angle(t).ok().map(Value::Degrees)
}

/// Reads a corner-point list. `zone` stands in when eastings carry no zone number.
pub fn read(text: &str, zone: Option<GkZone>) -> Result<Parcels, FormatError> {
    let mut rings: Vec<Vec<Coord>> = Vec::new();
    let mut current: Vec<Coord> = Vec::new();
    let mut degrees: Option<bool> = None;
    let mut found_zone: Option<GkZone> = None;
    let close = |current: &mut Vec<Coord>, rings: &mut Vec<Vec<Coord>>| {
        if !current.is_empty() {
            rings.push(std::mem::take(current));
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('*') {
            close(&mut current, &mut rings);
            continue;
        }
        let tokens: Vec<&str> = line
            .split([',', '，', ';', '\t', ' ', '、'])
            .filter(|t| !t.trim().is_empty())
            .collect();
        // The last two readable values are the coordinates; anything before is the point's name.
        let values: Vec<Value> = tokens
            .iter()
            .rev()
            .take(2)
            .filter_map(|t| read_value(t))
            .collect();
        if values.len() < 2 {
            // A heading such as "点号 X Y"; a line with one number is an error.
            if tokens.iter().any(|t| read_value(t).is_some()) && tokens.len() >= 2 {
                return Err(FormatError::Line {
                    line: line_no,
                    reason: "expected two coordinates".into(),
                });
            }
            continue;
        }
        let (second, first) = (&values[0], &values[1]);
        let point = match (first, second) {
            (Value::Metres(x), Value::Metres(y)) => {
                if degrees == Some(true) {
                    return Err(mixed(line_no));
                }
                degrees = Some(false);
                let z = check_projected(line_no, *x, *y, zone)?;
                match (found_zone, z) {
                    (Some(f), Some(z)) if f != z => {
                        return Err(FormatError::MixedZones {
                            line: line_no,
                            first: f.number,
                            other: z.number,
                        });
                    }
                    (None, z) => found_zone = z,
                    _ => {}
                }
                Coord { x: *x, y: *y }
            }
            (Value::Degrees(a), Value::Degrees(b)) => {
                if degrees == Some(false) {
                    return Err(mixed(line_no));
                }
                degrees = Some(true);
                // In China longitudes are 73–135°E and latitudes 18–54°N: the larger is the longitude.
                let (lon, lat) = if a >= b { (*a, *b) } else { (*b, *a) };
                if !(60.0..=180.0).contains(&lon) || !(0.0..60.0).contains(&lat) {
                    return Err(FormatError::Line {
                        line: line_no,
                        reason: format!("({a}, {b}) is not a longitude and latitude in China"),
                    });
                }
                Coord { x: lon, y: lat }
            }
            _ => return Err(mixed(line_no)),
        };
        let closes = current.len() >= 3 && current.first() == Some(&point);
        current.push(point);
        if closes {
            close(&mut current, &mut rings);
        }
    }
    close(&mut current, &mut rings);
    if rings.is_empty() {
        return Err(FormatError::Empty);
    }
    let crs = if degrees == Some(true) {
        Crs::Crs84
    } else {
        projected_crs(found_zone)?
    };
    let rings = rings
        .into_iter()
        .enumerate()
        .map(|(r, points)| finish_ring("1", r, points))
        .collect::<Result<_, _>>()?;
    Ok(Parcels {
        crs,
        parcels: vec![Parcel::of_rings("1".into(), rings)],
    })
}

fn mixed(line: usize) -> FormatError {
    FormatError::Line {
        line,
        reason: "mixes metres and degrees".into(),
    }
}
