//! Corner tables (拐点坐标表) kept as Excel workbooks (.xlsx), read into the
//! rows a CSV table gives and then by [`super::table::read`]:
//!
//! 1. the archive is opened within [`super::archive`]'s limits and every
//!    member inflated once to check its declared size, so that calamine is
//!    never handed a zip bomb; the shared-strings table's `uniqueCount`,
//!    which calamine reserves room for before reading a string, must fit
//!    the table's size (a 6 kB workbook declaring 10¹¹ strings would ask
//!    for 2.4 TB and abort the process);
//! 2. the sheet is chosen: the first worksheet whose first non-empty row
//!    names X and Y columns, else the first worksheet with any cell;
//! 3. its cells are streamed (calamine's cell reader, not a `Range`, which
//!    would allocate every cell of the declared dimension: one cell in A1
//!    and one in XFD1048576 would be seventeen billion) into rows of text,
//!    at most [`MAX_CELLS`] cells across the rows;
//! 4. numbers are written as Rust writes an `f64` (its shortest text that
//!    reads back to the same number, so `4014115.88` stays `4014115.88`),
//!    strings are trimmed, and each row keeps the spreadsheet's row number.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx};

use super::archive::Archive;
use super::table::{self, Columns, Row};
use super::{FormatError, GkZone, Parcels};

/// Cells a sheet's rows may have all together, counting the empty cells
/// left of the last one in each row.
pub const MAX_CELLS: usize = 4_000_000;

const WHAT: &str = "an .xlsx workbook";

/// Reads a corner table from a workbook: the parcels, the columns taken,
/// and the name of the sheet they were read from.
pub fn read(bytes: &[u8], zone: Option<GkZone>) -> Result<(Parcels, Columns, String), FormatError> {
    let (sheet, rows) = rows(bytes)?;
    let (parcels, columns) = table::read(&rows, zone).map_err(|error| FormatError::InSheet {
        sheet: sheet.clone(),
        error: Box::new(error),
    })?;
    Ok((parcels, columns, sheet))
}

/// The chosen sheet's name and its rows.
pub fn rows(bytes: &[u8]) -> Result<(String, Vec<Row>), FormatError> {
    let mut archive = Archive::open(bytes, WHAT)?;
    if !archive.names().iter().any(|n| n == "xl/workbook.xml") {
        return Err(FormatError::Unreadable {
            what: WHAT,
            reason: "the archive has no xl/workbook.xml".into(),
        });
    }
    archive.check_sizes(WHAT)?;
    check_shared_strings(&mut archive)?;
    let corrupt = |e: calamine::XlsxError| FormatError::Unreadable {
        what: WHAT,
        reason: e.to_string(),
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let sheets: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut first_with_cells = None;
    for name in sheets {
        let rows = sheet_rows(&mut workbook, &name)?;
        let Some((_, first)) = rows.first() else {
            continue;
        };
        if table::names_x_and_y(first) {
            return Ok((name, rows));
        }
        first_with_cells.get_or_insert((name, rows));
    }
    first_with_cells.ok_or(FormatError::Empty)
}

/// A sheet's non-empty rows, as text, with their spreadsheet row numbers.
fn sheet_rows(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Vec<Row>, FormatError> {
    let corrupt = |e: calamine::XlsxError| FormatError::Unreadable {
        what: WHAT,
        reason: format!("sheet {name}: {e}"),
    };
    let mut reader = workbook.worksheet_cells_reader(name).map_err(corrupt)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut cells = 0usize;
    while let Some(cell) = reader.next_cell().map_err(corrupt)? {
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) => f.to_string(),
            DataRef::String(s) => s.trim().to_string(),
            DataRef::SharedString(s) => s.trim().to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => d.to_string(),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::Error(e) => format!("#{e:?}"),
        };
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let cells_of_row = rows.entry(row).or_default();
        let column = column as usize;
        if column >= cells_of_row.len() {
            cells += column + 1 - cells_of_row.len();
            if cells > MAX_CELLS {
                return Err(FormatError::InSheet {
                    sheet: name.to_string(),
                    error: Box::new(FormatError::Line {
                        line: row as usize + 1,
                        reason: format!("a corner table has at most {MAX_CELLS} cells"),
                    }),
                });
            }
            cells_of_row.resize(column + 1, String::new());
        }
        cells_of_row[column] = text;
        if rows.len() > table::MAX_ROWS + 1 {
            return Err(FormatError::InSheet {
                sheet: name.to_string(),
                error: Box::new(FormatError::Line {
                    line: row as usize + 1,
                    reason: format!("a corner table has at most {} rows", table::MAX_ROWS),
                }),
            });
        }
    }
    // calamine counts rows from 0; a spreadsheet from 1.
    Ok(rows
        .into_iter()
        .map(|(row, cells)| (row as usize + 1, cells))
        .collect())
}

/// Refuses a shared-strings table whose `uniqueCount` is more strings than
/// its bytes can hold (each `<si/>` takes five at least), reading it as
/// calamine does: the attribute of the first `sst` element, by its raw name.
fn check_shared_strings(archive: &mut Archive) -> Result<(), FormatError> {
    use quick_xml::events::Event;
    let tables = archive
        .names()
        .into_iter()
        .filter(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"));
    for name in tables {
        let xml = archive.read(&name, WHAT)?;
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                    // Attributes quick-xml cannot read are refused, not
                    // left for calamine's own reading to take otherwise.
                    let count = e.try_get_attribute("uniqueCount").map_err(|err| {
                        FormatError::Unreadable {
                            what: WHAT,
                            reason: format!("{name}: {err}"),
                        }
                    })?;
                    if let Some(count) = count {
                        let digits: &str = count.value.as_ref();
                        let declared = Some(digits)
                            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                            .and_then(|d| d.parse::<u64>().ok());
                        let room = xml.len() as u64 / 5;
                        if declared.is_none_or(|n| n > room) {
                            return Err(FormatError::Unreadable {
                                what: WHAT,
                                reason: format!(
                                    "{name} declares {} shared strings in {} bytes",
                                    digits,
                                    xml.len()
                                ),
                            });
                        }
                    }
                    break;
                }
                // calamine refuses what does not parse or has no table.
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
            buf.clear();
        }
    }
    Ok(())
}
