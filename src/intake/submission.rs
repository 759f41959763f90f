//! Reading a submitted candidate in any accepted format — GeoJSON, a 界址点
//! TXT exchange file, a corner-point list, a corner table (CSV or .xlsx) or
//! a zipped Shapefile — into the parts a screening checks.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};
use crate::geom::crs::Crs;
use crate::intake::candidate::{
    Candidate, CandidateError, Limits, candidate_from_area, read_candidate,
};
use crate::intake::encoding::{self, NotText};
use crate::intake::formats::{self, FormatError, GkZone};

/// A parcel's label from a coordinate file.
#[derive(Debug, Clone, Serialize)]
pub struct ParcelLabel {
    pub id: String,
    pub name: Option<String>,
    pub declared_area_ha: Option<f64>,
    /// The file's fields of the parcel (a Shapefile's attributes).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// One part of a submission: a parcel of a file, or the whole GeoJSON candidate.
pub struct Part {
    pub parcel: Option<ParcelLabel>,
    pub candidate: Candidate,
}

/// Why a candidate format was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("'{0}' is not a candidate format: use geojson, txt, corners, csv, xlsx or shapefile")]
pub struct UnknownInputFormat(pub String);

/// The formats a candidate may come in; a stored submission names its
/// format as it serializes (`geojson`, `txt`, `corners`, `csv`, `xlsx`,
/// `shapefile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    GeoJson,
    /// 界址点坐标 TXT exchange format.
    Txt,
    /// A corner-point list (拐点坐标) as licences print it.
    Corners,
    /// A corner table (拐点坐标表) saved as CSV.
    Csv,
    /// A corner table in an Excel workbook (.xlsx).
    Xlsx,
    /// A zipped Shapefile (.shp, .dbf, .prj, … in one .zip).
    Shapefile,
}

impl InputFormat {
    pub fn parse(text: &str) -> Option<InputFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Self::GeoJson),
            "txt" | "exchange" => Some(Self::Txt),
            "corners" | "points" => Some(Self::Corners),
            "csv" => Some(Self::Csv),
            "xlsx" | "excel" => Some(Self::Xlsx),
            "shapefile" | "shp" | "zip" => Some(Self::Shapefile),
            _ => None,
        }
    }

    /// [`InputFormat::parse`], saying which formats there are when `text` is none.
    pub fn read(text: &str) -> Result<InputFormat, UnknownInputFormat> {
        InputFormat::parse(text).ok_or_else(|| UnknownInputFormat(text.to_string()))
    }

    /// The name the format is written with (as it serializes).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Txt => "txt",
            Self::Corners => "corners",
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Shapefile => "shapefile",
        }
    }

    /// Whether the format is a binary file (a zip archive), kept by a
    /// stored submission as base64 rather than as text.
    pub fn is_binary(self) -> bool {
        matches!(self, Self::Xlsx | Self::Shapefile)
    }

    /// The format of a body: JSON when its content type says so (whatever
    /// it holds: `null` is a wrong GeoJSON body, not a coordinate file),
    /// otherwise guessed from the bytes.
    pub fn of_body(content_type: Option<&str>, bytes: &[u8]) -> InputFormat {
        let essence = content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if essence == "application/json" || essence.ends_with("+json") {
            InputFormat::GeoJson
        } else if essence == "text/csv" {
            InputFormat::Csv
        } else if essence == XLSX_MEDIA_TYPE {
            InputFormat::Xlsx
        } else if essence == "application/zip" || essence == "application/x-zip-compressed" {
            // A zip is a Shapefile unless it is a workbook saved as .zip.
            match InputFormat::sniff(bytes) {
                InputFormat::Xlsx => InputFormat::Xlsx,
                _ => InputFormat::Shapefile,
            }
        } else {
            InputFormat::sniff(bytes)
        }
    }

    /// Guesses the format from the bytes: a zip archive is a workbook when
    /// it has `xl/workbook.xml` and a Shapefile otherwise (which names its
    /// members when it has no `.shp`); JSON starts with `{`, the exchange
    /// format has a `[地块坐标]` section, anything else is a corner list.
    pub fn sniff(bytes: &[u8]) -> InputFormat {
        if formats::archive::is_zip(bytes) {
            // Only the central directory is read: no member is inflated.
            let workbook = zip::ZipArchive::new(std::io::Cursor::new(bytes))
                .is_ok_and(|z| z.index_for_name("xl/workbook.xml").is_some());
            return if workbook {
                InputFormat::Xlsx
            } else {
                InputFormat::Shapefile
            };
        }
        let text = encoding::decode_prefix(bytes);
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with('{')
            || start.starts_with('[') && !start.starts_with("[属性") && !start.starts_with("[地块")
        {
            InputFormat::GeoJson
        } else if text.contains("[地块坐标]") {
            InputFormat::Txt
        } else {
            InputFormat::Corners
        }
    }
}

