//! XLSX: a workbook with one worksheet per page (`Page 1`, `Page 2`...),
//! written with `rust_xlsxwriter` (docs/decisions.md).
//!
//! A page's text is written in the layout model's reading order, one row
//! per line and a blank row between paragraphs. A cell whose text is one
//! number (read as the page's language writes numbers, see
//! [`crate::numbers`]) holds that number with a format that shows it as
//! printed. Columns are fitted to their content.

use crate::numbers::{self, Number};
use crate::structured::lay_out;
use crate::WriteError;
use ocrloom_layout::Page;
use ocrloom_ocr::PageResult;
use ocrloom_raster::{Document, PageText};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
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

/// Number formats by their code, so that each is made once.
#[derive(Default)]
struct Formats {
    by_code: HashMap<String, Format>,
}

impl Formats {
    fn number(&mut self, code: &str) -> &Format {
        self.by_code
            .entry(code.to_string())
            .or_insert_with(|| Format::new().set_num_format(code))
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
    for (index, result) in pages.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(format!("Page {}", index + 1))?;
        match result {
            Some(r) => {
                let laid = lay_out(doc, index, Some(r), false, false)?;
                write_page(sheet, &laid.layout, &mut formats)?;
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
    let bytes = workbook.save_to_buffer()?;
    out.write_all(&bytes)?;
    Ok(())
}

/// One page's rows.
fn write_page(sheet: &mut Worksheet, page: &Page, formats: &mut Formats) -> Result<(), WriteError> {
    let comma = numbers::decimal_comma(&page.language);
    let mut row = 0u32;
    for para in page.paragraphs() {
        if row > 0 {
            row += 1;
        }
        for line in &para.lines {
            write_cell(sheet, row, 0, &line.text, comma, formats)?;
            row += 1;
        }
    }
    Ok(())
}

/// One cell: a number with its format, or text.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    comma: bool,
    formats: &mut Formats,
) -> Result<(), WriteError> {
    match numbers::parse(text, comma) {
        Some(Number { value, format }) => {
            sheet.write_number_with_format(row, col, value, formats.number(&format))?;
        }
        None => {
            sheet.write_string(row, col, text)?;
        }
    }
    Ok(())
}
