//! Corner tables (拐点坐标表) as reviewers keep them in spreadsheets: one
//! point a row, with a point number, X (northing) and Y (easting, with or
//! without the zone in front), and optionally the ring (圈号) and the parcel
//! (地块编号) — read with the zone rules of corner lists.
//!
//! ```text
//! 地块编号,点号,圈号,X,Y
//! KQ-01,J1,1,4014115.88,38379559.81
//! …
//! ```
//!
//! The header row may be in Chinese or English, or missing: then the last
//! two columns are X and Y and the first, when there are three or more, is
//! the point number. A table lists each corner once or repeats the first at
//! the end; either way each ring is closed.

use geo::Coord;
use serde::Serialize;

use super::{FormatError, GkZone, Parcel, Parcels, check_projected, finish_ring, projected_crs};

/// Rows a table may have: beyond this it is not a corner table.
pub const MAX_ROWS: usize = 100_000;

/// Which columns were taken for what, as an answer reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Columns {
    /// The header row (from 1), when there is one.
    pub header_row: Option<usize>,
    /// The X (northing) and Y (easting) columns: header text, or `column N`.
    pub x: String,
    pub y: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcel: Option<String>,
}

/// A ring's name (圈号) and its points, as the rows give them.
type NamedRing = (String, Vec<Coord>);

/// A row of cells as text, with its row number (from 1).
pub type Row = (usize, Vec<String>);

fn is_x(h: &str) -> bool {
    matches!(
        h,
        "x" | "x坐标" | "x(m)" | "x（m）" | "纵坐标" | "北坐标" | "northing" | "n"
    )
}

fn is_y(h: &str) -> bool {
    matches!(
        h,
        "y" | "y坐标" | "y(m)" | "y（m）" | "横坐标" | "东坐标" | "easting" | "e"
    )
}

fn is_ring(h: &str) -> bool {
    matches!(h, "圈号" | "环号" | "ring" | "part")
}

fn is_parcel(h: &str) -> bool {
    matches!(
        h,
        "地块编号" | "地块" | "地块号" | "区块编号" | "区块" | "parcel" | "block" | "id"
    )
}

fn normal(cell: &str) -> String {
    cell.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(' ', "")
}

/// Whether a header row names an X and a Y column, as [`read`] takes them.
pub fn names_x_and_y(cells: &[String]) -> bool {
    let header: Vec<String> = cells.iter().map(|c| normal(c)).collect();
    header.iter().any(|h| is_x(h)) && header.iter().any(|h| is_y(h))
}