/// The media type of an .xlsx workbook.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A JSON body that does not parse, with where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    #[error("the body is not valid JSON: {message} (line {line}, column {column})")]
    Malformed {
        message: String,
        line: usize,
        column: usize,
    },
    #[error(
        "line {line}, column {column}: {literal} is not a finite number; coordinates must be finite"
    )]
    NonFinite {
        literal: String,
        line: usize,
        column: usize,
    },
    #[error(
        "line {line}, column {column}: the key '{key}' is given twice in one object; give each key once"
    )]
    DuplicateKey {
        key: String,
        line: usize,
        column: usize,
    },
}

/// Why a submission could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubmissionError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error(transparent)]
    NotText(#[from] NotText),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Candidate(#[from] CandidateError),
}

impl Fault for JsonError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed-json",
            Self::NonFinite { .. } => "non-finite-number",
            Self::DuplicateKey { .. } => "duplicate-key",
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Malformed { line, column, .. } | Self::NonFinite { line, column, .. } => {
                members([("line", json!(line)), ("column", json!(column))])
            }
            Self::DuplicateKey { key, line, column } => members([
                ("key", json!(key)),
                ("line", json!(line)),
                ("column", json!(column)),
            ]),
        }
    }
}

impl Fault for SubmissionError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Json(e) => e.slug(),
            Self::NotText(_) => "bad-coordinate-file",
            Self::Format(e) => e.slug(),
            Self::Candidate(e) => e.slug(),
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Json(e) => e.location(),
            Self::NotText(e) => members([("line", json!(e.line))]),
            Self::Format(e) => e.location(),
            Self::Candidate(e) => e.location(),
        }
    }
}

/// Parses JSON, telling a non-finite number (NaN, Infinity, 1e999) apart from
/// other syntax errors, because it is a geometry problem, not a malformed body.
/// A key given twice in one object is refused ([`crate::intake::strict_json`]).
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, JsonError> {
    crate::intake::strict_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        if let Some(key) = crate::intake::strict_json::duplicate_key(&e) {
            return JsonError::DuplicateKey { key, line, column };
        }
        let text = String::from_utf8_lossy(bytes);
        let at = text
            .lines()
            .nth(line.saturating_sub(1))
            .map(|l| l.chars().skip(column.saturating_sub(1)).collect::<String>())
            .unwrap_or_default();
        let literal = ["NaN", "-NaN", "Infinity", "-Infinity", "inf", "-inf"]
            .iter()
            .find(|w| at.starts_with(*w))
            .map(|w| w.to_string());
        match literal {
            Some(literal) => JsonError::NonFinite {
                literal,
                line,
                column,
            },
            None if e.to_string().contains("number out of range") => JsonError::NonFinite {
                literal: "a number beyond the range of a double".into(),
                line,
                column,
            },
            None => JsonError::Malformed {
                message: e.to_string(),
                line,
                column,
            },
        }
    })
}

/// What was read of a submission, as an answer reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    pub format: InputFormat,
    /// The text encoding a coordinate file was decoded from (GeoJSON is UTF-8).
    pub encoding: &'static str,
    /// A table's columns taken as X and Y (and ring and parcel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<formats::table::Columns>,
    /// The worksheet a workbook's table was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Where a Shapefile's CRS came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crs: Option<formats::shp::ReadCrs>,
}

/// Reads a submission. `crs` applies to GeoJSON (CRS84 when `None`) and to a
/// Shapefile without a `.prj` (refused when `None`); coordinate files carry
/// their zone (or take `zone` when their eastings have no zone number).
pub fn read(
    bytes: &[u8],
    format: InputFormat,
    crs: impl Into<Option<Crs>>,
    zone: Option<GkZone>,
    limits: Limits,
) -> Result<Vec<Part>, SubmissionError> {
    read_saying_what(bytes, format, crs, zone, limits).map(|(parts, _)| parts)
}

