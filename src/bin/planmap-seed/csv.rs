//! The seed tables: UTF-8 CSV with a header row and RFC 4180 quoting.

use std::path::Path;

use anyhow::{Context, bail};

/// One CSV file: its header and its records, in file order.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One record, looked up by column name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    index: usize,
}

impl Table {
    /// Reads `DIR/NAME.csv`.
    pub fn read(dir: &Path, name: &str) -> anyhow::Result<Table> {
        let path = dir.join(format!("{name}.csv"));
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        let mut records = parse(&text).with_context(|| path.display().to_string())?;
        if records.is_empty() {
            bail!("{}: no header row", path.display());
        }
        let header = records.remove(0);
        if let Some((i, r)) = records
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != header.len())
        {
            bail!(
                "{}: record {} has {} fields, the header {}",
                path.display(),
                i + 1,
                r.len(),
                header.len()
            );
        }
        Ok(Table {
            name: name.to_string(),
            header,
            rows: records,
        })
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.rows.len()).map(|index| Row { table: self, index })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl<'a> Row<'a> {
    /// The cell of `column`; panics on a column the table does not have,
    /// which is a bug in the generator, not in the data.
    pub fn get(&self, column: &str) -> &'a str {
        let i = self
            .table
            .header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("{} has no column {column}", self.table.name));
        &self.table.rows[self.index][i]
    }

    /// A published figure; `None` where the cell is empty.
    pub fn number(&self, column: &str) -> anyhow::Result<Option<f64>> {
        let cell = self.get(column);
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse()
            .map(Some)
            .with_context(|| format!("{}: {column} = {cell:?} is not a number", self.table.name))
    }

    /// Every (column, cell) of the record, in header order.
    pub fn cells(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.table
            .header
            .iter()
            .map(String::as_str)
            .zip(self.table.rows[self.index].iter().map(String::as_str))
    }
}

/// RFC 4180: fields separated by commas, records by CRLF or LF, a field in
/// double quotes may hold commas, line breaks and doubled quotes.
fn parse(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    if !at_field_start || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let rows = parse("a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n").unwrap();
        assert_eq!(rows[1], ["x,1", "say \"hi\"", "two\nlines"]);
        assert_eq!(rows[2], ["", "", ""]);
        assert_eq!(rows.len(), 3);
    }
}