/// Reads a corner table. `zone` stands in when eastings carry no zone number.
pub fn read(rows: &[Row], zone: Option<GkZone>) -> Result<(Parcels, Columns), FormatError> {
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.len() > MAX_ROWS {
        return Err(FormatError::Line {
            line: rows[MAX_ROWS].0,
            reason: format!("a corner table has at most {MAX_ROWS} rows"),
        });
    }
    let Some(first) = rows.first() else {
        return Err(FormatError::Empty);
    };
    let header: Vec<String> = first.1.iter().map(|c| normal(c)).collect();
    let find = |f: fn(&str) -> bool| header.iter().position(|h| f(h));
    let (columns, body, ix, iy, iring, iparcel) = match (find(is_x), find(is_y)) {
        (Some(ix), Some(iy)) => {
            let (iring, iparcel) = (find(is_ring), find(is_parcel));
            let name = |i: usize| first.1[i].trim().to_string();
            (
                Columns {
                    header_row: Some(first.0),
                    x: name(ix),
                    y: name(iy),
                    ring: iring.map(name),
                    parcel: iparcel.map(name),
                },
                &rows[1..],
                ix,
                iy,
                iring,
                iparcel,
            )
        }
        _ if first
            .1
            .iter()
            .any(|c| c.trim().parse::<f64>().is_err() && !c.trim().is_empty())
            && first
                .1
                .iter()
                .filter(|c| c.trim().parse::<f64>().is_ok())
                .count()
                < 2 =>
        {
            return Err(FormatError::Line {
                line: first.0,
                reason: "no X and Y columns: name them X and Y (or 纵坐标 and 横坐标) in the header row, or leave the header out and give point number, X, Y".into(),
            });
        }
        _ => {
            let n = first.1.len();
            if n < 2 {
                return Err(FormatError::Line {
                    line: first.0,
                    reason: "expected at least two columns, X and Y".into(),
                });
            }
            (
                Columns {
                    header_row: None,
                    x: format!("column {}", n - 1),
                    y: format!("column {n}"),
                    ring: None,
                    parcel: None,
                },
                &rows[..],
                n - 2,
                n - 1,
                None,
                None,
            )
        }
    };
    // Parcels and rings in the order they first appear.
    let mut parcels: Vec<(String, Vec<NamedRing>)> = Vec::new();
    let mut found_zone: Option<GkZone> = None;
    for (line, cells) in body {
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
        let number = |i: usize, what: &str| {
            cell(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| FormatError::Line {
                    line: *line,
                    reason: format!("{what} = '{}' is not a number", cell(i)),
                })
        };
        let (x, y) = (number(ix, "X")?, number(iy, "Y")?);
        let z = check_projected(*line, x, y, zone)?;
        match (found_zone, z) {
            (Some(f), Some(z)) if f != z => {
                return Err(FormatError::MixedZones {
                    line: *line,
                    first: f.number,
                    other: z.number,
                });
            }
            (None, z) => found_zone = z,
            _ => {}
        }
        let parcel = iparcel.map(cell).filter(|p| !p.is_empty()).unwrap_or("1");
        let ring = iring.map(cell).filter(|r| !r.is_empty()).unwrap_or("1");
        let at = match parcels.iter().position(|(p, _)| p == parcel) {
            Some(at) => at,
            None => {
                parcels.push((parcel.to_string(), Vec::new()));
                parcels.len() - 1
            }
        };
        let rings = &mut parcels[at].1;
        let r = match rings.iter().position(|(r, _)| r == ring) {
            Some(r) => r,
            None => {
                rings.push((ring.to_string(), Vec::new()));
                rings.len() - 1
            }
        };
        rings[r].1.push(Coord { x, y });
    }
    if parcels.is_empty() {
        return Err(FormatError::Empty);
    }
    let crs = projected_crs(found_zone)?;
    let parcels = parcels
        .into_iter()
        .map(|(id, rings)| {
            let rings = rings
                .into_iter()
                .enumerate()
                .map(|(r, (_, mut points))| {
                    if points.len() >= 3 && points.first() != points.last() {
                        points.push(points[0]);
                    }
                    finish_ring(&id, r, points)
                })
                .collect::<Result<_, _>>()?;
            Ok(Parcel::of_rings(id, rings))
        })
        .collect::<Result<_, FormatError>>()?;
    Ok((Parcels { crs, parcels }, columns))
}

/// The rows of a CSV file (comma, or semicolon or tab when the first line
/// has those and no comma), read by the `csv` crate so that quoted cells
/// with commas are one cell.
pub fn csv_rows(text: &str) -> Result<Vec<Row>, FormatError> {
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains(',') {
        b','
    } else if first.contains('\t') {
        b'\t'
    } else if first.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| FormatError::Line {
            line: e.position().map(|p| p.line() as usize).unwrap_or(0),
            reason: format!("not CSV: {e}"),
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if rows.len() > MAX_ROWS {
            return Err(FormatError::Line {
                line,
                reason: format!("a corner table has at most {MAX_ROWS} rows"),
            });
        }
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_header_names_the_columns_and_parcels_and_rings_group_the_rows() {
        let text = "地块编号,点号,圈号,X,Y\n\
            A,J1,1,4014115.88,38379559.81\nA,J2,1,4014079.00,38382256.38\nA,J3,1,4016074.08,38382463.12\n\
            B,J1,1,4024567.65,38386439.02\nB,J2,1,4024538.57,38388683.41\nB,J3,1,4028198.40,38388909.89\n";
        let (parcels, columns) = read(&csv_rows(text).unwrap(), None).unwrap();
        assert_eq!(parcels.crs, crate::geom::crs::Crs::Epsg(4526));
        assert_eq!(parcels.parcels.len(), 2);
        assert_eq!(parcels.parcels[1].id, "B");
        assert_eq!(parcels.parcels[0].rings[0].0.len(), 4);
        assert_eq!((columns.x.as_str(), columns.y.as_str()), ("X", "Y"));
        assert_eq!(columns.header_row, Some(1));
    }

    #[test]
    fn swapped_columns_are_refused_as_in_a_corner_list() {
        let text = "点号,X,Y\n1,38379559.81,4014115.88\n";
        let e = read(&csv_rows(text).unwrap(), None).unwrap_err();
        assert!(matches!(e, FormatError::Swapped { line: 2, .. }), "{e}");
    }

    #[test]
    fn a_table_without_coordinate_columns_is_refused_naming_its_header() {
        let text = "名称,面积\n某矿,12.5\n";
        let e = read(&csv_rows(text).unwrap(), None).unwrap_err();
        assert!(matches!(e, FormatError::Line { line: 1, .. }), "{e}");
    }
}