/// [`read`], also saying what was read: the format and the text encoding.
pub fn read_saying_what(
    bytes: &[u8],
    format: InputFormat,
    crs: impl Into<Option<Crs>>,
    zone: Option<GkZone>,
    limits: Limits,
) -> Result<(Vec<Part>, Input), SubmissionError> {
    let crs = crs.into();
    if format == InputFormat::GeoJson {
        let json = parse_json(bytes)?;
        let candidate = read_candidate(&json, crs.unwrap_or(Crs::Crs84), limits)?;
        let parts = vec![Part {
            parcel: None,
            candidate,
        }];
        let encoding = "UTF-8";
        let columns = None;
        return Ok((
            parts,
            Input {
                format,
                encoding,
                columns,
                sheet: None,
                crs: None,
            },
        ));
    }
    let (parcels, input) = match format {
        InputFormat::Xlsx => {
            let (parcels, columns, sheet) = formats::xlsx::read(bytes, zone)?;
            let input = Input {
                format,
                // The workbook's XML is UTF-8 (Excel writes nothing else).
                encoding: "UTF-8",
                columns: Some(columns),
                sheet: Some(sheet),
                crs: None,
            };
            (parcels, input)
        }
        InputFormat::Shapefile => {
            let read = formats::shp::read(bytes, crs)?;
            let input = Input {
                format,
                encoding: read.encoding,
                columns: None,
                sheet: None,
                crs: Some(read.crs),
            };
            (read.parcels, input)
        }
        _ => read_text(bytes, format, zone)?,
    };
    let several =
        parcels.parcels.len() > 1 || matches!(format, InputFormat::Txt | InputFormat::Shapefile);
    parcels
        .parcels
        .iter()
        .map(|p| {
            let candidate = candidate_from_area(p.area(), parcels.crs, limits)?;
            Ok(Part {
                parcel: several.then(|| ParcelLabel {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    declared_area_ha: p.declared_area_ha,
                    attributes: p.attributes.clone(),
                }),
                candidate,
            })
        })
        .collect::<Result<_, SubmissionError>>()
        .map(|parts| (parts, input))
}

/// The parcels of a text coordinate file, and what was read.
fn read_text(
    bytes: &[u8],
    format: InputFormat,
    zone: Option<GkZone>,
) -> Result<(formats::Parcels, Input), SubmissionError> {
    let decoded = encoding::decode(bytes)?;
    let mut input = Input {
        format,
        encoding: decoded.encoding,
        columns: None,
        sheet: None,
        crs: None,
    };
    let text = decoded.text.as_ref();
    let parcels = match format {
        InputFormat::Txt => formats::txt::read(text, zone)?,
        InputFormat::Csv => {
            let (parcels, columns) = formats::table::read(&formats::table::csv_rows(text)?, zone)?;
            input.columns = Some(columns);
            parcels
        }
        _ => formats::corners::read(text, zone)?,
    };
    Ok((parcels, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A stored submission names its format; an alias the parser takes from a
    // planner is not a name a record is ever written with.
    #[test]
    fn a_format_is_written_by_its_name_and_read_back_from_that_name_only() {
        for f in [
            InputFormat::GeoJson,
            InputFormat::Txt,
            InputFormat::Corners,
            InputFormat::Csv,
            InputFormat::Xlsx,
            InputFormat::Shapefile,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
            assert_eq!(InputFormat::parse(f.as_str()), Some(f));
            let read: InputFormat = serde_json::from_value(f.as_str().into()).unwrap();
            assert_eq!(read, f);
        }
        assert!(serde_json::from_value::<InputFormat>("json".into()).is_err());
    }

    fn zip_of(names: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in names {
            out.start_file(*name, stored).unwrap();
            out.write_all(b"x").unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    // Both are zips; only the central directory is read to tell them apart.
    #[test]
    fn a_zip_is_a_workbook_when_it_holds_xl_workbook_xml_and_a_shapefile_otherwise() {
        let workbook = zip_of(&["[Content_Types].xml", "xl/workbook.xml"]);
        let shapefile = zip_of(&["kq/a.shp", "kq/a.dbf"]);
        let other = zip_of(&["readme.txt"]);
        assert_eq!(InputFormat::sniff(&workbook), InputFormat::Xlsx);
        assert_eq!(InputFormat::sniff(&shapefile), InputFormat::Shapefile);
        assert_eq!(InputFormat::sniff(&other), InputFormat::Shapefile);
        let zip = Some("application/zip");
        assert_eq!(InputFormat::of_body(zip, &workbook), InputFormat::Xlsx);
        assert_eq!(InputFormat::of_body(zip, b"1,2"), InputFormat::Shapefile);
        assert_eq!(
            InputFormat::of_body(Some(XLSX_MEDIA_TYPE), &shapefile),
            InputFormat::Xlsx
        );
    }

    #[test]
    fn an_archive_of_more_members_than_the_limit_is_refused_naming_the_limit() {
        let names: Vec<String> = (0..=formats::archive::MAX_MEMBERS)
            .map(|i| format!("m{i}"))
            .collect();
        let bytes = zip_of(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let Err(e) = read(
            &bytes,
            InputFormat::Shapefile,
            None,
            None,
            Limits::default(),
        ) else {
            panic!("read");
        };
        assert_eq!(e.slug(), "bad-coordinate-file");
        assert_eq!(e.location()["limit_members"], 1000, "{e}");
    }
}
