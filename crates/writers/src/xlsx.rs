//! XLSX: a workbook with one worksheet per page (`Page 1`, `Page 2`...),
//! written with `rust_xlsxwriter` (docs/decisions.md).
//!
//! A page's text is written in the layout model's reading order, one row
//! per line and a blank row between paragraphs; each table found during
//! recognition ([`ocrloom_ocr::tables`], placed by the layout model) is a
//! range of cells with thin borders and its merged cells merged, where it
//! stands among the paragraphs, named `Page<N>_Table<M>` (a defined name, so that it can be
//! found again). A cell whose text is one number (read as the page's
//! language writes numbers, see [`crate::numbers`]) holds that number with
//! a format that shows it as printed. Columns are fitted to their content.

use crate::numbers::{self, Number};
use crate::WriteError;
use ocrloom_layout::tables::Table;
use ocrloom_layout::{Page, PageInput, Piece};
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageText};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::collections::HashMap;
use std::io::Write;
use std::time::SystemTime;

/// The widest a fitted column gets, pixels (long text lines would make a
/// column wider than a screen).
const MAX_COLUMN_PX: u32 = 600;

impl From<XlsxError> for WriteError {
    fn from(e: XlsxError) -> Self {
        WriteError::Io(std::io::Error::other(e))
    }
}

/// Cell formats by number format code and border, so that each is made
/// once.
#[derive(Default)]
struct Formats {
    made: HashMap<(String, bool), Format>,
}

impl Formats {
    /// The format of a number (`code`) or of text (`None`), with thin
    /// borders in a table.
    fn get(&mut self, code: Option<&str>, border: bool) -> &Format {
        let key = (code.unwrap_or_default().to_string(), border);
        self.made.entry(key).or_insert_with(|| {
            let mut f = Format::new();
            if let Some(code) = code {
                f = f.set_num_format(code);
            }
            if border {
                f = f.set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
            }
            f
        })
    }
}

/// Writes every page.
pub(crate) fn write(
    doc: &Document,
    pages: &[Option<&PageResult>],
    timestamp: Option<SystemTime>,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut workbook = Workbook::new();
    // A fixed creation time unless one is asked for: the same input gives
    // the same bytes.
    let secs = timestamp
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let created = ExcelDateTime::from_timestamp(secs)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let mut formats = Formats::default();
    let mut names: Vec<(String, String)> = Vec::new();
    for (index, result) in pages.iter().enumerate() {
        let sheet_name = format!("Page {}", index + 1);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&sheet_name)?;
        match result {
            Some(r) => {
                let layout = Page::build(&PageInput {
                    result: r,
                    size_pt: crate::page_size_pt(&doc.pages()[index]),
                });
                for (n, range) in write_page(sheet, &layout, &mut formats)?
                    .into_iter()
                    .enumerate()
                {
                    names.push((
                        format!("Page{}_Table{}", index + 1, n + 1),
                        format!("='{sheet_name}'!{range}"),
                    ));
                }
            }
            None => {
                let info = &doc.pages()[index];
                if info.text != PageText::None {
                    let text = doc.page_text(index)?.replace("\r\n", "\n");
                    for (row, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
                        sheet.write_string(row as u32, 0, line.trim())?;
                    }
                }
            }
        }
        sheet.set_autofit_max_width(MAX_COLUMN_PX);
        sheet.autofit();
    }
    for (name, range) in names {
        workbook.define_name(name, &range)?;
    }
    let bytes = workbook.save_to_buffer()?;
    out.write_all(&bytes)?;
    Ok(())
}

/// One page's rows: paragraphs and tables in the layout's reading order
/// ([`Page::flow`], the text output's). Returns the tables' ranges
/// (`$A$3:$D$9`).
fn write_page(
    sheet: &mut Worksheet,
    page: &Page,
    formats: &mut Formats,
) -> Result<Vec<String>, WriteError> {
    let comma = numbers::decimal_comma(&page.language);
    let mut row = 0u32;
    let mut ranges = Vec::new();
    for piece in page.flow() {
        match piece {
            Piece::Table(t) => {
                gap(&mut row);
                ranges.push(write_table(sheet, t, &mut row, comma, formats)?);
            }
            Piece::Paragraph(para) => {
                gap(&mut row);
                for line in &para.lines {
                    write_cell(sheet, row, 0, &line.text, comma, false, formats)?;
                    row += 1;
                }
            }
            Piece::Figure(_) => {}
        }
    }
    Ok(ranges)
}

/// A blank row before what follows, but at the top.
fn gap(row: &mut u32) {
    if *row > 0 {
        *row += 1;
    }
}

/// A table from `row` on, its cells bordered and merged; `row` moves past
/// it. Returns its range.
fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    row: &mut u32,
    comma: bool,
    formats: &mut Formats,
) -> Result<String, WriteError> {
    let top = *row;
    for cell in &table.cells {
        let r = top + cell.row as u32;
        let c = cell.column as u16;
        if cell.row_span > 1 || cell.column_span > 1 {
            let (r1, c1) = (
                r + cell.row_span as u32 - 1,
                c + cell.column_span as u16 - 1,
            );
            sheet.merge_range(r, c, r1, c1, "", formats.get(None, true))?;
        }
        write_cell(sheet, r, c, &cell.text, comma, true, formats)?;
    }
    *row = top + table.rows as u32;
    Ok(format!(
        "${}${}:${}${}",
        column_name(0),
        top + 1,
        column_name(table.columns.saturating_sub(1)),
        top + table.rows as u32
    ))
}

/// A column's letters: 0 is `A`, 26 is `AA`.
fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// One cell: a number with its format, or text; bordered in a table.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    comma: bool,
    border: bool,
    formats: &mut Formats,
) -> Result<(), WriteError> {
    match numbers::parse(text, comma) {
        Some(Number { value, format }) => {
            sheet.write_number_with_format(row, col, value, formats.get(Some(&format), border))?;
        }
        None if border => {
            sheet.write_string_with_format(row, col, text, formats.get(None, true))?;
        }
        None => {
            sheet.write_string(row, col, text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
